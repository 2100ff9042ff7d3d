# {{project-name}}'s messages. A framework message (e.g. validation-not_blank) can be overridden here under its key.
