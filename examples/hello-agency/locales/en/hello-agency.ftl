# hello-agency's own messages.
hello-greeting = Hello, { $name }!
hello-greeting-exists = { $name } has already been greeted.
validation-not_blank = Enter more than spaces.
