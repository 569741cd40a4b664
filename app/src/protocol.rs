//! Messages between the page and the engine's Web Worker (JSON text; versioned so a cached old
//! worker cannot be mistaken for a new one).

use engine::run::{peak_frontier, run, run_with_options, PeakFrontier, RunOptions, RunReport};
use engine::scenario::Scenario;
use serde::{Deserialize, Serialize};

use crate::bench::{self, BenchCase};
use crate::variants::VariantRow;
use engine::sweep::{sweep_point, SweepParameter, SweepPoint};

/// Protocol version; bump when a message changes.
pub const PROTOCOL: u32 = 8;

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
        ToWorker::Sweep {
            id,
            scenario,
            parameter,
            values,
        } => {
            let mut pass_ms = [0.0; 2];
            for (pass, complete) in [false, true].into_iter().enumerate() {
                let start = host.now_ms();
                for (index, value) in values.iter().enumerate() {
                    match sweep_point(&scenario, parameter, *value, complete) {
                        Ok(point) => host.post(&FromWorker::SweepPoint { id, index, point }),
                        Err(message) => {
                            host.post(&FromWorker::Failed { id, message });
                            return;
                        }
                    }
                }
                pass_ms[pass] = host.now_ms() - start;
            }
            host.post(&FromWorker::SweepDone {
                id,
                settle_ms: pass_ms[0],
                full_ms: pass_ms[1],
            });
        }
        ToWorker::Frontier { id, scenario } => {
            let mut last = 0.0;
            let result = peak_frontier(&scenario, &mut |done| {
                if done - last >= 0.05 || done >= 1.0 {
                    last = done;
                    host.post(&FromWorker::Progress { id, done });
                }
            });
            match result {
                Ok(frontier) => host.post(&FromWorker::FrontierDone {
                    id,
                    frontier: Box::new(frontier),
                }),
                Err(e) => host.post(&FromWorker::Failed {
                    id,
                    message: e.to_string(),
                }),
            }
        }
        ToWorker::Variants { id, scenarios } => {
            for (index, scenario) in scenarios.iter().enumerate() {
                match run_with_options(scenario, RunOptions::SETTLE_ONLY, &mut |_| {}, None) {
                    Ok(report) => host.post(&FromWorker::VariantDone {
                        id,
                        index,
                        row: VariantRow::of(&report),
                    }),
                    Err(e) => {
                        host.post(&FromWorker::Failed {
                            id,
                            message: e.to_string(),
                        });
                        return;
                    }
                }
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
    fn variants_are_settled_one_by_one() {
        let mut scenario = Scenario::default_north();
        scenario.axis = TimeAxis::hourly(48);
        let request = serde_json::to_string(&ToWorker::Variants {
            id: 3,
            scenarios: vec![scenario.clone(), scenario],
        })
        .unwrap();
        let mut host = TestHost::default();
        handle(&request, &mut host);
        assert_eq!(host.answers.len(), 2);
        for (i, a) in host.answers.iter().enumerate() {
            assert!(
                matches!(a, FromWorker::VariantDone { id: 3, index, row } if *index == i && row.models.len() == 4),
                "{a:?}"
            );
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
    fn a_sweep_answers_settle_only_points_then_complete_ones() {
        let mut scenario = Scenario::default_north();
        scenario.axis = TimeAxis::hourly(48);
        let request = serde_json::to_string(&ToWorker::Sweep {
            id: 5,
            scenario: Box::new(scenario),
            parameter: SweepParameter::FeedInPrice,
            values: vec![2.0, 6.0],
        })
        .unwrap();
        let mut host = TestHost::default();
        handle(&request, &mut host);
        let kinds: Vec<(usize, bool)> = host
            .answers
            .iter()
            .filter_map(|m| match m {
                FromWorker::SweepPoint { index, point, .. } => Some((*index, point.complete)),
                _ => None,
            })
            .collect();
        assert_eq!(kinds, vec![(0, false), (1, false), (0, true), (1, true)]);
        assert!(matches!(
            host.answers.last(),
            Some(FromWorker::SweepDone { id: 5, .. })
        ));
        let mut bad = TestHost::default();
        let request = serde_json::to_string(&ToWorker::Sweep {
            id: 6,
            scenario: Box::new(Scenario::default_north()),
            parameter: SweepParameter::FeedInPrice,
            values: vec![12.0],
        })
        .unwrap();
        handle(&request, &mut bad);
        assert!(
            matches!(bad.answers.as_slice(), [FromWorker::Failed { id: 6, message }] if message.contains("= 12"))
        );
    }

    #[test]
    fn a_frontier_request_answers_with_progress_then_the_frontier() {
        let mut scenario = Scenario::default_north();
        scenario.axis = TimeAxis::hourly(48);
        let request = serde_json::to_string(&ToWorker::Frontier {
            id: 9,
            scenario: Box::new(scenario),
        })
        .unwrap();
        let mut host = TestHost::default();
        handle(&request, &mut host);
        assert!(matches!(
            host.answers.last(),
            Some(FromWorker::FrontierDone { id: 9, frontier })
                if !frontier.points.is_empty() && frontier.points.iter().any(|p| p.chosen)
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
