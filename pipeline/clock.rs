//! Time for the runner and (later) the scheduler, injected so that retries
//! and schedules are tested without sleeping.

use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[async_trait]
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
    async fn sleep(&self, duration: Duration);
}

/// The wall clock.
pub struct SystemClock;

#[async_trait]
impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await
    }
}

/// A clock that only moves when slept on or ticked; it records every sleep.
pub struct TestClock {
    state: Mutex<(DateTime<Utc>, Vec<Duration>)>,
}

impl TestClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        Self { state: Mutex::new((start, Vec::new())) }
    }
    pub fn tick(&self, by: Duration) {
        let mut s = self.state.lock().expect("clock lock");
        s.0 += chrono::Duration::from_std(by).expect("duration in range");
    }
    /// The sleeps asked for so far.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.state.lock().expect("clock lock").1.clone()
    }
}

#[async_trait]
impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        self.state.lock().expect("clock lock").0
    }
    async fn sleep(&self, duration: Duration) {
        self.tick(duration);
        self.state.lock().expect("clock lock").1.push(duration);
    }
}
