//! The order of keys in the description's JSON objects. `serde_json::Value`
//! sorts keys (without its `preserve_order` feature, which would change
//! every crate of the workspace), but properties must be generated in wire
//! order, so the key order is read separately.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

/// An object's keys in document order, each with its value's keys.
#[derive(Debug, Default)]
pub struct Keys(pub Vec<(String, Keys)>);

impl Keys {
    pub fn parse(text: &str) -> Result<Keys, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(text);
        let keys = de::Deserialize::deserialize(&mut de)?;
        de.end()?;
        Ok(keys)
    }

    /// The keys below a path of keys.
    pub fn at(&self, path: &[&str]) -> Option<&Keys> {
        let mut here = self;
        for step in path {
            here = here.0.iter().find(|(k, _)| k == step).map(|(_, v)| v)?;
        }
        Some(here)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }
}

impl<'de> de::Deserialize<'de> for Keys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(KeysVisitor)
    }
}

struct KeysVisitor;

impl<'de> Visitor<'de> for KeysVisitor {
    type Value = Keys;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
        let mut out = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Keys>()? {
            out.push((k, v));
        }
        Ok(Keys(out))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Keys, A::Error> {
        while seq.next_element::<Keys>()?.is_some() {}
        Ok(Keys::default())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Keys, E> {
        Ok(Keys::default())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Keys, E> {
        Ok(Keys::default())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Keys, E> {
        Ok(Keys::default())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Keys, E> {
        Ok(Keys::default())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Keys, E> {
        Ok(Keys::default())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Keys, E> {
        Ok(Keys::default())
    }
}
