//! Transport failures, told apart by the one thing that matters for money:
//! can the request have reached Alipay?
//!
//! The HTTP client resolves the host, opens TCP and completes the TLS
//! handshake before it writes a byte of the request. So a failure in any of
//! those steps (reqwest's "connect" errors) means nothing was sent; a failure
//! after them (a reset, a timeout while waiting for the reply) may come after
//! Alipay received and carried out the request.

use std::error::Error as StdError;
use std::fmt;
use std::io;

/// A transport failure, with the HTTP client's error as its
/// [`source`](std::error::Error::source).
pub struct TransportError {
    kind: TransportErrorKind,
    host: String,
    source: Box<reqwest::Error>,
}

/// What kind of transport failure it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The host name did not resolve. Not sent.
    Dns,
    /// The host refused the TCP connection. Not sent.
    ConnectionRefused,
    /// No TCP connection and TLS handshake within the connect timeout. Not sent.
    ConnectTimeout,
    /// The server's TLS certificate is not trusted. Not sent; a retry cannot
    /// fix it.
    Certificate(CertificateProblem),
    /// The TLS handshake failed for another reason (protocol, plain http on
    /// an https port). Not sent; a retry cannot fix it.
    Tls,
    /// The connection could not be made for another reason (network
    /// unreachable, reset during the handshake). Not sent.
    Connect,
    /// The HTTP client refused the request before sending it. Not sent.
    Request,
    /// The connection broke after the request may have been written
    /// (reset, closed). The outcome is unknown.
    Reset,
    /// The reply did not come in time. The outcome is unknown.
    Timeout,
    /// Anything else after the connection was made. The outcome is unknown.
    Other,
}

/// Why a TLS certificate was not trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CertificateProblem {
    /// Signed by a certificate authority this client does not trust (a
    /// corporate TLS proxy, the local sandbox's throwaway CA, a self-signed
    /// certificate).
    UnknownIssuer,
    /// Expired or not yet valid (or this machine's clock is wrong).
    Expired,
    /// Issued for another host name.
    NotValidForHost,
    /// Revoked by its issuer.
    Revoked,
    /// Any other reason the certificate was refused.
    Other,
}

impl fmt::Display for CertificateProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CertificateProblem::UnknownIssuer => "it is signed by an unknown certificate authority",
            CertificateProblem::Expired => "it has expired or is not valid yet",
            CertificateProblem::NotValidForHost => "it is issued for another host name",
            CertificateProblem::Revoked => "it has been revoked",
            CertificateProblem::Other => "it was refused",
        })
    }
}

impl TransportErrorKind {
    /// Whether a request that failed this way can have reached the server.
    pub fn may_have_been_sent(self) -> bool {
        matches!(
            self,
            TransportErrorKind::Reset | TransportErrorKind::Timeout | TransportErrorKind::Other
        )
    }

    /// Whether trying again can succeed: never for a certificate or TLS
    /// problem, or a request the HTTP client refused.
    pub fn may_pass_on_retry(self) -> bool {
        !matches!(
            self,
            TransportErrorKind::Certificate(_)
                | TransportErrorKind::Tls
                | TransportErrorKind::Request
        )
    }
}

impl TransportError {
    /// Classifies an error of the HTTP client talking to `host`.
    pub(crate) fn new(error: reqwest::Error, host: &str) -> Self {
        TransportError {
            kind: classify(&error),
            host: host.to_owned(),
            source: Box::new(error),
        }
    }

    /// What kind of failure it was.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// The gateway host (and port) the client talked to.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Whether it was a timeout (connecting, or waiting for the reply).
    pub fn is_timeout(&self) -> bool {
        matches!(
            self.kind,
            TransportErrorKind::ConnectTimeout | TransportErrorKind::Timeout
        )
    }

    /// Whether the connection could not be made (DNS, TCP or TLS): nothing
    /// was sent.
    pub fn is_connect(&self) -> bool {
        matches!(
            self.kind,
            TransportErrorKind::Dns
                | TransportErrorKind::ConnectionRefused
                | TransportErrorKind::ConnectTimeout
                | TransportErrorKind::Certificate(_)
                | TransportErrorKind::Tls
                | TransportErrorKind::Connect
        )
    }
}

