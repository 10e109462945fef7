//! The shop's HTML, plain and without script. Everything that is not a
//! literal of this file goes through `escape`: order ids, Alipay's result
//! codes and messages, notification keys are data, and data is never markup.

use alipay_ams::Amount;

use super::{Order, Payment, Refund};

/// The merchant's name, as the buyer sees it on Alipay's page.
pub const SHOP_NAME: &str = "Sandbox Coffee Roasters";
/// What the shop sells (one thing: this is about paying for it).
pub const PRODUCT: &str = "Single-origin coffee beans, 250 g";

const STYLE: &str = "body{margin:0;font:16px/1.5 Georgia,'Times New Roman',serif;background:#faf7f2;color:#2d241c}\
header{background:#3b2a1e;color:#f6ead8;padding:14px 28px;font-size:20px;letter-spacing:.02em}\
header a{color:inherit;text-decoration:none}main{max-width:640px;margin:28px auto;padding:0 20px}\
.card{background:#fff;border:1px solid #e8dccb;border-radius:12px;padding:22px 26px;margin-bottom:20px}\
h1{margin:0 0 6px;font-size:24px}.price{font-size:28px;font-weight:bold;margin:8px 0 14px}\
button{font:600 16px system-ui,sans-serif;padding:10px 18px;border-radius:8px;border:0;background:#1677ff;color:#fff;cursor:pointer}\
button.secondary{background:#6b4f3a}label{display:block;margin:4px 0;font-family:system-ui,sans-serif;font-size:15px}\
.status{font:700 22px system-ui,sans-serif}.muted{color:#7a6a5a;font-size:14px}.notice{background:#fff4e0;border:1px solid #f0c987;border-radius:8px;padding:10px 14px}\
ol{font:13px ui-monospace,Menlo,monospace;padding-left:22px}dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;font-size:14px}\
dt{color:#7a6a5a}dd{margin:0;font-family:ui-monospace,Menlo,monospace;font-size:13px;overflow-wrap:anywhere}form{display:inline-block;margin:10px 10px 0 0}";

/// Escapes text for HTML content and quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `USD 12.34`: major units, with the currency's decimals.
pub fn money(amount: &Amount) -> String {
    let value = amount
        .to_decimal()
        .unwrap_or_else(|_| amount.value().to_owned());
    format!("{} {value}", amount.currency())
}

/// A page. `refresh`: reload every 2 s, while the order waits for Alipay.
fn layout(title: &str, refresh: bool, body: &str) -> String {
    let refresh = if refresh {
        "<meta http-equiv=\"refresh\" content=\"2\">"
    } else {
        ""
    };
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">{refresh}<title>{}</title><style>{STYLE}</style></head>\
         <body><header><a href=\"/\">{}</a></header><main>{body}</main></body></html>",
        escape(title),
        escape(SHOP_NAME)
    )
}

/// The product page: the checkout form, and the orders so far.
pub fn product<'a>(price: &Amount, orders: impl Iterator<Item = &'a Order>) -> String {
    let mut list = String::new();
    for order in orders {
        let (status, _) = status(order);
        list.push_str(&format!(
            "<li><a href=\"/orders/{id}\">Order {id}</a>: {}</li>",
            escape(status),
            id = escape(&order.id)
        ));
    }
    let orders = if list.is_empty() {
        String::new()
    } else {
        format!("<div class=\"card\"><h2>Your orders</h2><ul>{list}</ul></div>")
    };
    let body = format!(
        "<div class=\"card\"><h1>{}</h1><p class=\"muted\">Roasted this week. Paid through Alipay (the local sandbox).</p>\
         <div class=\"price\" id=\"price\">{}</div>\
         <form method=\"post\" action=\"/checkout\">\
         <label><input type=\"radio\" name=\"method\" value=\"CARD\" checked> Card: authorized now, captured when we ship</label>\
         <label><input type=\"radio\" name=\"method\" value=\"ALIPAY_CN\"> Alipay wallet: paid at once</label>\
         <p><button id=\"checkout\" type=\"submit\">Checkout</button></p></form></div>{orders}",
        escape(PRODUCT),
        escape(&money(price))
    );
    layout(SHOP_NAME, false, &body)
}

