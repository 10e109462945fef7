//! `SignatureHeader::parse` on arbitrary text must never panic, and whatever it
//! accepts must survive a `Display` round trip unchanged.
#![no_main]

use alipay_ams_core::SignatureHeader;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Header values reach the parser as `&str` (after `HeaderValue::to_str`);
    // lossy conversion also feeds U+FFFD and friends into it.
    let text = String::from_utf8_lossy(data);
    let Ok(header) = SignatureHeader::parse(&text) else {
        return;
    };
    assert!(!header.signature().is_empty(), "accepted an empty signature");
    let printed = header.to_string();
    let reparsed = SignatureHeader::parse(&printed)
        .unwrap_or_else(|e| panic!("Display output {printed:?} does not parse again: {e}"));
    assert_eq!(reparsed, header, "round trip changed the header {printed:?}");
    assert_eq!(reparsed.to_string(), printed);
    // The encoded form uses only the characters Java's URLEncoder leaves alone
    // plus `%XX` escapes, so it is a valid HTTP header value.
    let encoded = header.encoded_signature();
    assert!(
        encoded
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'%' | b'.' | b'-' | b'*' | b'_')),
        "encoded signature {encoded:?} has characters outside the URL-safe set"
    );
    // Debug never shows the signature itself (the algorithm name is echoed,
    // so only a signature long enough and not part of it can be told apart).
    let debug = format!("{header:?}");
    if encoded.len() >= 16 && !header.algorithm().contains(&encoded) && !format!("{:?}", header.algorithm()).contains(&encoded) {
        assert!(!debug.contains(&encoded), "Debug leaks the signature");
    }
});
