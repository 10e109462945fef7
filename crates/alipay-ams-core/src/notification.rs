//! Notifications Alipay posts to the merchant, as kinds: the
//! [`NotificationKind`] trait says how a kind is recognised, how its body is
//! typed, and what identifies one event of it ([`DedupKey`]).
//!
//! Kinds are told apart by `notifyType` where Alipay sends one
//! (`PAYMENT_RESULT`, `CAPTURE_RESULT`, `REFUND_RESULT`, ...), and otherwise by
//! a field only that kind carries (`disputeNotificationType`,
//! `authorizationNotifyType`, `vaultingRequestId`): authorization, dispute and
//! vaulting notifications have no `notifyType`.
//! <https://docs.antom.com/ac/ams/notifications>

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeOwned, MapAccess, Visitor};
use serde::{Deserializer, Serialize, Serializer};

/// How the body of a notification kind is recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discriminator {
    /// The body's `notifyType` is one of these values.
    NotifyType(&'static [&'static str]),
    /// The body has this top-level field (for kinds without `notifyType`).
    Field(&'static str),
}

impl Discriminator {
    /// Whether a notification with these top-level fields is of this kind.
    pub fn matches(&self, peek: &Peek) -> bool {
        match self {
            Discriminator::NotifyType(values) => peek
                .notify_type()
                .is_some_and(|found| values.contains(&found)),
            Discriminator::Field(field) => peek.has_field(field),
        }
    }
}

/// One kind of notification: its typed body.
///
/// ```
/// use alipay_ams_core::{DedupKey, Discriminator, NotificationKind, ResultInfo};
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// #[serde(rename_all = "camelCase")]
/// struct DisputeNotification { dispute_id: String, dispute_notification_type: String, result: Option<ResultInfo> }
///
/// impl NotificationKind for DisputeNotification {
///     const NAME: &'static str = "notifyDispute";
///     const DISCRIMINATOR: Discriminator = Discriminator::Field("disputeNotificationType");
///     fn dedup_key(&self) -> DedupKey {
///         // One dispute has several events: the event is part of the key.
///         DedupKey::new(["DISPUTE", &self.dispute_notification_type, &self.dispute_id])
///     }
/// }
///
/// let judged: DisputeNotification = serde_json::from_str(r#"{"disputeId":"d1","disputeNotificationType":"DISPUTE_JUDGED"}"#)?;
/// assert_eq!(judged.dedup_key().as_str(), "DISPUTE:DISPUTE_JUDGED:d1");
/// # Ok::<(), serde_json::Error>(())
/// ```
pub trait NotificationKind: DeserializeOwned + Send + 'static {
    /// The notification's name in Alipay's documentation (`notifyCapture`).
    const NAME: &'static str;
    /// How its body is recognised.
    const DISCRIMINATOR: Discriminator;

    /// What identifies this event: two distinct events never share a key,
    /// and every redelivery of one event has the same key.
    fn dedup_key(&self) -> DedupKey;
}

/// The deduplication key of one notification event, such as
/// `CAPTURE_RESULT:<captureId>`: redeliveries share it, distinct events never
/// do. (Not to be confused with a request's idempotency key, such as
/// `captureRequestId`, which Alipay deduplicates requests by.)
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DedupKey(String);