/// What the order's state is called, and what it means.
pub(crate) fn status(order: &Order) -> (&'static str, String) {
    let amount = money(&order.amount);
    match (&order.refund, &order.payment) {
        (Some(Refund::Refunded), _) => ("Refunded", format!("{amount} went back to the buyer.")),
        (Some(Refund::Processing), _) => (
            "Refund processing",
            "Alipay accepted the refund; notifyRefund brings its result.".to_owned(),
        ),
        (Some(Refund::Failed(code)), _) => {
            ("Refund failed", format!("Alipay could not refund: {code}."))
        }
        (None, Payment::AwaitingBuyer) => (
            "Waiting for payment",
            "The buyer is on Alipay's page (or left it); notifyPayment brings the result."
                .to_owned(),
        ),
        (None, Payment::Pending) => (
            "Payment pending",
            "The buyer paid with a method that settles later; another notifyPayment follows."
                .to_owned(),
        ),
        (None, Payment::Authorized) => (
            "Authorized",
            format!("The card is authorized for {amount}: capture it when the order ships."),
        ),
        (None, Payment::Paid) => ("Paid", format!("{amount} received.")),
        (None, Payment::Failed(code)) => (
            "Payment failed",
            format!("Alipay says {code}. Nothing was charged."),
        ),
    }
}

/// The order page: its state, what arrived from Alipay, and the buttons
/// that fit the state.
pub fn order(order: &Order, dashboard: Option<&str>) -> String {
    let (status_text, detail) = status(order);
    let id = escape(&order.id);
    let waiting = matches!(order.payment, Payment::AwaitingBuyer | Payment::Pending)
        || order.refund == Some(Refund::Processing);
    let mut body = format!(
        "<div class=\"card\"><p class=\"muted\">Order {id} · {} · {}</p>\
         <p class=\"status\" id=\"status\">{}</p><p id=\"status-detail\">{}</p>",
        escape(PRODUCT),
        escape(&money(&order.amount)),
        escape(status_text),
        escape(&detail)
    );
    if let Some(notice) = &order.notice {
        body.push_str(&format!(
            "<p class=\"notice\" id=\"notice\">{}</p>",
            escape(notice)
        ));
    }
    if order.payment == Payment::Authorized && order.refund.is_none() {
        body.push_str(&format!(
            "<form method=\"post\" action=\"/orders/{id}/capture\"><button id=\"capture\" type=\"submit\">Capture {}</button></form>",
            escape(&money(&order.amount))
        ));
    }
    if order.payment == Payment::Paid && matches!(order.refund, None | Some(Refund::Failed(_))) {
        body.push_str(&format!(
            "<form method=\"post\" action=\"/orders/{id}/refund\"><button class=\"secondary\" id=\"refund\" type=\"submit\">Refund {}</button></form>",
            escape(&money(&order.amount))
        ));
    }
    if waiting {
        body.push_str("<p class=\"muted\">This page reloads every 2 seconds until Alipay's notification arrives.</p>");
    }
    body.push_str("</div><div class=\"card\"><h2>From Alipay</h2><dl>");
    body.push_str(&format!(
        "<dt>paymentRequestId</dt><dd>{}</dd>",
        escape(&order.payment_request_id)
    ));
    if let Some(payment_id) = &order.payment_id {
        body.push_str(&format!(
            "<dt>paymentId</dt><dd id=\"payment-id\">{}</dd>",
            escape(payment_id)
        ));
    }
    body.push_str(&format!(
        "<dt>method</dt><dd>{}</dd></dl><p class=\"muted\">Notifications received (verified; each event processed once):</p><ol id=\"events\">",
        if order.card { "CARD (manual capture)" } else { "ALIPAY_CN" }
    ));
    for event in &order.events {
        body.push_str(&format!("<li>{}</li>", escape(event)));
    }
    body.push_str("</ol>");
    if order.events.is_empty() {
        body.push_str("<p class=\"muted\">None yet.</p>");
    }
    if let Some(dashboard) = dashboard {
        body.push_str(&format!(
            "<p class=\"muted\">What the sandbox did: <a href=\"{0}\">{0}</a></p>",
            escape(dashboard)
        ));
    }
    body.push_str("</div><p><a href=\"/\">Back to the shop</a></p>");
    layout(&format!("Order {}", order.id), waiting, &body)
}

/// No such order.
pub fn not_found(id: &str) -> String {
    message("No such order", &format!("This shop has no order {id}."))
}

/// A page that only says something.
pub fn message(title: &str, text: &str) -> String {
    let body = format!(
        "<div class=\"card\"><h1>{}</h1><p>{}</p><p><a href=\"/\">Back to the shop</a></p></div>",
        escape(title),
        escape(text)
    );
    layout(title, false, &body)
}
