//! A request-rate cap shared by the tasks of one run.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::{Instant, Interval, MissedTickBehavior};

/// At most `n` permits per second, handed out evenly (`None`: no cap).
#[derive(Clone, Debug)]
pub(crate) struct Rate(Option<Arc<Mutex<Interval>>>);

impl Rate {
    pub(crate) fn new(per_second: Option<u32>) -> Self {
        Self(per_second.filter(|n| *n > 0).map(|n| {
            let period = Duration::from_secs(1) / n;
            let mut i = tokio::time::interval_at(Instant::now(), period);
            // A pause is not made up for by a burst.
            i.set_missed_tick_behavior(MissedTickBehavior::Delay);
            Arc::new(Mutex::new(i))
        }))
    }

    /// Waits for the next permit.
    pub(crate) async fn acquire(&self) {
        if let Some(i) = &self.0 {
            i.lock().await.tick().await;
        }
    }
}
