//! What the generator works out before writing: which areas reach each
//! schema, in which direction it crosses the wire, where each type lives,
//! which fields must be boxed, which types have checks.

use std::collections::{BTreeMap, BTreeSet};

use crate::spec::{Field, Object, Schema, Spec, Ty};

/// Schemas the core crate already provides.
pub fn core_type(schema: &str) -> Option<&'static str> {
    match schema {
        "Amount" => Some("alipay_ams_core::Amount"),
        "Result" | "ResultInfo" => Some("alipay_ams_core::ResultInfo"),
        _ => None,
    }
}

/// Where a schema's type is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Home {
    /// The request of one operation, in its area's module.
    Request { op: usize },
    /// The response of one operation, in its area's module.
    Response { op: usize },
    /// The payload of one notification kind, in its area's module.
    Notification { hook: usize },
    /// A shared model (or an enum), in `models`.
    Model,
}

pub struct Analysis<'a> {
    pub spec: &'a Spec,
    /// Areas whose operations or notifications reach each schema.
    pub areas: BTreeMap<&'a str, BTreeSet<&'a str>>,
    /// Reached from a request: needs Serialize.
    pub ser: BTreeSet<&'a str>,
    /// Reached from a response or notification: needs Deserialize.
    pub de: BTreeSet<&'a str>,
    /// Reached from a notification: also Serialize (a gateway sends them, a
    /// merchant stores them, dedup keys may include a list's JSON).
    pub notified: BTreeSet<&'a str>,
    pub homes: BTreeMap<&'a str, Home>,
    /// The roles a schema plays as the body of an operation or notification.
    pub roots: BTreeMap<&'a str, Vec<Home>>,
    /// Object types with an inherent `validate` (something to check).
    pub validated: BTreeSet<&'a str>,
    /// (schema, field) pairs whose type must be boxed (recursion).
    pub boxed: BTreeSet<(&'a str, &'a str)>,
}

fn refs(ty: &Ty, out: &mut Vec<String>) {
    match ty {
        Ty::Ref(name) => out.push(name.clone()),
        Ty::Array(inner) | Ty::Map(inner) => refs(inner, out),
        _ => {}
    }
}

fn object<'a>(spec: &'a Spec, name: &str) -> Option<&'a Object> {
    match spec.schemas.get(name) {
        Some(Schema::Object(o)) => Some(o),
        _ => None,
    }
}

/// Every schema reachable from `root`, `root` included.
fn reach<'a>(spec: &'a Spec, root: &str) -> BTreeSet<&'a str> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![root.to_owned()];
    while let Some(name) = stack.pop() {
        let Some((key, schema)) = spec.schemas.get_key_value(&name) else {
            continue;
        };
        if !seen.insert(key.as_str()) {
            continue;
        }
        if let Schema::Object(o) = schema {
            let mut next = Vec::new();
            for f in &o.fields {
                refs(&f.ty, &mut next);
            }
            stack.extend(next);
        }
    }
    seen
}

impl<'a> Analysis<'a> {
    pub fn new(spec: &'a Spec) -> Result<Self, String> {
        let mut areas: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        let mut ser = BTreeSet::new();
        let mut de = BTreeSet::new();
        let mut roots: BTreeMap<&str, Vec<Home>> = BTreeMap::new();
        for (i, op) in spec.operations.iter().enumerate() {
            for name in reach(spec, &op.request) {
                areas.entry(name).or_default().insert(op.area.as_str());
                ser.insert(name);
            }
            for name in reach(spec, &op.response) {
                areas.entry(name).or_default().insert(op.area.as_str());
                de.insert(name);
            }
            roots
                .entry(op.request.as_str())
                .or_default()
                .push(Home::Request { op: i });
            roots
                .entry(op.response.as_str())
                .or_default()
                .push(Home::Response { op: i });
        }
        let mut notified = BTreeSet::new();
        for (i, hook) in spec.webhooks.iter().enumerate() {
            for name in reach(spec, &hook.schema) {
                areas.entry(name).or_default().insert(hook.area.as_str());
                de.insert(name);
                notified.insert(name);
            }
            roots
                .entry(hook.schema.as_str())
                .or_default()
                .push(Home::Notification { hook: i });
        }
        // Schemas referenced as a field anywhere are shared models.
        let mut nested: BTreeSet<String> = BTreeSet::new();
        for schema in spec.schemas.values() {
            if let Schema::Object(o) = schema {
                let mut r = Vec::new();
                for f in &o.fields {
                    refs(&f.ty, &mut r);
                }
                nested.extend(r);
            }
        }
        let mut homes = BTreeMap::new();
        for name in areas.keys() {
            if core_type(name).is_some() {
                continue;
            }
            // A type serving one operation or notification, and nothing
            // else, is written beside it; everything else is a shared model.
            let home = match roots.get(name).map(Vec::as_slice) {
                Some([only]) if !nested.contains(*name) => only.clone(),
                _ => Home::Model,
            };
            homes.insert(*name, home);
        }
        let mut analysis = Analysis {
            spec,
            areas,
            ser,
            de,
            notified,
            homes,
            roots,
            validated: BTreeSet::new(),
            boxed: BTreeSet::new(),
        };
        analysis.find_boxed();
        analysis.find_validated();
        Ok(analysis)
    }

