//! Messages between the page and the engine's Web Worker (JSON text; versioned so a cached old
//! worker cannot be mistaken for a new one).

use engine::run::{PeakFrontier, RunReport};
use engine::scenario::Scenario;
use serde::{Deserialize, Serialize};

use crate::bench::BenchCase;
use crate::variants::VariantRow;
use engine::sweep::{SweepParameter, SweepPoint};

/// Protocol version; bump when a message changes.
pub const PROTOCOL: u32 = 10;

/// Page → worker.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ToWorker {
    /// Run every model on a scenario.
    Run {
        /// Request id (answers carry it; stale answers are ignored).
        id: u64,
        /// The scenario.
        scenario: Box<Scenario>,
    },
    /// Sweep one parameter: every point settle-only first, then every point in full.
    Sweep {
        /// Request id.
        id: u64,
        /// The scenario the sweep starts from.
        scenario: Box<Scenario>,
        /// What varies.
        parameter: SweepParameter,
        /// Its values.
        values: Vec<f64>,
    },
    /// The cost-vs-peak frontier of a scenario (perfect foresight, the participants as one meter).
    Frontier {
        /// Request id.
        id: u64,
        /// The scenario.
        scenario: Box<Scenario>,
    },
    /// Settle-only runs of several variants of a scenario (the metering-regime comparison).
    Variants {
        /// Request id.
        id: u64,
        /// The variants, in order.
        scenarios: Vec<Scenario>,
    },
    /// Time a benchmark case `repeats` times (the browser benchmark).
    Bench {
        /// Request id.
        id: u64,
        /// What to time.
        case: BenchCase,
        /// How many times.
        repeats: usize,
    },
}

impl ToWorker {
    /// The same request under another id.
    pub fn with_id(mut self, new_id: u64) -> Self {
        match &mut self {
            ToWorker::Run { id, .. }
            | ToWorker::Sweep { id, .. }
            | ToWorker::Frontier { id, .. }
            | ToWorker::Variants { id, .. }
            | ToWorker::Bench { id, .. } => *id = new_id,
        }
        self
    }
}

/// Worker → page.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FromWorker {
    /// The worker is listening.
    Ready {
        /// Its protocol version.
        protocol: u32,
    },
    /// Share of the run done.
    Progress {
        /// Request id.
        id: u64,
        /// 0..=1.
        done: f64,
    },
    /// A first answer before the whole report: at once, no sharing, BS, MMR and SDR settled on
    /// the homes' own dispatch (no cloud-P2P, no PM) — what a tariff change can show within
    /// milliseconds; then, where cloud-P2P has a perfect-foresight twin still to simulate, every
    /// model without the value of perfect information.
    Partial {
        /// Request id.
        id: u64,
        /// Four models' results, or five without the value of perfect information.
        report: Box<RunReport>,
    },
    /// The report.
    Done {
        /// Request id.
        id: u64,
        /// Every model's results.
        report: Box<RunReport>,
        /// The worker's WebAssembly memory after the run (it never shrinks, so this is the peak).
        memory_bytes: u64,
    },
    /// One point of a sweep (settle-only first, then again complete).
    SweepPoint {
        /// Request id.
        id: u64,
        /// Index of the value.
        index: usize,
        /// The point.
        point: SweepPoint,
    },
    /// A sweep is finished.
    SweepDone {
        /// Request id.
        id: u64,
        /// Worker milliseconds for the settle-only pass over every point.
        settle_ms: f64,
        /// Worker milliseconds for the full pass.
        full_ms: f64,
    },
    /// The cost-vs-peak frontier.
    FrontierDone {
        /// Request id.
        id: u64,
        /// The frontier.
        frontier: Box<PeakFrontier>,
    },
    /// One variant's figures (settle-only).
    VariantDone {
        /// Request id.
        id: u64,
        /// Index of the variant.
        index: usize,
        /// Its figures.
        row: VariantRow,
    },
    /// A benchmark's timings.
    BenchDone {
        /// Request id.
        id: u64,
        /// The case.
        case: BenchCase,
        /// Milliseconds per repetition.
        times_ms: Vec<f64>,
        /// Result checksum (equal natively and in the browser).
        checksum: f64,
        /// WebAssembly memory before the case's input was built and after its last repetition.
        memory_bytes: [u64; 2],
    },
    /// The scenario could not be run.
    Failed {
        /// Request id.
        id: u64,
        /// What went wrong, for the user.
        message: String,
    },
}

/// What the worker needs from its surroundings (the browser, or a test).
pub trait Host {
    /// Send a message to the page.
    fn post(&mut self, message: &FromWorker);
    /// Size of the WebAssembly memory, bytes (it never shrinks: the peak so far).
    fn memory_bytes(&self) -> u64;
    /// A monotonic clock in milliseconds (benchmarks only; the engine never reads a clock).
    fn now_ms(&self) -> f64;
}
