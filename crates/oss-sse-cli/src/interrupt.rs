//! Ctrl-C and SIGTERM: the first signal cancels the running command (which then aborts its
//! multipart upload or removes its partial file, and says so); a second one exits at once.

use oss_sse_hyper::CancellationToken;
use tokio::sync::mpsc;

/// A signal that stops the CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    Interrupt,
    Terminate,
}

impl Signal {
    /// The exit status a shell expects after this signal (128 + its number).
    pub(crate) fn code(self) -> u8 {
        match self {
            Self::Interrupt => 130,
            Self::Terminate => 143,
        }
    }
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Interrupt => "interrupted",
            Self::Terminate => "terminated",
        }
    }
}

/// Listens for SIGINT and SIGTERM for the life of the process.
pub(crate) struct Interrupts {
    token: CancellationToken,
    rx: mpsc::UnboundedReceiver<Signal>,
}

impl Interrupts {
    pub(crate) fn install() -> std::io::Result<Self> {
        let (tx, rx) = mpsc::unbounded_channel();
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let mut int = signal(SignalKind::interrupt())?;
            let mut term = signal(SignalKind::terminate())?;
            tokio::spawn(async move {
                loop {
                    let s = tokio::select! {
                        _ = int.recv() => Signal::Interrupt,
                        _ = term.recv() => Signal::Terminate,
                    };
                    if tx.send(s).is_err() {
                        return;
                    }
                }
            });
        }
        #[cfg(not(unix))]
        tokio::spawn(async move {
            while tokio::signal::ctrl_c().await.is_ok() {
                if tx.send(Signal::Interrupt).is_err() {
                    return;
                }
            }
        });
        Ok(Self {
            token: CancellationToken::new(),
            rx,
        })
    }

    /// The token commands watch.
    pub(crate) fn token(&self) -> CancellationToken {
        self.token.clone()
    }

    /// Waits for a signal; the first one also cancels the token.
    pub(crate) async fn next(&mut self) -> Signal {
        let s = self.rx.recv().await.unwrap_or(Signal::Interrupt);
        self.token.cancel();
        s
    }
}
