//! A form's errors, as the error summary and the fields show them.

use std::collections::BTreeMap;

use egov_core::problem::Problem;
use serde::Serialize;

/// One error of a form: the field's id (the summary links to `#field`), its label
/// and the message, all in the page's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormError {
    /// The field's `id` and `name`.
    pub field: String,
    /// The field's label, as the form shows it.
    pub label: String,
    /// What is wrong, localized.
    pub message: String,
}

/// The errors of a submitted form, in the order of its fields: the list for the
/// error summary (`errors`) and, per field, the message shown at the field
/// (`field_errors`).
///
/// ```
/// use egov_core::message::Message;
/// use egov_core::problem::{FieldError, Problem, ProblemType};
/// use egov_pages::FormErrors;
///
/// let problem = Problem::new(ProblemType::VALIDATION_FAILED)
///     .with_field_error(FieldError::new("/phone", "phone", Message::new("validation-phone")))
///     .with_field_error(FieldError::new("/title", "length", Message::new("validation-length")));
/// let fields = [("title", "field-title"), ("body", "field-body"), ("phone", "field-phone")];
/// let errors = FormErrors::from_problem(&problem, &fields, |m| m.key().to_owned());
/// // In the form's order, not the problem's.
/// let order: Vec<&str> = errors.list().iter().map(|e| e.field.as_str()).collect();
/// assert_eq!(order, ["title", "phone"]);
/// assert_eq!(errors.by_field()["phone"], "validation-phone");
/// assert_eq!(errors.list()[0].label, "field-title");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormErrors {
    list: Vec<FormError>,
}

impl FormErrors {
    /// No errors.
    pub fn new() -> Self {
        Self::default()
    }

    /// The errors of `problem` (its per-field errors, JSON pointers `/field`) for the
    /// form's `fields` — `(field name, label message key)` in the order the form
    /// shows them; one message per field (the first); `text` localizes a message
    /// (the page's [`crate::Page::message`]). A problem error naming no field of the
    /// form is attached to the first field, so nothing is lost silently.
    pub fn from_problem(
        problem: &Problem,
        fields: &[(&str, &str)],
        text: impl Fn(&egov_core::message::Message) -> String,
    ) -> Self {
        let mut list = Vec::new();
        for (field, label_key) in fields {
            let pointer = format!("/{field}");
            if let Some(error) = problem.errors().iter().find(|e| e.field == pointer) {
                list.push(FormError {
                    field: (*field).to_owned(),
                    label: text(&egov_core::message::Message::new(label_key.to_string())),
                    message: text(&error.message),
                });
            }
        }
        let known = |pointer: &str| fields.iter().any(|(f, _)| pointer == format!("/{f}"));
        if let (Some(stray), Some((first, label_key))) = (
            problem.errors().iter().find(|e| !known(&e.field)),
            fields.first(),
        ) && !list.iter().any(|e| e.field == *first)
        {
            list.insert(
                0,
                FormError {
                    field: (*first).to_owned(),
                    label: text(&egov_core::message::Message::new(label_key.to_string())),
                    message: text(&stray.message),
                },
            );
        }
        if list.is_empty()
            && let Some((first, label_key)) = fields.first()
        {
            // A problem without field errors (a conflict, a refusal): its detail
            // or title, at the first field.
            list.push(FormError {
                field: (*first).to_owned(),
                label: text(&egov_core::message::Message::new(label_key.to_string())),
                message: text(problem.detail().unwrap_or(problem.title())),
            });
        }
        Self { list }
    }

    /// Adds an error (for checks the handler makes itself).
    pub fn push(&mut self, field: &str, label: String, message: String) {
        self.list.push(FormError {
            field: field.to_owned(),
            label,
            message,
        });
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The errors in form order (the error summary's `errors`).
    pub fn list(&self) -> &[FormError] {
        &self.list
    }

    /// The message per field (the fields' `error=`).
    pub fn by_field(&self) -> BTreeMap<String, String> {
        self.list
            .iter()
            .map(|e| (e.field.clone(), e.message.clone()))
            .collect()
    }
}