impl DedupKey {
    /// A key from its parts, joined with `:`. Each part's `%` and `:` are
    /// percent-encoded, so different parts never give the same key. Empty
    /// parts at the end (optional fields that are absent) are left out:
    /// `PAYMENT_RESULT:<paymentId>`, not `PAYMENT_RESULT:<paymentId>:`.
    pub fn new<'a>(parts: impl IntoIterator<Item = &'a str>) -> Self {
        let mut key = String::with_capacity(64);
        // The key up to the end of the last non-empty part: what is left
        // once the empty parts at the end are dropped.
        let mut kept = 0;
        for (index, part) in parts.into_iter().enumerate() {
            if index > 0 {
                key.push(':');
            }
            for c in part.chars() {
                match c {
                    '%' => key.push_str("%25"),
                    ':' => key.push_str("%3A"),
                    c => key.push(c),
                }
            }
            if !part.is_empty() {
                kept = key.len();
            }
        }
        key.truncate(kept);
        DedupKey(key)
    }

    /// A key kept as it was stored (read back from a database).
    pub fn from_stored(key: impl Into<String>) -> Self {
        DedupKey(key.into())
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DedupKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for DedupKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// A first look at a notification body: its top-level field names and its
/// `notifyType`, enough to tell its kind before parsing it as one. Reading
/// it refuses what is not a JSON object, and a field given twice in any
/// object at any depth: parsers disagree on which of two values wins, so
/// such a body means one thing to the handler and another to an audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peek {
    /// The top-level field names, one after the other; `ends` marks where
    /// each ends. (Two allocations for any number of fields.)
    names: String,
    ends: Vec<usize>,
    notify_type: Option<String>,
}

/// Why a notification body could not be looked at.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PeekError {
    /// Not a JSON object (or not JSON).
    #[error("the body is not a JSON object: {0}")]
    NotAnObject(#[source] serde_json::Error),
    /// A top-level field appears twice.
    #[error("the field `{0}` appears twice in the body")]
    DuplicateField(String),
}

impl Peek {
    /// Reads the top level of a body.
    pub fn from_slice(body: &[u8]) -> Result<Self, PeekError> {
        // The common body (no escapes, no duplicates, plain numbers) in one
        // pass over the bytes; anything else, and every error, through
        // serde_json, whose answer is the reference.
        match scan::object(body) {
            Some(peek) => Ok(peek),
            None => Self::walk(body),
        }
    }

    /// [`Peek::from_slice`] through serde_json alone.
    fn walk(body: &[u8]) -> Result<Self, PeekError> {
        let mut de = serde_json::Deserializer::from_slice(body);
        let peek = de
            .deserialize_map(PeekVisitor)
            .and_then(|peek| de.end().map(|()| peek))
            .map_err(PeekError::NotAnObject)?;
        match peek {
            Ok(peek) => Ok(peek),
            Err(field) => Err(PeekError::DuplicateField(field)),
        }
    }

    /// `notifyType`, when present as text.
    pub fn notify_type(&self) -> Option<&str> {
        self.notify_type.as_deref()
    }

    /// Whether the body has a top-level field of this name.
    pub fn has_field(&self, name: &str) -> bool {
        self.fields().any(|f| f == name)
    }

    /// The top-level field names, in the body's order.
    fn fields(&self) -> impl Iterator<Item = &str> {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let name = self.names.get(start..end).unwrap_or_default();
            start = end;
            name
        })
    }

    /// Whether the body is of kind `K`.
    pub fn is<K: NotificationKind>(&self) -> bool {
        K::DISCRIMINATOR.matches(self)
    }
}

/// A field name, borrowed from the body when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(v.to_owned())))
    }
}

/// The names seen so far in one object, to find one given twice: a linear
/// scan while the object is small (no hashing, no allocation for up to
/// [`Seen::INLINE`] names), a hash set past that, so a huge object stays
/// linear.
struct Seen<'de> {
    inline: [Option<Cow<'de, str>>; Seen::INLINE],
    count: usize,
    spilled: HashSet<Cow<'de, str>>,
}

impl Seen<'_> {
    const INLINE: usize = 16;
}

impl<'de> Seen<'de> {
    fn new() -> Self {
        Seen {
            inline: [const { None }; Seen::INLINE],
            count: 0,
            spilled: HashSet::new(),
        }
    }

