//! The OpenAPI 3.1 document, assembled from the route table ([`crate::ROUTES`]): paths,
//! methods, access, summaries, parameters and body types all come from there; the schemas are
//! derived from the Rust types with `schemars`.

use crate::routes::{Access, ROUTES, RouteSpec};
use axum::response::{Html, IntoResponse, Response};
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value, json};
use std::borrow::Cow;
use std::marker::PhantomData;

/// The error answers every operation may give: each status with its codes, as `silo-contract`
/// declares them. A path parameter that is not a UUID names no record: 404 `not_found`, before
/// the body is read; a 422 names each field in `fields` (English) and `problems` (codes).
pub(crate) fn error_statuses() -> Vec<(u16, String)> {
    crate::error::documented_statuses()
}

/// A JSON value that is one of two types (an answer with two shapes).
pub struct OneOf<A, B>(PhantomData<(A, B)>);

impl<A: JsonSchema, B: JsonSchema> JsonSchema for OneOf<A, B> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        format!("{}Or{}", A::schema_name(), B::schema_name()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let a = generator.subschema_for::<A>();
        let b = generator.subschema_for::<B>();
        schemars::json_schema!({ "oneOf": [a, b] })
    }
}

fn error_schema(generator: &mut SchemaGenerator) -> Value {
    let problem = generator.subschema_for::<silo_contract::Problem>();
    let code = generator.subschema_for::<silo_contract::ErrorCode>();
    let company = generator.subschema_for::<silo_control::CompanySummary>();
    json!({
        "type": "object",
        "required": ["error"],
        "properties": {"error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": code,
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                "problems": {"type": "object", "additionalProperties": problem},
                "companies": {
                    "type": "array",
                    "items": company,
                    "description": "On `last_owner` when deleting one's own account: the companies whose only owner the caller is."
                }
            }
        }}
    })
}

/// The query parameters of a list route, one per property of its query type.
fn query_parameters(schema: &Schema) -> Vec<Value> {
    let properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    properties
        .into_iter()
        .map(|(name, mut schema)| {
            // Query values are never `null`: an absent parameter is the "none" of `Option`.
            if let Some(types) = schema.get("type").and_then(Value::as_array) {
                let types: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
                schema["type"] = match types.as_slice() {
                    [one] => one.clone(),
                    _ => Value::Array(types),
                };
            }
            let description = schema.as_object_mut().and_then(|s| s.remove("description"));
            // A query field the server cannot do without says so with `x-silo-required`
            // (`#[schemars(extend("x-silo-required" = true))]`): a required parameter.
            let required = schema
                .as_object_mut()
                .and_then(|s| s.remove("x-silo-required"))
                .is_some_and(|v| v == json!(true));
            let mut param = json!({"name": name, "in": "query", "schema": schema});
            if required {
                param["required"] = json!(true);
            }
            if let Some(description) = description {
                param["description"] = description;
            }
            param
        })
        .collect()
}

fn parameters(route: &RouteSpec) -> Vec<Value> {
    let mut params: Vec<Value> = route
        .path_params()
        .map(|name| {
            if name == crate::routes::SITE_KEY_PARAM {
                json!({"name": name, "in": "path", "required": true,
                    "description": "The site's public key (from its snippet), not a UUID",
                    "schema": {"type": "string", "pattern": "^[A-Za-z0-9._~-]{1,2048}$"}})
            } else {
                json!({"name": name, "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}})
            }
        })
        .collect();
    if let Some(header) = route.header {
        params.push(json!({"name": header, "in": "header", "required": true, "schema": {"type": "string", "enum": ["1"]}}));
    }
    if let Some(query) = route.query {
        // Each property of the query type is a parameter of its own, so its schema is resolved
        // here (in a generator of its own) rather than added to the components.
        let mut own = generator();
        let schema = query(&mut own);
        let schema = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.rsplit('/').next())
            .and_then(|name| own.definitions().get(name).cloned())
            .and_then(|v| Schema::try_from(v).ok())
            .unwrap_or(schema);
        params.extend(query_parameters(&schema));
    }
    params
}

/// A body of raw bytes in any of `media` types.
fn binary_content(media: &[&str]) -> Value {
    media
        .iter()
        .map(|m| {
            (
                (*m).to_owned(),
                json!({"schema": {"type": "string", "format": "binary"}}),
            )
        })
        .collect::<Map<String, Value>>()
        .into()
}

fn operation(route: &RouteSpec, generators: &mut Generators) -> Value {
    let mut responses = Map::new();
    let success = match (route.response, route.files) {
        (Some(schema), _) => {
            json!({"description": "success", "content": {"application/json": {"schema": schema(&mut generators.responses)}}})
        }
        (None, []) => json!({"description": "success"}),
        (None, media) => json!({"description": "the file", "content": binary_content(media)}),
    };
    responses.insert(route.status.to_string(), success);
    for (status, description) in error_statuses() {
        responses.insert(
            status.to_string(),
            json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}),
        );
    }
    let mut op = json!({
        "summary": route.summary,
        "operationId": route.operation_id(),
        "parameters": parameters(route),
        "responses": responses,
    });
    if let Some(schema) = route.request {
        let schema = schema(&mut generators.requests);
        op["requestBody"] =
            json!({"required": true, "content": {"application/json": {"schema": schema}}});
    } else if !route.body.is_empty() {
        op["requestBody"] = json!({"required": true, "content": binary_content(route.body)});
    }
    match route.access {
        Access::Public => op["security"] = json!([]),
        Access::Identity => op["security"] = json!([{"bearer": []}]),
        Access::Company(p) => {
            op["security"] = json!([{"bearer": []}]);
            op["x-silo-permission"] = json!(p.as_str());
        }
        Access::Portal(part) => {
            op["security"] = json!([{"portal": []}]);
            op["x-silo-portal-part"] = json!(part.as_str());
        }
    }
    op
}

