//! What the job shows while it runs: `indicatif` spinners (one per source, then one per
//! step) when stderr is a terminal, and `tracing` events in every case (`--log-format json`
//! for log collectors). Neither ever carries a secret: messages are source ids, counts and
//! error texts that the adapters have already redacted.

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// The progress display.
#[derive(Debug)]
pub struct Progress {
    bars: Option<(MultiProgress, Mutex<BTreeMap<String, ProgressBar>>)>,
}

impl Progress {
    /// Spinners on stderr (`terminal`), or logs only.
    pub fn new(terminal: bool) -> Self {
        Progress {
            bars: terminal.then(|| (MultiProgress::new(), Mutex::new(BTreeMap::new()))),
        }
    }

    /// No display (tests, libraries).
    pub fn hidden() -> Self {
        Progress { bars: None }
    }

    fn bar(&self, key: &str, msg: String) {
        if let Some((mp, m)) = &self.bars {
            let pb = mp.add(ProgressBar::new_spinner());
            pb.set_style(
                ProgressStyle::with_template(
                    "{spinner:.cyan} {prefix:.bold} {wide_msg} {elapsed:.dim}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            pb.set_prefix(key.to_string());
            pb.set_message(msg);
            pb.enable_steady_tick(Duration::from_millis(100));
            if let Ok(mut g) = m.lock() {
                g.insert(key.to_string(), pb);
            }
        }
    }

    fn done(&self, key: &str, msg: String, ok: bool) {
        if let Some((_, m)) = &self.bars
            && let Ok(mut g) = m.lock()
            && let Some(pb) = g.remove(key)
        {
            pb.set_style(
                ProgressStyle::with_template("{prefix:.bold} {wide_msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            pb.finish_with_message(format!("{} {msg}", if ok { "✓" } else { "✗" }));
        }
    }

    /// A source starts.
    pub fn source_started(&self, id: &str, provider: &str) {
        tracing::info!(source = id, provider, "collecting");
        self.bar(id, format!("collecting from {provider}…"));
    }

    /// A source ended.
    pub fn source_done(&self, id: &str, collected: bool, errors: usize, summary: &str) {
        if collected {
            tracing::info!(source = id, errors, "collected");
        } else {
            tracing::warn!(source = id, errors, error = summary, "source failed");
        }
        let msg = if collected && errors == 0 {
            "collected".to_string()
        } else if collected {
            format!("collected, {errors} account(s) failed")
        } else {
            format!("failed: {summary}")
        };
        self.done(id, msg, collected);
    }

    /// A step starts.
    pub fn step(&self, key: &str, msg: &str) {
        tracing::info!(step = key, "{msg}");
        self.bar(key, msg.to_string());
    }

    /// A step ended.
    pub fn step_done(&self, key: &str, msg: &str) {
        tracing::info!(step = key, "{msg}");
        self.done(key, msg.to_string(), true);
    }

    /// A step failed.
    pub fn step_failed(&self, key: &str, msg: &str) {
        tracing::warn!(step = key, error = msg, "step failed");
        self.done(key, msg.to_string(), false);
    }
}
