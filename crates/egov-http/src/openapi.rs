//! What the OpenAPI document says without a handler having to: the problem
//! responses a route can give because of its policy and its extractors, and
//! the security schemes its policy needs.
//!
//! [`ApiRouter::routes`](crate::ApiRouter::routes) applies [`describe`] to every
//! operation, so `#[utoipa::path]` attributes list only their own success and
//! domain responses:
//!
//! | what the operation has | responses added |
//! |---|---|
//! | any policy | 401 (a presented credential that is not valid is refused on every route) |
//! | a policy other than `Public` | the `bearer`/`cookie` security requirement |
//! | a policy that names a permission | 403 |
//! | a request body | 400, 413, 415, 422 |
//! | query parameters | 400, 422 |
//! | path parameters | 400 (control characters), 404 |
//! | an `If-Match` header parameter | 412 |
//!
//! A response the attribute lists itself is kept as written. What only the
//! handler knows is one word in its `responses(…)`: [`Stale`](crate::Stale) (409,
//! a stale version) or [`Conflict`] (409, a clash with the current state).

use egov_core::access::AccessPolicy;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder};

/// The media type of every error response.
pub const PROBLEM_JSON: &str = "application/problem+json";
/// The component name of the problem schema.
pub const PROBLEM_SCHEMA: &str = "Problem";
/// The security scheme of a bearer access token (`Authorization: Bearer …`).
pub const BEARER_SCHEME: &str = "bearer";
/// The security scheme of the access-token cookie of browser sessions.
pub const COOKIE_SCHEME: &str = "cookie";

/// The schema of an RFC 9457 problem as egov-rs renders it.
pub fn problem_schema() -> RefOr<Schema> {
    let string = || ObjectBuilder::new().schema_type(Type::String);
    let field_error = ObjectBuilder::new()
        .property(
            "field",
            string().description(Some("JSON pointer of the field")),
        )
        .property("code", string().description(Some("Stable error code")))
        .property("message", string().description(Some("Localized message")))
        .required("field")
        .required("code")
        .required("message");
    ObjectBuilder::new()
        .description(Some(
            "RFC 9457 problem details; `title`, `detail` and messages in the request's locale",
        ))
        .property(
            "type",
            string().description(Some("Stable problem type, `urn:egov:problem:{slug}`")),
        )
        .property("title", string())
        .property(
            "status",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(400))
                .maximum(Some(599)),
        )
        .property("detail", string())
        .property("instance", string())
        .property("errors", ArrayBuilder::new().items(field_error))
        .required("type")
        .required("title")
        .required("status")
        .into()
}

/// Adds the problem responses and security requirement `operation` has
/// because of `policy` and its own parameters and body (see the module docs).
pub fn describe(operation: &mut Operation, policy: &AccessPolicy) {
    let mut add = Vec::new();
    if *policy == AccessPolicy::Public {
        // A credential that is presented is checked on every route.
        add.push(("401", "The credentials presented are not valid"));
    } else {
        add.push(("401", "Not logged in, or the credentials are not valid"));
        if names_permission(policy) {
            add.push(("403", "Lacks the permission the route requires"));
        }
        operation.security = Some(vec![
            SecurityRequirement::new(BEARER_SCHEME, Vec::<String>::new()),
            SecurityRequirement::new(COOKIE_SCHEME, Vec::<String>::new()),
        ]);
    }
    if operation.request_body.is_some() {
        add.push(("400", "Malformed request body"));
        add.push(("413", "Request body too large"));
        add.push(("415", "Unsupported media type"));
        add.push(("422", "Invalid fields"));
    }
    let parameters = operation.parameters.as_deref().unwrap_or_default();
    let has = |place: ParameterIn| {
        parameters.iter().any(|p| match p {
            RefOr::T(p) => p.parameter_in == place,
            RefOr::Ref(_) => false,
        })
    };
    if has(ParameterIn::Query) {
        add.push(("400", "Malformed query string"));
        add.push(("422", "Invalid query parameters"));
    }
    if has(ParameterIn::Path) {
        add.push(("400", "Control characters in the path"));
        add.push(("404", "Not found"));
    }
    let if_match = parameters.iter().any(|p| match p {
        RefOr::T(p) => {
            p.parameter_in == ParameterIn::Header && p.name.eq_ignore_ascii_case("if-match")
        }
        RefOr::Ref(_) => false,
    });
    if if_match {
        add.push((
            "412",
            "Changed by someone else since it was read (If-Match)",
        ));
    }
    for (status, description) in add {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| problem_response(description));
    }
}

