//! `POST /sandbox/faults`: arming a fault for an API or a notification kind.

use serde::Deserialize;

use crate::fault::{Fault, FaultNameError, NotificationFault};
use crate::shared::Shared;
use crate::sync::lock;

/// The body of `POST /sandbox/faults`: `api` (an API's name) or
/// `notification` (a notification kind's name), the fault, and for how many.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ArmFault {
    #[serde(default)]
    api: Option<String>,
    #[serde(default)]
    notification: Option<String>,
    fault: String,
    #[serde(default)]
    ms: Option<u64>,
    #[serde(default = "one")]
    count: u32,
}

fn one() -> u32 {
    1
}

/// Why a `POST /sandbox/faults` body was refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ArmError {
    #[error(
        "expected {{\"api\":\"capture\",\"fault\":\"unknown_exception\",\"count\":1}} or {{\"notification\":\"notifyCapture\",\"fault\":\"duplicate\",\"count\":1}} (delay also takes \"ms\"): {0}"
    )]
    Body(serde_json::Error),
    #[error(
        "give exactly one of \"api\" (an API such as pay, capture, refund) or \"notification\" (a notification kind such as notifyPayment, notifyCapture, notifyRefund)"
    )]
    Target,
    #[error("unknown {what} {name:?}; the sandbox serves: {served}")]
    Unknown {
        what: &'static str,
        name: String,
        served: String,
    },
    #[error(
        "fault {fault} cannot apply to {api}, which has no \"in process\" result code; arm unknown_exception for it instead (in_process applies to: {applies_to})"
    )]
    NotApplicable {
        fault: Fault,
        api: &'static str,
        applies_to: String,
    },
    #[error(transparent)]
    Fault(#[from] FaultNameError),
}

/// Arms the fault a body describes; returns how many are now armed for
/// its API or kind.
pub(crate) fn arm(shared: &Shared, body: &[u8]) -> Result<u64, ArmError> {
    let arm: ArmFault = serde_json::from_slice(body).map_err(ArmError::Body)?;
    let unknown = |what, name: String| move |served| ArmError::Unknown { what, name, served };
    match (arm.api, arm.notification) {
        (Some(api), None) => {
            let name = shared.served_api(&api).map_err(unknown("api", api))?;
            let fault = Fault::from_name(&arm.fault, arm.ms)?;
            shared
                .fault_applies(name, fault)
                .map_err(|applies_to| ArmError::NotApplicable {
                    fault,
                    api: name,
                    applies_to,
                })?;
            Ok(lock(&shared.faults).api.arm(name, fault, arm.count))
        }
        (None, Some(kind)) => {
            let name = shared
                .sent_kind(&kind)
                .map_err(unknown("notification", kind))?;
            let fault = NotificationFault::from_name(&arm.fault, arm.ms)?;
            Ok(lock(&shared.faults)
                .notification
                .arm(name, fault, arm.count))
        }
        _ => Err(ArmError::Target),
    }
}
