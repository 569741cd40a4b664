//! A sweep on every core: the values dealt round-robin to one engine worker per core (capped),
//! every worker sweeping its share, the panel seeing one list of points. Each point is a run of
//! its own scenario, so the figures are the ones a single worker computes, bit for bit; only the
//! wall time changes.

use engine::scenario::Scenario;
use engine::sweep::{SweepParameter, SweepPoint};
use leptos::prelude::*;

use crate::engine_client::EngineState;

/// At most this many sweep workers (each holds its own engine, ≈ 20 MB for the default village).
const MAX_WORKERS: usize = 4;

/// Sweep workers and which values each was dealt.
#[derive(Clone, Copy)]
pub struct SweepPool {
    workers: StoredValue<Vec<EngineState>>,
    /// For each worker, the indices (into the whole sweep) of its values.
    dealt: RwSignal<Vec<Vec<usize>>>,
    /// The current sweep was cancelled (its points so far stay on show).
    cancelled: RwSignal<bool>,
}

impl SweepPool {
    /// One idle worker per logical core (capped); none starts before the first sweep.
    pub fn idle() -> Self {
        let cores = web_sys::window()
            .map(|w| w.navigator().hardware_concurrency())
            .filter(|n| n.is_finite() && *n >= 1.0)
            .map_or(1, |n| n as usize);
        let count = cores.clamp(1, MAX_WORKERS);
        Self {
            workers: StoredValue::new((0..count).map(|_| EngineState::idle()).collect()),
            dealt: RwSignal::new(Vec::new()),
            cancelled: RwSignal::new(false),
        }
    }

    /// Sweep `parameter` over `values` (replacing any sweep in progress): value `i` goes to
    /// worker `i mod n`, so every worker gets cheap and dear points alike.
    pub fn sweep(self, scenario: Scenario, parameter: SweepParameter, values: Vec<f64>) {
        let workers = self.workers.get_value();
        let dealt = deal(values.len(), workers.len());
        for (engine, indices) in workers.iter().zip(&dealt) {
            if !indices.is_empty() {
                let share = indices.iter().map(|&i| values[i]).collect();
                engine.sweep(scenario.clone(), parameter, share);
            } else if engine.progress.get_untracked().is_some() {
                // Dealt nothing this time: stop what it still runs of an earlier sweep.
                engine.cancel();
            }
        }
        self.cancelled.set(false);
        self.dealt.set(dealt);
    }

    /// Stop every worker's share.
    pub fn cancel(self) {
        for engine in self.busy() {
            engine.cancel();
        }
        self.cancelled.set(true);
    }

    /// The sweep's points in value order (`None` until computed; settle-only ones first).
    pub fn points(self) -> Vec<Option<SweepPoint>> {
        let dealt = self.dealt.get();
        let mut points = vec![None; dealt.iter().map(Vec::len).sum()];
        for (engine, indices) in self.workers.get_value().iter().zip(&dealt) {
            for (share, &i) in engine.sweep.get().into_iter().zip(indices) {
                points[i] = share;
            }
        }
        points
    }

    /// Share of the sweep done while it runs (settle-only and complete passes count half each).
    pub fn progress(self) -> Option<f64> {
        if self.busy().iter().all(|e| e.sweep_ms.get().is_some()) {
            return None;
        }
        if self.cancelled.get() || self.error().is_some() {
            return None;
        }
        let points = self.points();
        let quick = points.iter().flatten().count();
        let full = points.iter().flatten().filter(|p| p.complete).count();
        Some((quick + full) as f64 / (2 * points.len().max(1)) as f64)
    }

    /// The first worker's failure, for the user.
    pub fn error(self) -> Option<String> {
        self.busy().iter().find_map(|e| e.error.get())
    }

    /// Worker milliseconds of the settle-only and the full pass, once every worker has finished
    /// (the slowest worker's).
    pub fn pass_ms(self) -> Option<(f64, f64)> {
        if self.cancelled.get() {
            return None;
        }
        let each: Option<Vec<(f64, f64)>> = self.busy().iter().map(|e| e.sweep_ms.get()).collect();
        each.filter(|e| !e.is_empty()).map(|e| {
            e.iter().fold((0.0_f64, 0.0_f64), |(s, f), (s1, f1)| {
                (s.max(*s1), f.max(*f1))
            })
        })
    }

    /// Milliseconds from the request until every settle-only point had arrived (page side).
    pub fn settle_ms(self) -> Option<f64> {
        let each: Option<Vec<f64>> = self
            .busy()
            .iter()
            .map(|e| e.sweep_settle_ms.get())
            .collect();
        each.filter(|e| !e.is_empty())
            .map(|e| e.into_iter().fold(0.0, f64::max))
    }

    /// The workers dealt at least one value of the current sweep.
    fn busy(self) -> Vec<EngineState> {
        let dealt = self.dealt.get();
        self.workers
            .get_value()
            .into_iter()
            .zip(dealt)
            .filter(|(_, d)| !d.is_empty())
            .map(|(e, _)| e)
            .collect()
    }
}

/// Deal `values` indices round-robin to `workers` hands.
fn deal(values: usize, workers: usize) -> Vec<Vec<usize>> {
    let workers = workers.max(1);
    let mut hands = vec![Vec::new(); workers];
    for i in 0..values {
        hands[i % workers].push(i);
    }
    hands
}

#[cfg(test)]
mod tests {
    use super::deal;

    #[test]
    fn values_are_dealt_round_robin_and_every_one_once() {
        assert_eq!(deal(5, 2), vec![vec![0, 2, 4], vec![1, 3]]);
        assert_eq!(deal(1, 4), vec![vec![0], vec![], vec![], vec![]]);
        assert_eq!(deal(3, 0), vec![vec![0, 1, 2]]);
        let mut all: Vec<usize> = deal(10, 3).concat();
        all.sort_unstable();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
    }
}
