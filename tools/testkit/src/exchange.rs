//! Sending raw bytes and reading the reply, never waiting forever.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::ReadHalf;

use crate::parse::{self, Parsed};
use crate::response::Answer;

/// The longest a test waits for an answer: far beyond every server
/// timeout in these tests, so reaching it means the server hung.
pub const HANG: Duration = Duration::from_secs(30);

/// Why an exchange gave no [`Answer`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExchangeError {
    /// The TCP connection could not be opened.
    #[error("could not connect to {addr}: {source}; is the server listening there?")]
    Connect {
        /// Where.
        addr: SocketAddr,
        /// What the OS said.
        source: io::Error,
    },
    /// Neither a complete reply nor a close within the deadline.
    #[error(
        "the server at {addr} hung: no complete reply and no close within {deadline:?} \
         (a server timeout that never fires, or a reply whose framing promises more bytes)"
    )]
    Hung {
        /// Where.
        addr: SocketAddr,
        /// How long the test waited.
        deadline: Duration,
    },
    /// The server sent bytes that are not an HTTP/1.1 response.
    #[error("the server at {addr} sent something that is not an HTTP/1.1 reply: {reason}")]
    Malformed {
        /// Where.
        addr: SocketAddr,
        /// What is wrong with it.
        reason: String,
    },
}

/// Sends `request` on a new connection and reads the reply (see
/// [`try_exchange`]), panicking with the reason if there is none within
/// [`HANG`].
pub async fn exchange(addr: SocketAddr, request: impl AsRef<[u8]>) -> Answer {
    try_exchange(addr, request, HANG)
        .await
        .unwrap_or_else(|error| panic!("{error}"))
}

/// Sends `request` (exactly these bytes) on a new connection and reads the
/// reply until it is complete by its framing, or until the server closes
/// (or resets) the connection.
///
/// The request is written while the reply is read, so a server that
/// answers before it has read everything (413 for a body it will not take)
/// and stops reading is seen, not deadlocked on; a write the server refuses
/// ends the writing, not the exchange. A `HEAD` request's reply is read
/// without a body.
pub async fn try_exchange(
    addr: SocketAddr,
    request: impl AsRef<[u8]>,
    deadline: Duration,
) -> Result<Answer, ExchangeError> {
    let request = request.as_ref();
    let pieces = [request];
    let (answer, _) = run(addr, &pieces, Duration::ZERO, is_head(request), deadline).await?;
    Ok(answer)
}

/// Like [`try_exchange`], with the request written in `pieces`, `pause`
/// before each piece but the first: a slow client. Returns the answer and
/// how many bytes the server took (written before it answered, closed or
/// stopped reading).
pub async fn try_paced(
    addr: SocketAddr,
    pieces: &[&[u8]],
    pause: Duration,
    deadline: Duration,
) -> Result<(Answer, usize), ExchangeError> {
    let head_only = pieces
        .iter()
        .find(|piece| !piece.is_empty())
        .is_some_and(|first| is_head(first));
    run(addr, pieces, pause, head_only, deadline).await
}

/// Sends `head` at once, then `tail` one byte every `gap`, until the server
/// answers or closes; returns what it answered and how many bytes of `tail`
/// it took. Panics if the server neither answers nor closes within
/// [`HANG`].
pub async fn dribble(
    addr: SocketAddr,
    head: Vec<u8>,
    tail: Vec<u8>,
    gap: Duration,
) -> (Answer, usize) {
    let mut pieces: Vec<&[u8]> = vec![&head];
    pieces.extend(tail.chunks(1));
    let (answer, written) = try_paced(addr, &pieces, gap, HANG)
        .await
        .unwrap_or_else(|error| panic!("a slow client: {error}"));
    (answer, written.saturating_sub(head.len()))
}

fn is_head(request: &[u8]) -> bool {
    request.starts_with(b"HEAD ")
}

async fn run(
    addr: SocketAddr,
    pieces: &[&[u8]],
    pause: Duration,
    head_only: bool,
    deadline: Duration,
) -> Result<(Answer, usize), ExchangeError> {
    let exchange = async {
        let mut stream = TcpStream::connect(addr)
            .await
            .map_err(|source| ExchangeError::Connect { addr, source })?;
        let (mut reader, mut writer) = stream.split();
        // Atomic, not Cell: the whole future stays Send for tokio::spawn.
        let written = AtomicUsize::new(0);
        let write = async {
            for (index, piece) in pieces.iter().enumerate() {
                if index > 0 && !pause.is_zero() {
                    tokio::time::sleep(pause).await;
                }
                // An error is the server no longer reading: stop writing,
                // keep reading its answer.
                if writer.write_all(piece).await.is_err() {
                    return;
                }
                written.fetch_add(piece.len(), Ordering::SeqCst);
            }
        };
        let read = read_reply(&mut reader, head_only);
        tokio::pin!(write, read);
        let mut writing = true;
        // Writing and reading together; the write half stays open (no
        // half-close) until the reply is in.
        let reply = loop {
            tokio::select! {
                reply = &mut read => break reply,
                () = &mut write, if writing => writing = false,
            }
        };
        let answer = reply.map_err(|reason| ExchangeError::Malformed { addr, reason })?;
        Ok((answer, written.load(Ordering::SeqCst)))
    };
    tokio::time::timeout(deadline, exchange)
        .await
        .unwrap_or(Err(ExchangeError::Hung { addr, deadline }))
}

/// Reads until a complete reply, or the close (a reset counts as one).
async fn read_reply(reader: &mut ReadHalf<'_>, head_only: bool) -> Result<Answer, String> {
    let mut raw = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match reader.read(&mut buf).await {
            Ok(0) | Err(_) => return parse::parse(&raw, head_only),
            Ok(n) => {
                raw.extend_from_slice(buf.get(..n).unwrap_or_default());
                match parse::step(&raw, head_only, false) {
                    Parsed::Complete(response) => return Ok(Answer::Http(response)),
                    Parsed::Incomplete => {}
                    Parsed::Invalid(reason) => {
                        return Err(format!("{reason}; received {}", parse::excerpt(&raw)));
                    }
                }
            }
        }
    }
}
