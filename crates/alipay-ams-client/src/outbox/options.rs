//! How the outbox sends ([`SendOptions`]) and resumes ([`ResumeOptions`]).

use std::time::Duration;

use crate::options::CallOptions;

/// How [`Client::send_via_with`](crate::Client::send_via_with) (and each
/// send or inquiry of [`resume`](crate::Client::resume)) works on an
/// intent.
///
/// ```
/// use std::time::Duration;
/// use alipay_ams_client::outbox::SendOptions;
///
/// let options = SendOptions::default()
///     .with_owner("web-3")
///     .with_lease(Duration::from_secs(30));
/// assert_eq!(options.owner(), "web-3");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendOptions {
    pub(super) owner: String,
    pub(super) lease: Duration,
    pub(super) call: CallOptions,
    pub(super) retry_after: Duration,
}

impl Default for SendOptions {
    /// Owner `$HOSTNAME-<pid>`, a 60-second lease, the client's own
    /// timeouts and retries, and an intent whose outcome stayed unknown due
    /// again after 10 seconds.
    fn default() -> Self {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".to_owned());
        SendOptions {
            owner: format!("{host}-{}", std::process::id()),
            lease: Duration::from_secs(60),
            call: CallOptions::default(),
            retry_after: Duration::from_secs(10),
        }
    }
}

impl SendOptions {
    /// The name kept with the intents this process holds (a replica's
    /// name), for whoever looks at the store.
    pub fn with_owner(mut self, owner: impl Into<String>) -> Self {
        self.owner = owner.into();
        self
    }

    /// The owner's name.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// How long a claim on an intent holds (60 s by default). No other
    /// process takes the intent meanwhile; every send and inquiry made under
    /// the claim ends (by its call timeout) with a fifth of it to spare. A
    /// process that dies holding intents delays them by up to this.
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// How long a claim on an intent holds.
    pub fn lease(&self) -> Duration {
        self.lease
    }

    /// The timeouts and retry policy of sends and inquiries (the client's
    /// by default). The call timeout is lowered to fit in the claim.
    pub fn with_call_options(mut self, call: CallOptions) -> Self {
        self.call = call;
        self
    }

    /// The timeouts and retry policy of sends and inquiries.
    pub fn call_options(&self) -> &CallOptions {
        &self.call
    }

    /// When an intent whose outcome stayed unknown, or that Alipay shows in
    /// progress, is due again for [`resume`](crate::Client::resume) (10 s by
    /// default).
    pub fn with_retry_after(mut self, wait: Duration) -> Self {
        self.retry_after = wait;
        self
    }

    /// When an intent not final is due again.
    pub fn retry_after(&self) -> Duration {
        self.retry_after
    }
}

/// How [`Client::resume`](crate::Client::resume) works through the
/// outbox: its sends and inquiries ([`SendOptions`]), how many intents it
/// claims at once and works on at once, and for how long it keeps at it.
///
/// ```
/// use std::time::Duration;
/// use alipay_ams_client::outbox::{ResumeOptions, SendOptions};
///
/// // A background task: every minute, one pass over what is due.
/// let pass = ResumeOptions::default()
///     .with_send_options(SendOptions::default().with_owner("worker-1"))
///     .with_deadline(Duration::ZERO);
/// assert_eq!(pass.concurrency(), 8);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResumeOptions {
    pub(super) send: SendOptions,
    pub(super) deadline: Duration,
    pub(super) batch: usize,
    pub(super) concurrency: usize,
    pub(super) poll: Duration,
}

impl Default for ResumeOptions {
    /// The default [`SendOptions`], for at most 60 seconds, 32 intents
    /// claimed at once, 8 worked on at once, looking for due intents every
    /// second.
    fn default() -> Self {
        ResumeOptions {
            send: SendOptions::default(),
            deadline: Duration::from_secs(60),
            batch: 32,
            concurrency: 8,
            poll: Duration::from_secs(1),
        }
    }
}

impl ResumeOptions {
    /// How each intent is sent and inquired.
    pub fn with_send_options(mut self, send: SendOptions) -> Self {
        self.send = send;
        self
    }

    /// How each intent is sent and inquired.
    pub fn send_options(&self) -> &SendOptions {
        &self.send
    }

    /// How long to keep going while intents are not final (60 s by
    /// default): past it, no new claim is made, and what is still unknown
    /// stays pending for a later `resume`. Zero: a single claim of up to
    /// [`batch`](Self::batch) due intents.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// How long to keep going.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// How many intents one claim takes (32 by default, at least 1).
    pub fn with_batch(mut self, batch: usize) -> Self {
        self.batch = batch.max(1);
        self
    }

    /// How many intents one claim takes.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// How many intents are worked on at once (8 by default, at least 1).
    pub fn with_concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// How many intents are worked on at once.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// How long to wait, when no intent is due but some are not final,
    /// before looking again (1 s by default).
    pub fn with_poll_interval(mut self, poll: Duration) -> Self {
        self.poll = poll;
        self
    }

    /// How long to wait before looking again.
    pub fn poll_interval(&self) -> Duration {
        self.poll
    }
}
