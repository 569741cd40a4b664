//! The engine worker's side of the protocol: one request at a time, answered through a [`Host`].
//! The session keeps the last complete simulation, so a change that only the report reads (the
//! aggregator's return τ_c, the name) is answered from it in milliseconds, and a τ_c sweep
//! simulates once.

use engine::run::{peak_frontier, run_with_options, simulate, RunOptions, RunReport, Simulated};
use engine::scenario::Scenario;
use engine::sweep::{sweep_point_kept, SweepParameter};

use crate::bench::{self, BenchCase};
use crate::protocol::{FromWorker, Host, ToWorker};
use crate::variants::VariantRow;

/// One worker's state between requests.
#[derive(Default)]
pub struct Session {
    /// The last complete run's simulation (or a sweep's last point's).
    kept: Option<Simulated>,
}

impl Session {
    /// Handle one message; answers go through `host` (progress, then the result).
    pub fn handle(&mut self, text: &str, host: &mut dyn Host) {
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
            ToWorker::Run { id, scenario } => self.run(id, &scenario, host),
            ToWorker::Sweep {
                id,
                scenario,
                parameter,
                values,
            } => self.sweep(id, &scenario, parameter, &values, host),
            ToWorker::Frontier { id, scenario } => frontier(id, &scenario, host),
            ToWorker::Variants { id, scenarios } => variants(id, &scenarios, host),
            ToWorker::Bench { id, case, repeats } => bench(id, case, repeats, host),
        }
    }

    /// Every model: from the kept simulation when it serves the scenario (no quick answer
    /// needed), or from it with the homes settled again when only the BS horizon changed; else
    /// in stages, each a partial answer: the four rules on the homes' own
    /// dispatch at once, then every model without the value of perfect information, then —
    /// with cloud-P2P's perfect-foresight twin merged in — the whole report, kept.
    fn run(&mut self, id: u64, scenario: &Scenario, host: &mut dyn Host) {
        let kept = self
            .kept
            .as_ref()
            .filter(|k| k.options().covers(RunOptions::default()));
        if let Some(report) = kept.and_then(|k| k.report(scenario)) {
            return done(id, report, host);
        }
        // A change only settlement reads (the BS horizon): the homes' own dispatch settled
        // again beside the kept cloud-P2P books, in one answer (`Ok(None)`: any other change).
        if let Some(kept) = kept {
            let resettled = kept.resettled(scenario, &mut progress_posts(id, (0.0, 1.0), host));
            match resettled.map(|r| r.and_then(|s| Some((s.report(scenario)?, s)))) {
                Ok(Some((report, simulated))) => {
                    self.kept = Some(simulated);
                    return done(id, report, host);
                }
                Ok(None) => {}
                Err(e) => return failed(id, e.to_string(), host),
            }
        }
        // The old books go before the new simulation (while the twin runs, the first stage's
        // books and the twin's are both held: at most two sets).
        self.kept = None;
        match run_with_options(scenario, RunOptions::SETTLE_ONLY, &mut |_| {}, None) {
            Ok(report) => partial(id, report, host),
            Err(e) => return failed(id, e.to_string(), host),
        }
        let twin = RunOptions::twin_needed(scenario);
        // The twin takes a little less time than cloud-P2P (no PM, no gain-split settlement).
        let (options, share) = if twin {
            (RunOptions::WITHOUT_TWIN, TWIN_FREE_SHARE)
        } else {
            (RunOptions::default(), 1.0)
        };
        let Some(mut simulated) = simulate_part(id, scenario, options, (0.0, share), host) else {
            return;
        };
        if twin {
            match simulated.report(scenario) {
                Some(report) => partial(id, report, host),
                None => return failed(id, LOST.into(), host),
            }
            let Some(twin) = simulate_part(id, scenario, RunOptions::TWIN_ONLY, (share, 1.0), host)
            else {
                return;
            };
            match simulated.with_twin_of(twin) {
                Some(merged) => simulated = merged,
                None => return failed(id, LOST.into(), host),
            }
        }
        let Some(report) = simulated.report(scenario) else {
            return failed(id, LOST.into(), host);
        };
        self.kept = Some(simulated);
        done(id, report, host);
    }

    /// Every point settle-only, then every point complete (reusing the kept simulation where
    /// a point only re-reports it).
    fn sweep(
        &mut self,
        id: u64,
        scenario: &Scenario,
        parameter: SweepParameter,
        values: &[f64],
        host: &mut dyn Host,
    ) {
        let mut pass_ms = [0.0; 2];
        for (pass, complete) in [false, true].into_iter().enumerate() {
            let start = host.now_ms();
            for (index, value) in values.iter().enumerate() {
                match sweep_point_kept(scenario, parameter, *value, complete, &mut self.kept) {
                    Ok(point) => host.post(&FromWorker::SweepPoint { id, index, point }),
                    Err(message) => return failed(id, message, host),
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
}

/// The share of a whole run's time before the perfect-foresight twin (the default village
/// natively: 0.68 s without the twin of a 1.21 s whole run).
const TWIN_FREE_SHARE: f64 = 0.55;

const LOST: &str = "the simulation lost its scenario";

/// Simulate `scenario` with `options`, its progress mapped onto `span` of the whole request's;
/// `None` once a failure is answered.
fn simulate_part(
    id: u64,
    scenario: &Scenario,
    options: RunOptions,
    (from, to): (f64, f64),
    host: &mut dyn Host,
) -> Option<Simulated> {
    let simulated = simulate(
        scenario,
        options,
        &mut progress_posts(id, (from, to), host),
        None,
    );
    simulated.map_err(|e| failed(id, e.to_string(), host)).ok()
}

/// A progress callback that posts the share done, mapped onto `span` of the request's, at
/// most every 5% (and at the span's end).
fn progress_posts(id: u64, (from, to): (f64, f64), host: &mut dyn Host) -> impl FnMut(f64) + '_ {
    let mut last = from;
    move |done| {
        let done = from + (to - from) * done;
        if done - last >= 0.05 || done >= to {
            last = done;
            host.post(&FromWorker::Progress { id, done });
        }
    }
}

fn partial(id: u64, report: RunReport, host: &mut dyn Host) {
    host.post(&FromWorker::Partial {
        id,
        report: Box::new(report),
    });
}

fn done(id: u64, report: RunReport, host: &mut dyn Host) {
    let memory_bytes = host.memory_bytes();
    host.post(&FromWorker::Done {
        id,
        report: Box::new(report),
        memory_bytes,
    });
}

fn failed(id: u64, message: String, host: &mut dyn Host) {
    host.post(&FromWorker::Failed { id, message });
}

fn frontier(id: u64, scenario: &Scenario, host: &mut dyn Host) {
    let result = peak_frontier(scenario, &mut progress_posts(id, (0.0, 1.0), host));
    match result {
        Ok(frontier) => host.post(&FromWorker::FrontierDone {
            id,
            frontier: Box::new(frontier),
        }),
        Err(e) => failed(id, e.to_string(), host),
    }
}

fn variants(id: u64, scenarios: &[Scenario], host: &mut dyn Host) {
    for (index, scenario) in scenarios.iter().enumerate() {
        match run_with_options(scenario, RunOptions::SETTLE_ONLY, &mut |_| {}, None) {
            Ok(report) => host.post(&FromWorker::VariantDone {
                id,
                index,
                row: VariantRow::of(&report),
            }),
            Err(e) => return failed(id, e.to_string(), host),
        }
    }
}

fn bench(id: u64, case: BenchCase, repeats: usize, host: &mut dyn Host) {
    let before = host.memory_bytes();
    let input = bench::prepare(case);
    let mut times_ms = Vec::new();
    let mut checksum = 0.0;
    for _ in 0..repeats.max(1) {
        let start = host.now_ms();
        match bench::run_once(case, &input) {
            Ok(c) => checksum = c,
            Err(message) => return failed(id, message, host),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::FromWorker;
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

    /// The default north village over two days: quick to run in every answer.
    fn two_days() -> Scenario {
        let mut scenario = Scenario::default_north();
        scenario.axis = TimeAxis::hourly(48);
        scenario
    }

    /// What a fresh session answers to `request`.
    fn answers_to(request: &ToWorker) -> Vec<FromWorker> {
        let mut host = TestHost::default();
        Session::default().handle(&serde_json::to_string(request).unwrap(), &mut host);
        host.answers
    }

    fn run_request(id: u64, scenario: &Scenario) -> String {
        serde_json::to_string(&ToWorker::Run {
            id,
            scenario: Box::new(scenario.clone()),
        })
        .unwrap()
    }

    fn done_report(answers: &[FromWorker]) -> String {
        match answers.last() {
            Some(FromWorker::Done { report, .. }) => serde_json::to_string(report).unwrap(),
            other => panic!("no report: {other:?}"),
        }
    }

    #[test]
    fn variants_are_settled_one_by_one() {
        let scenario = two_days();
        let answers = answers_to(&ToWorker::Variants {
            id: 3,
            scenarios: vec![scenario.clone(), scenario],
        });
        assert_eq!(answers.len(), 2);
        for (i, a) in answers.iter().enumerate() {
            assert!(
                matches!(a, FromWorker::VariantDone { id: 3, index, row } if *index == i && row.models.len() == 4),
                "{a:?}"
            );
        }
    }

    #[test]
    fn a_run_request_answers_with_the_quick_report_progress_then_the_report() {
        let answers = answers_to(&ToWorker::Run {
            id: 7,
            scenario: Box::new(two_days()),
        });
        assert!(
            matches!(&answers[0], FromWorker::Partial { id: 7, report } if report.models.len() == 4)
        );
        assert!(matches!(answers[1], FromWorker::Progress { id: 7, .. }));
        let vpi = |r: &RunReport| {
            r.model(engine::run::Model::Cloud)
                .and_then(|m| m.value_of_perfect_information)
        };
        // Then every model without the value of perfect information (the twin still to run)…
        let partials: Vec<&RunReport> = answers
            .iter()
            .filter_map(|a| match a {
                FromWorker::Partial { report, .. } => Some(&**report),
                _ => None,
            })
            .collect();
        assert!(
            matches!(partials.as_slice(), [_, five] if five.models.len() == 5 && vpi(five).is_none())
        );
        // …then the whole report, equal to one run of everything.
        assert!(
            matches!(answers.last().unwrap(), FromWorker::Done { id: 7, report, memory_bytes: 42 } if vpi(report).is_some())
        );
        let whole = engine::run::run(&two_days(), &mut |_| {}).unwrap();
        assert_eq!(
            done_report(&answers),
            serde_json::to_string(&whole).unwrap()
        );
        // Progress only ever goes forward, to the end.
        let done: Vec<f64> = answers
            .iter()
            .filter_map(|a| match a {
                FromWorker::Progress { done, .. } => Some(*done),
                _ => None,
            })
            .collect();
        assert!(
            done.windows(2).all(|w| w[0] <= w[1]) && done.last() == Some(&1.0),
            "{done:?}"
        );
        // With perfect foresight there is no twin: one partial answer, then the report.
        let mut perfect = two_days();
        perfect.settings.coordinator.forecast = engine::coordinator::Forecast::PerfectForesight;
        let answers = answers_to(&ToWorker::Run {
            id: 8,
            scenario: Box::new(perfect),
        });
        let partial_count = answers
            .iter()
            .filter(|a| matches!(a, FromWorker::Partial { .. }))
            .count();
        assert_eq!(partial_count, 1);
        let mut bad = TestHost::default();
        Session::default().handle("{not json", &mut bad);
        assert!(matches!(
            bad.answers.as_slice(),
            [FromWorker::Failed { .. }]
        ));
    }

    /// The default village over three days, and a session that has run it (and kept it).
    fn session_after_a_run() -> (Scenario, Session) {
        let mut scenario = Scenario::default_north();
        scenario.axis = TimeAxis::hourly(72);
        let mut session = Session::default();
        session.handle(&run_request(1, &scenario), &mut TestHost::default());
        (scenario, session)
    }

    #[test]
    fn a_tau_only_change_is_answered_from_the_kept_simulation_at_once() {
        let (scenario, mut session) = session_after_a_run();
        let mut changed = scenario.clone();
        changed.settings.aggregator_return = 0.25;
        let mut host = TestHost::default();
        session.handle(&run_request(2, &changed), &mut host);
        // One answer, the whole report: no quick answer, no progress.
        assert!(
            matches!(host.answers.as_slice(), [FromWorker::Done { id: 2, .. }]),
            "{:?}",
            host.answers.len()
        );
        let mut fresh = TestHost::default();
        Session::default().handle(&run_request(2, &changed), &mut fresh);
        assert_eq!(done_report(&host.answers), done_report(&fresh.answers));
        // A change the simulation reads runs again, quick answer first.
        let mut other = changed.clone();
        other.settings.coordinator.horizon_steps = 12;
        let mut again = TestHost::default();
        session.handle(&run_request(3, &other), &mut again);
        assert!(matches!(
            again.answers[0],
            FromWorker::Partial { id: 3, .. }
        ));
    }

    #[test]
    fn bs_horizon_and_island_price_changes_are_answered_without_simulating_cloud_p2p_again() {
        let (scenario, mut session) = session_after_a_run();
        let mut changed = scenario.clone();
        changed.settings.bs_horizon = engine::market::BillingHorizon::Day;
        let mut host = TestHost::default();
        session.handle(&run_request(2, &changed), &mut host);
        // No quick answer: progress of the homes' pass, then the whole report.
        assert!(
            host.answers.iter().all(|a| matches!(
                a,
                FromWorker::Progress { id: 2, .. } | FromWorker::Done { id: 2, .. }
            )),
            "{:?}",
            host.answers.len()
        );
        let mut fresh = TestHost::default();
        Session::default().handle(&run_request(2, &changed), &mut fresh);
        assert_eq!(done_report(&host.answers), done_report(&fresh.answers));
        // The resettled simulation is kept: a τ_c or island-price change after it is answered
        // at once.
        changed.settings.aggregator_return = 0.25;
        let mut again = TestHost::default();
        session.handle(&run_request(3, &changed), &mut again);
        assert!(matches!(
            again.answers.as_slice(),
            [FromWorker::Done { id: 3, .. }]
        ));
        changed.settings.island_price = engine::accounting::IslandPrice::FeedIn;
        let mut island = TestHost::default();
        session.handle(&run_request(4, &changed), &mut island);
        assert!(matches!(
            island.answers.as_slice(),
            [FromWorker::Done { id: 4, .. }]
        ));
    }

    #[test]
    fn a_sweep_answers_settle_only_points_then_complete_ones() {
        let answers = answers_to(&ToWorker::Sweep {
            id: 5,
            scenario: Box::new(two_days()),
            parameter: SweepParameter::FeedInPrice,
            values: vec![2.0, 6.0],
        });
        let kinds: Vec<(usize, bool)> = answers
            .iter()
            .filter_map(|m| match m {
                FromWorker::SweepPoint { index, point, .. } => Some((*index, point.complete)),
                _ => None,
            })
            .collect();
        assert_eq!(kinds, vec![(0, false), (1, false), (0, true), (1, true)]);
        assert!(matches!(
            answers.last(),
            Some(FromWorker::SweepDone { id: 5, .. })
        ));
        let bad = answers_to(&ToWorker::Sweep {
            id: 6,
            scenario: Box::new(Scenario::default_north()),
            parameter: SweepParameter::FeedInPrice,
            values: vec![12.0],
        });
        assert!(
            matches!(bad.as_slice(), [FromWorker::Failed { id: 6, message }] if message.contains("= 12"))
        );
    }

    #[test]
    fn a_frontier_request_answers_with_progress_then_the_frontier() {
        let answers = answers_to(&ToWorker::Frontier {
            id: 9,
            scenario: Box::new(two_days()),
        });
        assert!(matches!(
            answers.last(),
            Some(FromWorker::FrontierDone { id: 9, frontier })
                if !frontier.points.is_empty() && frontier.points.iter().any(|p| p.chosen)
        ));
    }

    #[test]
    fn a_bench_request_times_each_repetition() {
        let answers = answers_to(&ToWorker::Bench {
            id: 3,
            case: BenchCase::Settle1k,
            repeats: 2,
        });
        assert!(matches!(
            answers.as_slice(),
            [FromWorker::BenchDone { id: 3, case: BenchCase::Settle1k, times_ms, checksum, memory_bytes: [42, 42] }]
                if times_ms == &vec![1.0, 1.0] && *checksum > 0.0
        ));
    }
}
