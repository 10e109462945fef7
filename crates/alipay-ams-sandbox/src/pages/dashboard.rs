//! The dashboard at `/sandbox/`: what the sandbox did, for the engineer
//! clicking through a checkout. Each payment (newest first) with its state,
//! amounts and transactions (captures, refunds, cancellations), a link to
//! its buyer's page, and every notification about it with every delivery
//! attempt: time, HTTP status, the merchant's answer, and the next
//! scheduled redelivery. It reloads itself every two seconds.

use std::collections::HashMap;
use std::time::SystemTime;

use alipay_ams_core::time::iso8601_utc;
use http::StatusCode;

use super::{Html, badge, document, explain, html_reply, money, when};
use crate::attempt::DeliveryAttempt;
use crate::reply::Reply;
use crate::shared::Shared;
use crate::state::PaymentState;

/// The most payments shown: a page for a person, not a soak test's books
/// (`GET /sandbox/payments` has them all).
const SHOWN: usize = 50;

/// `GET /sandbox/`.
pub(crate) fn page(shared: &Shared) -> Reply {
    let (payments, now) = shared.transact(|ledger, now| ((ledger.all_payments(), now), Vec::new()));
    let log = shared.notifier.log();
    html_reply(
        StatusCode::OK,
        render(&payments, &log, now, &shared.client_id),
    )
}

fn render(
    payments: &[PaymentState],
    log: &[DeliveryAttempt],
    now: SystemTime,
    client_id: &str,
) -> String {
    let mut by_payment: HashMap<&str, Vec<&DeliveryAttempt>> = HashMap::new();
    let mut unmatched = Vec::new();
    for attempt in log {
        match attempt.payment_id.as_deref() {
            Some(id) if payments.iter().any(|p| p.payment_id == id) => {
                by_payment.entry(id).or_default().push(attempt)
            }
            _ => unmatched.push(attempt),
        }
    }
    document("Sandbox dashboard", Some("2"), |html| {
        html.raw("<main>");
        summary(html, payments, log, now, client_id);
        if payments.is_empty() {
            html.raw("<div class=\"card empty\">No payments yet: call pay (or createPaymentSession, or POST /sandbox/payments) and they appear here.</div>");
        }
        for payment in payments.iter().rev().take(SHOWN) {
            let attempts = by_payment
                .get(payment.payment_id.as_str())
                .map(Vec::as_slice)
                .unwrap_or_default();
            payment_card(html, payment, attempts);
        }
        if payments.len() > SHOWN {
            html.raw("<p class=\"muted\">Showing the newest ")
                .show(SHOWN)
                .raw(" of ")
                .show(payments.len())
                .raw(" payments; <a href=\"/sandbox/payments\">GET /sandbox/payments</a> has them all.</p>");
        }
        if !unmatched.is_empty() {
            html.raw("<section class=\"card\" id=\"other-notifications\"><h2>Notifications about no payment of this sandbox</h2>");
            attempts_table(html, &unmatched);
            html.raw("</section>");
        }
        html.raw("</main>");
    })
}

fn summary(
    html: &mut Html,
    payments: &[PaymentState],
    log: &[DeliveryAttempt],
    now: SystemTime,
    client_id: &str,
) {
    // Each delivery's latest attempt says whether another one follows.
    let mut latest: HashMap<u64, &DeliveryAttempt> = HashMap::new();
    for attempt in log {
        let entry = latest.entry(attempt.delivery).or_insert(attempt);
        if attempt.attempt > entry.attempt {
            *entry = attempt;
        }
    }
    let notifications = latest.len();
    let waiting = latest.values().filter(|a| a.next_time.is_some()).count();
    html.raw("<div class=\"summary\" id=\"summary\">")
        .raw("<span><b>")
        .show(payments.len())
        .raw("</b> payments</span><span><b>")
        .show(notifications)
        .raw("</b> notifications</span><span><b id=\"attempt-count\">")
        .show(log.len())
        .raw("</b> delivery attempts</span><span><b>")
        .show(waiting)
        .raw("</b> redeliveries scheduled</span>")
        .raw("<span class=\"muted\">client id <code>")
        .text(client_id)
        .raw("</code> · now ")
        .text(&when(&iso8601_utc(now)))
        .raw(" UTC (the sandbox's clock) · reloads every 2 s</span></div>");
}

fn payment_card(html: &mut Html, p: &PaymentState, attempts: &[&DeliveryAttempt]) {
    html.raw("<section class=\"card payment\" id=\"payment-")
        .text(&p.payment_id)
        .raw("\"><h2><a class=\"mono\" href=\"/sandbox/checkout/")
        .text(&p.payment_id)
        .raw("\">")
        .text(&p.payment_id)
        .raw("</a>");
    badge(html, p.status.as_str());
    html.raw("<span>")
        .text(&money(&p.payment_amount))
        .raw("</span><span class=\"muted\">")
        .text(&p.payment_method_type)
        .raw(" · ")
        .text(explain(p.status))
        .raw("</span></h2><dl class=\"facts\">");
    let mut fact = |label: &'static str, value: Option<&str>| {
        if let Some(value) = value {
            html.raw("<dt>")
                .raw(label)
                .raw("</dt><dd>")
                .text(value)
                .raw("</dd>");
        }
    };
    let totals = format!(
        "authorized {} · captured {} · refunded {} · refundable {}",
        money(&p.authorized),
        money(&p.captured),
        money(&p.refunded),
        money(&p.refundable)
    );
    fact("Merchant", p.merchant_name.as_deref());
    fact("Order", p.order_description.as_deref());
    fact("Reference order id", p.reference_order_id.as_deref());
    fact("Payment request id", Some(&p.payment_request_id));
    fact("Created", Some(&when(&p.create_time)));
    fact("Paid", p.payment_time.as_deref().map(when).as_deref());
    let failure = p.failure.as_ref().map(|f| {
        format!(
            "{} {}",
            f.result_code.as_str(),
            f.result_message.as_deref().unwrap_or("")
        )
    });
    fact("Failure", failure.as_deref());
    fact("Notify URL", p.notify_url.as_deref());
    fact("Redirect URL", p.redirect_url.as_deref());
    html.raw("<dt class=\"wide\">Amounts</dt><dd class=\"wide\">")
        .text(&totals)
        .raw("</dd></dl>");
    transactions(html, p);
    html.raw("<h3>Notifications</h3>");
    if attempts.is_empty() {
        html.raw("<p class=\"empty\">None sent for this payment.</p>");
    } else {
        attempts_table(html, attempts);
    }
    html.raw("</section>");
}