    /// A field referring (not through a list or map) to a schema that leads
    /// back to its own type would make the type infinitely large: box it.
    fn find_boxed(&mut self) {
        let spec = self.spec;
        for (name, schema) in &spec.schemas {
            let Schema::Object(o) = schema else { continue };
            for f in &o.fields {
                if let Ty::Ref(target) = &f.ty
                    && self.directly_reaches(target, name)
                {
                    self.boxed.insert((name.as_str(), f.wire.as_str()));
                }
            }
        }
    }

    fn directly_reaches(&self, from: &str, to: &str) -> bool {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_owned()];
        while let Some(name) = stack.pop() {
            if name == to {
                return true;
            }
            if !seen.insert(name.clone()) {
                continue;
            }
            if let Some(o) = object(self.spec, &name) {
                for f in &o.fields {
                    if let Ty::Ref(next) = &f.ty {
                        stack.push(next.clone());
                    }
                }
            }
        }
        false
    }

    /// The Rust name of a schema's type: notification payloads are named
    /// after their notification (`notifyCapture` -> `CaptureNotification`).
    pub fn rust_name(&self, schema: &str) -> String {
        if let Some(Home::Notification { hook }) = self.homes.get(schema)
            && let Some(h) = self.spec.webhooks.get(*hook)
        {
            let base = h.name.strip_prefix("notify").unwrap_or(&h.name);
            return format!("{base}Notification");
        }
        crate::names::type_name(schema)
    }

    /// Whether a field is non-optional in the Rust type.
    pub fn required(&self, owner: &str, field: &Field) -> bool {
        let role = self.roots.get(owner).and_then(|r| r.first());
        match role {
            Some(Home::Request { .. }) => field.required,
            Some(Home::Response { .. }) => {
                field.wire == "result"
                    || object(self.spec, owner)
                        .is_some_and(|o| o.required_on_success.contains(&field.wire))
            }
            // Required in a notification: what the docs mark REQUIRED, and
            // the field that names a kind without notifyType.
            Some(Home::Notification { hook }) => {
                let discriminating = self.spec.webhooks.get(*hook).is_some_and(|h| {
                    matches!(&h.discriminator, crate::spec::Discriminator::Field(f) if *f == field.wire)
                });
                discriminating || field.required
            }
            // Shared models: required only when they only ever go out (a
            // reply missing a field must still parse).
            _ => field.required && self.ser.contains(owner) && !self.de.contains(owner),
        }
    }

    /// Whether a field is one of Alipay's required fields that the type
    /// leaves optional (checked by `validate` instead).
    pub fn checked_presence(&self, owner: &str, field: &Field) -> bool {
        field.required && self.ser.contains(owner) && !self.required(owner, field)
    }

    fn find_validated(&mut self) {
        loop {
            let mut changed = false;
            for (name, schema) in &self.spec.schemas {
                let Schema::Object(o) = schema else { continue };
                if !self.ser.contains(name.as_str()) || self.validated.contains(name.as_str()) {
                    continue;
                }
                if self.object_has_checks(o) {
                    self.validated.insert(name.as_str());
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }

    fn object_has_checks(&self, o: &Object) -> bool {
        !o.one_of.is_empty() || o.fields.iter().any(|f| self.field_has_checks(&o.name, f))
    }

    pub fn field_has_checks(&self, owner: &str, f: &Field) -> bool {
        if self.checked_presence(owner, f) {
            return true;
        }
        match &f.ty {
            Ty::String => f.max_length.is_some() || self.required(owner, f),
            Ty::Ref(name) if name == "Amount" => true,
            Ty::Ref(name) => self.validated.contains(name.as_str()),
            Ty::Array(inner) => {
                matches!(&**inner, Ty::Ref(n) if n == "Amount" || self.validated.contains(n.as_str()))
            }
            _ => false,
        }
    }

    /// `#[cfg(...)]` for a schema: the areas reaching it.
    pub fn cfg(&self, name: &str) -> String {
        let areas = self.areas.get(name).cloned().unwrap_or_default();
        let list: Vec<String> = areas.iter().map(|a| format!("feature = \"{a}\"")).collect();
        match list.as_slice() {
            [one] => format!("#[cfg({one})]"),
            _ => format!("#[cfg(any({}))]", list.join(", ")),
        }
    }
}
