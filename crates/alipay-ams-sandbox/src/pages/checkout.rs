//! The buyer's page, where `pay`'s `normalUrl` (and a payment session's)
//! sends the buyer's browser: `GET /sandbox/checkout/{paymentId}` shows
//! what is paid, to whom and how, with a form whose buttons (`pay`,
//! `decline`, `abandon`) post to `POST /sandbox/checkout/{paymentId}`.
//! That applies the same transition as the control API's buyer call and
//! sends the browser back to the merchant's `paymentRedirectUrl` (303), as
//! Alipay's cashier does; the notification goes to the merchant on its own.
//! <https://docs.antom.com/ac/ams/payment_cashier>

use http::{HeaderValue, StatusCode, header};

use super::{Html, badge, document, explain, html_reply, message_page, money, when};
use crate::control::buyer_action;
use crate::error::BuyerError;
use crate::machine;
use crate::reply::Reply;
use crate::shared::Shared;
use crate::state::{PaymentState, PaymentStatus};

/// `GET /sandbox/checkout/{paymentId}`.
pub(crate) fn page(shared: &Shared, payment_id: &str) -> Reply {
    match shared.transact(|ledger, _| (ledger.payment(payment_id), Vec::new())) {
        Some(state) => html_reply(StatusCode::OK, render(&state, None)),
        None => unknown(payment_id),
    }
}

/// `POST /sandbox/checkout/{paymentId}` with the form's `action` (`pay`,
/// `decline` or `abandon`; a decline may carry `resultCode`): 303 to the
/// merchant's `paymentRedirectUrl`; 409 with the payment's state when it no
/// longer waits for the buyer; 404 unknown; 400 for another action.
pub(crate) fn act(shared: &Shared, payment_id: &str, body: &[u8]) -> Reply {
    let action = form_field(body, "action").unwrap_or_default();
    let result_code = form_field(body, "resultCode").filter(|code| !code.is_empty());
    let Some(action) = buyer_action(&action, result_code) else {
        return message_page(
            StatusCode::BAD_REQUEST,
            "Not a buyer's action",
            &format!(
                "The form sent action {action:?}; the buyer's page sends pay, decline (optionally with resultCode) or abandon."
            ),
        );
    };
    let outcome =
        shared.transact(
            |ledger, now| match machine::buyer(ledger, payment_id, &action, now) {
                Ok(sent) => (Ok(ledger.payment(payment_id)), sent),
                Err(e) => (Err(e), Vec::new()),
            },
        );
    match outcome {
        Ok(Some(state)) => back_to_merchant(&state),
        Ok(None) | Err(BuyerError::UnknownPayment(_)) => unknown(payment_id),
        Err(e @ BuyerError::NotAwaitingBuyer { .. }) => {
            let state = shared.transact(|ledger, _| (ledger.payment(payment_id), Vec::new()));
            match state {
                Some(state) => html_reply(StatusCode::CONFLICT, render(&state, Some(&e))),
                None => unknown(payment_id),
            }
        }
        Err(e) => message_page(
            StatusCode::BAD_REQUEST,
            "Not a buyer's action",
            &e.to_string(),
        ),
    }
}

/// 303 to the merchant's `paymentRedirectUrl`, unchanged (the merchant
/// learns the result from the notification or an inquiry, never from the
/// URL the buyer comes back to). Without one (not expected: `pay` and
/// `createPaymentSession` require it), back to this page.
fn back_to_merchant(state: &PaymentState) -> Reply {
    let own = format!("/sandbox/checkout/{}", state.payment_id);
    let target = state.redirect_url.as_deref().unwrap_or(&own);
    let location = HeaderValue::from_str(target).or_else(|_| HeaderValue::from_str(&own));
    let mut reply = html_reply(
        StatusCode::SEE_OTHER,
        document("Back to the merchant", None, |html| {
            html.raw("<main class=\"narrow\"><div class=\"card\"><p>Back to the merchant: ")
                .url(target)
                .raw("</p></div></main>");
        }),
    );
    if let Ok(location) = location {
        reply.headers_mut().insert(header::LOCATION, location);
    }
    reply
}

fn unknown(payment_id: &str) -> Reply {
    message_page(
        StatusCode::NOT_FOUND,
        "No such payment",
        &format!(
            "The sandbox has no payment {payment_id}. A payment's page exists once pay (or createPaymentSession) made it; a sandbox keeps its payments only while it runs."
        ),
    )
}

/// The page: what is paid, then the buttons while the payment waits for the
/// buyer, or where it now is. `refused` explains a second action.
fn render(state: &PaymentState, refused: Option<&BuyerError>) -> String {
    let merchant = state.merchant_name.as_deref().unwrap_or("The merchant");
    let title = format!("Pay {merchant}");
    document(&title, None, |html| {
        html.raw("<main class=\"narrow\"><div class=\"card\" id=\"checkout\">")
            .raw("<p class=\"muted\">Pay to</p><h1 id=\"merchant\">")
            .text(merchant)
            .raw("</h1>");
        if let Some(description) = &state.order_description {
            html.raw("<p id=\"description\">")
                .text(description)
                .raw("</p>");
        }
        html.raw("<div class=\"amount\" id=\"amount\">")
            .text(&money(&state.payment_amount))
            .raw("</div>");
        facts(html, state);
        if let Some(refused) = refused {
            html.raw("<p class=\"hint\" id=\"refused\">")
                .text(&refused.to_string())
                .raw("</p>");
        }
        if state.status == PaymentStatus::AwaitingBuyer {
            buttons(html, &state.payment_id);
        } else {
            outcome(html, state);
        }
        html.raw("</div></main>");
    })
}