fn transactions(html: &mut Html, p: &PaymentState) {
    html.raw("<h3>Transactions</h3>");
    if p.transactions.is_empty() {
        html.raw("<p class=\"empty\">No capture, refund or cancellation.</p>");
        return;
    }
    html.raw("<table class=\"transactions\"><tr><th>Type</th><th>Status</th><th>Amount</th><th>Request id</th><th>Id</th><th>Time</th><th>Result</th></tr>");
    for t in &p.transactions {
        html.raw("<tr class=\"transaction\"><td>")
            .text(t.transaction_type.as_str())
            .raw("</td><td>");
        badge(html, t.transaction_status);
        html.raw("</td><td>")
            .text(&money(&t.transaction_amount))
            .raw("</td><td class=\"mono\">")
            .text(&t.transaction_request_id)
            .raw("</td><td class=\"mono\">")
            .text(&t.transaction_id)
            .raw("</td><td class=\"nowrap\">")
            .text(&when(&t.transaction_time))
            .raw("</td><td><code>")
            .text(t.transaction_result.result_code.as_str())
            .raw("</code></td></tr>");
    }
    html.raw("</table>");
}

/// One row per attempt, the attempts of one delivery together (in the order
/// each delivery began), the notification described once per delivery.
fn attempts_table(html: &mut Html, attempts: &[&DeliveryAttempt]) {
    let mut deliveries: Vec<(u64, Vec<&DeliveryAttempt>)> = Vec::new();
    for attempt in attempts {
        match deliveries.iter_mut().find(|(d, _)| *d == attempt.delivery) {
            Some((_, list)) => list.push(attempt),
            None => deliveries.push((attempt.delivery, vec![attempt])),
        }
    }
    html.raw("<div class=\"scroll\"><table class=\"attempts\"><tr><th>Notification</th><th>#</th><th>Time</th><th>HTTP</th><th>Merchant's answer</th><th>Result</th><th>Next redelivery</th></tr>");
    for (_, list) in &deliveries {
        for (i, a) in list.iter().enumerate() {
            html.raw("<tr class=\"attempt\" data-delivery=\"")
                .show(a.delivery)
                .raw("\" data-attempt=\"")
                .show(a.attempt)
                .raw("\" data-dedup-key=\"")
                .text(a.dedup_key.as_str())
                .raw("\">");
            if i == 0 {
                html.raw("<td class=\"notification\" rowspan=\"")
                    .show(list.len())
                    .raw("\">");
                notification(html, a);
                html.raw("</td>");
            }
            attempt_cells(html, a);
            html.raw("</tr>");
        }
    }
    html.raw("</table></div>");
}

fn notification(html: &mut Html, a: &DeliveryAttempt) {
    html.raw("<code>").text(&a.kind).raw("</code> ");
    if let Some(notify_type) = &a.notify_type {
        html.text(notify_type).raw(" ");
    }
    if let Some(status) = &a.result_status {
        badge(html, status);
    }
    html.raw("<br><span class=\"muted mono\">")
        .text(a.dedup_key.as_str())
        .raw("</span><br><span class=\"muted\">to ")
        .url(&a.notify_url)
        .raw("</span>");
}

fn attempt_cells(html: &mut Html, a: &DeliveryAttempt) {
    html.raw("<td>")
        .show(a.attempt)
        .raw("</td><td class=\"nowrap\">")
        .text(&when(&a.time))
        .raw("</td><td class=\"http\">");
    match (a.http_status, &a.error) {
        (Some(status), _) => {
            html.show(status);
        }
        (None, Some(error)) => {
            html.raw("<span class=\"muted\">")
                .text(error)
                .raw("</span>");
        }
        (None, None) => {
            html.raw("—");
        }
    }
    html.raw("</td><td class=\"answer\">");
    if let Some(answer) = &a.answer {
        html.raw("<code title=\"")
            .text(answer)
            .raw("\">")
            .text(answer)
            .raw("</code>");
    }
    html.raw("</td><td>");
    if a.acknowledged {
        badge_text(html, "ack", "acknowledged");
    } else {
        badge_text(html, "nack", "not acknowledged");
    }
    if let Some(fault) = &a.fault {
        html.raw(" <span class=\"muted\">fault: ")
            .text(fault)
            .raw("</span>");
    }
    html.raw("</td><td class=\"next\">");
    match &a.next_time {
        Some(next) => {
            html.text(&when(next));
        }
        None if a.acknowledged => {
            html.raw("<span class=\"muted\">none: acknowledged</span>");
        }
        None => {
            html.raw("<span class=\"muted\">none: last attempt</span>");
        }
    }
    html.raw("</td>");
}

fn badge_text(html: &mut Html, class: &'static str, text: &'static str) {
    html.raw("<span class=\"badge s-")
        .raw(class)
        .raw("\">")
        .raw(text)
        .raw("</span>");
}