/// A problem response with `description`.
pub fn problem_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(PROBLEM_SCHEMA)))
                .build(),
        )
        .build()
        .into()
}

/// A `409`: the request clashes with the current state of what it changes
/// (already exists, not allowed in the current status). For `responses(…,
/// Conflict)` of `#[utoipa::path]`; the handler answers with a
/// `ProblemType::CONFLICT` problem whose detail says what clashed.
#[derive(Debug, Clone, Copy)]
pub struct Conflict;

impl utoipa::IntoResponses for Conflict {
    fn responses() -> std::collections::BTreeMap<String, RefOr<utoipa::openapi::Response>> {
        std::collections::BTreeMap::from([(
            "409".to_owned(),
            problem_response("Conflicts with the current state"),
        )])
    }
}

/// Whether some caller who is logged in can still be refused by `policy`.
fn names_permission(policy: &AccessPolicy) -> bool {
    match policy {
        AccessPolicy::Public | AccessPolicy::Authenticated => false,
        AccessPolicy::AnyOf(all) | AccessPolicy::AllOf(all) => {
            all.is_empty() || all.iter().any(names_permission)
        }
        _ => true,
    }
}

/// Declares the [`BEARER_SCHEME`] (a JWT) and, with `cookie_name`, the
/// [`COOKIE_SCHEME`] (that cookie) that [`describe`]d operations require.
/// Without a cookie (a service built without egov-auth's cookie sessions) the
/// operations' cookie alternative is taken out, so that no requirement names
/// an undeclared scheme.
pub fn add_security_schemes(openapi: &mut OpenApi, cookie_name: Option<&str>) {
    let components = openapi.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        BEARER_SCHEME,
        SecurityScheme::Http(
            utoipa::openapi::security::HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .build(),
        ),
    );
    if let Some(cookie_name) = cookie_name {
        components.add_security_scheme(
            COOKIE_SCHEME,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(cookie_name))),
        );
        return;
    }
    let bearer_only = vec![SecurityRequirement::new(
        BEARER_SCHEME,
        Vec::<String>::new(),
    )];
    for item in openapi.paths.paths.values_mut() {
        for operation in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ]
        .into_iter()
        .flatten()
        {
            if operation.security.is_some() {
                operation.security = Some(bearer_only.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use egov_core::actor::Permission;
    use utoipa::openapi::path::{OperationBuilder, ParameterBuilder};
    use utoipa::openapi::request_body::RequestBodyBuilder;

    fn statuses(operation: &Operation) -> Vec<&str> {
        operation
            .responses
            .responses
            .keys()
            .map(String::as_str)
            .collect()
    }

    #[test]
    fn public_reads_get_only_what_their_parameters_imply() {
        let mut list = OperationBuilder::new()
            .parameter(
                ParameterBuilder::new()
                    .name("page")
                    .parameter_in(ParameterIn::Query),
            )
            .build();
        describe(&mut list, &AccessPolicy::Public);
        assert_eq!(statuses(&list), ["400", "401", "422"]);
        assert!(list.security.is_none());

        let mut one = OperationBuilder::new()
            .parameter(
                ParameterBuilder::new()
                    .name("id")
                    .parameter_in(ParameterIn::Path),
            )
            .build();
        describe(&mut one, &AccessPolicy::Public);
        assert_eq!(statuses(&one), ["400", "401", "404"]);
    }

    #[test]
    fn guarded_writes_get_policy_and_body_problems_and_security() {
        let mut write = OperationBuilder::new()
            .request_body(Some(RequestBodyBuilder::new().build()))
            .parameter(
                ParameterBuilder::new()
                    .name("If-Match")
                    .parameter_in(ParameterIn::Header),
            )
            .response("200", ResponseBuilder::new().description("Changed").build())
            .response(
                "422",
                ResponseBuilder::new().description("Own words").build(),
            )
            .build();
        describe(
            &mut write,
            &AccessPolicy::Permission(Permission::new("notices:write")),
        );
        assert_eq!(
            statuses(&write),
            ["200", "400", "401", "403", "412", "413", "415", "422"]
        );
        let RefOr::T(kept) = &write.responses.responses["422"] else {
            panic!()
        };
        assert_eq!(kept.description, "Own words");
        assert_eq!(write.security.as_ref().map(Vec::len), Some(2));

        let mut me = OperationBuilder::new().build();
        describe(&mut me, &AccessPolicy::Authenticated);
        assert_eq!(statuses(&me), ["401"]);
    }
}
