//! Reads the API description (`spec/antom.openapi.json`) into the few shapes
//! the generator needs. Anything the generator does not understand is an
//! error naming the schema and field, never a silent guess.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::order::Keys;

/// A field's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    String,
    Integer,
    Number,
    Boolean,
    Array(Box<Ty>),
    Map(Box<Ty>),
    /// A free-form JSON value.
    Any,
    /// A named schema (object or enum).
    Ref(String),
}

/// One property of an object schema, in wire order.
#[derive(Debug, Clone)]
pub struct Field {
    pub wire: String,
    pub ty: Ty,
    pub required: bool,
    pub description: Option<String>,
    pub max_length: Option<u64>,
    pub format: Option<String>,
}

/// An object schema.
#[derive(Debug, Clone)]
pub struct Object {
    pub name: String,
    pub description: Option<String>,
    pub fields: Vec<Field>,
    /// Response fields always present on success (required in the type).
    pub required_on_success: Vec<String>,
    /// Groups of fields of which at least one must be sent.
    pub one_of: Vec<Vec<String>>,
}

/// A named string enum.
#[derive(Debug, Clone)]
pub struct Enum {
    pub name: String,
    pub description: Option<String>,
    pub values: Vec<String>,
}

#[derive(Debug, Clone)]
pub enum Schema {
    Object(Object),
    Enum(Enum),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    Never,
    SameKey,
    Always,
}

/// An echoed identifier: the request's field must come back in the reply.
#[derive(Debug, Clone)]
pub struct Echo {
    pub request: String,
    pub response: String,
}

/// One API.
#[derive(Debug, Clone)]
pub struct Operation {
    pub id: String,
    pub path: String,
    pub area: String,
    pub summary: Option<String>,
    pub request: String,
    pub response: String,
    pub retry: Retry,
    pub idempotency_field: Option<String>,
    pub echo: Vec<Echo>,
    pub transport: String,
    pub advice: Option<String>,
    pub pending_codes: Vec<String>,
}

#[derive(Debug, Clone)]
pub enum Discriminator {
    NotifyType(Vec<String>),
    Field(String),
}

/// One notification kind.
#[derive(Debug, Clone)]
pub struct Webhook {
    pub name: String,
    pub area: String,
    pub summary: Option<String>,
    pub schema: String,
    pub discriminator: Discriminator,
    pub dedup_key: Vec<String>,
}

/// The whole description.
#[derive(Debug)]
pub struct Spec {
    pub sdk_version: String,
    pub operations: Vec<Operation>,
    pub webhooks: Vec<Webhook>,
    pub schemas: BTreeMap<String, Schema>,
}

type Res<T> = Result<T, String>;

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn req_text(v: &Value, key: &str, what: &str) -> Res<String> {
    text(v, key).ok_or_else(|| format!("{what}: `{key}` is missing or not text"))
}

fn schema_ref(v: &Value, what: &str) -> Res<String> {
    let r = v
        .get("$ref")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{what}: expected a $ref"))?;
    r.strip_prefix("#/components/schemas/")
        .map(str::to_owned)
        .ok_or_else(|| format!("{what}: $ref {r} is not #/components/schemas/..."))
}

