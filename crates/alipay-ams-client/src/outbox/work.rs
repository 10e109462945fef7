//! Working on one claimed intent: send it if it never left; otherwise
//! inquire, and send the recorded bytes again (same key) only if Alipay
//! shows no trace of it; then record what was learned and release the
//! claim. Shared by [`Client::send_via`](crate::Client::send_via) and
//! [`Client::resume`](crate::Client::resume).

use std::time::{Duration, SystemTime};

use alipay_ams_core::ApiRequest;
use bytes::Bytes;
use tokio::time::Instant;

use super::{IntentRecord, IntentState, Lease, Movement, Outbox, SendOptions, StoreError, Update};
use crate::checkout::{Resolution, ResolveOptions};
use crate::client::Client;
use crate::error::Error;
use crate::options::CallOptions;

/// The least time a send or an inquiry is started with: less, and it is
/// left for the next claim.
const LEAST_CALL: Duration = Duration::from_millis(250);

/// An intent claimed by `lease`, and what working on it needs.
pub(crate) struct Claimed<'a, O> {
    pub(crate) client: &'a Client,
    pub(crate) outbox: &'a O,
    pub(crate) lease: &'a Lease,
    /// When every call made under the claim must have ended.
    pub(crate) until: Instant,
    pub(crate) options: &'a SendOptions,
}

/// When calls made under a claim taken at `claimed_at` (before the store
/// was asked) must end: a fifth of the lease is kept to spare, for the
/// store's own writes and clocks that drift.
pub(crate) fn until(claimed_at: Instant, lease: Duration) -> Instant {
    claimed_at + lease.saturating_sub(lease / 5)
}

/// What working on one intent came to.
pub(crate) struct Worked<T> {
    /// The API's answer to a send made now.
    pub(crate) outcome: Option<T>,
    /// The error of the last send or inquiry, when nothing final was
    /// learned from it.
    pub(crate) error: Option<Error>,
    /// The intent as now recorded (or, if recording failed, as it was).
    pub(crate) record: IntentRecord,
    /// Sends made (0 or 1), and of them sends of an intent sent before.
    pub(crate) sends: u32,
    pub(crate) resends: u32,
    pub(crate) inquiries: u32,
    /// The store failed: nothing more was sent after it.
    pub(crate) store_error: Option<StoreError>,
}

impl<T> Worked<T> {
    pub(crate) fn new(record: IntentRecord) -> Self {
        Worked {
            outcome: None,
            error: None,
            record,
            sends: 0,
            resends: 0,
            inquiries: 0,
            store_error: None,
        }
    }

    /// The same, without the typed outcome.
    pub(crate) fn untyped(self) -> Worked<()> {
        Worked {
            outcome: self.outcome.map(|_| ()),
            error: self.error,
            record: self.record,
            sends: self.sends,
            resends: self.resends,
            inquiries: self.inquiries,
            store_error: self.store_error,
        }
    }
}

