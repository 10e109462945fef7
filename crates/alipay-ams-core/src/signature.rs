//! The `Signature` header: `algorithm=RSA256,keyVersion=1,signature=<value>`.
//!
//! `<value>` is the standard, padded base64 of the RSA signature, percent-encoded
//! the way Java's `URLEncoder` does it (<https://docs.antom.com/ac/ams/digital_signature>): for base64 text that maps
//! `+` to `%2B`, `/` to `%2F` and `=` to `%3D`.
//!
//! The parser is tolerant of what real senders produce: spaces after commas (the
//! docs' own example), any case in names and percent hex (.NET sends `%2b`),
//! missing base64 padding, unencoded base64. It never turns `+` into a space and
//! never panics.

use std::borrow::Cow;
use std::fmt;

use base64::Engine as _;

/// The only algorithm Alipay AMS uses today.
pub const ALGORITHM_RSA256: &str = "RSA256";

/// The key version Alipay's SDKs send unless told otherwise.
pub const DEFAULT_KEY_VERSION: u32 = 1;

/// A parsed (or to-be-formatted) `Signature` header.
#[derive(Clone, PartialEq, Eq)]
pub struct SignatureHeader {
    // Borrowed when it is RSA256 (every real header): no allocation per parse.
    algorithm: Cow<'static, str>,
    key_version: Option<u32>,
    signature: Vec<u8>,
}

/// Why a `Signature` header could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureHeaderError {
    /// No `signature=` pair.
    #[error("the Signature header has no `signature=` value")]
    MissingSignature,
    /// The value is empty.
    #[error("the Signature header's `signature=` value is empty")]
    EmptySignature,
    /// Not base64 after percent-decoding.
    #[error("the Signature header's `signature=` value is not base64 after percent-decoding")]
    NotBase64,
    /// A `%` not followed by two hex digits.
    #[error("the Signature header's `signature=` value has a broken percent escape")]
    BadPercentEscape,
}

impl SignatureHeader {
    /// A header for an RSA256 signature made with the given key version.
    pub fn new(signature: Vec<u8>, key_version: u32) -> Self {
        SignatureHeader {
            algorithm: Cow::Borrowed(ALGORITHM_RSA256),
            key_version: Some(key_version),
            signature,
        }
    }

    /// Parses a header value tolerantly (see the module docs).
    pub fn parse(value: &str) -> Result<Self, SignatureHeaderError> {
        let mut algorithm = None;
        let mut key_version = None;
        let mut signature = None;
        for pair in value.split(',') {
            let pair = pair.trim();
            let Some((name, v)) = pair.split_once('=') else {
                continue;
            };
            let name = name.trim();
            let v = v.trim();
            if name.eq_ignore_ascii_case("signature") {
                signature = Some(v);
            } else if name.eq_ignore_ascii_case("algorithm") {
                algorithm = Some(if v == ALGORITHM_RSA256 {
                    Cow::Borrowed(ALGORITHM_RSA256)
                } else {
                    Cow::Owned(v.to_owned())
                });
            } else if name.eq_ignore_ascii_case("keyVersion") {
                key_version = v.parse().ok();
            }
        }
        let encoded = signature.ok_or(SignatureHeaderError::MissingSignature)?;
        if encoded.is_empty() {
            return Err(SignatureHeaderError::EmptySignature);
        }
        let signature = decode_signature(encoded)?;
        if signature.is_empty() {
            return Err(SignatureHeaderError::EmptySignature);
        }
        Ok(SignatureHeader {
            algorithm: algorithm.unwrap_or(Cow::Borrowed(ALGORITHM_RSA256)),
            key_version,
            signature,
        })
    }

    /// The `algorithm` named in the header (`RSA256` when absent).
    pub fn algorithm(&self) -> &str {
        &self.algorithm
    }

    /// The `keyVersion`, when present and numeric.
    pub fn key_version(&self) -> Option<u32> {
        self.key_version
    }

