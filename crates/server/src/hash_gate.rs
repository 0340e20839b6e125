//! A bounded number of password hashes at once. Each Argon2 hash takes about
//! 19 MiB and a core for tens of milliseconds; unbounded, a burst of sign-ins
//! fills the blocking pool and the heap (100 parallel ones once took 7.6 GiB).
//! Beyond the slots a sign-in waits briefly in a bounded queue, then gets 503.
//!
//! The hashes run on one thread per slot, started once: on tokio's blocking
//! pool each burst grew new threads, each keeping its own 19 MiB malloc arena
//! afterwards (a 200-sign-in burst left the process at 456 MiB). A fixed set
//! of threads reuses the same memory, so a burst costs a few slots' worth.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use tokio::sync::{Semaphore, oneshot};

use crate::error::ApiError;
use crate::limits::Limits;

type Job = Box<dyn FnOnce() + Send>;

#[derive(Clone, Debug)]
pub struct HashGate {
    slots: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    max_waiting: usize,
    wait: Duration,
    jobs: mpsc::Sender<Job>,
}

/// `n` threads taking jobs from one queue; a job that panics leaves its
/// thread running. They end when every `HashGate` clone is gone.
fn workers(n: usize) -> mpsc::Sender<Job> {
    let (tx, rx) = mpsc::channel::<Job>();
    let rx = Arc::new(Mutex::new(rx));
    for i in 0..n {
        let rx = rx.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("zj-hash-{i}"))
            .spawn(move || {
                loop {
                    let job = match rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => {
                            let _ = catch_unwind(AssertUnwindSafe(job));
                        }
                        Err(_) => return,
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start a password hashing thread");
        }
    }
    tx
}

/// Leaves the gate when dropped, however the wait or the hash ended.
struct InQueue<'a>(&'a AtomicUsize);

impl Drop for InQueue<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl HashGate {
    pub fn new(limits: &Limits) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(limits.hash_slots())),
            waiting: Arc::new(AtomicUsize::new(0)),
            // Those hashing count too: `hash_queue` is who waits beyond them.
            max_waiting: limits.hash_slots() + limits.hash_queue,
            wait: limits.hash_wait(),
            jobs: workers(limits.hash_slots()),
        }
    }

    /// Runs `work` (a hash) on a hashing thread once a slot is free.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(ApiError::Busy { retry_after: 2 });
        }
        // Counted from here until the hash is done.
        let _in = InQueue(&self.waiting);
        let permit = match tokio::time::timeout(self.wait, self.slots.clone().acquire_owned()).await
        {
            Ok(Ok(permit)) => permit,
            Ok(Err(_)) => return Err(ApiError::Internal),
            Err(_) => return Err(ApiError::Busy { retry_after: 2 }),
        };
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _slot = permit;
            let _ = done.send(work());
        });
        self.jobs.send(job).map_err(|_| ApiError::Internal)?;
        result.await.map_err(|_| ApiError::Internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(slots: usize, queue: usize, wait_ms: u64) -> HashGate {
        HashGate::new(&Limits {
            max_hashes: slots,
            hash_queue: queue,
            hash_wait_ms: wait_ms,
            ..Limits::default()
        })
    }

    #[tokio::test]
    async fn never_more_than_the_slots_at_once() {
        let g = gate(2, 100, 10_000);
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..12 {
            let (g, running, peak) = (g.clone(), running.clone(), peak.clone());
            tasks.push(tokio::spawn(async move {
                g.run(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                })
                .await
            }));
        }
        for t in tasks {
            assert!(t.await.unwrap().is_ok());
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_full_queue_or_a_long_wait_is_busy() {
        let g = gate(1, 1, 50);
        let slow = {
            let g = g.clone();
            tokio::spawn(async move {
                g.run(|| std::thread::sleep(Duration::from_millis(400)))
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        // The one queue place: waits 50 ms, then gives up.
        let waited = g.run(|| ()).await;
        assert!(matches!(waited, Err(ApiError::Busy { .. })), "{waited:?}");
        assert!(slow.await.unwrap().is_ok());
        assert_eq!(g.waiting.load(Ordering::SeqCst), 0);

        // No queue: the second one is busy at once, without waiting.
        let g = gate(1, 0, 10_000);
        assert!(g.run(|| ()).await.is_ok());
        let slow = {
            let g = g.clone();
            tokio::spawn(async move {
                g.run(|| std::thread::sleep(Duration::from_millis(300)))
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        let started = std::time::Instant::now();
        assert!(matches!(g.run(|| ()).await, Err(ApiError::Busy { .. })));
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "it waited for the slot"
        );
        assert!(slow.await.unwrap().is_ok());
    }
}
