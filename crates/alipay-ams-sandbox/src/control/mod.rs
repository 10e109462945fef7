//! The sandbox's own control API, always under `/sandbox/` and never mixed
//! with Alipay's paths: create payments, act as the buyer, read state and
//! the delivery log, move the clock, arm and clear faults. Plain JSON,
//! unsigned; beside it, the pages for people (`crate::pages`): the
//! dashboard at `/sandbox/` and the buyer's page.

mod faults;
mod payments;

use std::time::Duration;

use alipay_ams_core::time::iso8601_utc;
use http::{Method, Request, StatusCode};
use hyper::body::Incoming;
use serde::{Deserialize, Serialize};
use serde_json::json;

pub(crate) use payments::{buyer_action, create_payment};

use crate::attempt::DeliveryAttempt;
use crate::gateway::read_body;
use crate::pages;
use crate::reply::{Reply, plain, plain_of};
use crate::shared::Shared;
use crate::sync::lock;

const ENDPOINTS: &str = "GET /sandbox/ (the dashboard), POST /sandbox/payments, GET /sandbox/payments, GET /sandbox/payments/{paymentId}, POST /sandbox/payments/{paymentId}/buyer, POST /sandbox/payments/{paymentId}/expire, GET|POST /sandbox/checkout/{paymentId} (the buyer's page), GET /sandbox/notifications, GET|POST /sandbox/clock, POST /sandbox/faults, DELETE /sandbox/faults";

/// HTTP 400 with `{"error": ...}` saying what was expected.
pub(crate) fn bad_request(message: impl std::fmt::Display) -> Reply {
    plain(
        StatusCode::BAD_REQUEST,
        &json!({"error": message.to_string()}),
    )
}

#[derive(Serialize)]
struct Deliveries<'a> {
    deliveries: &'a [DeliveryAttempt],
}

/// The body of `POST /sandbox/clock`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AdvanceClock {
    advance_ms: u64,
}

/// What a control request asks for, by method and path.
enum Endpoint<'a> {
    CreatePayment,
    ListPayments,
    Payment(&'a str),
    Buyer(&'a str),
    Expire(&'a str),
    Checkout(&'a str),
    CheckoutAction(&'a str),
    Dashboard,
    Notifications,
    Clock,
    AdvanceClock,
    ArmFault,
    ClearFaults,
}

fn endpoint<'a>(method: &Method, path: &'a str) -> Option<Endpoint<'a>> {
    let segments: Vec<&str> = path.trim_start_matches("/sandbox/").split('/').collect();
    let id = |id: &'a str| (!id.is_empty()).then_some(id);
    Some(match (method, segments.as_slice()) {
        (&Method::POST, ["payments"]) => Endpoint::CreatePayment,
        (&Method::GET, ["payments"]) => Endpoint::ListPayments,
        (&Method::GET, ["payments", payment]) => Endpoint::Payment(id(payment)?),
        (&Method::POST, ["payments", payment, "buyer"]) => Endpoint::Buyer(id(payment)?),
        (&Method::POST, ["payments", payment, "expire"]) => Endpoint::Expire(id(payment)?),
        (&Method::GET, ["checkout", payment]) => Endpoint::Checkout(id(payment)?),
        (&Method::POST, ["checkout", payment]) => Endpoint::CheckoutAction(id(payment)?),
        (&Method::GET, [""]) => Endpoint::Dashboard,
        (&Method::GET, ["notifications"]) => Endpoint::Notifications,
        (&Method::GET, ["clock"]) => Endpoint::Clock,
        (&Method::POST, ["clock"]) => Endpoint::AdvanceClock,
        (&Method::POST, ["faults"]) => Endpoint::ArmFault,
        (&Method::DELETE, ["faults"]) => Endpoint::ClearFaults,
        _ => return None,
    })
}

/// Answers one control request (and logs it).
pub(crate) async fn handle(
    shared: &Shared,
    method: &Method,
    path: &str,
    request: Request<Incoming>,
) -> Reply {
    let reply = match endpoint(method, path) {
        None => plain(
            StatusCode::NOT_FOUND,
            &json!({"error": format!("no control endpoint {method} {path}; see {ENDPOINTS}")}),
        ),
        Some(endpoint) => match read_body(request.into_body()).await {
            Err(e) => bad_request(e),
            Ok(body) => answer(shared, endpoint, &body),
        },
    };
    tracing::info!("{method} {path} -> {}", reply.status().as_u16());
    reply
}

fn answer(shared: &Shared, endpoint: Endpoint<'_>, body: &[u8]) -> Reply {
    match endpoint {
        Endpoint::CreatePayment => payments::create(shared, body),
        Endpoint::ListPayments => payments::list(shared),
        Endpoint::Payment(id) => payments::state(shared, id),
        Endpoint::Buyer(id) => payments::buyer(shared, id, body),
        Endpoint::Expire(id) => payments::expire(shared, id),
        Endpoint::Checkout(id) => pages::checkout_page(shared, id),
        Endpoint::CheckoutAction(id) => pages::act(shared, id, body),
        Endpoint::Dashboard => pages::dashboard_page(shared),
        Endpoint::Notifications => plain_of(
            StatusCode::OK,
            &Deliveries {
                deliveries: &shared.notifier.log(),
            },
        ),
        Endpoint::Clock => plain(
            StatusCode::OK,
            &json!({"now": iso8601_utc(shared.clock.now())}),
        ),
        Endpoint::AdvanceClock => match serde_json::from_slice::<AdvanceClock>(body) {
            Err(e) => bad_request(format!(
                "expected {{\"advanceMs\":86400000}} (how far to move the sandbox's clock forward): {e}"
            )),
            Ok(advance) => {
                let now = shared
                    .clock
                    .advance(Duration::from_millis(advance.advance_ms));
                shared.transact(|_, _| ((), Vec::new()));
                plain(StatusCode::OK, &json!({"now": iso8601_utc(now)}))
            }
        },
        Endpoint::ArmFault => match faults::arm(shared, body) {
            Ok(pending) => plain(StatusCode::OK, &json!({"armed": pending})),
            Err(e) => bad_request(e),
        },
        Endpoint::ClearFaults => {
            let cleared = lock(&shared.faults).clear();
            plain(StatusCode::OK, &json!({"cleared": cleared}))
        }
    }
}
