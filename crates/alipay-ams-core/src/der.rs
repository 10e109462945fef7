//! Just enough DER to tell key containers apart and to move between them.
//!
//! Merchants are handed keys in many wrappings (PKCS#8, PKCS#1, SPKI, PEM with a
//! misleading label, bare base64). The label is only a hint: the Python SDK wraps a
//! PKCS#8 body in `BEGIN RSA PRIVATE KEY`. So the container is recognised from the
//! DER structure itself, and the backends are always handed PKCS#1.

/// OID 1.2.840.113549.1.1.1 (rsaEncryption), DER-encoded with tag and length.
const RSA_ENCRYPTION_OID: &[u8] = &[
    0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01,
];
/// OID 1.2.840.10045.2.1 (id-ecPublicKey) content bytes.
const EC_PUBLIC_KEY_OID: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
/// OID 1.3.101.112 (Ed25519) content bytes.
const ED25519_OID: &[u8] = &[0x2B, 0x65, 0x70];

const TAG_INTEGER: u8 = 0x02;
const TAG_BIT_STRING: u8 = 0x03;
const TAG_OCTET_STRING: u8 = 0x04;
const TAG_NULL: u8 = 0x05;
const TAG_OID: u8 = 0x06;
const TAG_SEQUENCE: u8 = 0x30;
const TAG_CONTEXT_0: u8 = 0xA0;

/// What a DER blob turned out to be.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Container<'a> {
    /// PKCS#8 PrivateKeyInfo holding an RSA key; the PKCS#1 RSAPrivateKey inside.
    Pkcs8Private { pkcs1: &'a [u8] },
    /// PKCS#1 RSAPrivateKey.
    Pkcs1Private { pkcs1: &'a [u8] },
    /// X.509 SubjectPublicKeyInfo holding an RSA key; the PKCS#1 RSAPublicKey inside.
    Spki { pkcs1: &'a [u8] },
    /// PKCS#1 RSAPublicKey.
    Pkcs1Public { pkcs1: &'a [u8] },
    /// An X.509 certificate.
    Certificate,
    /// PKCS#8 EncryptedPrivateKeyInfo (password-protected).
    EncryptedPrivate,
    /// A well-formed key of another algorithm.
    NotRsa(&'static str),
    /// Nothing we recognise.
    Unknown,
}

struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8]) -> Self {
        Reader { rest: data }
    }

    fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// Reads one TLV; returns (tag, content, whole element).
    fn read(&mut self) -> Option<(u8, &'a [u8], &'a [u8])> {
        let (&tag, after_tag) = self.rest.split_first()?;
        let (&first_len, mut after_len) = after_tag.split_first()?;
        let len = if first_len < 0x80 {
            usize::from(first_len)
        } else {
            let count = usize::from(first_len & 0x7F);
            if count == 0 || count > 4 {
                return None;
            }
            let (len_bytes, rest) = after_len.split_at_checked(count)?;
            after_len = rest;
            len_bytes
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
        };
        let header_len = self.rest.len() - after_len.len();
        let (content, rest) = after_len.split_at_checked(len)?;
        let whole = self.rest.get(..header_len + len)?;
        self.rest = rest;
        Some((tag, content, whole))
    }

    fn read_tagged(&mut self, tag: u8) -> Option<&'a [u8]> {
        match self.read()? {
            (t, content, _) if t == tag => Some(content),
            _ => None,
        }
    }
}

/// Recognises the container of a DER-encoded key (or certificate).
pub(crate) fn classify(der: &[u8]) -> Container<'_> {
    classify_inner(der).unwrap_or(Container::Unknown)
}

fn classify_inner(der: &[u8]) -> Option<Container<'_>> {
    let mut outer = Reader::new(der);
    let body = outer.read_tagged(TAG_SEQUENCE)?;
    if !outer.is_empty() {
        return None;
    }
    let mut r = Reader::new(body);
    match r.peek_tag()? {
        TAG_INTEGER => {
            let (_, first, _) = r.read()?;
            match r.peek_tag()? {
                // PrivateKeyInfo: version, AlgorithmIdentifier, OCTET STRING.
                TAG_SEQUENCE => {
                    let alg = r.read_tagged(TAG_SEQUENCE)?;
                    let key = r.read_tagged(TAG_OCTET_STRING)?;
                    if let Some(other) = non_rsa_algorithm(alg) {
                        return Some(Container::NotRsa(other));
                    }
                    if !alg.starts_with(RSA_ENCRYPTION_OID) {
                        return None;
                    }
                    match classify_inner(key)? {
                        Container::Pkcs1Private { pkcs1 } => {
                            Some(Container::Pkcs8Private { pkcs1 })
                        }
                        _ => None,
                    }
                }
                TAG_INTEGER if first.len() <= 1 => {
                    // RSAPrivateKey: version, n, e, d, p, q, dp, dq, qinv.
                    let mut count = 1;
                    while !r.is_empty() {
                        r.read_tagged(TAG_INTEGER)?;
                        count += 1;
                    }
                    (count >= 9).then_some(Container::Pkcs1Private { pkcs1: der })
                }
                TAG_INTEGER => {
                    // RSAPublicKey: n, e.
                    r.read_tagged(TAG_INTEGER)?;
                    r.is_empty()
                        .then_some(Container::Pkcs1Public { pkcs1: der })
                }
                // EC private keys (SEC1): version 1, OCTET STRING, ...
                TAG_OCTET_STRING => Some(Container::NotRsa("an EC private key (SEC1)")),
                _ => None,
            }
        }
        TAG_SEQUENCE => {
            let (_, first, _) = r.read()?;
            match r.peek_tag()? {
                TAG_BIT_STRING => {
                    // SubjectPublicKeyInfo: AlgorithmIdentifier, BIT STRING.
                    let bits = r.read_tagged(TAG_BIT_STRING)?;
                    if let Some(other) = non_rsa_algorithm(first) {
                        return Some(Container::NotRsa(other));
                    }
                    if !first.starts_with(RSA_ENCRYPTION_OID) || !r.is_empty() {
                        return None;
                    }
                    let (&unused_bits, key) = bits.split_first()?;
                    if unused_bits != 0 {
                        return None;
                    }
                    match classify_inner(key)? {
                        Container::Pkcs1Public { pkcs1 } => Some(Container::Spki { pkcs1 }),
                        _ => None,
                    }
                }
                TAG_OCTET_STRING => Some(Container::EncryptedPrivate),
                TAG_SEQUENCE => {
                    // Certificate: TBSCertificate, AlgorithmIdentifier, BIT STRING.
                    let tbs_starts_like_cert =
                        matches!(first.first(), Some(&TAG_CONTEXT_0 | &TAG_INTEGER));
                    r.read_tagged(TAG_SEQUENCE)?;
                    let is_cert = r.peek_tag() == Some(TAG_BIT_STRING) && tbs_starts_like_cert;
                    is_cert.then_some(Container::Certificate)
                }
                _ => None,
            }
        }
        _ => None,
    }
}