    /// The raw signature bytes.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The signature as Alipay puts it on the wire: padded base64, percent-encoded.
    pub fn encoded_signature(&self) -> String {
        let b64 = base64::engine::general_purpose::STANDARD.encode(&self.signature);
        percent_encode(&b64)
    }
}

/// Formats the header value: `algorithm=RSA256,keyVersion=1,signature=...`.
impl fmt::Display for SignatureHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "algorithm={}", self.algorithm)?;
        if let Some(version) = self.key_version {
            write!(f, ",keyVersion={version}")?;
        }
        write!(f, ",signature={}", self.encoded_signature())
    }
}

impl fmt::Debug for SignatureHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignatureHeader")
            .field("algorithm", &self.algorithm)
            .field("key_version", &self.key_version)
            .field(
                "signature",
                &format_args!("<{} bytes>", self.signature.len()),
            )
            .finish()
    }
}

/// Percent-encodes every byte outside Java `URLEncoder`'s unreserved set
/// (`A-Z a-z 0-9 . - * _`), uppercase hex.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'*' | b'_') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(hex_digit(b >> 4));
            out.push(hex_digit(b & 0x0F));
        }
    }
    out
}

/// The uppercase hex digit of a nibble (`0..=15`).
fn hex_digit(nibble: u8) -> char {
    char::from_digit(u32::from(nibble), 16).map_or('0', |c| c.to_ascii_uppercase())
}

/// Decodes `%XX` (any case) into `out`, which must hold at least
/// `text.len()` bytes, and returns the decoded part of it. A literal `+`
/// stays a `+`: it is a base64 character. The bytes go straight to the base64
/// decoder, which refuses anything that is not base64 text (so no UTF-8
/// check here).
fn percent_decode_into<'o>(
    text: &str,
    out: &'o mut [u8],
) -> Result<&'o [u8], SignatureHeaderError> {
    let mut segments = text.as_bytes().split(|&b| b == b'%');
    let mut len = 0;
    let mut put = |bytes: &[u8]| -> Result<(), SignatureHeaderError> {
        let end = len + bytes.len();
        out.get_mut(len..end)
            .ok_or(SignatureHeaderError::BadPercentEscape)?
            .copy_from_slice(bytes);
        len = end;
        Ok(())
    };
    // The text before the first `%` is copied as is; every later segment starts
    // with the two hex digits of its escape, followed by more plain text. The
    // plain runs are copied whole rather than byte by byte.
    put(segments.next().unwrap_or_default())?;
    for segment in segments {
        let [hi, lo, plain @ ..] = segment else {
            return Err(SignatureHeaderError::BadPercentEscape);
        };
        let (Some(hi), Some(lo)) = (hex_value(*hi), hex_value(*lo)) else {
            return Err(SignatureHeaderError::BadPercentEscape);
        };
        put(&[(hi << 4) | lo])?;
        put(plain)?;
    }
    Ok(out.get(..len).unwrap_or_default())
}

