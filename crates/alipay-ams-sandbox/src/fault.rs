//! Faults armed on purpose, so merchants can test how their integration
//! copes with what Alipay and the network do on bad days.
//!
//! A fault is armed for the next N calls of an API and consumed one per call,
//! in the order armed. Only calls whose signature verified consume a fault.
//!
//! Two families, chosen so that a retry with the same `captureRequestId`
//! always stays idempotent:
//!
//! - **Alipay did not do it** ([`Fault::UnknownException`],
//!   [`Fault::CaptureInProcess`]): a signed U reply; the capture is not
//!   performed, so a retry can succeed.
//! - **Alipay did it, the reply was lost** ([`Fault::Delay`],
//!   [`Fault::DropConnection`], [`Fault::Http500`], [`Fault::Unsigned`],
//!   [`Fault::BadSignature`]): the capture is performed (and notified), then
//!   the reply is delayed, lost or garbled. A retry with the same
//!   `captureRequestId` gets the original result and captureId.
//!
//! And one business failure, [`Fault::ProcessFail`]: the capture is attempted
//! and fails at the processor (signed F PROCESS_FAIL, a captureId, and an F
//! `notifyCapture`), which is the only way a capture ends in F after being
//! accepted.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// An Alipay API of the sandbox that faults can be armed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Api {
    /// `POST /ams/api/v1/payments/capture` (and the sandbox path).
    Capture,
}

impl FromStr for Api {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "capture" => Ok(Api::Capture),
            other => Err(format!("unknown api {other:?}; the sandbox knows: capture")),
        }
    }
}

/// What happens to a call instead of (or after) the normal answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Signed reply `U` / `UNKNOWN_EXCEPTION`; nothing is captured.
    UnknownException,
    /// Signed reply `U` / `CAPTURE_IN_PROCESS`; nothing is captured.
    CaptureInProcess,
    /// The capture is performed, then the reply waits this long (use it to
    /// go past the client's timeout).
    Delay(Duration),
    /// The capture is performed, then the connection is closed without a reply.
    DropConnection,
    /// The capture is performed, then the reply is HTTP 500 with an unsigned body.
    Http500,
    /// The capture is performed, then the reply comes without `signature` and
    /// `response-time` headers.
    Unsigned,
    /// The capture is performed, then the reply carries a signature that does
    /// not match its body.
    BadSignature,
    /// The capture fails at the processor: signed F `PROCESS_FAIL` and an F
    /// `notifyCapture`.
    ProcessFail,
}

impl Fault {
    /// The wire name used by `POST /sandbox/faults`.
    pub fn name(&self) -> &'static str {
        match self {
            Fault::UnknownException => "unknown_exception",
            Fault::CaptureInProcess => "capture_in_process",
            Fault::Delay(_) => "delay",
            Fault::DropConnection => "drop_connection",
            Fault::Http500 => "http_500",
            Fault::Unsigned => "unsigned",
            Fault::BadSignature => "bad_signature",
            Fault::ProcessFail => "process_fail",
        }
    }

    /// Reads a fault by its wire name; `delay` takes `ms`.
    pub fn from_name(name: &str, ms: Option<u64>) -> Result<Self, String> {
        Ok(match name {
            "unknown_exception" => Fault::UnknownException,
            "capture_in_process" => Fault::CaptureInProcess,
            "delay" => match ms {
                Some(ms) => Fault::Delay(Duration::from_millis(ms)),
                None => {
                    return Err("fault \"delay\" needs \"ms\": how long to hold the reply".into());
                }
            },
            "drop_connection" => Fault::DropConnection,
            "http_500" => Fault::Http500,
            "unsigned" => Fault::Unsigned,
            "bad_signature" => Fault::BadSignature,
            "process_fail" => Fault::ProcessFail,
            other => {
                return Err(format!(
                    "unknown fault {other:?}; one of: unknown_exception, capture_in_process, delay (with ms), drop_connection, http_500, unsigned, bad_signature, process_fail"
                ));
            }
        })
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Delay(d) => write!(f, "delay {}ms", d.as_millis()),
            other => f.write_str(other.name()),
        }
    }
}

/// The body of `POST /sandbox/faults`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ArmFault {
    pub api: String,
    pub fault: String,
    #[serde(default)]
    pub ms: Option<u64>,
    #[serde(default = "one")]
    pub count: u32,
}

fn one() -> u32 {
    1
}

/// Armed faults, per API, in the order they fire, each with how many calls
/// it has left (kept as a count, so arming a huge count costs nothing).
#[derive(Default)]
pub(crate) struct Faults {
    armed: HashMap<Api, VecDeque<(Fault, u32)>>,
}

impl Faults {
    pub fn arm(&mut self, api: Api, fault: Fault, count: u32) {
        if count > 0 {
            self.armed.entry(api).or_default().push_back((fault, count));
        }
    }

    pub fn take(&mut self, api: Api) -> Option<Fault> {
        let queue = self.armed.get_mut(&api)?;
        let (fault, left) = queue.front_mut()?;
        let fault = *fault;
        *left -= 1;
        if *left == 0 {
            queue.pop_front();
        }
        Some(fault)
    }

    pub fn pending(&self, api: Api) -> u64 {
        self.armed.get(&api).map_or(0, |queue| {
            queue.iter().map(|(_, left)| u64::from(*left)).sum()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_delay_needs_ms() {
        for name in [
            "unknown_exception",
            "capture_in_process",
            "drop_connection",
            "http_500",
            "unsigned",
            "bad_signature",
            "process_fail",
        ] {
            assert_eq!(Fault::from_name(name, None).unwrap().name(), name);
        }
        assert!(Fault::from_name("delay", None).is_err());
        assert_eq!(
            Fault::from_name("delay", Some(5)).unwrap(),
            Fault::Delay(Duration::from_millis(5))
        );
        assert!(Fault::from_name("explode", None).is_err());
        assert!("refund".parse::<Api>().is_err());
    }

    #[test]
    fn fire_in_order_then_stop() {
        let mut faults = Faults::default();
        faults.arm(Api::Capture, Fault::Http500, 2);
        faults.arm(Api::Capture, Fault::Unsigned, 1);
        assert_eq!(faults.pending(Api::Capture), 3);
        assert_eq!(faults.take(Api::Capture), Some(Fault::Http500));
        assert_eq!(faults.take(Api::Capture), Some(Fault::Http500));
        assert_eq!(faults.take(Api::Capture), Some(Fault::Unsigned));
        assert_eq!(faults.take(Api::Capture), None);
        faults.arm(Api::Capture, Fault::Unsigned, 0);
        assert_eq!(faults.take(Api::Capture), None);
        faults.arm(Api::Capture, Fault::Unsigned, u32::MAX);
        faults.arm(Api::Capture, Fault::Unsigned, u32::MAX);
        assert_eq!(faults.pending(Api::Capture), 2 * u64::from(u32::MAX));
    }
}