fn body_ref(v: &Value, what: &str) -> Res<String> {
    let schema = v
        .pointer("/content/application~1json/schema")
        .ok_or_else(|| format!("{what}: no application/json schema"))?;
    schema_ref(schema, what)
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn ty(v: &Value, what: &str) -> Res<Ty> {
    if v.get("$ref").is_some() {
        return schema_ref(v, what).map(Ty::Ref);
    }
    match v.get("type").and_then(Value::as_str) {
        Some("string") => Ok(Ty::String),
        Some("integer") => Ok(Ty::Integer),
        Some("number") => Ok(Ty::Number),
        Some("boolean") => Ok(Ty::Boolean),
        Some("array") => {
            let items = v
                .get("items")
                .ok_or_else(|| format!("{what}: array without items"))?;
            Ok(Ty::Array(Box::new(ty(items, what)?)))
        }
        Some("object") => match v.get("additionalProperties") {
            Some(Value::Object(inner)) if !inner.is_empty() => {
                Ok(Ty::Map(Box::new(ty(&Value::Object(inner.clone()), what)?)))
            }
            _ => Ok(Ty::Any),
        },
        None if v
            .as_object()
            .is_some_and(|o| o.keys().all(|k| k == "description" || k.starts_with("x-"))) =>
        {
            Ok(Ty::Any)
        }
        other => Err(format!("{what}: unsupported type {other:?} in {v}")),
    }
}

fn schema(name: &str, v: &Value, order: Option<&Keys>) -> Res<Schema> {
    let description = text(v, "description");
    if let Some(values) = v.get("enum") {
        let values = values
            .as_array()
            .ok_or_else(|| format!("schema {name}: enum is not a list"))?
            .iter()
            .map(|x| match x {
                Value::String(s) => Ok(s.clone()),
                other => Err(format!("schema {name}: enum value {other} is not text")),
            })
            .collect::<Res<Vec<_>>>()?;
        return Ok(Schema::Enum(Enum {
            name: name.to_owned(),
            description,
            values,
        }));
    }
    let required = strings(v.get("required"));
    let mut fields = Vec::new();
    if let Some(props) = v.get("properties").and_then(Value::as_object) {
        // Wire order, as the description lists them.
        let ordered: Vec<&str> = match order.and_then(|k| k.at(&["properties"])) {
            Some(keys) => keys.names().collect(),
            None => props.keys().map(String::as_str).collect(),
        };
        for wire in ordered {
            let Some(p) = props.get(wire) else { continue };
            let wire = &wire.to_owned();
            let what = format!("{name}.{wire}");
            fields.push(Field {
                wire: wire.clone(),
                ty: ty(p, &what)?,
                required: required.contains(wire),
                description: text(p, "description"),
                max_length: p.get("maxLength").and_then(Value::as_u64),
                format: text(p, "format"),
            });
        }
    }
    for r in &required {
        if !fields.iter().any(|f| &f.wire == r) {
            return Err(format!(
                "schema {name}: required field {r} is not a property"
            ));
        }
    }
    Ok(Schema::Object(Object {
        name: name.to_owned(),
        description,
        fields,
        required_on_success: strings(v.get("x-required-on-success")),
        one_of: v
            .get("x-required-one-of")
            .and_then(Value::as_array)
            .map(|groups| groups.iter().map(|g| strings(Some(g))).collect())
            .unwrap_or_default(),
    }))
}

fn retry(v: Option<&str>, what: &str) -> Res<Retry> {
    match v {
        Some("never") => Ok(Retry::Never),
        Some("same-key") => Ok(Retry::SameKey),
        Some("always") => Ok(Retry::Always),
        other => Err(format!(
            "{what}: x-retry {other:?} is not never/same-key/always"
        )),
    }
}

impl Spec {
    pub fn parse(doc: &Value, order: &Keys) -> Res<Spec> {
        let sdk_version = doc
            .pointer("/info/version")
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_owned();
        let mut schemas = BTreeMap::new();
        if let Some(all) = doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
        {
            for (name, v) in all {
                let keys = order.at(&["components", "schemas", name]);
                schemas.insert(name.clone(), schema(name, v, keys)?);
            }
        }
        let mut operations = Vec::new();
        if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
            for (path, item) in paths {
                let Some(op) = item.get("post") else {
                    return Err(format!("path {path}: only POST operations are supported"));
                };
                let what = format!("path {path}");
                let echo = op
                    .get("x-echo-fields")
                    .and_then(Value::as_array)
                    .map(|list| {
                        list.iter()
                            .map(|e| {
                                Ok(Echo {
                                    request: req_text(e, "request", &what)?,
                                    response: req_text(e, "response", &what)?,
                                })
                            })
                            .collect::<Res<Vec<_>>>()
                    })
                    .transpose()?
                    .unwrap_or_default();
                operations.push(Operation {
                    id: req_text(op, "operationId", &what)?,
                    path: path.clone(),
                    area: req_text(op, "x-area", &what)?,
                    summary: text(op, "summary").or_else(|| text(op, "description")),
                    request: body_ref(
                        op.get("requestBody")
                            .ok_or_else(|| format!("{what}: no requestBody"))?,
                        &what,
                    )?,
                    response: body_ref(
                        op.pointer("/responses/200")
                            .ok_or_else(|| format!("{what}: no 200 response"))?,
                        &what,
                    )?,
                    retry: retry(op.get("x-retry").and_then(Value::as_str), &what)?,
                    idempotency_field: text(op, "x-idempotency-field"),
                    echo,
                    transport: text(op, "x-transport").unwrap_or_else(|| "json".to_owned()),
                    advice: text(op, "x-unknown-outcome-advice"),
                    pending_codes: strings(op.get("x-pending-codes")),
                });
            }
        }
        let mut webhooks = Vec::new();
        if let Some(hooks) = doc.get("webhooks").and_then(Value::as_object) {
            for (name, item) in hooks {
                let what = format!("webhook {name}");
                let op = item.get("post").ok_or_else(|| format!("{what}: no post"))?;
                let disc = op
                    .get("x-discriminator")
                    .ok_or_else(|| format!("{what}: no x-discriminator"))?;
                let discriminator = if let Some(values) = disc.get("notifyType") {
                    Discriminator::NotifyType(strings(Some(values)))
                } else if let Some(field) = disc.get("field").and_then(Value::as_str) {
                    Discriminator::Field(field.to_owned())
                } else {
                    return Err(format!("{what}: x-discriminator needs notifyType or field"));
                };
                webhooks.push(Webhook {
                    name: name.clone(),
                    area: req_text(op, "x-area", &what)?,
                    summary: text(op, "summary").or_else(|| text(op, "description")),
                    schema: body_ref(
                        op.get("requestBody")
                            .ok_or_else(|| format!("{what}: no requestBody"))?,
                        &what,
                    )?,
                    discriminator,
                    dedup_key: strings(op.get("x-dedup-key")),
                });
            }
        }
        let spec = Spec {
            sdk_version,
            operations,
            webhooks,
            schemas,
        };
        spec.check()?;
        Ok(spec)
    }

    /// Cross-references resolve, names are unique, keys are complete.
    fn check(&self) -> Res<()> {
        let mut ids = std::collections::BTreeSet::new();
        for op in &self.operations {
            if !ids.insert(op.id.as_str()) {
                return Err(format!("operationId {} is used twice", op.id));
            }
            for name in [&op.request, &op.response] {
                if !matches!(self.schemas.get(name), Some(Schema::Object(_))) {
                    return Err(format!("{}: {name} is not an object schema", op.id));
                }
            }
            if op.retry == Retry::SameKey && op.idempotency_field.is_none() {
                return Err(format!(
                    "{}: same-key retry needs x-idempotency-field",
                    op.id
                ));
            }
        }
        for hook in &self.webhooks {
            let Some(Schema::Object(obj)) = self.schemas.get(&hook.schema) else {
                return Err(format!(
                    "{}: {} is not an object schema",
                    hook.name, hook.schema
                ));
            };
            if hook.dedup_key.is_empty() {
                return Err(format!("{}: x-dedup-key is empty", hook.name));
            }
            for key in &hook.dedup_key {
                let top = key.split('.').next().unwrap_or(key);
                if !obj.fields.iter().any(|f| f.wire == top) {
                    return Err(format!(
                        "{}: dedup field {key} is not a property",
                        hook.name
                    ));
                }
            }
        }
        for s in self.schemas.values() {
            if let Schema::Object(o) = s {
                for f in &o.fields {
                    check_refs(&f.ty, &self.schemas, &format!("{}.{}", o.name, f.wire))?;
                }
            }
        }
        Ok(())
    }
}

fn check_refs(ty: &Ty, schemas: &BTreeMap<String, Schema>, what: &str) -> Res<()> {
    match ty {
        Ty::Ref(name) if !schemas.contains_key(name) => {
            Err(format!("{what}: $ref to unknown schema {name}"))
        }
        Ty::Array(inner) | Ty::Map(inner) => check_refs(inner, schemas, what),
        _ => Ok(()),
    }
}
