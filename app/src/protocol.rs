//! Messages between the page and the engine's Web Worker (JSON text; versioned so a cached old
//! worker cannot be mistaken for a new one).

use engine::run::{run, run_with_options, RunOptions, RunReport};
use engine::scenario::Scenario;
use serde::{Deserialize, Serialize};

/// Protocol version; bump when a message changes.
pub const PROTOCOL: u32 = 3;

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
    /// The scenario could not be run.
    Failed {
        /// Request id.
        id: u64,
        /// What went wrong, for the user.
        message: String,
    },
}

/// Handle one message in the worker; `post` sends answers (progress, then the result).
pub fn handle(text: &str, post: &mut dyn FnMut(&FromWorker), memory_bytes: &dyn Fn() -> u64) {
    let request: ToWorker = match serde_json::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            post(&FromWorker::Failed {
                id: 0,
                message: format!("bad request: {e}"),
            });
            return;
        }
    };
    match request {
        ToWorker::Run { id, scenario } => {
            match run_with_options(&scenario, RunOptions::SETTLE_ONLY, &mut |_| {}, None) {
                Ok(report) => post(&FromWorker::Partial {
                    id,
                    report: Box::new(report),
                }),
                Err(e) => {
                    post(&FromWorker::Failed {
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
                    post(&FromWorker::Progress { id, done });
                }
            });
            match result {
                Ok(report) => post(&FromWorker::Done {
                    id,
                    report: Box::new(report),
                    memory_bytes: memory_bytes(),
                }),
                Err(e) => post(&FromWorker::Failed {
                    id,
                    message: e.to_string(),
                }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::time_axis::TimeAxis;

    #[test]
    fn a_run_request_answers_with_progress_then_the_report() {
        let mut scenario = Scenario::default_north();
        scenario.axis = TimeAxis::hourly(48);
        let request = serde_json::to_string(&ToWorker::Run {
            id: 7,
            scenario: Box::new(scenario),
        })
        .unwrap();
        let mut answers = Vec::new();
        handle(
            &request,
            &mut |m| answers.push(serde_json::to_string(m).unwrap()),
            &|| 42,
        );
        let first: FromWorker = serde_json::from_str(answers.first().unwrap()).unwrap();
        assert!(
            matches!(first, FromWorker::Partial { id: 7, ref report } if report.models.len() == 4)
        );
        assert!(answers[1].contains("\"progress\""));
        let last: FromWorker = serde_json::from_str(answers.last().unwrap()).unwrap();
        assert!(
            matches!(last, FromWorker::Done { id: 7, ref report, memory_bytes: 42 } if report.models.len() == 5)
        );
        let mut bad = Vec::new();
        handle("{not json", &mut |m| bad.push(m.clone()), &|| 0);
        assert!(matches!(bad.as_slice(), [FromWorker::Failed { .. }]));
    }
}
