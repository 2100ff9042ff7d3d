//! [`StrictQuery`]: a query string read parameter by parameter, where an
//! unknown or repeated parameter is an error rather than ignored, and every
//! error is collected into one 422 problem.

use std::collections::BTreeMap;

use egov_core::message::Message;
use egov_core::problem::{FieldError, Problem, ProblemType};

/// A query string checked against the parameters an endpoint knows.
///
/// - an unknown parameter is a field error `unknown` (`query-unknown`), once
///   per name;
/// - a repeated one is `repeated` (`query-repeated`);
/// - values are trimmed; an empty value counts as absent for [`get`](Self::get);
/// - a value a conversion refuses is `invalid`, with the caller's message.
///
/// Errors name the parameter as a JSON pointer (`/from`), like body fields, and
/// [`finish`](Self::finish) reports them all at once, sorted by pointer.
///
/// ```
/// use egov_http::query::StrictQuery;
///
/// let mut query = StrictQuery::parse(Some("size=5&size=6&colour=red&from=yesterday"), &["size", "from"]);
/// let from = query.get("from", "my-query-time", |v| v.parse::<u32>().ok());
/// assert_eq!(from, None);
/// let problem = query.finish().unwrap_err();
/// let fields: Vec<_> = problem.errors().iter().map(|e| (e.field.as_str(), &*e.code)).collect();
/// assert_eq!(fields, [("/colour", "unknown"), ("/from", "invalid"), ("/size", "repeated")]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct StrictQuery {
    values: BTreeMap<String, String>,
    errors: Vec<FieldError>,
}

/// The JSON pointer of query parameter `name` (RFC 6901 escaping; control
/// characters dropped and cut to 64 characters, as it is echoed to the client).
pub fn pointer(name: &str) -> String {
    let name: String = name.chars().filter(|c| !c.is_control()).take(64).collect();
    format!("/{}", name.replace('~', "~0").replace('/', "~1"))
}

impl StrictQuery {
    /// Reads `query` (the raw query string, if any), knowing only `known`.
    pub fn parse(query: Option<&str>, known: &[&str]) -> Self {
        let mut params = Self::default();
        let mut seen: Vec<String> = Vec::new();
        for (name, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            let name = name.into_owned();
            if !known.contains(&name.as_str()) {
                if !seen.contains(&name) {
                    params.fail(&name, "unknown", Message::new("query-unknown"));
                }
            } else if seen.contains(&name) {
                if !params.errors.iter().any(|e| e.field == pointer(&name)) {
                    params.fail(&name, "repeated", Message::new("query-repeated"));
                }
            } else {
                params.values.insert(name.clone(), value.trim().to_owned());
            }
            seen.push(name);
        }
        params
    }

    /// The trimmed value of `name` as given (possibly empty), if it was given.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// The value of `name` converted by `convert`; `None` when absent or
    /// empty, and when `convert` refuses it — then with the field error
    /// `invalid` and `message`.
    pub fn get<T>(
        &mut self,
        name: &str,
        message: &'static str,
        convert: impl FnOnce(&str) -> Option<T>,
    ) -> Option<T> {
        let value = self.values.get(name).filter(|v| !v.is_empty())?;
        let converted = convert(value);
        if converted.is_none() {
            self.fail(name, "invalid", Message::new(message));
        }
        converted
    }

    /// Records a field error for parameter `name`.
    pub fn fail(&mut self, name: &str, code: &'static str, message: Message) {
        self.errors
            .push(FieldError::new(pointer(name), code, message));
    }

    /// Records field errors found elsewhere (e.g. a paging problem's).
    pub fn extend(&mut self, errors: impl IntoIterator<Item = FieldError>) {
        self.errors.extend(errors);
    }

    /// Whether any error was recorded so far.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// Done reading: the 422 problem listing every error, sorted by pointer,
    /// if there was any.
    ///
    /// # Errors
    ///
    /// The problem, when any parameter was bad.
    pub fn finish(mut self) -> Result<(), Problem> {
        if self.errors.is_empty() {
            return Ok(());
        }
        self.errors.sort_by(|a, b| a.field.cmp(&b.field));
        Err(Problem::new(ProblemType::VALIDATION_FAILED)
            .with_detail(
                Message::new("problem-validation-failed-detail").arg("count", self.errors.len()),
            )
            .with_field_errors(self.errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_are_absent_to_get_but_present_raw() {
        let mut query = StrictQuery::parse(Some("all=&at=%20"), &["all", "at"]);
        assert_eq!(query.raw("all"), Some(""));
        assert_eq!(query.get("at", "x", |v| Some(v.to_owned())), None);
        assert!(query.finish().is_ok());
    }

    #[test]
    fn hostile_names_are_escaped_and_cut() {
        let long = "a/b~c\u{0}".to_owned() + &"x".repeat(100);
        let query = StrictQuery::parse(Some(&format!("{long}=1")), &[]);
        let problem = query.finish().unwrap_err();
        let field = &problem.errors()[0].field;
        assert!(field.starts_with("/a~1b~0c"));
        assert_eq!(field.chars().count(), 1 + 64 + 2);
    }
}