fn non_rsa_algorithm(alg_identifier: &[u8]) -> Option<&'static str> {
    let mut r = Reader::new(alg_identifier);
    let oid = r.read_tagged(TAG_OID)?;
    if oid == EC_PUBLIC_KEY_OID {
        Some("an EC key")
    } else if oid == ED25519_OID {
        Some("an Ed25519 key")
    } else {
        None
    }
}

/// The RSA modulus size in bits of a PKCS#1 key (public or private).
pub(crate) fn modulus_bits(pkcs1: &[u8]) -> Option<usize> {
    let mut outer = Reader::new(pkcs1);
    let mut r = Reader::new(outer.read_tagged(TAG_SEQUENCE)?);
    let mut n = r.read_tagged(TAG_INTEGER)?;
    if n.len() <= 1 {
        // Private key: the first INTEGER is the version, the modulus follows.
        n = r.read_tagged(TAG_INTEGER)?;
    }
    let significant: &[u8] = match n.iter().position(|&b| b != 0) {
        Some(i) => n.get(i..)?,
        None => return Some(0),
    };
    let top = *significant.first()?;
    Some((significant.len() - 1) * 8 + (8 - top.leading_zeros() as usize))
}

/// The PKCS#1 RSAPublicKey (n, e) matching a PKCS#1 RSAPrivateKey.
pub(crate) fn public_from_private(pkcs1_private: &[u8]) -> Option<Vec<u8>> {
    let mut outer = Reader::new(pkcs1_private);
    let mut r = Reader::new(outer.read_tagged(TAG_SEQUENCE)?);
    r.read_tagged(TAG_INTEGER)?; // version
    let (_, _, n) = r.read()?;
    let (_, _, e) = r.read()?;
    let mut content = Vec::with_capacity(n.len() + e.len());
    content.extend_from_slice(n);
    content.extend_from_slice(e);
    Some(tlv(TAG_SEQUENCE, &content))
}

/// Wraps a PKCS#1 RSAPublicKey in an X.509 SubjectPublicKeyInfo.
pub(crate) fn spki_from_pkcs1(pkcs1_public: &[u8]) -> Vec<u8> {
    let mut alg = RSA_ENCRYPTION_OID.to_vec();
    alg.extend_from_slice(&[TAG_NULL, 0x00]);
    let mut bits = vec![0u8];
    bits.extend_from_slice(pkcs1_public);
    let mut content = tlv(TAG_SEQUENCE, &alg);
    content.extend(tlv(TAG_BIT_STRING, &bits));
    tlv(TAG_SEQUENCE, &content)
}

/// Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo (for key generation).
#[cfg(feature = "aws-lc-rs")]
pub(crate) fn pkcs8_from_pkcs1(pkcs1_private: &[u8]) -> Vec<u8> {
    let mut alg = RSA_ENCRYPTION_OID.to_vec();
    alg.extend_from_slice(&[TAG_NULL, 0x00]);
    let mut content = vec![TAG_INTEGER, 0x01, 0x00];
    content.extend(tlv(TAG_SEQUENCE, &alg));
    content.extend(tlv(TAG_OCTET_STRING, pkcs1_private));
    tlv(TAG_SEQUENCE, &content)
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        let significant = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(content);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_and_garbage_input_is_unknown() {
        assert_eq!(classify(&[]), Container::Unknown);
        assert_eq!(classify(&[0x30]), Container::Unknown);
        assert_eq!(
            classify(&[0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]),
            Container::Unknown
        );
        assert_eq!(classify(b"not der at all"), Container::Unknown);
    }

    #[test]
    fn tlv_round_trips_long_lengths() {
        let content = vec![7u8; 300];
        let encoded = tlv(TAG_OCTET_STRING, &content);
        let mut r = Reader::new(&encoded);
        assert_eq!(r.read_tagged(TAG_OCTET_STRING), Some(&content[..]));
        assert!(r.is_empty());
    }
}
