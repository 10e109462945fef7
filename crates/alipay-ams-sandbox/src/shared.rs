//! Everything the server's tasks share, and the one way the books change
//! outside an API call ([`Shared::transact`]): due events fire first, the
//! notifications go out and the timers are armed after the lock is
//! released.

use std::sync::{Mutex, Weak};
use std::time::SystemTime;

use alipay_ams_core::{PrivateKey, PublicKey};

use crate::clock::{Clock, Timers};
use crate::delivery::Notifier;
use crate::fault::{Fault, Faults};
use crate::ledger::Ledger;
use crate::machine;
use crate::notification::Outgoing;
use crate::route::{Books, Route};
use crate::rules::NOTIFICATION_KINDS;
use crate::sync::lock;

/// Everything the server's tasks share.
pub(crate) struct Shared {
    /// Itself, for timers (which must not keep a stopped sandbox alive).
    pub me: Weak<Shared>,
    pub client_id: String,
    pub merchant_key: PublicKey,
    pub alipay_key: PrivateKey,
    pub default_notify_url: Option<String>,
    /// The APIs served.
    pub routes: Vec<Route>,
    pub books: Mutex<Books>,
    pub faults: Mutex<Faults>,
    pub notifier: Notifier,
    pub clock: Clock,
    pub timers: Timers,
}

impl Shared {
    /// The API served at a production path.
    pub fn route(&self, production_path: &str) -> Option<&Route> {
        self.routes
            .iter()
            .find(|route| route.path == production_path)
    }

    /// The name of the served API called `name` (faults are armed under
    /// it). `Err`: the names served.
    pub fn served_api(&self, name: &str) -> Result<&'static str, String> {
        match self.routes.iter().find(|route| route.name == name) {
            Some(route) => Ok(route.name),
            None => {
                let served: Vec<_> = self.routes.iter().map(|route| route.name).collect();
                Err(served.join(", "))
            }
        }
    }

    /// Whether `fault` can apply to the served API `api`. `Err`: the APIs
    /// it applies to.
    pub fn fault_applies(&self, api: &str, fault: Fault) -> Result<(), String> {
        if !fault.is_in_process() {
            return Ok(());
        }
        let with_code: Vec<String> = self
            .routes
            .iter()
            .filter_map(|r| {
                r.in_process
                    .as_ref()
                    .map(|code| format!("{} ({code})", r.name))
            })
            .collect();
        match self.routes.iter().find(|r| r.name == api) {
            Some(route) if route.in_process.is_some() => Ok(()),
            _ => Err(with_code.join(", ")),
        }
    }

    /// The name of the notification kind called `name` that the sandbox
    /// sends. `Err`: the kinds sent.
    pub fn sent_kind(&self, name: &str) -> Result<&'static str, String> {
        NOTIFICATION_KINDS
            .iter()
            .find(|kind| **kind == name)
            .copied()
            .ok_or_else(|| NOTIFICATION_KINDS.join(", "))
    }

    /// Delivers a notification to its URL (or the default one), with the
    /// notification fault armed for its kind, if any.
    pub fn deliver(&self, outgoing: Outgoing) {
        match outgoing
            .notify_url
            .clone()
            .or_else(|| self.default_notify_url.clone())
        {
            Some(url) => {
                let fault = lock(&self.faults).notification.take(outgoing.kind);
                self.notifier.spawn(url, outgoing, fault);
            }
            None => tracing::warn!(
                "{} {} has no notify URL (neither the request's nor the sandbox's default): not sent",
                outgoing.kind,
                outgoing.dedup_key
            ),
        }
    }

    /// Sends what a change of the books produced and arms its timers.
    pub fn dispatch(&self, notifications: Vec<Outgoing>, wakeups: Vec<SystemTime>) {
        for outgoing in notifications {
            self.deliver(outgoing);
        }
        for at in wakeups {
            let me = self.me.clone();
            self.timers.after(self.clock.until(at), async move {
                if let Some(shared) = me.upgrade() {
                    shared.transact(|_, _| ((), Vec::new()));
                }
            });
        }
    }

    /// Changes (or reads) the books at the sandbox's now, after firing what
    /// is due; `change` returns its result and the notifications to send.
    pub fn transact<R>(
        &self,
        change: impl FnOnce(&mut Ledger, SystemTime) -> (R, Vec<Outgoing>),
    ) -> R {
        let now = self.clock.now();
        let (result, mut notifications, wakeups) = {
            let mut books = lock(&self.books);
            let ledger = &mut books.ledger;
            let mut notifications = machine::advance(ledger, now);
            let (result, more) = change(ledger, now);
            notifications.extend(more);
            (result, notifications, ledger.agenda.take_wakeups())
        };
        self.dispatch(std::mem::take(&mut notifications), wakeups);
        result
    }
}