/// A generator whose named schemas land in `#/components/schemas` (describing how types are
/// read: request bodies).
pub fn generator() -> SchemaGenerator {
    SchemaSettings::draft2020_12()
        .with(|s| s.definitions_path = "/components/schemas".into())
        .into_generator()
}

/// Request bodies are described as they are read (an `Option` field may be left out), answers
/// as they are written (every field is there unless it is skipped when empty).
struct Generators {
    requests: SchemaGenerator,
    responses: SchemaGenerator,
}

/// The whole document.
pub fn document() -> Value {
    let mut generators = Generators {
        requests: generator(),
        responses: SchemaSettings::draft2020_12()
            .with(|s| s.definitions_path = "/components/schemas".into())
            .for_serialize()
            .into_generator(),
    };
    let mut paths = Map::new();
    for route in ROUTES {
        let item = paths
            .entry(route.path.to_owned())
            .or_insert_with(|| json!({}));
        item[route.method.as_str().to_ascii_lowercase()] = operation(route, &mut generators);
    }
    let error = error_schema(&mut generators.responses);
    let mut schemas = generators.responses.take_definitions(true);
    let requests = generators.requests.take_definitions(true);
    // A type read and written alike is one schema; one whose two sides differ is documented
    // twice, the read side as `{Name}Input`.
    let mut renamed = Vec::new();
    for (name, schema) in &requests {
        if schemas.get(name).is_some_and(|written| written != schema) {
            renamed.push(name.clone());
        }
    }
    let rename = |value: &mut Value| {
        if renamed.is_empty() {
            return;
        }
        let mut text = value.to_string();
        for name in &renamed {
            text = text.replace(
                &format!("\"#/components/schemas/{name}\""),
                &format!("\"#/components/schemas/{name}Input\""),
            );
        }
        *value = serde_json::from_str(&text).unwrap_or_else(|_| value.clone());
    };
    for (name, mut schema) in requests {
        rename(&mut schema);
        let name = if renamed.contains(&name) {
            format!("{name}Input")
        } else {
            name
        };
        schemas.insert(name, schema);
    }
    for item in paths.values_mut() {
        for op in item
            .as_object_mut()
            .into_iter()
            .flat_map(|o| o.values_mut())
        {
            if let Some(body) = op.get_mut("requestBody") {
                rename(body);
            }
        }
    }
    schemas.insert("Error".into(), error);
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Silo API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Every company has its own database; a request reaches one only through the company_id claim of a verified token."
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "portal": {"type": "http", "scheme": "bearer", "bearerFormat": "Silo portal session (JWT~secret)"}
            }
        }
    })
}

/// `GET /api/openapi.json`.
pub async fn openapi_json() -> axum::Json<Value> {
    axum::Json(document())
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `GET /api/docs`: a plain reference page rendered on the server (no scripts, no CDN).
pub async fn docs_page() -> Response {
    let mut rows = String::new();
    for route in ROUTES {
        rows.push_str(&format!(
            "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td><code>{}</code></td></tr>\n",
            route.method,
            escape(route.path),
            escape(route.summary),
            escape(route.access.describe())
        ));
    }
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Silo API reference</title></head><body>\
         <h1>Silo API reference</h1><p>The machine-readable document is at <a href=\"/api/openapi.json\">/api/openapi.json</a> (OpenAPI 3.1). \
         Errors are <code>{{\"error\": {{\"code\", \"message\", \"fields\"?, \"problems\"?, \"companies\"?}}}}</code>.</p>\
         <table><thead><tr><th>method</th><th>path</th><th>what</th><th>needs</th></tr></thead><tbody>{rows}</tbody></table></body></html>"
    );
    Html(page).into_response()
}