    /// Notes `name`; hands it back when it was seen before.
    fn insert(&mut self, name: Cow<'de, str>) -> Result<(), Cow<'de, str>> {
        let known =
            self.inline.iter().flatten().any(|seen| *seen == name) || self.spilled.contains(&name);
        if known {
            return Err(name);
        }
        match self.inline.get_mut(self.count) {
            Some(slot) => *slot = Some(name),
            None => {
                self.spilled.insert(name);
            }
        }
        self.count += 1;
        Ok(())
    }
}

/// Walks one JSON value to its end, noting the first field found twice in
/// any object inside it; with `as_text`, also keeps a string value's text.
struct Walk {
    as_text: bool,
}

/// What [`Walk`] found: the value as text (strings only, when asked) and
/// the first duplicated field name.
#[derive(Default)]
struct Walked {
    text: Option<String>,
    duplicate: Option<String>,
}

// serde_json refuses nesting deeper than 128 levels before the walk's own
// recursion could grow large.
impl<'de> de::DeserializeSeed<'de> for Walk {
    type Value = Walked;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk {
    type Value = Walked;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Walked, E> {
        Ok(Walked {
            text: self.as_text.then(|| v.to_owned()),
            duplicate: None,
        })
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Walked, E> {
        Ok(Walked::default())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Walked, E> {
        Ok(Walked::default())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Walked, E> {
        Ok(Walked::default())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Walked, E> {
        Ok(Walked::default())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Walked, E> {
        Ok(Walked::default())
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Walked, A::Error> {
        let mut duplicate = None;
        while let Some(walked) = seq.next_element_seed(Walk { as_text: false })? {
            duplicate = duplicate.or(walked.duplicate);
        }
        Ok(Walked {
            text: None,
            duplicate,
        })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Walked, A::Error> {
        let mut seen = Seen::new();
        let mut duplicate = None;
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            let walked = map.next_value_seed(Walk { as_text: false })?;
            duplicate = duplicate.or(walked.duplicate);
            if duplicate.is_none() {
                duplicate = seen.insert(key).err().map(Cow::into_owned);
            }
        }
        Ok(Walked {
            text: None,
            duplicate,
        })
    }
}

struct PeekVisitor;

impl<'de> Visitor<'de> for PeekVisitor {
    /// `Err(field)`: a field given twice, at any depth.
    type Value = Result<Peek, String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seen = Seen::new();
        let mut names = String::with_capacity(256);
        let mut ends = Vec::with_capacity(16);
        let mut notify_type = None;
        let mut duplicate = None;
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            let is_type = key == "notifyType";
            let walked = map.next_value_seed(Walk { as_text: is_type })?;
            if is_type {
                notify_type = walked.text;
            }
            duplicate = duplicate.or(walked.duplicate);
            names.push_str(&key);
            ends.push(names.len());
            if duplicate.is_none() {
                duplicate = seen.insert(key).err().map(Cow::into_owned);
            }
        }
        Ok(match duplicate {
            Some(field) => Err(field),
            None => Ok(Peek {
                names,
                ends,
                notify_type,
            }),
        })
    }
}

/// A one-pass reader of the bodies Alipay sends, for [`Peek::from_slice`]:
/// it accepts only text that is certainly valid JSON and certainly free of
/// duplicated field names (a strict subset: no backslash escapes, numbers
/// without exponents and at most 20 characters long, nesting at most 64
/// deep) and answers `None` for everything else, which then goes through
/// serde_json. So wherever it answers, serde_json would answer the same.
mod scan {
    use std::borrow::Cow;

    use super::{Peek, Seen};

    const MAX_DEPTH: usize = 64;
    const MAX_NUMBER: usize = 20;

    /// The [`Peek`] of `body`, or `None` when serde_json should decide.
    pub(super) fn object(body: &[u8]) -> Option<Peek> {
        // Every structural character is ASCII, so a body that is valid
        // UTF-8 has valid UTF-8 in every string, which serde_json checks.
        let text = std::str::from_utf8(body).ok()?;
        let mut reader = Reader { text, pos: 0 };
        let mut names = String::with_capacity(256);
        let mut ends = Vec::with_capacity(16);
        let mut notify_type = None;
        reader.object(0, |reader, key| {
            if key == "notifyType" && reader.peek() == Some(b'"') {
                notify_type = Some(reader.string()?.to_owned());
            } else {
                reader.value(1)?;
            }
            names.push_str(key);
            ends.push(names.len());
            Some(())
        })?;
        reader.whitespace();
        (reader.pos == text.len()).then_some(Peek {
            names,
            ends,
            notify_type,
        })
    }

    struct Reader<'a> {
        text: &'a str,
        pos: usize,
    }

    impl<'a> Reader<'a> {
        fn peek(&self) -> Option<u8> {
            self.text.as_bytes().get(self.pos).copied()
        }

        fn eat(&mut self, byte: u8) -> Option<()> {
            (self.peek()? == byte).then(|| self.pos += 1)
        }

        fn whitespace(&mut self) {
            while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                self.pos += 1;
            }
        }

        fn literal(&mut self, word: &str) -> Option<()> {
            let end = self.pos + word.len();
            (self.text.get(self.pos..end)? == word).then(|| self.pos = end)
        }

        /// A string without escapes or control characters; its text.
        fn string(&mut self) -> Option<&'a str> {
            self.eat(b'"')?;
            let start = self.pos;
            let rest = self.text.as_bytes().get(start..)?;
            let len = rest
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
            if rest.get(len) != Some(&b'"') {
                return None;
            }
            self.pos = start + len + 1;
            self.text.get(start..start + len)
        }

        /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?`, at most [`MAX_NUMBER`] long.
        fn number(&mut self) -> Option<()> {
            let start = self.pos;
            let _ = self.eat(b'-');
            match self.peek()? {
                b'0' => self.pos += 1,
                b'1'..=b'9' => self.digits(),
                _ => return None,
            }
            if self.eat(b'.').is_some() {
                let before = self.pos;
                self.digits();
                if self.pos == before {
                    return None;
                }
            }
            (self.pos - start <= MAX_NUMBER && !matches!(self.peek(), Some(b'e' | b'E')))
                .then_some(())
        }

        fn digits(&mut self) {
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.pos += 1;
            }
        }

        fn value(&mut self, depth: usize) -> Option<()> {
            match self.peek()? {
                b'"' => self.string().map(drop),
                b'{' => self.object(depth, |reader, _| reader.value(depth + 1)),
                b'[' => self.array(depth),
                b't' => self.literal("true"),
                b'f' => self.literal("false"),
                b'n' => self.literal("null"),
                b'-' | b'0'..=b'9' => self.number(),
                _ => None,
            }
        }

        /// An object whose values `field` reads (it is handed each name);
        /// `None` on a name given twice.
        fn object(
            &mut self,
            depth: usize,
            mut field: impl FnMut(&mut Self, &'a str) -> Option<()>,
        ) -> Option<()> {
            if depth > MAX_DEPTH {
                return None;
            }
            self.whitespace();
            self.eat(b'{')?;
            self.whitespace();
            if self.eat(b'}').is_some() {
                return Some(());
            }
            let mut seen = Seen::new();
            loop {
                self.whitespace();
                let key = self.string()?;
                self.whitespace();
                self.eat(b':')?;
                self.whitespace();
                field(self, key)?;
                seen.insert(Cow::Borrowed(key)).ok()?;
                if !self.another(b'}')? {
                    return Some(());
                }
            }
        }

        fn array(&mut self, depth: usize) -> Option<()> {
            if depth > MAX_DEPTH {
                return None;
            }
            self.eat(b'[')?;
            self.whitespace();
            if self.eat(b']').is_some() {
                return Some(());
            }
            loop {
                self.whitespace();
                self.value(depth + 1)?;
                if !self.another(b']')? {
                    return Some(());
                }
            }
        }

        /// After an item of an object or array: `true` past a comma (another
        /// item follows), `false` past `close`.
        fn another(&mut self, close: u8) -> Option<bool> {
            self.whitespace();
            let byte = self.peek()?;
            self.pos += 1;
            match byte {
                b',' => Some(true),
                _ if byte == close => Some(false),
                _ => None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn peek_reads_the_top_level_and_refuses_duplicates() {
        let peek = Peek::from_slice(
            br#"{"notifyType":"CAPTURE_RESULT","captureId":"c1","nested":{"notifyType":"X","a":[1,{"b":2}]}}"#,
        )
        .unwrap();
        assert_eq!(peek.notify_type(), Some("CAPTURE_RESULT"));
        assert!(peek.has_field("captureId"));
        assert!(peek.has_field("nested"));
        assert!(!peek.has_field("a"));

        let none = Peek::from_slice(br#"{"disputeNotificationType":"DISPUTE_CREATED"}"#).unwrap();
        assert_eq!(none.notify_type(), None);
        assert!(Discriminator::Field("disputeNotificationType").matches(&none));
        assert!(!Discriminator::NotifyType(&["CAPTURE_RESULT"]).matches(&none));
        assert!(Discriminator::NotifyType(&["PAYMENT_RESULT", "CAPTURE_RESULT"]).matches(&peek));

        assert!(matches!(
            Peek::from_slice(br#"{"captureId":"a","captureId":"b"}"#),
            Err(PeekError::DuplicateField(f)) if f == "captureId"
        ));
        assert!(matches!(
            Peek::from_slice(br#"{"captureAmount":{"value":"1","value":"999"}}"#),
            Err(PeekError::DuplicateField(f)) if f == "value"
        ));
        assert!(matches!(
            Peek::from_slice(br#"{"list":[{"a":1},{"b":1,"b":2}]}"#),
            Err(PeekError::DuplicateField(f)) if f == "b"
        ));
        // An escaped spelling of the same name is the same field.
        assert!(matches!(
            Peek::from_slice(br#"{"captureId":"a","capture\u0049d":"b"}"#),
            Err(PeekError::DuplicateField(_))
        ));
        for bad in [&b"[1]"[..], b"not json", b"{\"a\":1} trailing", b""] {
            assert!(matches!(
                Peek::from_slice(bad),
                Err(PeekError::NotAnObject(_))
            ));
        }
        let odd = Peek::from_slice(br#"{"notifyType":7}"#).unwrap();
        assert_eq!(odd.notify_type(), None);
    }

    /// What a reading of a body came to, comparable across the two readers.
    fn outcome(peek: Result<Peek, PeekError>) -> Result<(Vec<String>, Option<String>), String> {
        match peek {
            Ok(peek) => Ok((
                peek.fields().map(str::to_owned).collect(),
                peek.notify_type.clone(),
            )),
            Err(PeekError::DuplicateField(field)) => Err(format!("duplicate {field}")),
            Err(PeekError::NotAnObject(_)) => Err("not an object".to_owned()),
        }
    }

    /// JSON text, often valid, often not quite: the names repeat (so
    /// duplicates are common), strings carry escapes and control
    /// characters, numbers take every shape serde_json treats specially.
    fn json_text() -> impl Strategy<Value = String> {
        let space = prop::sample::select(vec!["", " ", "\n\t", "\r "]);
        let name = prop::sample::select(vec![
            "\"a\"",
            "\"b\"",
            "\"notifyType\"",
            "\"not\\u0069fyType\"",
            "\"\\u0061\"",
            "\"é\"",
            "\"\"",
        ]);
        let leaf = prop::sample::select(vec![
            "\"CAPTURE_RESULT\"",
            "\"x\\\"y\"",
            "\"\\ud800\"",
            "\"tab\there\"",
            "\"ü\"",
            "\"\"",
            "0",
            "-0",
            "01",
            "1.",
            "1.50",
            "-",
            "1e5",
            "2E-3",
            "123456789012345678901",
            "12345678901234567890",
            "-1234567890123456789",
            "0.000000000000000001",
            "true",
            "false",
            "null",
            "nul",
            "tru",
        ]);
        let leaf = (space.clone(), leaf, space.clone()).prop_map(|(a, v, b)| format!("{a}{v}{b}"));
        leaf.prop_recursive(5, 48, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5)
                    .prop_map(|items| format!("[{}]", items.join(","))),
                prop::collection::vec((name.clone(), inner), 0..6).prop_map(|fields| {
                    let fields: Vec<String> = fields
                        .into_iter()
                        .map(|(n, v)| format!("{n}:{v}"))
                        .collect();
                    format!("{{{}}}", fields.join(","))
                }),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

        /// The one-pass reader answers only where serde_json would answer
        /// the same: every body, valid or not, reads the same both ways.
        #[test]
        fn the_fast_reader_agrees_with_serde_json(
            body in json_text(),
            cut in 0usize..200,
            extra in prop::sample::select(vec!["", "}", ",", "x", " ", "\u{0}", "\""]),
        ) {
            let mut mutated = body.clone();
            if cut < mutated.len() && mutated.is_char_boundary(cut) {
                mutated.insert_str(cut, extra);
            }
            for text in [format!("{{\"o\":{body}}}"), body, mutated] {
                prop_assert_eq!(
                    outcome(Peek::from_slice(text.as_bytes())),
                    outcome(Peek::walk(text.as_bytes())),
                    "{}", text
                );
            }
        }
    }

    #[test]
    fn the_fast_reader_takes_the_bodies_alipay_sends() {
        let body = br#"{"notifyType":"CAPTURE_RESULT","result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success."},"captureId":"c-1","captureAmount":{"currency":"USD","value":"1000"},"list":[1,-2.5,true,null,{"a":[]}]}"#;
        let peek = scan::object(body).expect("read in one pass");
        assert_eq!(peek.notify_type(), Some("CAPTURE_RESULT"));
        assert!(peek.has_field("captureAmount") && peek.has_field("list"));
        // Duplicates, escapes and exponents are left to serde_json.
        for other in [
            &br#"{"a":1,"a":2}"#[..],
            br#"{"a":{"b":1,"b":2}}"#,
            br#"{"a":"\n"}"#,
            br#"{"a":1e3}"#,
            b"[1]",
        ] {
            assert!(
                scan::object(other).is_none(),
                "{}",
                String::from_utf8_lossy(other)
            );
        }
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(70), "]".repeat(70));
        assert!(scan::object(deep.as_bytes()).is_none());
        assert!(Peek::from_slice(deep.as_bytes()).is_ok());
    }

    #[test]
    fn peek_finds_duplicates_in_large_objects_too() {
        // Past the 16 names kept inline, the rest go to a hash set: a name
        // repeated on either side, or across the two, is still found.
        let object = |names: &[String]| {
            let fields: Vec<String> = names.iter().map(|n| format!("\"{n}\":1")).collect();
            format!("{{{}}}", fields.join(","))
        };
        let mut names: Vec<String> = (0..40).map(|i| format!("k{i}")).collect();
        let peek = Peek::from_slice(object(&names).as_bytes()).unwrap();
        assert!(peek.has_field("k0") && peek.has_field("k15") && peek.has_field("k39"));
        assert!(!peek.has_field("k40"));
        for repeated in ["k3", "k16", "k39"] {
            names.push(repeated.to_owned());
            for body in [object(&names), format!("{{\"outer\":{}}}", object(&names))] {
                assert!(
                    matches!(Peek::from_slice(body.as_bytes()), Err(PeekError::DuplicateField(f)) if f == repeated),
                    "{repeated} in {body}"
                );
            }
            names.pop();
        }
    }

    #[test]
    fn dedup_keys_join_parts_without_ambiguity() {
        assert_eq!(
            DedupKey::new(["CAPTURE_RESULT", "c1"]).as_str(),
            "CAPTURE_RESULT:c1"
        );
        assert_ne!(DedupKey::new(["a:b", "c"]), DedupKey::new(["a", "b:c"]));
        assert_ne!(DedupKey::new(["a%3A", "b"]), DedupKey::new(["a:", "b"]));
        assert_eq!(DedupKey::new(["a:b"]).as_str(), "a%3Ab");
        assert_eq!(
            DedupKey::new(["PAYMENT_RESULT", "p1", ""]).as_str(),
            "PAYMENT_RESULT:p1"
        );
        assert_eq!(DedupKey::new(["A", "", "b"]).as_str(), "A::b");
    }
}
