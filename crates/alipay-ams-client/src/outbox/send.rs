//! [`Client::send_via`]: record a money movement as an intent, durably,
//! then send its recorded bytes, and record the outcome.

use std::fmt;

use tokio::time::Instant;
use tracing::Instrument;

use super::work::{Claimed, Worked, until};
use super::{Intent, IntentRecord, Lease, Movement, Outbox, OutboxError, Recorded, SendOptions};
use crate::client::Client;
use crate::error::Error;

/// What [`Client::send_via`] came to.
#[derive(Debug)]
#[allow(
    clippy::large_enum_variant,
    reason = "one per call, matched at once, as Client::checkout's outcomes"
)]
pub enum Sent<T> {
    /// Alipay answered this send: the outcome, as
    /// [`Client::checkout`](crate::Client::checkout) returns it (for
    /// [`CaptureRequest`](alipay_ams_api::payments::CaptureRequest), a
    /// [`CaptureOutcome`](crate::checkout::CaptureOutcome)). Recorded.
    Answered(T),
    /// The intent's outcome was known without an answer to a send made now:
    /// it was final already (an earlier send, or a `resume`, settled it), or
    /// an inquiry made now showed it final.
    Settled(IntentRecord),
    /// Recorded, and not final: the outcome stayed unknown, or Alipay has it
    /// in progress, or another process is working on it right now.
    /// [`Client::resume`] finishes it.
    Pending(Pending),
}

/// An intent [`Client::send_via`] left unfinished: what is recorded, and
/// why.
pub struct Pending {
    record: IntentRecord,
    error: Option<Error>,
    busy: bool,
}

impl Pending {
    /// The intent as recorded.
    pub fn record(&self) -> &IntentRecord {
        &self.record
    }

    /// The error of the send or inquiry made now, if one was made and got
    /// no answer ([`Error::Unknown`] or [`Error::NotSent`]).
    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    /// Whether another claim holds the intent (another process, or another
    /// task, is sending or inquiring it right now): nothing was done.
    pub fn is_busy(&self) -> bool {
        self.busy
    }
}

impl fmt::Display for Pending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is recorded as {}", self.record.id, self.record.state)?;
        if self.busy {
            f.write_str(", being worked on by another claim")?;
        } else if let Some(seen) = &self.record.last_seen {
            write!(f, " ({seen})")?;
        }
        f.write_str(
            ": Client::resume finishes it (it inquires, and sends the recorded request again, same key, only if Alipay has no trace of it); never send it under a new key meanwhile",
        )
    }
}

impl fmt::Debug for Pending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pending")
            .field("record", &self.record)
            .field("error", &self.error)
            .field("busy", &self.busy)
            .finish()
    }
}

impl Client {
    /// Sends a money movement (`pay`, `capture`, `refund`, `cancel`)
    /// through `outbox`: records it as an intent (its idempotency key and
    /// its exact bytes) before anything is sent, sends those bytes as
    /// [`checkout`](Self::checkout) would, and records the outcome.
    ///
    /// Sending the same request again (after a restart, from another
    /// replica, from a retried job) sends nothing new under a new key: an
    /// intent that is final returns [`Sent::Settled`]; one that is not is
    /// claimed and worked on as [`resume`](Self::resume) would (inquired,
    /// and sent again with the same bytes only if Alipay has no trace of
    /// it), or left to whoever holds it ([`Pending::is_busy`]). Another
    /// request under a recorded key is refused ([`OutboxError::Conflict`]).
    ///
    /// ```no_run
    /// # async fn run(client: alipay_ams_client::Client, capture: alipay_ams_api::payments::CaptureRequest) -> Result<(), Box<dyn std::error::Error>> {
    /// use alipay_ams_client::checkout::CaptureOutcome;
    /// use alipay_ams_client::outbox::{MemoryOutbox, Sent};
    ///
    /// let outbox = MemoryOutbox::new(); // or alipay-ams-postgres's PgOutbox
    /// match client.send_via(&outbox, &capture).await? {
    ///     Sent::Answered(CaptureOutcome::Captured(c)) => println!("captured: {}", c.capture_id),
    ///     Sent::Answered(CaptureOutcome::Failed(refused)) => println!("refused: {}", refused.result_code),
    ///     Sent::Settled(record) => println!("settled before: {}", record.state),
    ///     // Recorded; a background `client.resume(&outbox, ...)` finishes it.
    ///     Sent::Pending(pending) => println!("{pending}"),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn send_via<O: Outbox, R: Movement>(
        &self,
        outbox: &O,
        request: &R,
    ) -> Result<Sent<R::Outcome>, OutboxError> {
        self.send_via_with(outbox, request, &SendOptions::default())
            .await
    }

    /// Like [`send_via`](Self::send_via), with this call's owner name,
    /// lease and call options.
    pub async fn send_via_with<O: Outbox, R: Movement>(
        &self,
        outbox: &O,
        request: &R,
        options: &SendOptions,
    ) -> Result<Sent<R::Outcome>, OutboxError> {
        let intent = Intent::of(request).map_err(OutboxError::Invalid)?;
        let span = tracing::info_span!("alipay_ams.outbox.send", intent = %intent.id());
        self.send_intent(outbox, request, &intent, options)
            .instrument(span)
            .await
    }

    async fn send_intent<O: Outbox, R: Movement>(
        &self,
        outbox: &O,
        request: &R,
        intent: &Intent,
        options: &SendOptions,
    ) -> Result<Sent<R::Outcome>, OutboxError> {
        let lease = Lease::new(&options.owner, options.lease);
        let claimed_at = Instant::now();
        let (record, counted) = match outbox.record(intent, Some(&lease)).await? {
            // Recorded (committed) and claimed: now it may leave.
            Recorded::New(record) => (record, true),
            Recorded::Existing(record) => {
                if !intent.same_request(&record.body) {
                    return Err(OutboxError::Conflict { id: record.id });
                }
                if record.state.is_final() {
                    return Ok(Sent::Settled(record));
                }
                match outbox.claim(&record.id, &lease).await? {
                    Some(record) => (record, false),
                    None => {
                        let record = outbox.get(&record.id).await?.unwrap_or(record);
                        if record.state.is_final() {
                            return Ok(Sent::Settled(record));
                        }
                        return Ok(Sent::Pending(Pending {
                            record,
                            error: None,
                            busy: true,
                        }));
                    }
                }
            }
        };
        let claimed = Claimed {
            client: self,
            outbox,
            lease: &lease,
            until: until(claimed_at, options.lease),
            options,
        };
        let worked = claimed.work(record, request, counted).await;
        sent(worked)
    }
}

fn sent<T>(worked: Worked<T>) -> Result<Sent<T>, OutboxError> {
    let Worked {
        outcome,
        error,
        record,
        sends,
        store_error,
        ..
    } = worked;
    if let Some(outcome) = outcome {
        return Ok(Sent::Answered(outcome));
    }
    if let Some(store_error) = store_error
        && sends == 0
    {
        return Err(OutboxError::Store(store_error));
    }
    if record.state.is_final() {
        return Ok(Sent::Settled(record));
    }
    Ok(Sent::Pending(Pending {
        record,
        error,
        busy: false,
    }))
}