impl<O: Outbox> Claimed<'_, O> {
    /// Works on `record`, the intent of `request`. `counted`: its send was
    /// counted when it was recorded (a new intent of `send_via`), so it is
    /// sent at once.
    pub(crate) async fn work<R: Movement>(
        &self,
        record: IntentRecord,
        request: &R,
        counted: bool,
    ) -> Worked<R::Outcome> {
        let never_sent = record.state == IntentState::Pending && record.sends == 0;
        let mut worked = Worked::new(record);
        if counted || never_sent {
            self.send(request, &mut worked, counted).await;
        } else {
            self.inquire(request, &mut worked).await;
        }
        worked
    }

    /// The call options for a call started now, ending by the claim's end;
    /// `None` when too little time is left.
    fn call_options(&self) -> Option<CallOptions> {
        let left = self.until.saturating_duration_since(Instant::now());
        if left < LEAST_CALL {
            return None;
        }
        let mut call = self.options.call.clone();
        let limit = call
            .call_timeout
            .or(self.client.call_timeout())
            .map_or(left, |limit| limit.min(left));
        call.call_timeout = Some(limit);
        Some(call)
    }

    async fn send<R: Movement>(&self, request: &R, worked: &mut Worked<R::Outcome>, counted: bool) {
        let Some(call) = self.call_options() else {
            tracing::warn!(intent = %worked.record.id, "claim too short to send: left for the next claim");
            return;
        };
        let id = worked.record.id.clone();
        let resend = worked.record.sends > 0 && !counted;
        if !counted {
            // Counted before the bytes leave: a record with no send never left.
            match self.outbox.sending(&id, self.lease).await {
                Ok(true) => worked.record.sends = worked.record.sends.saturating_add(1),
                Ok(false) => {
                    tracing::warn!(intent = %id, "claim lost before sending: not sent");
                    return;
                }
                Err(error) => {
                    worked.store_error = Some(error);
                    return;
                }
            }
        }
        worked.sends += 1;
        worked.resends += u32::from(resend);
        let body = worked.record.body.clone();
        let update = match self.client.checkout_serialized(request, body, &call).await {
            Ok((outcome, raw)) => {
                let state = R::state_of(&outcome);
                worked.outcome = Some(outcome);
                answered(R::NAME, state, raw)
            }
            // Not for a money movement (a refusal is an outcome); should it
            // come, it is final all the same.
            Err(Error::Failed(failed)) => answered(
                R::NAME,
                IntentState::Failed,
                Bytes::copy_from_slice(failed.raw_body()),
            ),
            Err(error) => {
                let note = format!("{} sent, no answer: {error}", R::NAME);
                worked.error = Some(error);
                Update::new(IntentState::Pending, note)
            }
        };
        self.record(worked, update).await;
    }

    async fn inquire<R: Movement>(&self, request: &R, worked: &mut Worked<R::Outcome>) {
        let Some(call) = self.call_options() else {
            tracing::warn!(intent = %worked.record.id, "claim too short to inquire: left for the next claim");
            return;
        };
        // One inquiry: the claims are the polling.
        let options = ResolveOptions::default()
            .with_deadline(Duration::ZERO)
            .with_not_found_after(1)
            .with_call_options(call);
        let inquiry = <R::Inquiry as ApiRequest>::NAME;
        let resolution = self.client.resolve(request, &options).await;
        worked.inquiries += 1;
        let was = worked.record.state;
        let update = match resolution {
            Ok(Resolution::Succeeded(_)) => Update::new(
                IntentState::Succeeded,
                format!("{inquiry}: the {} succeeded", R::MOVEMENT),
            ),
            Ok(Resolution::Failed(_)) => Update::new(
                IntentState::Failed,
                format!("{inquiry}: the {} failed", R::MOVEMENT),
            ),
            // Seen in progress: Alipay has it, so it is never sent again.
            Ok(Resolution::StillPending(unsettled)) if unsettled.last_seen().is_some() => {
                Update::new(IntentState::Accepted, unsettled.to_string())
            }
            Ok(Resolution::StillPending(unsettled)) => Update::new(was, unsettled.to_string()),
            // No trace: it never arrived, or is still on its way. The same
            // bytes under the same key land at most once either way.
            Ok(Resolution::NotFound(_)) if request.may_retry() => {
                return self.send(request, worked, false).await;
            }
            Ok(Resolution::NotFound(unsettled)) => {
                Update::new(IntentState::Pending, unsettled.to_string())
            }
            Err(error) => {
                let note = format!("{inquiry} got no answer: {error}");
                worked.error = Some(error);
                Update::new(was, note)
            }
        };
        self.record(worked, update).await;
    }

    /// Records `update` and releases the claim.
    async fn record<T>(&self, worked: &mut Worked<T>, mut update: Update) {
        if !update.state.is_final() {
            update.retry_after = self.options.retry_after;
        }
        update.inquiries = worked.inquiries;
        let id = worked.record.id.clone();
        match self.outbox.update(&id, self.lease, &update).await {
            Ok(true) => {
                worked.record = worked.record.clone().updated(&update, SystemTime::now());
                tracing::info!(intent = %id, state = %update.state, "{}", update.note);
            }
            Ok(false) => {
                // Final already, or claimed since by another: read what is there.
                tracing::info!(intent = %id, state = %update.state, "not recorded: the intent changed meanwhile");
                if let Ok(Some(current)) = self.outbox.get(&id).await {
                    worked.record = current;
                }
            }
            Err(error) => {
                tracing::warn!(intent = %id, %error, "the outcome could not be recorded: the next claim learns it again");
                worked.store_error = Some(error);
            }
        }
    }
}

/// The update for an answer of the API itself (`raw`, verified).
fn answered(api: &str, state: IntentState, raw: Bytes) -> Update {
    let (status, code) = result_of(&raw);
    let mut update = Update::new(
        state,
        format!("{api} answered {status} {}", code.as_deref().unwrap_or("")),
    );
    update.result_code = code;
    update.answer = Some(raw);
    update
}

/// The `result`'s status and code of a verified reply.
fn result_of(raw: &[u8]) -> (String, Option<String>) {
    let value: serde_json::Value = serde_json::from_slice(raw).unwrap_or_default();
    let text = |field: &str| {
        value
            .get("result")
            .and_then(|result| result.get(field))
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    (text("resultStatus").unwrap_or_default(), text("resultCode"))
}
