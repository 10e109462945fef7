//! Lenient readers for Alipay's JSON, for `#[serde(deserialize_with = ...)]`.
//! Alipay's docs say every scalar is a string, while the official SDKs send
//! booleans and numbers as JSON values, so both are accepted.
//! <https://docs.antom.com/ac/ams/api_fund>

use serde::de::{self, Deserializer, Visitor};
use std::fmt;

struct ScalarAsString;

impl Visitor<'_> for ScalarAsString {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, number or boolean")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }
}

/// A string, or a number or boolean turned into its text.
pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    d.deserialize_any(ScalarAsString)
}

/// Like [`string`], with `null` or absence as `None`.
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct Opt;
    impl<'de> Visitor<'de> for Opt {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string, number, boolean or null")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            string(d).map(Some)
        }
    }
    d.deserialize_option(Opt)
}

/// `true`, `false`, `"true"`, `"false"` (any case), or null/absent as `None`.
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match opt_string(d)? {
        None => Ok(None),
        Some(s) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(s) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(other) => Err(de::Error::invalid_value(
            de::Unexpected::Str(&other),
            &"true or false",
        )),
    }
}

/// A whole number, or its text (`5`, `"5"`).
pub fn i64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let text = string(d)?;
    text.trim()
        .parse()
        .map_err(|_| de::Error::invalid_value(de::Unexpected::Str(&text), &"a whole number"))
}

/// Like [`i64`](fn@i64), with `null` or absence as `None`.
pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match opt_string(d)? {
        None => Ok(None),
        Some(text) => {
            text.trim().parse().map(Some).map_err(|_| {
                de::Error::invalid_value(de::Unexpected::Str(&text), &"a whole number")
            })
        }
    }
}

/// A number, or its text (`1.5`, `"1.5"`).
pub fn f64<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let text = string(d)?;
    parse_f64(&text)
        .ok_or_else(|| de::Error::invalid_value(de::Unexpected::Str(&text), &"a number"))
}

/// Like [`f64`](fn@f64), with `null` or absence as `None`.
pub fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    match opt_string(d)? {
        None => Ok(None),
        Some(text) => parse_f64(&text)
            .map(Some)
            .ok_or_else(|| de::Error::invalid_value(de::Unexpected::Str(&text), &"a number")),
    }
}

fn parse_f64(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

/// `true`, `false`, `"true"`, `"false"` (any case).
pub fn bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let text = string(d)?;
    if text.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if text.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(de::Error::invalid_value(
            de::Unexpected::Str(&text),
            &"true or false",
        ))
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Scalars {
        #[serde(deserialize_with = "super::i64")]
        a: i64,
        #[serde(default, deserialize_with = "super::opt_i64")]
        b: Option<i64>,
        #[serde(deserialize_with = "super::f64")]
        c: f64,
        #[serde(default, deserialize_with = "super::opt_f64")]
        d: Option<f64>,
        #[serde(deserialize_with = "super::bool")]
        e: bool,
        #[serde(default, deserialize_with = "super::opt_bool")]
        f: Option<bool>,
    }

    #[test]
    fn numbers_and_booleans_as_values_or_text() {
        let json: Scalars =
            serde_json::from_str(r#"{"a":5,"b":-7,"c":1.5,"d":2,"e":true,"f":false}"#).unwrap();
        let text: Scalars =
            serde_json::from_str(r#"{"a":"5","b":"-7","c":"1.5","d":"2","e":"TRUE","f":"false"}"#)
                .unwrap();
        assert_eq!(json, text);
        assert_eq!(json.a, 5);
        let absent: Scalars = serde_json::from_str(r#"{"a":1,"c":0,"e":false,"b":null}"#).unwrap();
        assert_eq!((absent.b, absent.d, absent.f), (None, None, None));
        for bad in [
            r#"{"a":"five","c":0,"e":true}"#,
            r#"{"a":1,"c":"NaN","e":true}"#,
            r#"{"a":1,"c":0,"e":"yes"}"#,
            r#"{"a":1.5,"c":0,"e":true}"#,
        ] {
            assert!(serde_json::from_str::<Scalars>(bad).is_err(), "{bad}");
        }
    }
}
