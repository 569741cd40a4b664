//! The page's side of the engine worker: start it, send scenarios, route answers to signals.

use engine::run::{simulated_part, Model, RunReport};
use engine::scenario::Scenario;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{ErrorEvent, MessageEvent, Worker};

use crate::protocol::{FromWorker, ToWorker, PROTOCOL};
use crate::variants::VariantRow;
use engine::run::PeakFrontier;
use engine::sweep::{SweepParameter, SweepPoint};

/// Reactive state of the engine worker.
#[derive(Clone, Copy)]
pub struct EngineState {
    /// The latest report.
    pub report: RwSignal<Option<RunReport>>,
    /// Share of the current run done, while one runs.
    pub progress: RwSignal<Option<f64>>,
    /// The last failure, for the user.
    pub error: RwSignal<Option<String>>,
    /// The report's cloud-P2P card and every PM are from the previous scenario while the
    /// coordinator re-runs (the four settle-only models are already current).
    pub stale: RwSignal<bool>,
    /// The report's cloud-P2P is current but its perfect-foresight twin (the value of perfect
    /// information) is still being simulated.
    pub twin_pending: RwSignal<bool>,
    /// The current sweep's points (None until computed; settle-only ones first).
    pub sweep: RwSignal<Vec<Option<SweepPoint>>>,
    /// The last sweep's worker milliseconds: settle-only pass, full pass.
    pub sweep_ms: RwSignal<Option<(f64, f64)>>,
    /// Milliseconds from the sweep request until every settle-only point had arrived (page side).
    pub sweep_settle_ms: RwSignal<Option<f64>>,
    /// The last variant comparison's rows (None until computed).
    pub variants: RwSignal<Vec<Option<VariantRow>>>,
    /// The last cost-vs-peak frontier (None until computed, or while a new one is computed).
    pub frontier: RwSignal<Option<PeakFrontier>>,
    /// The last complete run: seconds from request to report, and the engine's memory (bytes).
    pub last_run: RwSignal<Option<(f64, u64)>>,
    started: StoredValue<f64>,
    ready: RwSignal<bool>,
    current: StoredValue<u64>,
    worker: StoredValue<Option<Worker>, LocalStorage>,
    queued: StoredValue<Option<ToWorker>, LocalStorage>,
    /// The run in progress, as posted (None when none is, or another request is): what a new
    /// run must match to be answered from its simulation. Kept, not copied or serialised again.
    running: StoredValue<Option<Box<Scenario>>, LocalStorage>,
    /// A run that changes only what the report reads (τ_c), sent while the run in progress was
    /// simulating its perfect-foresight twin: posted when that run is done, so the worker
    /// answers it from the simulation it keeps instead of being restarted for a whole new run.
    after_twin: StoredValue<Option<ToWorker>, LocalStorage>,
    restarts: StoredValue<u32>,
}

/// How often a crashed worker is restarted before the page gives up and says so.
const MAX_RESTARTS: u32 = 3;

impl EngineState {
    /// Start the worker (Trunk's loader beside the page, so sub-paths work), adopting the one
    /// `index.html` started while this page's own wasm loaded, if there is one.
    pub fn start() -> Self {
        let state = Self::idle();
        match take_early_worker() {
            Some(EarlyWorker { worker, said }) => state.attach(worker, said),
            None => state.spawn(),
        }
        state
    }

    /// The state without a worker yet: the first request starts one (so a panel the user may
    /// never open does not load a second engine with the page).
    pub fn idle() -> Self {
        Self {
            report: RwSignal::new(None),
            progress: RwSignal::new(None),
            error: RwSignal::new(None),
            stale: RwSignal::new(false),
            twin_pending: RwSignal::new(false),
            last_run: RwSignal::new(None),
            sweep: RwSignal::new(Vec::new()),
            sweep_ms: RwSignal::new(None),
            sweep_settle_ms: RwSignal::new(None),
            frontier: RwSignal::new(None),
            variants: RwSignal::new(Vec::new()),
            started: StoredValue::new(0.0),
            ready: RwSignal::new(false),
            current: StoredValue::new(0),
            worker: StoredValue::new_local(None),
            queued: StoredValue::new_local(None),
            running: StoredValue::new_local(None),
            after_twin: StoredValue::new_local(None),
            restarts: StoredValue::new(0),
        }
    }

