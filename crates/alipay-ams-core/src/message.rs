//! What is signed and verified: one construction for requests, responses and
//! notifications (<https://docs.antom.com/ac/ams/digital_signature>).
//!
//! ```text
//! <METHOD> <PATH>\n<CLIENT-ID>.<TIME>.<BODY>
//! ```
//!
//! `BODY` is the exact bytes on the wire. Never re-serialize parsed JSON to sign or
//! verify it: whitespace, key order and escaping all change the bytes.
//!
//! Signing and verifying hash the parts one after the other rather than building
//! the content first: the digest is the same, and the body (the large part) is
//! read once, in place. [`Message::content`] builds the bytes for display and tests.

use crate::keys::{PrivateKey, PublicKey, SignError};
use crate::signature::{ALGORITHM_RSA256, SignatureHeader, SignatureHeaderError};

/// The parts of one signed message. Borrowed, so building one costs nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message<'a> {
    method: &'a str,
    path: &'a str,
    client_id: &'a str,
    time: &'a str,
    body: &'a [u8],
}

/// Why a signature did not verify. Each message names the likely fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The header could not be read.
    #[error("malformed Signature header: {0}")]
    Header(#[from] SignatureHeaderError),
    /// The header names an algorithm other than RSA256.
    #[error("the Signature header names algorithm {0:?}; only RSA256 is supported")]
    UnsupportedAlgorithm(String),
    /// The signature does not match the content and key.
    #[error(
        "the signature does not match: check the key (Alipay's public key for what Alipay sends, not your own), the path (the one actually called: /ams/sandbox/api/... for sandbox client ids; for a notification, the path Alipay posted to, before any proxy rewrote it), and that the body bytes were not altered or re-serialized"
    )]
    Mismatch,
}

impl<'a> Message<'a> {
    /// A message with an explicit HTTP method.
    pub fn new(
        method: &'a str,
        path: &'a str,
        client_id: &'a str,
        time: &'a str,
        body: &'a [u8],
    ) -> Self {
        Message {
            method,
            path,
            client_id,
            time,
            body,
        }
    }

    /// A request the merchant sends: `POST`, the path called (after any sandbox
    /// rewrite), the `Client-Id` and `Request-Time` header values.
    pub fn request(
        path: &'a str,
        client_id: &'a str,
        request_time: &'a str,
        body: &'a [u8],
    ) -> Self {
        Self::new("POST", path, client_id, request_time, body)
    }

    /// Alipay's synchronous response: the path of the request it answers, the
    /// client id, and the `response-time` header value.
    pub fn response(
        request_path: &'a str,
        client_id: &'a str,
        response_time: &'a str,
        body: &'a [u8],
    ) -> Self {
        Self::new("POST", request_path, client_id, response_time, body)
    }

    /// A notification Alipay posts: the path of the merchant's notify URL as it
    /// was called, the `client-id` and `request-time` header values.
    pub fn notification(
        notify_path: &'a str,
        client_id: &'a str,
        request_time: &'a str,
        body: &'a [u8],
    ) -> Self {
        Self::new("POST", notify_path, client_id, request_time, body)
    }

    /// The exact bytes that are signed (a copy: signing and verification do
    /// not build it).
    pub fn content(&self) -> Vec<u8> {
        self.parts().concat()
    }

    /// The signed content as the pieces it is made of, in order; their
    /// concatenation is [`Message::content`].
    fn parts(&self) -> [&'a [u8]; 9] {
        [
            self.method.as_bytes(),
            b" ",
            self.path.as_bytes(),
            b"\n",
            self.client_id.as_bytes(),
            b".",
            self.time.as_bytes(),
            b".",
            self.body,
        ]
    }

    /// Signs the content; format the result with `to_string()` for the header.
    pub fn sign(&self, key: &PrivateKey, key_version: u32) -> Result<SignatureHeader, SignError> {
        let signature = key.sign_parts(&self.parts())?;
        Ok(SignatureHeader::new(signature, key_version))
    }

    /// Verifies a `Signature` header value against the content.
    pub fn verify(&self, key: &PublicKey, header: &str) -> Result<SignatureHeader, VerifyError> {
        let parsed = SignatureHeader::parse(header)?;
        self.verify_parsed(key, &parsed)?;
        Ok(parsed)
    }

    /// Verifies an already parsed header.
    pub fn verify_parsed(
        &self,
        key: &PublicKey,
        header: &SignatureHeader,
    ) -> Result<(), VerifyError> {
        if !header.algorithm().eq_ignore_ascii_case(ALGORITHM_RSA256) {
            return Err(VerifyError::UnsupportedAlgorithm(
                header.algorithm().to_owned(),
            ));
        }
        if key.verify_parts(&self.parts(), header.signature()) {
            Ok(())
        } else {
            Err(VerifyError::Mismatch)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests may panic

    use std::sync::OnceLock;

    use proptest::prelude::*;

    use super::*;
    use crate::Backend;

    /// The example merchant pair, parsed once per compiled-in backend.
    fn keys() -> &'static [(PrivateKey, PublicKey)] {
        static KEYS: OnceLock<Vec<(PrivateKey, PublicKey)>> = OnceLock::new();
        KEYS.get_or_init(|| {
            let private = include_str!("../../../keys-example/merchant/private_key.pem");
            let public = include_str!("../../../keys-example/merchant/public_key.pem");
            Backend::ALL
                .iter()
                .map(|&b| {
                    let private = PrivateKey::parse_with(private, b).unwrap();
                    (private, PublicKey::parse_with(public, b).unwrap())
                })
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

        /// `sign`/`verify` hash the parts; `PublicKey::verify` and
        /// `PrivateKey::sign` take the content whole. They must agree, and a
        /// one-byte change anywhere in the content (method, separators, path,
        /// client id, time or body) must be refused.
        #[test]
        fn parts_and_content_sign_and_verify_alike(
            method in "[A-Z]{3,7}",
            path in "/[ -~]{0,60}",
            client_id in "[A-Za-z0-9_.]{0,40}",
            time in "[0-9T:.+-]{0,30}",
            body in proptest::collection::vec(any::<u8>(), 0..800),
            flip in any::<prop::sample::Index>(),
            xor in 1u8..=255,
        ) {
            let m = Message::new(&method, &path, &client_id, &time, &body);
            let content = m.content();
            let mut changed = content.clone();
            changed[flip.index(content.len())] ^= xor;
            for (private, public) in keys() {
                let whole = private.sign(&content).unwrap();
                let header = m.sign(private, 1).unwrap();
                prop_assert_eq!(header.signature(), whole.as_slice());
                prop_assert!(m.verify_parsed(public, &header).is_ok());
                prop_assert!(public.verify(&content, &whole));

                let other = SignatureHeader::new(private.sign(&changed).unwrap(), 1);
                prop_assert_eq!(m.verify_parsed(public, &other), Err(VerifyError::Mismatch));
                prop_assert!(!public.verify(&content, other.signature()));
            }
        }
    }

    #[test]
    fn content_is_method_path_lf_client_time_body() {
        let m = Message::request(
            "/ams/api/v1/payments/capture",
            "SANDBOX_X",
            "1685599933871",
            b"{\"a\":1}",
        );
        assert_eq!(
            m.content(),
            b"POST /ams/api/v1/payments/capture\nSANDBOX_X.1685599933871.{\"a\":1}".to_vec()
        );
    }

    #[test]
    fn body_bytes_are_kept_verbatim() {
        let body = "{\r\n  \"x\": \"é\"\n}\n".as_bytes();
        let m = Message::notification("/notify", "C", "t", body);
        assert!(m.content().ends_with(body));
    }
}
