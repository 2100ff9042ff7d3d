# {{project-name}}'s messages.
notice-stale = Someone else changed this notice first (now version { $version }). Reload it, then edit.
validation-not_blank = Enter more than spaces.
