//! Values that belong to one process: after `fork()` the child builds its own.
//!
//! A tokio runtime's worker threads, its epoll instance and the connections of a hyper pool
//! do not survive `fork()`: the child has one thread, and the epoll file descriptor and the
//! sockets are shared with the parent, so touching them from the child would corrupt the
//! parent's state. A [`PerProcess`] notices that the process id changed and builds a fresh
//! value in the child, leaving the parent's untouched (never used, never dropped).
//!
//! Reads are lock-free: an atomic index into slots of `OnceLock`s, one per fork generation
//! (parent, child, grandchild...), each tagged with the pid that filled it. No lock is ever
//! held across a call, so a fork taken while another thread is inside [`PerProcess::get`]
//! cannot leave the child waiting on a lock nobody will release (except a fork in the middle
//! of building the value, which the child then builds again in the next slot).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How deep a chain of forks (child of child of...) a value follows.
const GENERATIONS: usize = 16;

/// A value built once per process.
pub(crate) struct PerProcess<T> {
    generation: AtomicUsize,
    slots: [OnceLock<(u32, T)>; GENERATIONS],
}

impl<T> PerProcess<T> {
    pub(crate) const fn new() -> Self {
        Self {
            generation: AtomicUsize::new(0),
            slots: [const { OnceLock::new() }; GENERATIONS],
        }
    }

    /// A value already built in this process.
    pub(crate) fn with(value: T) -> Self {
        let this = Self::new();
        let _ = this.slots[0].set((std::process::id(), value));
        this
    }

    /// This process's value, built with `make` on first use in the process.
    ///
    /// # Panics
    /// After more than 16 nested forks.
    pub(crate) fn get(&self, make: impl Fn() -> T) -> &T {
        let pid = std::process::id();
        loop {
            let g = self.generation.load(Ordering::Acquire);
            let (owner, value) = self.slots[g].get_or_init(|| (pid, make()));
            if *owner == pid {
                return value;
            }
            // Built by an ancestor: this process takes the next slot (threads racing here
            // agree on one through the exchange).
            assert!(
                g + 1 < GENERATIONS,
                "oss_sse: more than {GENERATIONS} nested fork() generations"
            );
            let _ = self
                .generation
                .compare_exchange(g, g + 1, Ordering::AcqRel, Ordering::Acquire);
        }
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for PerProcess<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let g = self.generation.load(Ordering::Acquire);
        f.debug_struct("PerProcess")
            .field("generation", &g)
            .field("value", &self.slots[g].get())
            .finish()
    }
}