    fn spawn(self) {
        match Worker::new("./worker_loader.js") {
            Ok(worker) => self.attach(worker, Vec::new()),
            Err(_) => {
                self.settle();
                self.error.set(Some(
                    "The simulation engine could not start in this browser.".into(),
                ));
            }
        }
    }

    /// Nothing is running or waiting any more (no request will be answered).
    fn settle(self) {
        self.progress.set(None);
        self.twin_pending.set(false);
        self.running.set_value(None);
        self.after_twin.set_value(None);
    }

    /// Listen to `worker`, after handling what it `said` before anyone listened.
    fn attach(self, worker: Worker, said: Vec<String>) {
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            self.on_answer(&event.data().as_string().unwrap_or_default());
        });
        let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
            event.prevent_default();
            self.crashed(&event.message());
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_message.forget();
        on_error.forget();
        self.worker.set_value(Some(worker));
        for text in said {
            self.on_answer(&text);
        }
    }

    /// A crash inside the worker: say so, keep the last results, start a fresh worker.
    fn crashed(self, message: &str) {
        self.settle();
        self.error.set(Some(format!("The engine stopped ({message}). The previous results stay; change a setting to try again.")));
        self.ready.set(false);
        if let Some(w) = self.worker.try_update_value(Option::take).flatten() {
            w.terminate();
        }
        let restarts = self.restarts.get_value() + 1;
        self.restarts.set_value(restarts);
        if restarts <= MAX_RESTARTS {
            self.spawn();
        } else {
            self.error.set(Some(
                "The simulation engine keeps stopping; reload the page.".into(),
            ));
        }
    }

    /// One answer from the worker, routed to the signals (stale answers ignored).
    fn on_answer(self, text: &str) {
        match serde_json::from_str::<FromWorker>(text) {
            Ok(FromWorker::Ready { protocol }) if protocol == PROTOCOL => {
                self.ready.set(true);
                if let Some(m) = self.queued.try_update_value(Option::take).flatten() {
                    self.post(m);
                }
            }
            Ok(FromWorker::Ready { .. }) => {
                self.queued.set_value(None);
                self.settle();
                self.error.set(Some(
                    "An old copy of the engine is cached: reload the page.".into(),
                ));
            }
            Ok(FromWorker::Progress { id, done }) if id == self.current.get_value() => {
                self.progress.set(Some(done))
            }
            Ok(FromWorker::Partial { id, report }) if id == self.current.get_value() => {
                let mut report = *report;
                // The quick answer has no cloud-P2P: keep the previous card on show (marked as
                // updating) until the coordinator's answer arrives.
                let stale = report.model(Model::Cloud).is_none();
                let previous = self
                    .report
                    .with_untracked(|r| r.as_ref().and_then(|r| r.model(Model::Cloud).cloned()));
                if let Some(cloud) = previous.filter(|_| stale) {
                    report.models.push(cloud);
                }
                self.error.set(None);
                self.stale.set(stale);
                self.twin_pending.set(!stale);
                self.report.set(Some(report));
            }
            Ok(FromWorker::Done {
                id,
                report,
                memory_bytes,
            }) if id == self.current.get_value() => {
                let next = self.after_twin.try_update_value(Option::take).flatten();
                let seconds = (js_sys::Date::now() - self.started.get_value()) / 1000.0;
                self.last_run.set(Some((seconds, memory_bytes)));
                self.settle();
                self.error.set(None);
                // A held τ_c change makes the cloud card out of date until it is answered.
                self.stale.set(next.is_some());
                self.report.set(Some(*report));
                if let Some(m) = next {
                    self.post(m);
                }
            }
            Ok(FromWorker::SweepPoint { id, index, point }) if id == self.current.get_value() => {
                let complete = point.complete;
                self.sweep.update(|points| {
                    if let Some(slot) = points.get_mut(index) {
                        *slot = Some(point);
                    }
                });
                let (n, done_quick, done_full) = self.sweep.with_untracked(|p| {
                    (
                        p.len(),
                        p.iter().filter(|x| x.is_some()).count(),
                        p.iter()
                            .filter(|x| x.as_ref().is_some_and(|x| x.complete))
                            .count(),
                    )
                });
                if !complete && done_quick == n {
                    self.sweep_settle_ms
                        .set(Some(js_sys::Date::now() - self.started.get_value()));
                }
                self.progress.set(Some(
                    (done_quick + done_full) as f64 / (2 * n.max(1)) as f64,
                ));
            }
            Ok(FromWorker::SweepDone {
                id,
                settle_ms,
                full_ms,
            }) if id == self.current.get_value() => {
                self.progress.set(None);
                self.sweep_ms.set(Some((settle_ms, full_ms)));
            }
            Ok(FromWorker::VariantDone { id, index, row }) if id == self.current.get_value() => {
                let (n, done) = self
                    .variants
                    .try_update(|rows| {
                        if let Some(slot) = rows.get_mut(index) {
                            *slot = Some(row);
                        }
                        (rows.len(), rows.iter().filter(|r| r.is_some()).count())
                    })
                    .unwrap_or((0, 0));
                self.progress
                    .set((done < n).then(|| done as f64 / n as f64));
                self.error.set(None);
            }
            Ok(FromWorker::FrontierDone { id, frontier }) if id == self.current.get_value() => {
                self.progress.set(None);
                self.error.set(None);
                self.frontier.set(Some(*frontier));
            }
            Ok(FromWorker::Failed { id, message }) if id == self.current.get_value() || id == 0 => {
                self.settle();
                self.error.set(Some(message));
            }
            Ok(_) => {}
            Err(e) => self
                .error
                .set(Some(format!("unreadable answer from the engine: {e}"))),
        }
    }

    /// Stop the current run: end the worker and start a fresh one (results stay as they were).
    pub fn cancel(self) {
        self.current.set_value(self.current.get_value() + 1);
        self.queued.set_value(None);
        self.after_twin.set_value(None);
        self.restart();
    }

    fn restart(self) {
        self.settle();
        self.ready.set(false);
        if let Some(w) = self.worker.try_update_value(Option::take).flatten() {
            w.terminate();
        }
        self.spawn();
    }

    /// Sweep `parameter` over `values` (replaces any sweep in progress).
    pub fn sweep(self, scenario: Scenario, parameter: SweepParameter, values: Vec<f64>) {
        self.sweep.set(vec![None; values.len()]);
        self.sweep_ms.set(None);
        self.sweep_settle_ms.set(None);
        self.send(ToWorker::Sweep {
            id: 0,
            scenario: Box::new(scenario),
            parameter,
            values,
        });
    }

    /// Compute the cost-vs-peak frontier of a scenario (replaces any request in progress).
    pub fn frontier(self, scenario: Scenario) {
        self.frontier.set(None);
        self.send(ToWorker::Frontier {
            id: 0,
            scenario: Box::new(scenario),
        });
    }

    /// Settle-only runs of `scenarios` (replaces any request in progress).
    pub fn variants(self, scenarios: Vec<Scenario>) {
        self.variants.set(vec![None; scenarios.len()]);
        self.send(ToWorker::Variants { id: 0, scenarios });
    }

    /// Run a scenario (the newest request wins; older answers are ignored). A run still in
    /// progress is abandoned — its worker is replaced — so a slider drag never waits for a year
    /// of coordination it no longer needs; except a change of τ_c alone while the run is
    /// finishing its perfect-foresight twin, which waits and is answered from that simulation.
    pub fn run(self, scenario: Scenario) {
        self.send(ToWorker::Run {
            id: 0,
            scenario: Box::new(scenario),
        });
    }

    /// Send a request under a fresh id (answers to older ids are ignored from now on).
    fn send(self, message: ToWorker) {
        if self.worker.with_value(Option::is_none) && self.restarts.get_value() == 0 {
            self.spawn();
        }
        self.after_twin.set_value(None);
        if self.waits_for_twin(&message) {
            // Only the cloud card (τ_c moves its bills) is out of date until then.
            self.stale.set(true);
            self.after_twin.set_value(Some(message));
            return;
        }
        if self.ready.get_untracked() && self.progress.get_untracked().is_some() {
            self.current.set_value(self.current.get_value() + 1);
            self.restart();
        }
        if !self.ready.get_untracked() {
            // Waiting for a (re)started worker is part of the answer's wait: the page must not
            // say "up to date" over the previous results meanwhile (unless no worker will come).
            self.queued.set_value(Some(message));
            if self.worker.with_value(Option::is_some) {
                self.progress.set(Some(0.0));
            }
            return;
        }
        self.post(message);
    }

    /// Whether `message` is a run the one in progress will answer in milliseconds once done:
    /// it is simulating its perfect-foresight twin, and the new scenario changes only τ_c.
    fn waits_for_twin(self, message: &ToWorker) -> bool {
        let ToWorker::Run { scenario, .. } = message else {
            return false;
        };
        self.twin_pending.get_untracked()
            && self.progress.get_untracked().is_some()
            && self.running.with_value(|running| {
                running.as_ref().is_some_and(|running| {
                    let running = simulation_json(running);
                    running.is_some() && running == simulation_json(scenario)
                })
            })
    }

    /// Post a request to a ready worker under a fresh id.
    fn post(self, message: ToWorker) {
        let id = self.current.get_value() + 1;
        self.current.set_value(id);
        self.started.set_value(js_sys::Date::now());
        self.progress.set(Some(0.0));
        self.twin_pending.set(false);
        let message = message.with_id(id);
        let text = serde_json::to_string(&message).unwrap_or_default();
        self.worker.with_value(|w| {
            if let Some(w) = w {
                let _ = w.post_message(&JsValue::from_str(&text));
            }
        });
        self.running.set_value(match message {
            ToWorker::Run { scenario, .. } => Some(scenario),
            _ => None,
        });
    }
}

