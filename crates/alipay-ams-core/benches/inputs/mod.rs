//! The inputs every signature bench uses: the example merchant key pair (2048
//! bits) and a ~500-byte capture-sized request.

use alipay_ams_core::Message;

/// The example merchant private key.
pub const PRIVATE: &str = include_str!("../../../../keys-example/merchant/private_key.pem");
/// Its public key.
pub const PUBLIC: &str = include_str!("../../../../keys-example/merchant/public_key.pem");

/// A capture request body padded to about 500 bytes.
pub fn body() -> Vec<u8> {
    let mut body = String::from(
        r#"{"captureRequestId":"capture-2026-11-25-0001","paymentId":"20261125194010890100111740275820195","captureAmount":{"currency":"USD","value":"10000"},"isLastCapture":true,"note":""#,
    );
    while body.len() < 498 {
        body.push('x');
    }
    body.push_str("\"}");
    body.into_bytes()
}

/// The request that carries `body`.
pub fn message(body: &[u8]) -> Message<'_> {
    Message::request(
        "/ams/api/v1/payments/capture",
        "SANDBOX_5X00000000000000",
        "1764091448000",
        body,
    )
}