/// The signature's bytes from its header text: percent-decoded on the stack
/// (on the heap only past 1 KiB of text, beyond any RSA signature), then
/// base64-decoded.
fn decode_signature(encoded: &str) -> Result<Vec<u8>, SignatureHeaderError> {
    let mut stack = [0u8; 1024];
    let mut heap = Vec::new();
    let out: &mut [u8] = if encoded.len() <= stack.len() {
        &mut stack
    } else {
        heap.resize(encoded.len(), 0);
        &mut heap
    };
    let base64_text = percent_decode_into(encoded, out)?;
    LENIENT_BASE64
        .decode(base64_text)
        .map_err(|_| SignatureHeaderError::NotBase64)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Built once at compile time: constructing an engine builds its decode table.
const LENIENT_BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests may panic

    use proptest::prelude::*;

    use super::*;

    /// The byte-at-a-time decoder `percent_decode` replaced, with its UTF-8 check.
    fn reference_percent_decode(text: &str) -> Result<String, SignatureHeaderError> {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                let hi = bytes.get(i + 1).and_then(|&h| hex_value(h));
                let lo = bytes.get(i + 2).and_then(|&l| hex_value(l));
                match (hi, lo) {
                    (Some(hi), Some(lo)) => out.push((hi << 4) | lo),
                    _ => return Err(SignatureHeaderError::BadPercentEscape),
                }
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).map_err(|_| SignatureHeaderError::NotBase64)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

        /// Same bytes, same errors; where the old decoder refused bytes that
        /// are not UTF-8, the base64 decoder now refuses them, with the same error.
        #[test]
        fn percent_decode_agrees_with_the_byte_at_a_time_decoder(
            text in "([A-Za-z0-9+/=]|%[0-9a-fA-FgG%]{0,2}|%[89a-fA-F][0-9a-f]|.){0,60}",
        ) {
            let mut out = vec![0; text.len()];
            let decoded = percent_decode_into(&text, &mut out).map(<[u8]>::to_vec);
            match (reference_percent_decode(&text), decoded) {
                (Ok(expected), Ok(got)) => prop_assert_eq!(expected.as_bytes(), got.as_slice()),
                (Err(SignatureHeaderError::NotBase64), Ok(got)) => {
                    prop_assert!(std::str::from_utf8(&got).is_err());
                    prop_assert!(LENIENT_BASE64.decode(&got).is_err());
                }
                (expected, got) => prop_assert_eq!(expected.map(String::into_bytes), got),
            }
        }
    }

    #[test]
    fn long_signatures_are_decoded_on_the_heap() {
        // 900 bytes: 1,200 base64 characters, past the 1 KiB stack buffer.
        let bytes: Vec<u8> = (0..900u32).map(|i| (i * 7) as u8).collect();
        let header = SignatureHeader::new(bytes.clone(), 1);
        let parsed = SignatureHeader::parse(&header.to_string()).unwrap();
        assert_eq!(parsed.signature(), bytes.as_slice());
        let short = SignatureHeader::parse("signature=AAEC").unwrap();
        assert_eq!(short.signature(), &[0, 1, 2]);
    }

    #[test]
    fn formats_like_the_official_sdks() {
        let header = SignatureHeader::new(vec![0xFB, 0xFF, 0xFE, 0x00], 1);
        // base64 "+//+AA==" -> every special character escaped, uppercase hex.
        assert_eq!(
            header.to_string(),
            "algorithm=RSA256,keyVersion=1,signature=%2B%2F%2F%2BAA%3D%3D"
        );
    }

    #[test]
    fn parses_spaces_lowercase_hex_and_names_in_any_case() {
        let h = SignatureHeader::parse(
            "Algorithm=RSA256, KEYVERSION=2, Signature=%2b%2f%2F%2BAA%3d%3D",
        )
        .unwrap();
        assert_eq!(h.signature(), &[0xFB, 0xFF, 0xFE, 0x00]);
        assert_eq!(h.key_version(), Some(2));
        assert_eq!(h.algorithm(), "RSA256");
    }

    #[test]
    fn plus_is_never_a_space_and_padding_is_optional() {
        let h = SignatureHeader::parse("signature=+//+AA").unwrap();
        assert_eq!(h.signature(), &[0xFB, 0xFF, 0xFE, 0x00]);
        assert_eq!(h.key_version(), None);
    }

    #[test]
    fn refuses_what_is_not_a_signature() {
        assert_eq!(
            SignatureHeader::parse("algorithm=RSA256,keyVersion=1"),
            Err(SignatureHeaderError::MissingSignature)
        );
        assert_eq!(
            SignatureHeader::parse("signature="),
            Err(SignatureHeaderError::EmptySignature)
        );
        assert_eq!(
            SignatureHeader::parse("signature=abc%2"),
            Err(SignatureHeaderError::BadPercentEscape)
        );
        assert_eq!(
            SignatureHeader::parse("signature=not base64!"),
            Err(SignatureHeaderError::NotBase64)
        );
    }
}
