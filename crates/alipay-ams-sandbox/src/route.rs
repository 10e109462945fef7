//! One served API, with its types erased so the table can hold any: parse,
//! validate, idempotency, the API's rules, and the reply body. The path and
//! name come from the request type's [`ApiRequest`] impl, never a literal.

use std::sync::Mutex;
use std::time::SystemTime;

use alipay_ams_core::{ApiRequest, ResultCode, ResultInfo, ResultStatus};
use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::idempotency::{Keep, Remembered, Replays, Seen, keep};
use crate::ledger::Ledger;
use crate::machine;
use crate::notification::Outgoing;
use crate::reply::result_body;
use crate::rules::{Answer, Call, Decision};
use crate::sync::lock;

/// An API's business rules: see [`crate::rules`].
pub(crate) type Rules<A> = fn(&A, &mut Ledger, &Call) -> Decision<<A as ApiRequest>::Response>;

/// What an API refuses with PARAM_ILLEGAL beyond `ApiRequest::validate`.
pub(crate) type Check<A> = fn(&A) -> Result<(), String>;

/// Everything the rules read and write, under one lock: a call is decided
/// atomically, so two concurrent requests can never both take the last of
/// an authorization, nor both perform one idempotency key.
#[derive(Debug, Default)]
pub(crate) struct Books {
    pub ledger: Ledger,
    pub replays: Replays,
}

/// What serving one call produced.
#[derive(Debug)]
pub(crate) struct Served {
    /// The result, for the log.
    pub result: ResultInfo,
    /// The reply body.
    pub body: Bytes,
    /// Notifications to deliver (the call's, and those of events that
    /// fell due before it).
    pub notifications: Vec<Outgoing>,
    /// When the state machine must be woken for events the call scheduled.
    pub wakeups: Vec<SystemTime>,
    /// Whether this is an earlier answer given again.
    pub replayed: bool,
    /// The idempotency field and key (`captureRequestId`, `c-1`), for the log.
    pub key: Option<(&'static str, String)>,
}

type Serve = dyn Fn(&[u8], &Mutex<Books>, &Call) -> Result<Served, serde_json::Error> + Send + Sync;

/// One API the sandbox serves.
pub(crate) struct Route {
    /// `ApiRequest::NAME` (`capture`): what faults are armed under.
    pub name: &'static str,
    /// `ApiRequest::PATH`, the production form.
    pub path: &'static str,
    /// The API's own "in process" U code, which the `in_process` fault
    /// answers (`CAPTURE_IN_PROCESS`, `PAYMENT_IN_PROCESS`,
    /// `REFUND_IN_PROCESS`); `None` when it has none.
    pub in_process: Option<ResultCode>,
    serve: Box<Serve>,
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Route")
            .field("name", &self.name)
            .field("path", &self.path)
            .field("in_process", &self.in_process)
            .finish_non_exhaustive()
    }
}

impl Route {
    /// An API served by `rules` alone.
    pub fn new<A>(rules: Rules<A>) -> Self
    where
        A: ApiRequest + DeserializeOwned + 'static,
        A::Response: Serialize,
    {
        Self::checked(|_| Ok(()), rules)
    }

    /// An API served by `rules`, after `check`.
    pub fn checked<A>(check: Check<A>, rules: Rules<A>) -> Self
    where
        A: ApiRequest + DeserializeOwned + 'static,
        A::Response: Serialize,
    {
        Route {
            name: A::NAME,
            path: A::PATH,
            // A U code that is a definite answer is the API's own "in process".
            in_process: A::PENDING_CODES.first().map(|code| ResultCode::from(*code)),
            serve: Box::new(move |body, books, call| serve(check, rules, body, books, call)),
        }
    }

    /// Names the API's "in process" U code when it is not among its
    /// `PENDING_CODES` (capture's `CAPTURE_IN_PROCESS` is an unknown outcome,
    /// not a definite answer).
    pub fn in_process(mut self, code: ResultCode) -> Self {
        self.in_process = Some(code);
        self
    }

    /// Decides one authenticated call. `Err` only when a reply cannot be
    /// serialized (a bug: the gateway answers HTTP 500, never an empty body).
    pub fn serve(
        &self,
        body: &[u8],
        books: &Mutex<Books>,
        call: &Call,
    ) -> Result<Served, serde_json::Error> {
        (self.serve)(body, books, call)
    }
}

