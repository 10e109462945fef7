//! The sandbox's pages for people: the buyer's page at `normalUrl`
//! (`checkout.rs`) and the dashboard at `/sandbox/` (`dashboard.rs`).
//! Server-rendered HTML with its CSS inside: no script, no external asset,
//! so they work offline and without JavaScript. What they share is here:
//! the document around a page, the reply headers, how amounts, times and
//! statuses look.

mod checkout;
mod dashboard;
mod html;

use alipay_ams_core::Amount;
use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::Full;

pub(crate) use checkout::{act, page as checkout_page};
pub(crate) use dashboard::page as dashboard_page;
pub(crate) use html::Html;

use crate::reply::Reply;
use crate::state::PaymentStatus;

/// No script may run and nothing may load from elsewhere, whatever a
/// merchant's string contains (escaping already keeps it text: this is the
/// second wall). Form submissions may go anywhere, since the buyer's form
/// ends at the merchant's `paymentRedirectUrl` through a redirect.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; frame-ancestors 'none'";

const STYLE: &str = r#"
:root { color-scheme: light; --ink: #1d2433; --muted: #5f6b7a; --line: #dde3ea; --bg: #f4f6f9; --brand: #1677ff; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: var(--bg); }
header.bar { background: #0f1c3f; color: #fff; padding: 10px 24px; display: flex; gap: 16px; align-items: baseline; flex-wrap: wrap; }
header.bar strong { font-size: 16px; }
header.bar .note { color: #b9c4dc; font-size: 13px; }
header.bar a.note { margin-left: auto; }
.sandbox-flag { background: #ffb020; color: #2b1d00; font-weight: 700; font-size: 12px; padding: 2px 8px; border-radius: 10px; letter-spacing: .04em; }
main { max-width: 1180px; margin: 0 auto; padding: 20px 24px 40px; }
main.narrow { max-width: 520px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 18px 20px; margin: 0 0 18px; }
section.payment { padding: 14px 18px; margin-bottom: 14px; }
section.payment h2 { margin-bottom: 4px; }
h1 { font-size: 22px; margin: 0 0 6px; }
h2 { font-size: 17px; margin: 0 0 10px; display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
h3 { font-size: 12px; margin: 12px 0 4px; color: var(--muted); text-transform: uppercase; letter-spacing: .05em; }
.muted { color: var(--muted); }
.amount { font-size: 34px; font-weight: 700; margin: 10px 0 4px; font-variant-numeric: tabular-nums; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 10px 0 0; font-size: 14px; }
section.payment dl.facts { grid-template-columns: max-content minmax(0, 1fr) max-content minmax(0, 1fr); gap: 2px 14px; font-size: 13px; }
dl.facts dt.wide { grid-column-start: 1; }
dl.facts dd.wide { grid-column: span 3; }
.scroll { overflow-x: auto; }
td.notification { overflow-wrap: anywhere; min-width: 220px; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th, td.nowrap { white-space: nowrap; }
th { color: var(--muted); font-weight: 600; background: #fafbfc; }
td.answer code { display: inline-block; max-width: 240px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; vertical-align: bottom; }
.badge { display: inline-block; font-size: 12px; font-weight: 700; padding: 2px 9px; border-radius: 10px; letter-spacing: .03em; background: #e8ecf1; color: #333; }
.s-AWAITING_BUYER { background: #e0ecff; color: #0b48b8; }
.s-PENDING { background: #fff1d6; color: #8a5300; }
.s-AUTHORIZED { background: #dcf5f0; color: #0b6b5a; }
.s-CAPTURED, .s-SUCCESS, .s-ack { background: #dff5e1; color: #17692a; }
.s-FAILED, .s-FAIL, .s-nack { background: #fde2e1; color: #a11d17; }
.s-CANCELLED { background: #ececec; color: #555; }
.s-PROCESSING { background: #fff1d6; color: #8a5300; }
form.actions { display: flex; flex-direction: column; gap: 10px; margin-top: 18px; }
button { font: inherit; font-weight: 600; border-radius: 8px; padding: 11px 16px; cursor: pointer; border: 1px solid var(--line); background: #fff; color: var(--ink); }
button.primary { background: var(--brand); border-color: var(--brand); color: #fff; font-size: 16px; }
button.danger { color: #a11d17; }
button.quiet { color: var(--muted); }
.hint { font-size: 13px; color: var(--muted); margin: 10px 0 0; }
a { color: var(--brand); }
.summary { display: flex; gap: 18px; flex-wrap: wrap; font-size: 14px; margin: 0 0 16px; }
.summary b { font-size: 18px; }
.empty { color: var(--muted); font-style: italic; }
"#;

/// A whole document: the bar that says this is the sandbox, then `body`.
/// With `refresh`, the browser reloads it every so many seconds.
pub(crate) fn document(
    title: &str,
    refresh: Option<&'static str>,
    body: impl FnOnce(&mut Html),
) -> String {
    let mut html = Html::default();
    html.raw("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    if let Some(seconds) = refresh {
        html.raw("<meta http-equiv=\"refresh\" content=\"")
            .raw(seconds)
            .raw("\">");
    }
    html.raw("<title>")
        .text(title)
        .raw("</title><style>")
        .raw(STYLE)
        .raw("</style></head><body>")
        .raw("<header class=\"bar\"><strong>Alipay AMS sandbox</strong>")
        .raw("<span class=\"sandbox-flag\">SANDBOX</span>")
        .raw("<span class=\"note\">a local stand-in for Alipay: no real money moves</span>")
        .raw("<a class=\"note\" href=\"/sandbox/\">dashboard</a>")
        .raw("</header>");
    body(&mut html);
    html.raw("</body></html>\n");
    html.finish()
}

/// An HTML reply: not cached (it shows live state), not sniffed, no script.
pub(crate) fn html_reply(status: StatusCode, document: String) -> Reply {
    let mut reply = Response::new(Full::new(Bytes::from(document)));
    *reply.status_mut() = status;
    let headers = reply.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    reply
}

/// A page that only says what went wrong, and where to go instead.
pub(crate) fn message_page(status: StatusCode, title: &str, message: &str) -> Reply {
    let document = document(title, None, |html| {
        html.raw("<main class=\"narrow\"><div class=\"card\"><h1>")
            .text(title)
            .raw("</h1><p>")
            .text(message)
            .raw("</p><p class=\"hint\"><a href=\"/sandbox/\">The sandbox's dashboard</a> lists every payment.</p></div></main>");
    });
    html_reply(status, document)
}

/// `USD 12.34`, `JPY 1234`, `KWD 1.234`: the value in major units with the
/// currency's decimals (ISO 4217 exponent).
pub(crate) fn money(amount: &Amount) -> String {
    match amount.to_decimal() {
        Ok(decimal) => format!("{} {decimal}", amount.currency()),
        // Not expected (the sandbox checked every amount it stores); still
        // show what is there rather than nothing.
        Err(_) => format!("{} {} (minor units)", amount.currency(), amount.value()),
    }
}

/// `2026-11-30 05:39:35` from the sandbox's `2026-11-30T05:39:35+00:00`
/// (every time on the pages is UTC, and the header says so).
pub(crate) fn when(iso: &str) -> String {
    iso.strip_suffix("+00:00")
        .unwrap_or(iso)
        .replacen('T', " ", 1)
}

/// A status as a coloured badge (its class is its wire name).
pub(crate) fn badge(html: &mut Html, status: &str) {
    html.raw("<span class=\"badge s-")
        .text(status)
        .raw("\">")
        .text(status)
        .raw("</span>");
}

/// What a payment's status means, in words for a person.
pub(crate) fn explain(status: PaymentStatus) -> &'static str {
    match status {
        PaymentStatus::AwaitingBuyer => "waiting for the buyer",
        PaymentStatus::Pending => "paid with a method whose result comes later",
        PaymentStatus::Authorized => "authorized: waiting for the merchant's capture",
        PaymentStatus::Captured => "paid and captured",
        PaymentStatus::Failed => "failed",
        PaymentStatus::Cancelled => "cancelled",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_use_the_currency_exponent() {
        let amount = |currency, value| Amount::from_minor_units_str(currency, value).unwrap();
        assert_eq!(money(&amount("USD", "1234")), "USD 12.34");
        assert_eq!(money(&amount("USD", "5")), "USD 0.05");
        assert_eq!(money(&amount("JPY", "1234")), "JPY 1234");
        assert_eq!(money(&amount("KWD", "1234")), "KWD 1.234");
    }

    #[test]
    fn times_drop_the_utc_offset() {
        assert_eq!(when("2026-11-30T05:39:35+00:00"), "2026-11-30 05:39:35");
        assert_eq!(when("not a time"), "not a time");
    }
}