/// A scenario's simulated part as JSON (compared as text: the page serialises scenarios anyway,
/// and a derived equality of the whole scenario would add kilobytes to its wasm). Computed only
/// for a run asked for while a twin is running, not for every run posted.
fn simulation_json(scenario: &Scenario) -> Option<String> {
    serde_json::to_string(&simulated_part(scenario)).ok()
}

/// The worker `index.html` starts before the page's wasm has loaded, with what it said so far.
struct EarlyWorker {
    worker: Worker,
    said: Vec<String>,
}

/// Take the early worker (once: later engines start their own). One that failed to start is
/// dropped, and the page starts its own.
fn take_early_worker() -> Option<EarlyWorker> {
    let window: JsValue = web_sys::window()?.into();
    let key = JsValue::from_str("gridshareEarlyWorker");
    let early = js_sys::Reflect::get(&window, &key).ok()?;
    let _ = js_sys::Reflect::delete_property(window.unchecked_ref::<js_sys::Object>(), &key);
    let field = |name: &str| js_sys::Reflect::get(&early, &JsValue::from_str(name)).ok();
    let worker: Worker = field("worker")?.dyn_into().ok()?;
    if field("failed").is_some_and(|f| f.is_truthy()) {
        worker.terminate();
        return None;
    }
    let said = field("said")?
        .dyn_into::<js_sys::Array>()
        .ok()?
        .iter()
        .filter_map(|x| x.as_string())
        .collect();
    Some(EarlyWorker { worker, said })
}