impl Served {
    fn refused(
        code: ResultCode,
        message: impl Into<String>,
        key: Option<(&'static str, String)>,
    ) -> Result<Self, serde_json::Error> {
        let result = ResultInfo::new(ResultStatus::Failed, code, message);
        Ok(Served {
            body: result_body(&result)?,
            result,
            notifications: Vec::new(),
            wakeups: Vec::new(),
            replayed: false,
            key,
        })
    }
}

impl<R: Serialize> Answer<R> {
    /// The result for the log and the reply body.
    fn encode(&self) -> Result<(ResultInfo, Bytes), serde_json::Error> {
        match self {
            Answer::Body(result, response) => {
                Ok((result.clone(), Bytes::from(serde_json::to_vec(response)?)))
            }
            Answer::Result(result) => Ok((result.clone(), result_body(result)?)),
        }
    }
}

fn serve<A>(
    check: Check<A>,
    rules: Rules<A>,
    body: &[u8],
    books: &Mutex<Books>,
    call: &Call,
) -> Result<Served, serde_json::Error>
where
    A: ApiRequest + DeserializeOwned,
    A::Response: Serialize,
{
    // Malformed, missing or illegal fields: PARAM_ILLEGAL, before anything else.
    let request: A = match serde_json::from_slice(body) {
        Ok(request) => request,
        Err(e) => {
            return Served::refused(
                ResultCode::ParamIllegal,
                format!("the body is not a valid {} request: {e}", A::NAME),
                None,
            );
        }
    };
    if let Err(why) = request
        .validate()
        .map_err(|invalid| invalid.to_string())
        .and_then(|()| check(&request))
    {
        return Served::refused(ResultCode::ParamIllegal, why, None);
    }

    let keyed = match request.idempotency_key() {
        Some(key) => Some(Keyed {
            field: A::IDEMPOTENCY_FIELD.unwrap_or("idempotency key"),
            key: key.to_owned(),
            fingerprint: serde_json::to_value(&request)?,
        }),
        None => None,
    };

    let mut books = lock(books);
    let Books { ledger, replays } = &mut *books;
    // What fell due before this call happens first.
    let fired = machine::advance(ledger, call.now);
    let mut served = decide(&request, keyed, rules, ledger, replays, call)?;
    served.notifications.splice(0..0, fired);
    served.wakeups = ledger.agenda.take_wakeups();
    Ok(served)
}

/// A request's idempotency key, and what tells a retry from another
/// request under it.
struct Keyed {
    field: &'static str,
    key: String,
    fingerprint: serde_json::Value,
}

/// The part of [`serve`] under the lock, after due events fired.
fn decide<A>(
    request: &A,
    keyed: Option<Keyed>,
    rules: Rules<A>,
    ledger: &mut Ledger,
    replays: &mut Replays,
    call: &Call,
) -> Result<Served, serde_json::Error>
where
    A: ApiRequest,
    A::Response: Serialize,
{
    let label = keyed.as_ref().map(|k| (k.field, k.key.clone()));
    if let Some(Keyed {
        field,
        key,
        fingerprint,
    }) = &keyed
    {
        match replays.seen(A::NAME, key, fingerprint) {
            Some(Seen::Again(earlier)) => {
                return Ok(Served {
                    result: earlier.result.clone(),
                    body: earlier.body.clone(),
                    notifications: Vec::new(),
                    wakeups: Vec::new(),
                    replayed: true,
                    key: label,
                });
            }
            Some(Seen::Inconsistent) => {
                return Served::refused(
                    ResultCode::RepeatReqInconsistent,
                    format!(
                        "this {field} was already used for a {} request with different fields; retry with identical fields, or use a new {field} for a new {}",
                        A::NAME,
                        A::NAME
                    ),
                    label,
                );
            }
            Some(Seen::InProcess) | None => {}
        }
    }

    let decision = rules(request, ledger, call);
    let (result, body) = decision.answer.encode()?;
    if let Some(Keyed {
        key, fingerprint, ..
    }) = keyed
    {
        match keep(&result, A::PENDING_CODES) {
            Keep::Final => replays.remember(
                A::NAME,
                key,
                Remembered {
                    fingerprint,
                    result: result.clone(),
                    body: body.clone(),
                },
            ),
            Keep::InProcess => replays.in_process(A::NAME, key, fingerprint),
            Keep::Nothing => {}
        }
    }
    Ok(Served {
        result,
        body,
        notifications: decision.notifications,
        wakeups: Vec::new(),
        replayed: false,
        key: label,
    })
}
