//! [`Client::resume`]: finish the intents that are not final, after a crash
//! or an unknown outcome, from any number of processes at once.

use std::fmt;

use alipay_ams_api::payments::{CancelRequest, CaptureRequest, PayRequest, RefundRequest};
use alipay_ams_core::ApiRequest;
use futures_util::StreamExt;
use tokio::time::Instant;
use tracing::Instrument;

use super::work::{Claimed, Worked, until};
use super::{
    IntentRecord, IntentState, Lease, Movement, Outbox, OutboxError, ResumeOptions, Update,
};
use crate::client::Client;

/// What one [`Client::resume`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResumeReport {
    /// Intents claimed (one intent claimed twice counts twice).
    pub claimed: u64,
    /// Sends made: intents never sent before, and re-sends.
    pub sends: u64,
    /// Of those, sends of an intent sent before (the same bytes, the same
    /// key), made because Alipay showed no trace of it.
    pub resends: u64,
    /// Inquiries made.
    pub inquiries: u64,
    /// Intents now final: succeeded.
    pub succeeded: u64,
    /// Intents now final: failed.
    pub failed: u64,
    /// Intents Alipay has in progress (a payment waiting for the buyer, a
    /// refund processing): inquired again later.
    pub accepted: u64,
    /// Intents whose outcome stayed unknown: pending, due again later.
    pub unknown: u64,
    /// Intents the store failed on (their claims lapse; due again then).
    pub store_errors: u64,
    /// Intents not final when it ended, in the whole outbox (other
    /// processes' included).
    pub unfinished: u64,
}

impl ResumeReport {
    fn add(&mut self, worked: &Worked<()>) {
        self.sends += u64::from(worked.sends);
        self.resends += u64::from(worked.resends);
        self.inquiries += u64::from(worked.inquiries);
        if worked.store_error.is_some() {
            self.store_errors += 1;
        }
        match worked.record.state {
            IntentState::Succeeded => self.succeeded += 1,
            IntentState::Failed => self.failed += 1,
            IntentState::Accepted => self.accepted += 1,
            IntentState::Pending => self.unknown += 1,
        }
    }
}

impl fmt::Display for ResumeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "claimed {}, sends {} (re-sends {}), inquiries {}, succeeded {}, failed {}, accepted {}, unknown {}, store errors {}, unfinished {}",
            self.claimed,
            self.sends,
            self.resends,
            self.inquiries,
            self.succeeded,
            self.failed,
            self.accepted,
            self.unknown,
            self.store_errors,
            self.unfinished
        )
    }
}

impl Client {
    /// Finishes the intents of `outbox` that are not final: run it at start
    /// (after a crash) and then in the background (every minute, say), on
    /// any number of replicas at once.
    ///
    /// It claims the intents that are due (a claim holds for
    /// [`SendOptions::lease`](super::SendOptions::lease); several processes
    /// claiming at once never get the same intent), and for each:
    ///
    /// - never sent (recorded, then the process died, or recorded in the
    ///   app's own transaction): sends its recorded bytes;
    /// - sent, outcome unknown: inquires ([`resolve`](Self::resolve), one
    ///   inquiry); final: recorded; in progress: accepted, never sent
    ///   again; no trace: sends the recorded bytes again, with the same
    ///   idempotency key (Alipay acts on it at most once), never a new key;
    /// - accepted (a payment waiting for the buyer, a refund processing):
    ///   inquires until it is final.
    ///
    /// It keeps claiming until no intent is left unfinished or the
    /// [deadline](ResumeOptions::with_deadline) passes; an intent whose
    /// outcome stays unknown stays pending, with what was last seen, due
    /// again after [`retry_after`](super::SendOptions::retry_after). Fails
    /// only when the store does.
    ///
    /// ```no_run
    /// # async fn run(client: alipay_ams_client::Client, outbox: alipay_ams_client::outbox::MemoryOutbox) -> Result<(), Box<dyn std::error::Error>> {
    /// use alipay_ams_client::outbox::ResumeOptions;
    ///
    /// let report = client.resume(&outbox, &ResumeOptions::default()).await?;
    /// println!("{report}");
    /// # Ok(()) }
    /// ```
    pub async fn resume<O: Outbox>(
        &self,
        outbox: &O,
        options: &ResumeOptions,
    ) -> Result<ResumeReport, OutboxError> {
        let span = tracing::info_span!(
            "alipay_ams.outbox.resume",
            owner = options.send.owner.as_str(),
            claimed = tracing::field::Empty,
            unfinished = tracing::field::Empty,
        );
        let report = self
            .resume_claims(outbox, options)
            .instrument(span.clone())
            .await;
        if let Ok(report) = &report {
            span.record("claimed", report.claimed);
            span.record("unfinished", report.unfinished);
            tracing::info!(parent: &span, "{report}");
        }
        report
    }