fn facts(html: &mut Html, state: &PaymentState) {
    html.raw("<dl class=\"facts\"><dt>Payment method</dt><dd id=\"method\">")
        .text(&method_name(&state.payment_method_type))
        .raw("</dd>");
    let mut fact = |label: &'static str, value: Option<&str>| {
        if let Some(value) = value {
            html.raw("<dt>")
                .raw(label)
                .raw("</dt><dd class=\"mono\">")
                .text(value)
                .raw("</dd>");
        }
    };
    fact("Order", state.reference_order_id.as_deref());
    fact("Payment request", Some(&state.payment_request_id));
    fact("Payment", Some(&state.payment_id));
    let expiry = state
        .expiry_time
        .as_deref()
        .map(|t| format!("{} UTC", when(t)));
    if state.status == PaymentStatus::AwaitingBuyer {
        fact("Expires", expiry.as_deref());
    }
    html.raw("</dl>");
}

/// `CARD` -> `Card (CARD)`: the wire name stays visible for the engineer.
fn method_name(method: &str) -> String {
    let name = match method {
        "CARD" => "Card",
        "ALIPAY_CN" => "Alipay",
        "ALIPAY_HK" => "AlipayHK",
        "GCASH" => "GCash",
        "KAKAOPAY" => "KakaoPay",
        "TRUEMONEY" => "TrueMoney",
        "DANA" => "DANA",
        "TNG" => "Touch 'n Go eWallet",
        m if m.starts_with("ONLINEBANKING_") => "Online banking",
        m if m.starts_with("BANKTRANSFER_") => "Bank transfer",
        _ => return method.to_owned(),
    };
    format!("{name} ({method})")
}

fn buttons(html: &mut Html, payment_id: &str) {
    html.raw("<form class=\"actions\" method=\"post\" action=\"/sandbox/checkout/")
        .text(payment_id)
        .raw("\">")
        .raw("<button class=\"primary\" type=\"submit\" id=\"pay\" name=\"action\" value=\"pay\">Pay</button>")
        .raw("<button class=\"danger\" type=\"submit\" id=\"decline\" name=\"action\" value=\"decline\">Decline (as the issuer would: USER_BALANCE_NOT_ENOUGH)</button>")
        .raw("<button class=\"quiet\" type=\"submit\" id=\"abandon\" name=\"action\" value=\"abandon\">Abandon (leave without paying: ORDER_IS_CLOSED)</button>")
        .raw("</form><p class=\"hint\">You play the buyer. Each button does what <code>POST /sandbox/payments/{paymentId}/buyer</code> does, then returns you to the merchant; the merchant hears the result through notifyPayment.</p>");
}

fn outcome(html: &mut Html, state: &PaymentState) {
    html.raw("<p id=\"state\">This payment is ");
    badge(html, state.status.as_str());
    html.raw(" ").text(explain(state.status)).raw(".");
    if let Some(failure) = &state.failure {
        html.raw(" <code id=\"failure\">")
            .text(failure.result_code.as_str())
            .raw("</code>");
        if let Some(message) = &failure.result_message {
            html.raw(" <span class=\"muted\">")
                .text(message)
                .raw("</span>");
        }
    }
    html.raw("</p>");
    if let Some(url) = &state.redirect_url {
        html.raw("<p class=\"hint\">Back to the merchant: ")
            .url(url)
            .raw("</p>");
    }
}

/// The value of `name` in an `application/x-www-form-urlencoded` body (the
/// first, decoded), as a browser sends a form.
fn form_field(body: &[u8], name: &str) -> Option<String> {
    body.split(|b| *b == b'&').find_map(|pair| {
        let (key, value) = match pair.iter().position(|b| *b == b'=') {
            Some(at) => (pair.get(..at)?, pair.get(at + 1..)?),
            None => (pair, &[][..]),
        };
        (decode(key) == name).then(|| decode(value))
    })
}

/// `+` is a space and `%XX` a byte; anything malformed is kept as sent.
fn decode(text: &[u8]) -> String {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some((&first, tail)) = rest.split_first() {
        rest = tail;
        match first {
            b'+' => bytes.push(b' '),
            b'%' => match tail.get(..2).and_then(hex_byte) {
                Some(byte) => {
                    bytes.push(byte);
                    rest = tail.get(2..).unwrap_or_default();
                }
                None => bytes.push(b'%'),
            },
            other => bytes.push(other),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn hex_byte(pair: &[u8]) -> Option<u8> {
    if !pair.iter().all(u8::is_ascii_hexdigit) {
        return None; // from_str_radix would take "+1"
    }
    u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_are_decoded() {
        let body = b"action=decline&resultCode=RISK%5FREJECT&note=a+b%20c%zz%+1";
        assert_eq!(form_field(body, "action").as_deref(), Some("decline"));
        assert_eq!(
            form_field(body, "resultCode").as_deref(),
            Some("RISK_REJECT")
        );
        assert_eq!(form_field(body, "note").as_deref(), Some("a b c%zz% 1"));
        assert_eq!(form_field(body, "missing"), None);
        assert_eq!(form_field(b"action", "action").as_deref(), Some(""));
        assert_eq!(form_field(b"", "action"), None);
        assert_eq!(
            form_field(b"action=%E2%82%AC", "action").as_deref(),
            Some("€")
        );
    }

    #[test]
    fn methods_are_named_with_their_wire_name() {
        assert_eq!(method_name("CARD"), "Card (CARD)");
        assert_eq!(
            method_name("ONLINEBANKING_FPX"),
            "Online banking (ONLINEBANKING_FPX)"
        );
        assert_eq!(method_name("<b>NEW</b>"), "<b>NEW</b>");
    }
}
