# hello-agency's own messages.
hello-greeting = Hello, { $name }!
hello-greeting-exists = { $name } has already been greeted.
