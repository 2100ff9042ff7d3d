# {{project-name}}'s messages. A framework message (e.g. validation-not_blank) can be overridden here under its key.

# The agency, the service and the contact on every page (egov-pages' layout).
egov-page-agency = {{agency_name}}
egov-page-service = {{project-name}}
egov-page-contact = Contact: {{agency_name}}, Government Call Center 110

# The start page
page-start-title = Home
page-start-lead = The {{project-name}} website of {{agency_name}}.
page-start-menu = Go to
page-start-privacy = The personal information this service processes, how long it is kept, and your rights
{% if sample_resource %}
# Notices
page-notices = Notices
page-start-notices = News from {{agency_name}} and changes to the service
page-notices-caption = Notices ({ $total } in all)
page-notices-empty = There are no notices yet.
page-notices-back = Back to the list
page-notice-title = Title
page-notice-category = Category
page-notice-updated = Last changed
{% endif %}