    async fn resume_claims<O: Outbox>(
        &self,
        outbox: &O,
        options: &ResumeOptions,
    ) -> Result<ResumeReport, OutboxError> {
        let end = Instant::now() + options.deadline;
        let mut report = ResumeReport::default();
        loop {
            let lease = Lease::new(&options.send.owner, options.send.lease);
            let claimed_at = Instant::now();
            let claimed = outbox.claim_due(&lease, options.batch).await?;
            if claimed.is_empty() {
                let unfinished = outbox.unfinished().await?;
                if unfinished == 0 || Instant::now() + options.poll > end {
                    report.unfinished = unfinished;
                    return Ok(report);
                }
                tokio::time::sleep(options.poll).await;
                continue;
            }
            report.claimed += u64::try_from(claimed.len()).unwrap_or(u64::MAX);
            let work = Claimed {
                client: self,
                outbox,
                lease: &lease,
                until: until(claimed_at, options.send.lease),
                options: &options.send,
            };
            let mut done = futures_util::stream::iter(claimed)
                .map(|record| work.any(record))
                .buffer_unordered(options.concurrency);
            while let Some(worked) = done.next().await {
                report.add(&worked);
            }
            if Instant::now() >= end {
                report.unfinished = outbox.unfinished().await?;
                return Ok(report);
            }
        }
    }
}

impl<O: Outbox> Claimed<'_, O> {
    /// Works on a claimed intent of any movement this version knows, read
    /// back from its recorded bytes.
    async fn any(&self, record: IntentRecord) -> Worked<()> {
        let api = record.id.api.as_str();
        if api == PayRequest::NAME {
            self.stored::<PayRequest>(record).await
        } else if api == CaptureRequest::NAME {
            self.stored::<CaptureRequest>(record).await
        } else if api == RefundRequest::NAME {
            self.stored::<RefundRequest>(record).await
        } else if api == CancelRequest::NAME {
            self.stored::<CancelRequest>(record).await
        } else {
            let note = format!(
                "this version of alipay-ams-client cannot resume {api} (it knows pay, capture, refund and cancel): upgrade it"
            );
            self.unreadable(record, note).await
        }
    }

    async fn stored<R: Movement>(&self, record: IntentRecord) -> Worked<()> {
        match serde_json::from_slice::<R>(&record.body) {
            Ok(request) => self.work(record, &request, false).await.untyped(),
            Err(error) => {
                let note = format!(
                    "the recorded body is not a {} request ({error}): resolve it by hand",
                    R::NAME
                );
                self.unreadable(record, note).await
            }
        }
    }

    /// An intent this version cannot work on: noted, left pending, due again
    /// later (a newer version may).
    async fn unreadable(&self, record: IntentRecord, note: String) -> Worked<()> {
        tracing::error!(intent = %record.id, "{note}");
        let mut update = Update::new(record.state, note);
        update.retry_after = self.options.retry_after;
        let mut worked = Worked::new(record);
        if let Err(error) = self
            .outbox
            .update(&worked.record.id, self.lease, &update)
            .await
        {
            worked.store_error = Some(error);
        }
        worked
    }
}
