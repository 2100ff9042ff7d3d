# {{project-name}}'s messages.
{% if sample_resource %}notice-stale = Someone else changed this notice first (now version { $version }). Reload it, then edit.
{% endif -%}
validation-not_blank = Enter more than spaces.
