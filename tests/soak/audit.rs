//! The checkout soak's audit, once every lifecycle ran: the sandbox's books
//! against what the merchant meant and recorded, the notifications against
//! the events the books imply, the unknowns against their resolutions. It
//! prints the figures, then asserts them.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use alipay_ams::ResultStatus;
use alipay_ams::sandbox::RefundStatus;

use crate::common::checkout::{
    Merchant, OrderStatus, capture_key, payment_pending_key, payment_result_key, refund_key,
};
use crate::faults::FaultPlan;
use crate::lifecycles::{Expected, KINDS};
use crate::steps::Tally;

fn count<T>(
    items: impl IntoIterator<Item = T>,
    key: impl Fn(&T) -> String,
) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for item in items {
        *counts.entry(key(&item)).or_default() += 1;
    }
    counts
}

fn minor(amount: &alipay_ams::Amount) -> u64 {
    amount.minor_units().unwrap()
}

pub async fn audit(m: &Merchant, plan: &FaultPlan, tally: &Tally, expected: &[Expected]) {
    let sandbox = &m.sandbox;
    // Asynchronous refunds settle within milliseconds at this scale.
    let start = Instant::now();
    while sandbox
        .refunds()
        .iter()
        .any(|r| r.status == RefundStatus::Processing)
    {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "refunds still processing"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (payments, captures, refunds) = (sandbox.payments(), sandbox.captures(), sandbox.refunds());
    let by_id: HashMap<&str, _> = payments
        .iter()
        .map(|p| (p.payment_id.as_str(), p))
        .collect();

    // What the merchant meant, against the books.
    let mut off_books = Vec::new();
    for want in expected {
        let p = by_id[want.payment_id.as_str()];
        let got = (p.status, minor(&p.captured), minor(&p.refunded));
        if got != (want.status, want.captured, want.refunded) {
            off_books.push(format!("{want:?}: books {got:?}"));
        }
    }
    // One movement per idempotency key.
    let double_payments = count(&payments, |p| p.payment_request_id.clone())
        .values()
        .filter(|&&n| n > 1)
        .count();
    let double_captures = count(&captures, |c| c.capture_request_id.clone())
        .values()
        .filter(|&&n| n > 1)
        .count();
    let double_refunds = count(&refunds, |r| r.refund_request_id.clone())
        .values()
        .filter(|&&n| n > 1)
        .count();
    let merchant_captures = tally.captures.lock().unwrap().clone();
    let merchant_refunds = tally.refunds.lock().unwrap().clone();
    let mut disagreements = Vec::new();
    for (key, id) in &merchant_captures {
        let on_books: Vec<_> = captures
            .iter()
            .filter(|c| &c.capture_request_id == key)
            .collect();
        if on_books.len() != 1
            || &on_books[0].capture_id != id
            || on_books[0].result.result_status != ResultStatus::Success
        {
            disagreements.push(format!("capture {key}: merchant {id}, books {on_books:?}"));
        }
    }
    for (key, id) in &merchant_refunds {
        let on_books: Vec<_> = refunds
            .iter()
            .filter(|r| &r.refund_request_id == key)
            .collect();
        if on_books.len() != 1
            || &on_books[0].refund_id != id
            || on_books[0].status != RefundStatus::Success
        {
            disagreements.push(format!("refund {key}: merchant {id}, books {on_books:?}"));
        }
    }
    // Never refunded beyond what was captured.
    let mut beyond = Vec::new();
    for p in &payments {
        let refunded: u64 = refunds
            .iter()
            .filter(|r| r.payment_id == p.payment_id && r.status == RefundStatus::Success)
            .map(|r| minor(&r.refund_amount))
            .sum();
        if refunded > minor(&p.captured) || refunded != minor(&p.refunded) {
            beyond.push(format!(
                "{}: captured {:?}, refunded {refunded} ({:?})",
                p.payment_id, p.captured, p.refunded
            ));
        }
    }
    // Refused refunds are no refunds: none of the over-refunds is on the books.
    let over_refunds: usize = expected.iter().map(|e| e.over_refunds).sum();
    let over_refunds_on_books = refunds
        .iter()
        .filter(|r| r.refund_request_id.ends_with("-r0") || r.refund_request_id.ends_with("-r3"))
        .count();

    // The notifications the books imply: a result per payment the buyer
    // settled (and the pending of bank payments), one per capture, one per
    // asynchronous refund.
    let mut events: HashSet<String> = HashSet::new();
    for p in &payments {
        if p.payment_time.is_some() || p.failure.is_some() {
            events.insert(payment_result_key(&p.payment_id));
        }
        if p.payment_method_type.starts_with("ONLINEBANKING_") && p.payment_time.is_some() {
            events.insert(payment_pending_key(&p.payment_id));
        }
    }
    events.extend(captures.iter().map(|c| capture_key(&c.capture_id)));
    events.extend(
        refunds
            .iter()
            .filter(|r| r.asynchronous)
            .map(|r| refund_key(&r.refund_id)),
    );
    let log = sandbox
        .wait_for_deliveries(Duration::from_secs(120), |log| {
            let mut open = HashMap::new();
            for attempt in log {
                open.insert(attempt.delivery, !attempt.last);
            }
            let acknowledged: HashSet<&str> = log
                .iter()
                .filter(|a| a.acknowledged)
                .map(|a| a.dedup_key.as_str())
                .collect();
            !open.values().any(|&o| o) && events.iter().all(|k| acknowledged.contains(k.as_str()))
        })
        .await
        .unwrap_or_else(|log| {
            let acknowledged: HashSet<&str> = log
                .iter()
                .filter(|a| a.acknowledged)
                .map(|a| a.dedup_key.as_str())
                .collect();
            let missing: Vec<_> = events
                .iter()
                .filter(|k| !acknowledged.contains(k.as_str()))
                .take(5)
                .collect();
            panic!("notifications never acknowledged, e.g. {missing:?}")
        });
    let sent: HashSet<String> = log.iter().map(|a| a.dedup_key.to_string()).collect();
    let committed = m.store.committed_keys();
    let processed: HashSet<String> = committed.keys().cloned().collect();
    let lost = events.difference(&processed).count();
    let unexpected = processed.difference(&events).count() + sent.difference(&events).count();
    let processed_twice = committed.values().filter(|&&n| n != 1).count();
    // A delivery acknowledged (for real, not a lost_ack) and then sent again.
    let acknowledged_twice = count(
        log.iter()
            .filter(|a| a.acknowledged && a.fault.as_deref() != Some("lost_ack")),
        |a| a.delivery.to_string(),
    )
    .values()
    .filter(|&&n| n > 1)
    .count();
    let deliveries = count(&log, |a| a.delivery.to_string()).len();
    let duplicated = log
        .iter()
        .filter(|a| {
            a.fault
                .as_deref()
                .is_some_and(|f| f.starts_with("duplicate"))
        })
        .count();
    // What the merchant believes of each order, against the books.
    let mut orders_off = Vec::new();
    for p in &payments {
        let want = if let Some(failure) = &p.failure {
            Some(OrderStatus::Failed(failure.result_code.to_string()))
        } else {
            p.payment_time.is_some().then_some(OrderStatus::Paid)
        };
        if m.store.order(&p.payment_id) != want {
            orders_off.push(format!(
                "{}: merchant {:?}, books {:?}",
                p.payment_id,
                m.store.order(&p.payment_id),
                p.status
            ));
        }
    }
    let unknowns = tally.unknowns.load(Ordering::SeqCst);
    let resolved = [
        &tally.resolved_succeeded,
        &tally.resolved_failed,
        &tally.resolved_pending,
        &tally.resolved_not_found,
    ]
    .iter()
    .map(|c| c.load(Ordering::SeqCst))
    .sum::<usize>();
    let queries_asked_again = tally.retried_queries.load(Ordering::SeqCst);
    let api_unfired = usize::try_from(FaultPlan::api_unfired(sandbox)).unwrap();
    let api_armed = plan.api_armed.load(Ordering::SeqCst);
    let notification_unfired = usize::try_from(FaultPlan::notification_unfired(sandbox)).unwrap();
    let notification_armed = plan.notification_armed.load(Ordering::SeqCst);
    let store = &m.store;
    let load = |c: &std::sync::atomic::AtomicU32| c.load(Ordering::SeqCst);
    let at = |c: &std::sync::atomic::AtomicUsize| c.load(Ordering::SeqCst);

    println!("checkout soak: {} lifecycles", expected.len());
    for (kind, name) in KINDS.iter().enumerate() {
        println!(
            "  {:>4} x {name}",
            expected.iter().filter(|e| e.kind == kind).count()
        );
    }
    println!(
        "  merchant calls:                  {} (API faults fired {} of {api_armed} armed)",
        plan.calls(),
        api_armed - api_unfired
    );
    println!(
        "  unknown outcomes:                {unknowns}: resolved {resolved} (succeeded {}, failed {}, still pending {}, not found {} of which landed late {}), queries asked again {queries_asked_again}",
        at(&tally.resolved_succeeded),
        at(&tally.resolved_failed),
        at(&tally.resolved_pending),
        at(&tally.resolved_not_found),
        at(&tally.landed_late)
    );
    println!(
        "  resolutions run again:           {} saw no answer, {} ended on an unsigned F inquiry reply",
        at(&tally.resolved_unanswered),
        at(&tally.resolve_errors)
    );
    println!("  the same request sent again:     {}", at(&tally.resends));
    println!(
        "  books: payments {}, captures {} (S {}), refunds {} (async {})",
        payments.len(),
        captures.len(),
        captures
            .iter()
            .filter(|c| c.result.result_status == ResultStatus::Success)
            .count(),
        refunds.len(),
        refunds.iter().filter(|r| r.asynchronous).count()
    );
    println!(
        "  double payments / captures / refunds: {double_payments} / {double_captures} / {double_refunds}"
    );
    println!("  refunded beyond captured:        {}", beyond.len());
    println!(
        "  over-refunds refused:            {over_refunds} ({over_refunds_on_books} on the books)"
    );
    println!(
        "  merchant's records off the books: {} ({} lifecycles off what was meant)",
        disagreements.len(),
        off_books.len()
    );
    println!(
        "  notifications: {} events, {deliveries} deliveries ({duplicated} duplicate attempts), {} attempts; notification faults fired {} of {notification_armed}",
        events.len(),
        log.len(),
        notification_armed - notification_unfired
    );
    println!(
        "  handler calls:                   {} ({} failed before commit, {} after), duplicates suppressed {}, late (kept final) {}",
        load(&store.calls),
        load(&store.failures_before),
        load(&store.failures_after),
        load(&store.duplicates),
        load(&store.late)
    );
    println!(
        "  processed exactly once:          {} of {}; lost {lost}, unexpected {unexpected}, processed twice {processed_twice}, acknowledged twice {acknowledged_twice}",
        processed.len(),
        events.len()
    );
    println!("  orders the merchant got wrong:   {}", orders_off.len());

    assert!(
        off_books.is_empty(),
        "{:#?}",
        &off_books[..off_books.len().min(5)]
    );
    assert!(
        disagreements.is_empty(),
        "{:#?}",
        &disagreements[..disagreements.len().min(5)]
    );
    assert_eq!(
        (double_payments, double_captures, double_refunds),
        (0, 0, 0)
    );
    assert!(beyond.is_empty(), "{beyond:?}");
    assert_eq!(over_refunds_on_books, 0);
    assert_eq!(
        unknowns,
        resolved + queries_asked_again,
        "an unknown outcome left unresolved"
    );
    assert!(
        tally.resolved_not_found.load(Ordering::SeqCst) > 0
            && tally.resolved_succeeded.load(Ordering::SeqCst) > 0
    );
    assert_eq!(
        (lost, unexpected, processed_twice, acknowledged_twice),
        (0, 0, 0, 0)
    );
    assert_eq!(load(&store.key_mismatches), 0);
    assert!(
        orders_off.is_empty(),
        "{:#?}",
        &orders_off[..orders_off.len().min(5)]
    );
    assert!(
        api_armed * 5 >= plan.calls() - 5,
        "a fifth of the calls are faulted"
    );
    assert!(
        (api_armed - api_unfired) * 10 >= api_armed * 9,
        "most armed API faults fired"
    );
    assert!((notification_armed - notification_unfired) * 10 >= notification_armed * 9);
    assert!(load(&store.failures_before) > 0 && load(&store.failures_after) > 0);
    assert!(
        load(&store.duplicates) >= load(&store.failures_after),
        "each crash after commit is followed by a suppressed duplicate"
    );
    assert!(duplicated > 0, "no duplicate notification was delivered");
}
