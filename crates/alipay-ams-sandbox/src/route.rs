//! One served API, with its types erased so the table can hold any: parse,
//! validate, idempotency, the API's rules, and the reply body. The path and
//! name come from the request type's [`ApiRequest`] impl, never a literal.

use std::sync::Mutex;

use alipay_ams_core::{ApiRequest, ResultCode, ResultInfo, ResultStatus};
use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::idempotency::{Remembered, Replays, Seen, is_remembered};
use crate::ledger::Ledger;
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
    /// Notifications to deliver.
    pub notifications: Vec<Outgoing>,
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
    serve: Box<Serve>,
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Route")
            .field("name", &self.name)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Route {
    /// An API served by `rules` alone.
    // Capture has a pre-check; the next API without one uses this (the
    // route table's test does already).
    #[cfg_attr(not(test), allow(dead_code))]
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
            serve: Box::new(move |body, books, call| serve(check, rules, body, books, call)),
        }
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
            replayed: false,
            key,
        })
    }
}

impl<R: Serialize> Answer<R> {
    /// The result for the log and the reply body.
    fn encode(&self) -> Result<(ResultInfo, Bytes), serde_json::Error> {
        match self {
            Answer::Success(response) => Ok((
                ResultInfo::success(),
                Bytes::from(serde_json::to_vec(response)?),
            )),
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

    let field = A::IDEMPOTENCY_FIELD.unwrap_or("idempotency key");
    let key = request.idempotency_key().map(str::to_owned);
    let label = key.clone().map(|key| (field, key));
    let fingerprint = match &key {
        Some(_) => Some(serde_json::to_value(&request)?),
        None => None,
    };

    let mut books = lock(books);
    let Books { ledger, replays } = &mut *books;
    if let (Some(key), Some(fingerprint)) = (&key, &fingerprint) {
        match replays.seen(A::NAME, key, fingerprint) {
            Some(Seen::Again(earlier)) => {
                return Ok(Served {
                    result: earlier.result.clone(),
                    body: earlier.body.clone(),
                    notifications: Vec::new(),
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
            None => {}
        }
    }

    let decision = rules(&request, ledger, call);
    let (result, body) = decision.answer.encode()?;
    if let (Some(key), Some(fingerprint)) = (key, fingerprint)
        && is_remembered(&result)
    {
        replays.remember(
            A::NAME,
            key,
            Remembered {
                fingerprint,
                result: result.clone(),
                body: body.clone(),
            },
        );
    }
    Ok(Served {
        result,
        body,
        notifications: decision.notifications,
        replayed: false,
        key: label,
    })
}