impl fmt::Debug for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportError")
            .field("kind", &self.kind)
            .field("host", &self.host)
            .field("source", &chain(&*self.source))
            .finish()
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = &self.host;
        let cause = chain(&*self.source);
        match self.kind {
            TransportErrorKind::Dns => write!(
                f,
                "could not resolve {host}: check the gateway URL and this machine's DNS ({cause})"
            ),
            TransportErrorKind::ConnectionRefused => write!(
                f,
                "{host} refused the connection: check the gateway URL and that the server (or the local sandbox) \
                 is running ({cause})"
            ),
            TransportErrorKind::ConnectTimeout => write!(
                f,
                "no connection to {host} within the connect timeout: check the network path (firewall, proxy) \
                 ({cause})"
            ),
            TransportErrorKind::Certificate(problem) => {
                write!(
                    f,
                    "the TLS certificate of {host} is not trusted: {problem}; "
                )?;
                match problem {
                    CertificateProblem::NotValidForHost => f.write_str(
                        "check the gateway URL (the host name must be the one the certificate names)",
                    )?,
                    CertificateProblem::Expired => f.write_str(
                        "the server must renew its certificate (or this machine's clock is wrong)",
                    )?,
                    _ => f.write_str(
                        "if the gateway sits behind a TLS proxy, or is the local sandbox with --tls, trust its CA \
                         certificate (ClientBuilder::add_root_certificates_pem, or --ca-file in the CLI); TLS \
                         verification cannot be switched off",
                    )?,
                }
                write!(f, " ({cause})")
            }
            TransportErrorKind::Tls => write!(
                f,
                "the TLS handshake with {host} failed: check that the gateway URL speaks https ({cause})"
            ),
            TransportErrorKind::Connect => write!(f, "could not connect to {host} ({cause})"),
            TransportErrorKind::Request => {
                write!(f, "the HTTP client refused to send the request ({cause})")
            }
            TransportErrorKind::Reset => write!(
                f,
                "the connection to {host} broke after the request was sent ({cause})"
            ),
            TransportErrorKind::Timeout => write!(f, "{host} did not answer in time ({cause})"),
            TransportErrorKind::Other => write!(f, "talking to {host} failed ({cause})"),
        }
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.source)
    }
}

fn classify(error: &reqwest::Error) -> TransportErrorKind {
    if error.is_builder() {
        return TransportErrorKind::Request;
    }
    if error.is_connect() {
        // Connection errors happen before a byte of the request is written.
        if error.is_timeout() {
            return TransportErrorKind::ConnectTimeout;
        }
        if error.is_dns() {
            return TransportErrorKind::Dns;
        }
        let mut tls = false;
        let mut refused = false;
        for cause in causes(error) {
            if let Some(rustls_error) = rustls_error(cause) {
                if let rustls::Error::InvalidCertificate(certificate) = rustls_error {
                    return TransportErrorKind::Certificate(certificate_problem(certificate));
                }
                tls = true;
            }
            if let Some(io) = cause.downcast_ref::<io::Error>()
                && io.kind() == io::ErrorKind::ConnectionRefused
            {
                refused = true;
            }
        }
        return if tls {
            TransportErrorKind::Tls
        } else if refused {
            TransportErrorKind::ConnectionRefused
        } else {
            TransportErrorKind::Connect
        };
    }
    if error.is_timeout() {
        return TransportErrorKind::Timeout;
    }
    let reset = causes(error).any(|cause| {
        cause.downcast_ref::<io::Error>().is_some_and(|io| {
            matches!(
                io.kind(),
                io::ErrorKind::ConnectionReset
                    | io::ErrorKind::ConnectionAborted
                    | io::ErrorKind::BrokenPipe
                    | io::ErrorKind::UnexpectedEof
            )
        }) || cause
            .downcast_ref::<hyper::Error>()
            .is_some_and(|h| h.is_incomplete_message() || h.is_closed() || h.is_canceled())
    });
    if reset {
        TransportErrorKind::Reset
    } else {
        TransportErrorKind::Other
    }
}

/// A rustls error in the chain (TLS failures arrive as an `io::Error`
/// wrapping it, sometimes wrapped again).
fn rustls_error<'e>(cause: &'e (dyn StdError + 'static)) -> Option<&'e rustls::Error> {
    cause.downcast_ref::<rustls::Error>()
}

fn certificate_problem(error: &rustls::CertificateError) -> CertificateProblem {
    use rustls::CertificateError as E;
    match error {
        E::UnknownIssuer | E::BadSignature => CertificateProblem::UnknownIssuer,
        E::Expired | E::ExpiredContext { .. } | E::NotValidYet | E::NotValidYetContext { .. } => {
            CertificateProblem::Expired
        }
        E::NotValidForName | E::NotValidForNameContext { .. } => {
            CertificateProblem::NotValidForHost
        }
        E::Revoked => CertificateProblem::Revoked,
        _ => CertificateProblem::Other,
    }
}

/// The error and its causes, first to last. An `io::Error`'s `source()`
/// skips the error it wraps, so that one is visited too.
fn causes<'e>(
    error: &'e (dyn StdError + 'static),
) -> impl Iterator<Item = &'e (dyn StdError + 'static)> {
    std::iter::successors(Some(error), |e: &&'e (dyn StdError + 'static)| {
        next_cause(*e)
    })
}

fn next_cause<'e>(error: &'e (dyn StdError + 'static)) -> Option<&'e (dyn StdError + 'static)> {
    match error
        .downcast_ref::<io::Error>()
        .and_then(io::Error::get_ref)
    {
        Some(inner) => Some(inner),
        None => error.source(),
    }
}

/// An error and its causes on one line ("error sending request: connection refused").
pub(crate) fn chain(error: &(dyn StdError + 'static)) -> String {
    let mut text = String::new();
    for cause in causes(error) {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&cause_text);
        }
    }
    text
}
