//! Connections that send part of a request and then wait: idle clients,
//! half-sent heads, half-sent bodies.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A connection that has sent some bytes and then nothing more, held open
/// to see when (and how) the server gives up on it.
#[derive(Debug)]
pub struct Held {
    stream: TcpStream,
    opened: Instant,
}

/// Opens a connection to `addr` and sends `bytes` (none for an idle
/// client). Panics if the server does not accept them: a held connection
/// is the setup of a test, not what it checks.
pub async fn hold(addr: SocketAddr, bytes: &[u8]) -> Held {
    let mut stream = TcpStream::connect(addr)
        .await
        .unwrap_or_else(|error| panic!("could not connect to {addr}: {error}"));
    stream
        .write_all(bytes)
        .await
        .unwrap_or_else(|error| panic!("{addr} refused the first {} bytes: {error}", bytes.len()));
    Held {
        stream,
        opened: Instant::now(),
    }
}

impl Held {
    /// Whether the server has kept it open so far, without waiting: nothing
    /// to read, no close.
    pub fn is_open(&self) -> bool {
        let mut buf = [0u8; 1];
        matches!(
            self.stream.try_read(&mut buf),
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock
        )
    }

    /// Reads until the server closes (or resets) the connection: what it
    /// sent, and how long after the connection was opened it closed.
    /// `None` if it was still open after `deadline`.
    pub async fn until_closed(mut self, deadline: Duration) -> Option<(Vec<u8>, Duration)> {
        let mut received = Vec::new();
        // A reset is a close too: what came before it is kept.
        let read = tokio::time::timeout(deadline, self.stream.read_to_end(&mut received)).await;
        read.ok().map(|_| (received, self.opened.elapsed()))
    }
}
