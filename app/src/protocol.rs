//! Messages between the page and the engine's Web Worker (JSON text; versioned so a cached old
//! worker cannot be mistaken for a new one).

use engine::run::{run, run_with_options, RunOptions, RunReport};
use engine::scenario::Scenario;
use serde::{Deserialize, Serialize};

use crate::bench::{self, BenchCase};

/// Protocol version; bump when a message changes.
pub const PROTOCOL: u32 = 4;

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
    /// The quick first answer: no sharing, BS, MMR and SDR settled on the homes' own dispatch
    /// (no cloud-P2P, no PM) — what a tariff change can show within milliseconds.
    Partial {
        /// Request id.
        id: u64,
        /// Four models' results.
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

/// Handle one message in the worker; answers go through `host` (progress, then the result).
pub fn handle(text: &str, host: &mut dyn Host) {
    let request: ToWorker = match serde_json::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            host.post(&FromWorker::Failed {
                id: 0,
                message: format!("bad request: {e}"),
            });
            return;
        }
    };
    match request {
        ToWorker::Run { id, scenario } => {
            match run_with_options(&scenario, RunOptions::SETTLE_ONLY, &mut |_| {}, None) {
                Ok(report) => host.post(&FromWorker::Partial {
                    id,
                    report: Box::new(report),
                }),
                Err(e) => {
                    host.post(&FromWorker::Failed {
                        id,
                        message: e.to_string(),
                    });
                    return;
                }
            }
            let mut last = 0.0;
            let result = run(&scenario, &mut |done| {
                if done - last >= 0.05 || done >= 1.0 {
                    last = done;
                    host.post(&FromWorker::Progress { id, done });
                }
            });
            match result {
                Ok(report) => {
                    let memory_bytes = host.memory_bytes();
                    host.post(&FromWorker::Done {
                        id,
                        report: Box::new(report),
                        memory_bytes,
                    });
                }
                Err(e) => host.post(&FromWorker::Failed {
                    id,
                    message: e.to_string(),
                }),
            }
        }
        ToWorker::Bench { id, case, repeats } => {
            let before = host.memory_bytes();
            let input = bench::prepare(case);
            let mut times_ms = Vec::new();
            let mut checksum = 0.0;
            for _ in 0..repeats.max(1) {
                let start = host.now_ms();
                match bench::run_once(case, &input) {
                    Ok(c) => checksum = c,
                    Err(message) => {
                        host.post(&FromWorker::Failed { id, message });
                        return;
                    }
                }
                times_ms.push(host.now_ms() - start);
            }
            let after = host.memory_bytes();
            host.post(&FromWorker::BenchDone {
                id,
                case,
                times_ms,
                checksum,
                memory_bytes: [before, after],
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::time_axis::TimeAxis;

    /// Collects answers; memory 42 bytes, a clock that ticks 1 ms per reading.
    #[derive(Default)]
    struct TestHost {
        answers: Vec<FromWorker>,
        clock: std::cell::Cell<f64>,
    }

    impl Host for TestHost {
        fn post(&mut self, message: &FromWorker) {
            self.answers.push(message.clone());
        }
        fn memory_bytes(&self) -> u64 {
            42
        }
        fn now_ms(&self) -> f64 {
            self.clock.set(self.clock.get() + 1.0);
            self.clock.get()
        }
    }

    #[test]
    fn a_run_request_answers_with_the_quick_report_progress_then_the_report() {
        let mut scenario = Scenario::default_north();
        scenario.axis = TimeAxis::hourly(48);
        let request = serde_json::to_string(&ToWorker::Run {
            id: 7,
            scenario: Box::new(scenario),
        })
        .unwrap();
        let mut host = TestHost::default();
        handle(&request, &mut host);
        let answers = &host.answers;
        assert!(
            matches!(&answers[0], FromWorker::Partial { id: 7, report } if report.models.len() == 4)
        );
        assert!(matches!(answers[1], FromWorker::Progress { id: 7, .. }));
        assert!(
            matches!(answers.last().unwrap(), FromWorker::Done { id: 7, report, memory_bytes: 42 } if report.models.len() == 5)
        );
        let mut bad = TestHost::default();
        handle("{not json", &mut bad);
        assert!(matches!(
            bad.answers.as_slice(),
            [FromWorker::Failed { .. }]
        ));
    }

    #[test]
    fn a_bench_request_times_each_repetition() {
        let request = serde_json::to_string(&ToWorker::Bench {
            id: 3,
            case: BenchCase::Settle1k,
            repeats: 2,
        })
        .unwrap();
        let mut host = TestHost::default();
        handle(&request, &mut host);
        assert!(matches!(
            host.answers.as_slice(),
            [FromWorker::BenchDone { id: 3, case: BenchCase::Settle1k, times_ms, checksum, memory_bytes: [42, 42] }]
                if times_ms == &vec![1.0, 1.0] && *checksum > 0.0
        ));
    }
}
