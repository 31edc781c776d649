//! Values that belong to one process: after `fork()` the child builds its own.
//!
//! A tokio runtime's worker threads, its epoll instance and the connections of a hyper pool
//! do not survive `fork()`: the child has one thread, and the epoll file descriptor and the
//! sockets are shared with the parent, so touching them from the child would corrupt the
//! parent's state. A [`PerProcess`] notices that the process id changed and builds a fresh
//! value in the child, leaving the parent's untouched: never used, and never dropped (a
//! child that drops a `PerProcess` forgets its ancestors' values instead of running their
//! destructors, which would wake the parent's runtime through shared file descriptors).
//!
//! Reads are lock-free: an atomic index into slots, one per fork generation (parent, child,
//! grandchild...). A slot is claimed by the pid that builds it before the build starts, so
//! a fork taken while another thread is building leaves the child a slot claimed by another
//! process and never filled: the child skips it and builds in the next one instead of
//! waiting for a thread that does not exist in the child.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

/// How deep a chain of forks (child of child of...) a value follows.
const GENERATIONS: usize = 64;

/// One generation's value and the pid that claimed the right to build it (0: nobody yet).
struct Slot<T> {
    builder: AtomicU32,
    value: OnceLock<T>,
}

/// A value built once per process.
pub(crate) struct PerProcess<T> {
    generation: AtomicUsize,
    slots: [Slot<T>; GENERATIONS],
}

/// Releases a claimed slot if its build panicked or failed, so another thread may build.
struct Claim<'a>(&'a AtomicU32, bool);

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        if !self.1 {
            self.0.store(0, Ordering::Release);
        }
    }
}

impl<T> PerProcess<T> {
    pub(crate) const fn new() -> Self {
        Self {
            generation: AtomicUsize::new(0),
            slots: [const {
                Slot {
                    builder: AtomicU32::new(0),
                    value: OnceLock::new(),
                }
            }; GENERATIONS],
        }
    }

    /// A value already built in this process.
    pub(crate) fn with(value: T) -> Self {
        let this = Self::new();
        this.slots[0]
            .builder
            .store(std::process::id(), Ordering::Release);
        let _ = this.slots[0].value.set(value);
        this
    }

    /// This process's value, built with `make` on first use in the process. A thread that
    /// finds another thread of this process building polls until it is done, sleeping
    /// briefly in between.
    ///
    /// # Panics
    /// After more than 64 nested forks, or if `make` panics.
    pub(crate) fn get(&self, make: impl FnOnce() -> T) -> &T {
        self.get_pausing_with(make, || {
            std::thread::sleep(std::time::Duration::from_micros(100));
        })
    }

    /// [`Self::get`], with `pause` called between polls while another thread of this
    /// process builds (the binding pauses with the GIL released, since that build may need
    /// the GIL). If that build fails, a waiting thread builds instead.
    pub(crate) fn get_pausing_with(&self, make: impl FnOnce() -> T, pause: impl Fn()) -> &T {
        let pid = std::process::id();
        let mut make = Some(make);
        loop {
            let g = self.generation.load(Ordering::Acquire);
            let slot = &self.slots[g];
            match slot
                .builder
                .compare_exchange(0, pid, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => {
                    let mut claim = Claim(&slot.builder, false);
                    let make = make.take().expect("a call claims at most one slot");
                    let value = slot.value.get_or_init(make);
                    claim.1 = true;
                    return value;
                }
                Err(owner) if owner == pid => match slot.value.get() {
                    Some(v) => return v,
                    None => pause(),
                },
                // Claimed by an ancestor (built, or being built when it forked): this
                // process takes the next slot (threads racing here agree on one through the
                // exchange).
                Err(_) => {
                    assert!(
                        g + 1 < GENERATIONS,
                        "oss_sse: more than {GENERATIONS} nested fork() generations"
                    );
                    let _ = self.generation.compare_exchange(
                        g,
                        g + 1,
                        Ordering::AcqRel,
                        Ordering::Acquire,
                    );
                }
            }
        }
    }
}

/// A pause for [`PerProcess::get_pausing_with`] when the build runs Python code: sleeps with
/// the GIL released (attaching first if this thread was not).
pub(crate) fn pause_without_gil() {
    pyo3::Python::attach(|py| {
        py.detach(|| std::thread::sleep(std::time::Duration::from_micros(100)));
    });
}

impl<T> Drop for PerProcess<T> {
    fn drop(&mut self) {
        let pid = std::process::id();
        for slot in &mut self.slots {
            if let Some(v) = slot.value.take()
                && *slot.builder.get_mut() != pid
            {
                // An ancestor's: its destructor would act on the ancestor's runtime.
                std::mem::forget(v);
            }
        }
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for PerProcess<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let g = self.generation.load(Ordering::Acquire);
        f.debug_struct("PerProcess")
            .field("generation", &g)
            .field("value", &self.slots[g].value.get())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_once_per_process_and_skips_an_ancestors_claim() {
        let p = PerProcess::<u32>::new();
        assert_eq!(*p.get(|| 1), 1);
        assert_eq!(*p.get(|| 2), 1);
        // As a child sees a slot another process claimed (built or mid-build at fork).
        let q = PerProcess::<u32>::new();
        q.slots[0].builder.store(1, Ordering::Release);
        assert_eq!(*q.get(|| 7), 7);
        assert_eq!(q.generation.load(Ordering::Acquire), 1);
    }

    #[test]
    fn a_panicking_build_releases_its_claim() {
        let p = PerProcess::<u32>::new();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            p.get(|| panic!("build failed"));
        }));
        assert!(r.is_err());
        assert_eq!(*p.get(|| 3), 3);
    }

    #[test]
    fn dropping_forgets_values_of_other_processes() {
        use std::sync::Arc;
        let marker = Arc::new(());
        let p = PerProcess::<Arc<()>>::new();
        p.slots[0].builder.store(1, Ordering::Release);
        let _ = p.slots[0].value.set(marker.clone());
        let mine = p.get(|| marker.clone()).clone();
        assert_eq!(Arc::strong_count(&marker), 4);
        drop(p);
        // Ours was dropped, the "ancestor's" forgotten.
        assert_eq!(Arc::strong_count(&marker), 3);
        drop(mine);
    }
}
