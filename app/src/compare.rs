//! The main screen: the default community under all five models, with tariff controls.

use engine::community::{Archetype, Battery, CommunitySpec, MemberOverride, Site};
use engine::coordinator::Fault;
use engine::profiles::{import_members, EnergyUnit};
use engine::run::{Model, RunReport};
use engine::upload::{scenario_from_files, NamedBytes, ProfileFiles};

use crate::fairness_panel::FairnessPanel;
use crate::gain_split::GainSplitPanel;
use crate::kpi_cards::{kpi_card, thousands};
use engine::scenario::{CommunitySource, Scenario};
use engine::tariff::{Tariff, TariffPreset};
use engine::TimeAxis;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::ab_compare::AbCompare;
use crate::bill_panel::BillPanel;
use crate::browser_io::{self, PngButton};
use crate::chart::{draw_member_savings, draw_model_costs};
use crate::engine_client::EngineState;
use crate::models_explained::ModelsExplained;
use crate::peak_panel::PeakPanel;
use crate::sweep_panel::SweepPanel;
use crate::tariff_controls::{set_tariff, TariffControls};
use crate::tariff_editor::TariffEditor;
use crate::timeline::Timeline;

/// The generator recipe of a scenario, if it has one.
fn spec_of(s: &Scenario) -> Option<CommunitySpec> {
    match &s.community {
        CommunitySource::Generated(spec) => Some(spec.clone()),
        CommunitySource::Custom { .. } => None,
    }
}

/// One edit in the members table (text as typed; validated when applied).
#[derive(Clone, Debug)]
pub enum MemberEdit {
    /// PV size, kWp.
    Pv(String),
    /// Battery capacity, kWh.
    Battery(String),
    /// Flexible share, 0–1.
    Flex(String),
    /// Takes part in sharing.
    Participates(bool),
}

/// Apply a members-table edit to a scenario, or say what is wrong with it.
pub fn apply_member_edit(s: &mut Scenario, member: &str, edit: &MemberEdit) -> Result<(), String> {
    let number = |text: &str, name: &str, max: f64| {
        text.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| (0.0..=max).contains(v))
            .ok_or_else(|| format!("{member} {name}: '{text}' must be a number from 0 to {max}; nothing was recalculated."))
    };
    match &mut s.community {
        CommunitySource::Generated(spec) => {
            let mut o = spec
                .overrides
                .iter()
                .find(|o| o.member == member)
                .cloned()
                .unwrap_or(MemberOverride {
                    member: member.to_string(),
                    ..MemberOverride::default()
                });
            match edit {
                MemberEdit::Pv(t) => o.pv_kwp = Some(number(t, "PV kWp", 100.0)?),
                MemberEdit::Battery(t) => o.battery_kwh = Some(number(t, "battery kWh", 1000.0)?),
                MemberEdit::Flex(t) => o.flexible_share = Some(number(t, "flexible share", 1.0)?),
                MemberEdit::Participates(p) => o.participates = Some(*p),
            }
            spec.overrides.retain(|x| x.member != member);
            spec.overrides.push(o);
        }
        CommunitySource::Custom { members, .. } => {
            let m = members
                .iter_mut()
                .find(|m| m.id == member)
                .ok_or_else(|| format!("no member {member}"))?;
            match edit {
                MemberEdit::Pv(_) => return Err(format!("{member}: PV of uploaded profiles comes from the file and cannot be resized here.")),
                MemberEdit::Battery(t) => {
                    let kwh = number(t, "battery kWh", 1000.0)?;
                    m.battery = (kwh > 0.0).then(|| Battery::typical(kwh));
                }
                MemberEdit::Flex(t) => m.flexible_share = number(t, "flexible share", 1.0)?,
                MemberEdit::Participates(p) => m.participates = *p,
            }
        }
    }
    Ok(())
}

/// Apply an uploaded `members.csv` (PV kWp and battery per member) to a scenario. Batteries
/// become typical C/2 batteries of the given capacity (the file's battery_kw is checked, not used).
pub fn apply_members_file(s: &mut Scenario, file: &str, bytes: &[u8]) -> Result<usize, String> {
    let rows = import_members(file, bytes).map_err(|e| e.to_string())?;
    let ids: Vec<String> = match &s.community {
        CommunitySource::Generated(spec) => engine::community::generate(spec, &TimeAxis::hourly(1))
            .map_err(|e| e.to_string())?
            .members
            .into_iter()
            .map(|m| m.id)
            .collect(),
        CommunitySource::Custom { members, .. } => members.iter().map(|m| m.id.clone()).collect(),
    };
    if let Some(r) = rows.iter().find(|r| !ids.contains(&r.member_id)) {
        return Err(format!(
            "{file}: member '{}' is not in this community",
            r.member_id
        ));
    }
    for r in &rows {
        if matches!(s.community, CommunitySource::Custom { .. }) && r.pv_kwp > 0.0 {
            return Err(format!(
                "{file}: member '{}': PV of uploaded profiles comes from the profile file",
                r.member_id
            ));
        }
        apply_member_edit(
            s,
            &r.member_id,
            &MemberEdit::Battery(r.battery_kwh.to_string()),
        )?;
        if matches!(s.community, CommunitySource::Generated(_)) {
            apply_member_edit(s, &r.member_id, &MemberEdit::Pv(r.pv_kwp.to_string()))?;
        }
    }
    Ok(rows.len())
}

/// Rows of the members table shown at once (a community can have 10,000).
const MEMBERS_PER_PAGE: usize = 30;

/// What an uploaded file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// Load (and PV) profiles.
    Profiles,
    /// members.csv: PV and batteries per member.
    Members,
    /// A scenario JSON file.
    Scenario,
    /// Dropped: decide from the name and first line.
    Guess,
}

impl FileKind {
    /// This kind, or for [`FileKind::Guess`] the kind the file looks like.
    pub fn or_guess(self, name: &str, bytes: &[u8]) -> FileKind {
        if self != FileKind::Guess {
            return self;
        }
        let first = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
        let first = String::from_utf8_lossy(first).to_ascii_lowercase();
        if name.to_ascii_lowercase().ends_with(".json") || first.trim_start().starts_with('{') {
            FileKind::Scenario
        } else if first.contains("archetype") {
            FileKind::Members
        } else {
            FileKind::Profiles
        }
    }
}

/// One line per fault, for the page.
fn describe_faults(faults: &[Fault]) -> String {
    if faults.is_empty() {
        return "No faults: every agent and the coordinator work all year.".to_string();
    }
    faults
        .iter()
        .map(|f| match f {
            Fault::MemberFailure {
                member,
                from_step,
                to_step,
            } => format!("{member}'s agent fails from hour {from_step} to {to_step}"),
            Fault::CoordinatorOutage { from_step, to_step } => {
                format!("the coordinator is unreachable from hour {from_step} to {to_step}")
            }
            Fault::GridOutage { from_step, to_step } => {
                format!("the grid is down from hour {from_step} to {to_step}")
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The scenario to open with: the URL's, else the saved one, else the default village.
fn initial_scenario() -> (Scenario, Option<String>) {
    if let Some(json) = browser_io::scenario_from_url() {
        return match Scenario::from_json("the shared link", &json) {
            Ok(s) => (s, None),
            Err(e) => (
                Scenario::default_north(),
                Some(format!("{e}; the default village is shown instead.")),
            ),
        };
    }
    if let Some(s) =
        browser_io::load_saved().and_then(|json| Scenario::from_json("saved scenario", &json).ok())
    {
        return (s, None);
    }
    (Scenario::default_north(), None)
}

/// A scenario from an uploaded profile file, with the current tariff; errors name file, line,
/// column (the engine's `scenario_from_files`, as `gridshare scenario --profiles` and Python).
pub fn scenario_from_upload(file: &str, bytes: &[u8], tariff: Tariff) -> Result<Scenario, String> {
    let profiles = [NamedBytes { name: file, bytes }];
    let files = ProfileFiles {
        profiles: &profiles,
        pv: None,
        members: None,
        unit: EnergyUnit::Kw,
        site: None,
    };
    scenario_from_files(&files, tariff).map_err(|e| e.to_string())
}

/// Change a generated community's size, keeping member edits and member faults with the member
/// they name: ids are re-numbered when their width changes (N07 → N007 at 100 members) and
/// edits of members beyond the new size are dropped (they would name members that do not exist).
pub fn resize_community(s: &mut Scenario, n: usize) {
    let CommunitySource::Generated(spec) = &mut s.community else {
        return;
    };
    let old = spec.clone();
    spec.members = n;
    let resized = spec.clone();
    let index_of = |id: &str| (0..old.members).find(|&k| old.member_id(k) == id);
    let renamed = |id: &str| {
        index_of(id)
            .filter(|&k| k < n)
            .map(|k| resized.member_id(k))
    };
    let overrides = std::mem::take(&mut spec.overrides);
    let kept: Vec<_> = overrides
        .into_iter()
        .filter_map(|mut o| {
            o.member = renamed(&o.member)?;
            Some(o)
        })
        .collect();
    spec.overrides = kept;
    let faults = std::mem::take(&mut s.settings.coordinator.faults);
    s.settings.coordinator.faults = faults
        .into_iter()
        .filter_map(|f| match f {
            Fault::MemberFailure {
                member,
                from_step,
                to_step,
            } => renamed(&member).map(|member| Fault::MemberFailure {
                member,
                from_step,
                to_step,
            }),
            other => Some(other),
        })
        .collect();
}

/// Per-member results of every model as CSV, with every line item (₹) and energy not served:
/// bill = energy_bill + island_trade + pooled_sharing_value − battery_use_payment −
/// contribution_return + aggregator_fee; comparable_cost = bill + unserved_value +
/// battery_wear_cost (what the cards show).
pub fn results_csv(report: &RunReport) -> String {
    let mut out = String::from(
        "model,member,bill,reference_bill,savings,energy_bill,island_trade,pooled_sharing_value,\
         battery_use_payment,contribution_return,aggregator_fee,unserved_value,battery_wear_cost,\
         comparable_cost,energy_not_served_kwh,loss_of_load_hours\n",
    );
    for m in &report.models {
        for b in &m.members {
            let cells = [
                b.bill,
                b.reference_bill,
                b.savings,
                b.energy_bill,
                b.island_trade,
                b.pooled_sharing_value,
                b.battery_use_payment,
                b.contribution_return,
                b.aggregator_fee,
                b.unserved_value,
                b.battery_wear_cost,
                b.comparable_cost,
                b.energy_not_served_kwh,
                b.loss_of_load_hours,
            ];
            out.push_str(&format!("{},{}", m.model.key(), b.member));
            for c in cells {
                out.push_str(&format!(",{c}"));
            }
            out.push('\n');
        }
    }
    out
}

/// The comparison screen.
#[component]
pub fn Compare() -> impl IntoView {
    let engine = EngineState::start();
    let (initial, note) = initial_scenario();
    let controls = TariffControls::new(&initial.tariff);
    let bs_horizon = RwSignal::new(initial.settings.bs_horizon);
    let aggregator_return = RwSignal::new(initial.settings.aggregator_return);
    let scenario = RwSignal::new(initial);
    // Show a scenario's tariff and settings in the controls (reset, site change, upload).
    let show_settings = move |s: &Scenario| {
        controls.show(&s.tariff);
        bs_horizon.set(s.settings.bs_horizon);
        aggregator_return.set(s.settings.aggregator_return);
    };
    let input_error = RwSignal::new(note);
    let share = RwSignal::new(String::new());
    let member_filter = RwSignal::new(String::new());
    let member_page = RwSignal::new(0_usize);
    // Members matching the filter: the table shows a page of them, the pager counts them.
    let matching_members = Memo::new(move |_| {
        let filter = member_filter.get().trim().to_ascii_uppercase();
        engine.report.with(|r| {
            r.as_ref().map_or_else(Vec::new, |r| {
                r.members
                    .iter()
                    .filter(|m| filter.is_empty() || m.id.to_ascii_uppercase().contains(&filter))
                    .cloned()
                    .collect::<Vec<_>>()
            })
        })
    });
    let member_count = move || matching_members.with(Vec::len);
    let fault_member = RwSignal::new(String::new());
    let fault_from = RwSignal::new("150".to_string());
    let fault_to = RwSignal::new("160".to_string());
    let on_members = move |ev: leptos::ev::Event| match event_target_value(&ev).parse::<usize>() {
        Ok(n) if (2..=10_000).contains(&n) => {
            input_error.set(None);
            scenario.update(|s| resize_community(s, n));
        }
        _ => input_error.set(Some(
            "Members: enter a whole number from 2 to 10,000; nothing was recalculated.".into(),
        )),
    };
    let on_mix = move |i: usize, text: String| {
        let mut next = scenario.get_untracked();
        if let CommunitySource::Generated(spec) = &mut next.community {
            match text.trim().parse::<f64>() {
                Ok(w) if w.is_finite() && w >= 0.0 => {
                    spec.mix[i] = w;
                    if spec.mix.iter().sum::<f64>() > 0.0 {
                        input_error.set(None);
                        scenario.set(next);
                    } else {
                        input_error.set(Some(
                            "Mix: at least one household type needs a weight above 0; nothing was recalculated.".into(),
                        ));
                    }
                }
                _ => input_error.set(Some(format!(
                    "Mix A{}: '{text}' must be a number of at least 0; nothing was recalculated.",
                    i + 1
                ))),
            }
        }
    };
    let on_seed = move |ev: leptos::ev::Event| {
        if let Ok(seed) = event_target_value(&ev).parse::<u64>() {
            scenario.update(|s| {
                if let CommunitySource::Generated(spec) = &mut s.community {
                    spec.seed = seed;
                }
            });
        }
    };
    let edit_member = move |member: String, edit: MemberEdit| {
        let mut next = scenario.get_untracked();
        match apply_member_edit(&mut next, &member, &edit) {
            Ok(()) => {
                input_error.set(None);
                scenario.set(next);
            }
            Err(e) => input_error.set(Some(e)),
        }
    };
    let add_fault = move |kind: u8| {
        let days = (
            fault_from.get_untracked().parse::<usize>(),
            fault_to.get_untracked().parse::<usize>(),
        );
        let steps = scenario.with_untracked(|s| s.axis.steps);
        let (Ok(from), Ok(to)) = days else {
            input_error.set(Some(
                "Fault: enter the first and last day as whole numbers.".into(),
            ));
            return;
        };
        if from >= to || to * 24 > steps {
            input_error.set(Some(format!(
                "Fault: days must satisfy from < to ≤ {}.",
                steps / 24
            )));
            return;
        }
        let fault = if kind == 1 {
            Fault::CoordinatorOutage {
                from_step: from * 24,
                to_step: to * 24,
            }
        } else if kind == 2 {
            Fault::GridOutage {
                from_step: from * 24,
                to_step: to * 24,
            }
        } else {
            let member = fault_member.get_untracked();
            if member.is_empty() {
                input_error.set(Some("Fault: choose a member to fail.".into()));
                return;
            }
            Fault::MemberFailure {
                member,
                from_step: from * 24,
                to_step: to * 24,
            }
        };
        input_error.set(None);
        scenario.update(|s| s.settings.coordinator.faults.push(fault));
    };
    let tariff = Memo::new(move |_| controls.tariff());

    // Valid tariff changes update the scenario; invalid ones are explained and change nothing.
    Effect::new(move |_| {
        if let Ok(t) = tariff.get() {
            if scenario.with_untracked(|s| s.tariff != t) {
                scenario.update(|s| set_tariff(s, t));
            }
        }
    });
    Effect::new(move |_| {
        let (h, r) = (bs_horizon.get(), aggregator_return.get());
        if scenario
            .with_untracked(|s| s.settings.bs_horizon != h || s.settings.aggregator_return != r)
        {
            scenario.update(|s| {
                s.settings.bs_horizon = h;
                s.settings.aggregator_return = r;
            });
        }
    });
    // Every scenario change is saved and run.
    Effect::new(move |_| {
        let s = scenario.get();
        if !browser_io::save(&s.to_json()) {
            leptos::logging::log!("scenario too large to keep in local storage");
        }
        engine.run(s);
    });
    // Every file the page accepts goes through here: profiles, a members file or a scenario.
    let load_file = move |kind: FileKind, file: web_sys::File| {
        let current = tariff.get_untracked();
        spawn_local(async move {
            let name = file.name();
            let result = match browser_io::read_file(&file).await {
                Ok(bytes) => {
                    let mut next = scenario.get_untracked();
                    match kind.or_guess(&name, &bytes) {
                        FileKind::Members => {
                            apply_members_file(&mut next, &name, &bytes).map(|_| next)
                        }
                        FileKind::Scenario => std::str::from_utf8(&bytes)
                            .map_err(|_| format!("{name}: not UTF-8 text"))
                            .and_then(|text| {
                                Scenario::from_json(&name, text).map_err(|e| e.to_string())
                            })
                            .inspect(|s| show_settings(s)),
                        _ => current.and_then(|t| scenario_from_upload(&name, &bytes, t)),
                    }
                }
                Err(e) => Err(e),
            };
            match result {
                Ok(s) => {
                    input_error.set(None);
                    scenario.set(s);
                }
                Err(e) => input_error.set(Some(format!(
                    "{e} — the previous scenario and results are kept."
                ))),
            }
        });
    };
    let on_file = move |kind: FileKind| {
        move |ev: leptos::ev::Event| {
            if let Some(file) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                .and_then(|input| input.files())
                .and_then(|f| f.get(0))
            {
                load_file(kind, file);
            }
        }
    };
    let dragging = RwSignal::new(false);
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        if let Some(file) = ev
            .data_transfer()
            .and_then(|d| d.files())
            .and_then(|f| f.get(0))
        {
            load_file(FileKind::Guess, file);
        }
    };
    let export_csv = move |_| {
        if let Some(r) = engine.report.get_untracked() {
            let _ = browser_io::download("gridshare-results.csv", "text/csv", &results_csv(&r));
        }
    };
    let export_steps_csv = move |_| {
        if let Some(r) = engine.report.get_untracked() {
            let axis = scenario.with_untracked(|s| s.axis);
            let _ =
                browser_io::download("gridshare-steps.csv", "text/csv", &r.series.to_csv(&axis));
        }
    };
    let export_json = move |_| {
        if let Some(r) = engine.report.get_untracked() {
            let _ = browser_io::download(
                "gridshare-report.json",
                "application/json",
                &serde_json::to_string_pretty(&r).unwrap_or_default(),
            );
        }
    };
    let download_scenario = move |_| {
        let _ = browser_io::download(
            "gridshare-scenario.json",
            "application/json",
            &scenario.get_untracked().to_json(),
        );
    };
    let make_link = move |_| {
        let s = scenario.get_untracked();
        share.set(match s.community {
            CommunitySource::Generated(_) => {
                browser_io::share_link(&serde_json::to_string(&s).unwrap_or_default())
                    .unwrap_or_default()
            }
            CommunitySource::Custom { .. } => {
                "Uploaded data is too large for a link: use “Download scenario” instead."
                    .to_string()
            }
        });
    };

    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let savings_model = RwSignal::new("cloud".to_string());
    let savings_canvas = NodeRef::<leptos::html::Canvas>::new();
    Effect::new(move |_| {
        let key = savings_model.get();
        engine.report.with(|report| {
            if let (Some(report), Some(canvas)) = (report, savings_canvas.get()) {
                if let (Some(m), Some(reference)) = (
                    report.models.iter().find(|m| m.model.key() == key),
                    report.models.first(),
                ) {
                    if let Err(message) = draw_member_savings(canvas, m, reference) {
                        leptos::logging::warn!("chart not drawn: {message}");
                    }
                }
            }
        });
    });
    let export_png = move |_| {
        if let Some(c) = canvas.get_untracked() {
            let _ = browser_io::download_canvas("gridshare-costs.png", &c);
        }
    };
    Effect::new(move |_| {
        engine.report.with(|report| {
            if let (Some(report), Some(canvas)) = (report, canvas.get()) {
                if let Err(message) = draw_model_costs(canvas, report) {
                    leptos::logging::warn!("chart not drawn: {message}");
                }
            }
        });
    });

    let cards = move || {
        let stale = engine.stale.get();
        engine.report.with(|r| {
            r.as_ref().map(|r: &RunReport| {
                r.models
                    .iter()
                    .map(|m| kpi_card(m, &r.models[0], r.baseline, stale))
                    .collect_view()
            })
        })
    };

    view! {
        <section class="card" aria-labelledby="compare-title">
            <h2 id="compare-title">"Five ways to share: "<span data-testid="scenario-name">{move || scenario.with(|s| s.name.clone())}</span></h2>
            <p class="explain">
                {move || scenario.with(|s| match &s.community {
                    CommunitySource::Generated(spec) => format!(
                        "{} households generated from seed {} ({}), a third with rooftop PV and half of those with a battery, \
                         and grid outages of about 3.4 hours a day. Every model's cost counts its bills, energy not served at the \
                         value of lost load and battery wear, so not paying for power one did not get is never a saving.",
                        thousands(spec.members as f64), spec.seed, spec.site.label()
                    ),
                    CommunitySource::Custom { members, .. } => format!(
                        "{} members from your file, {} hours; no batteries or PV unless the file had PV, and no grid outages.",
                        members.len(), s.axis.steps
                    ),
                })}
            </p>
            <TariffEditor controls=controls bs_horizon=bs_horizon aggregator_return=aggregator_return scenario=scenario />
            <FairnessPanel scenario=scenario />
            <div class="inputs dropzone" class:dragging=move || dragging.get() data-testid="dropzone"
                on:dragover=move |ev: leptos::ev::DragEvent| { ev.prevent_default(); dragging.set(true); }
                on:dragleave=move |_| dragging.set(false)
                on:drop=on_drop>
                <p class="drop-hint">"Drop a profiles CSV, a members file or a scenario JSON anywhere here, or pick one:"</p>
                <label>
                    "Your load profiles (CSV: long, wide or one column) "
                    <input type="file" accept=".csv,.txt" data-testid="upload-profiles" on:change=on_file(FileKind::Profiles) />
                </label>
                <label>
                    "Members file (member_id,archetype,pv_kwp,battery_kwh,battery_kw) "
                    <input type="file" accept=".csv,.txt" data-testid="upload-members" on:change=on_file(FileKind::Members) />
                </label>
                <label>
                    "Scenario (JSON, as downloaded) "
                    <input type="file" accept=".json,application/json" data-testid="upload-scenario" on:change=on_file(FileKind::Scenario) />
                </label>
                <div class="buttons">
                    <button type="button" data-testid="run" on:click=move |_| engine.run(scenario.get_untracked())>"Run again"</button>
                    <button type="button" data-testid="cancel" on:click=move |_| engine.cancel()>"Cancel"</button>
                    <button type="button" data-testid="reset" on:click=move |_| {
                        let s = Scenario::default_north();
                        show_settings(&s);
                        input_error.set(None);
                        scenario.set(s);
                    }>"Default village"</button>
                </div>
            </div>
            <Show when=move || tariff.get().is_err() || input_error.get().is_some()>
                <p class="error" role="alert" data-testid="error">
                    {move || tariff.get().err().or_else(|| input_error.get()).unwrap_or_default()}
                </p>
            </Show>

            <Show when=move || engine.error.get().is_some()>
                <p class="error" role="alert" data-testid="engine-error">{move || engine.error.get().unwrap_or_default()}</p>
            </Show>
            <details class="panel" data-testid="community-panel">
                <summary>"Community and faults"</summary>
                <div class="inputs">
                    <label>
                        "Site "
                        <select data-testid="site"
                            prop:value=move || if spec_of(&scenario.get()).is_some_and(|s| s.site == Site::WarmHumidSouth) { "south" } else { "north" }
                            on:change=move |ev| {
                            let site = if event_target_value(&ev) == "south" { Site::WarmHumidSouth } else { Site::CompositeNorth };
                            let mut s = Scenario::generated(site, TariffPreset::Study);
                            match tariff.get_untracked() {
                                Ok(t) => s.tariff = t,
                                Err(_) => show_settings(&s),
                            }
                            s.settings.bs_horizon = bs_horizon.get_untracked();
                            s.settings.aggregator_return = aggregator_return.get_untracked();
                            scenario.set(s);
                        }>
                            <option value="north" selected=move || spec_of(&scenario.get()).is_some_and(|s| s.site == Site::CompositeNorth)>{Site::CompositeNorth.label()}</option>
                            <option value="south" selected=move || spec_of(&scenario.get()).is_some_and(|s| s.site == Site::WarmHumidSouth)>{Site::WarmHumidSouth.label()}</option>
                        </select>
                    </label>
                    <label>
                        "Members (2–10,000) "
                        <input type="number" min="2" max="10000" data-testid="members"
                            prop:value=move || spec_of(&scenario.get()).map_or(0, |s| s.members)
                            on:change=on_members />
                    </label>
                    <fieldset class="mix" data-testid="mix">
                        <legend>"Mix (relative weights of household types)"</legend>
                        {Archetype::GENERATED.into_iter().enumerate().map(|(i, a)| view! {
                            <label>
                                {a.label()}
                                <input type="number" min="0" step="1" data-testid=format!("mix-a{}", i + 1)
                                    prop:value=move || spec_of(&scenario.get()).map_or(0.0, |s| s.mix[i]).to_string()
                                    on:change=move |ev| on_mix(i, event_target_value(&ev)) />
                            </label>
                        }).collect_view()}
                    </fieldset>
                    <label>
                        "Seed "
                        <input type="number" min="0" data-testid="seed"
                            prop:value=move || spec_of(&scenario.get()).map_or(0, |s| s.seed)
                            on:change=on_seed />
                    </label>
                </div>
                <div class="inputs">
                    <label>
                        "Fail a member "
                        <select data-testid="fault-member" on:change=move |ev| fault_member.set(event_target_value(&ev))>
                            <option value="">"—"</option>
                            {move || engine.report.with(|r| r.as_ref().map(|r| r.member_ids.iter().map(|id| view! { <option value=id.clone()>{id.clone()}</option> }).collect_view()))}
                        </select>
                    </label>
                    <label>
                        "From day "
                        <input type="number" min="0" max="364" data-testid="fault-from" prop:value=move || fault_from.get() on:input=move |ev| fault_from.set(event_target_value(&ev)) />
                    </label>
                    <label>
                        "To day "
                        <input type="number" min="1" max="365" data-testid="fault-to" prop:value=move || fault_to.get() on:input=move |ev| fault_to.set(event_target_value(&ev)) />
                    </label>
                    <div class="buttons">
                        <button type="button" data-testid="apply-member-fault" on:click=move |_| add_fault(0)>"Fail the member"</button>
                        <button type="button" data-testid="apply-coordinator-fault" on:click=move |_| add_fault(1)>"Coordinator outage"</button>
                        <button type="button" data-testid="apply-grid-fault" on:click=move |_| add_fault(2)>"Grid outage"</button>
                        <button type="button" data-testid="clear-faults" on:click=move |_| scenario.update(|s| s.settings.coordinator.faults.clear())>"Clear faults"</button>
                    </div>
                </div>
                <div class="inputs">
                    <label>
                        "Find a member "
                        <input type="search" data-testid="members-filter" placeholder="e.g. N07"
                            prop:value=move || member_filter.get()
                            on:input=move |ev| { member_filter.set(event_target_value(&ev)); member_page.set(0); } />
                    </label>
                    <div class="buttons">
                        <button type="button" data-testid="members-prev" on:click=move |_| member_page.update(|p| *p = p.saturating_sub(1))>"◀ previous"</button>
                        <span data-testid="members-page">{move || {
                            let pages = member_count().div_ceil(MEMBERS_PER_PAGE).max(1);
                            format!("page {} of {pages}", member_page.get().min(pages - 1) + 1)
                        }}</span>
                        <button type="button" data-testid="members-next" on:click=move |_| {
                            let pages = matching_members.with_untracked(Vec::len).div_ceil(MEMBERS_PER_PAGE).max(1);
                            member_page.update(|p| *p = (*p + 1).min(pages - 1));
                        }>"next ▶"</button>
                    </div>
                </div>
                <table class="members" data-testid="members-table">
                    <caption>"Members (edit to see how PV, batteries, flexibility and participation change the results)"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Member"</th>
                            <th scope="col">"Type"</th>
                            <th scope="col">"PV kWp"</th>
                            <th scope="col">"Battery kWh"</th>
                            <th scope="col">"Flexible share"</th>
                            <th scope="col">"Shares"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || matching_members.with(|members| {
                            let page = member_page.get();
                            members.iter()
                                .skip(page * MEMBERS_PER_PAGE)
                                .take(MEMBERS_PER_PAGE)
                                .map(|m| {
                            let id = m.id.clone();
                            let (i1, i2, i3, i4) = (id.clone(), id.clone(), id.clone(), id.clone());
                            view! {
                                <tr data-testid=format!("member-row-{id}")>
                                    <th scope="row">{id.clone()}</th>
                                    <td>{m.archetype.label()}</td>
                                    <td><input type="number" min="0" max="100" step="0.1" aria-label=format!("{id} PV kWp")
                                        data-testid=format!("member-pv-{id}") prop:value=m.pv_kwp.to_string()
                                        on:change=move |ev| edit_member(i1.clone(), MemberEdit::Pv(event_target_value(&ev))) /></td>
                                    <td><input type="number" min="0" max="1000" step="0.5" aria-label=format!("{id} battery kWh")
                                        data-testid=format!("member-battery-{id}") prop:value=m.battery_kwh.to_string()
                                        on:change=move |ev| edit_member(i2.clone(), MemberEdit::Battery(event_target_value(&ev))) /></td>
                                    <td><input type="number" min="0" max="1" step="0.05" aria-label=format!("{id} flexible share")
                                        data-testid=format!("member-flex-{id}") prop:value=m.flexible_share.to_string()
                                        on:change=move |ev| edit_member(i3.clone(), MemberEdit::Flex(event_target_value(&ev))) /></td>
                                    <td><input type="checkbox" aria-label=format!("{id} takes part in sharing")
                                        data-testid=format!("member-participates-{id}") prop:checked=m.participates
                                        on:change=move |ev| edit_member(i4.clone(), MemberEdit::Participates(event_target_checked(&ev))) /></td>
                                </tr>
                            }
                        }).collect_view()})}
                    </tbody>
                </table>
                <p data-testid="faults">{move || scenario.with(|s| describe_faults(&s.settings.coordinator.faults))}</p>
            </details>
            <div class="progress-row" aria-live="polite">
                <progress data-testid="progress" max="1"
                    prop:value=move || engine.progress.get().unwrap_or(1.0)
                    class:idle=move || engine.progress.get().is_none()></progress>
                <span>{move || engine.progress.get().map_or_else(|| "up to date".to_string(), |p| format!("simulating… {:.0}%", 100.0 * p))}</span>
                <span class="run-stats" data-testid="run-stats">{move || engine.last_run.get().map(|(seconds, bytes)| format!(
                    "last run {seconds:.1} s · engine memory {:.0} MB", bytes as f64 / 1_048_576.0))}</span>
            </div>
            <div class="kpis">{cards}</div>
            <GainSplitPanel report=engine.report twin_pending=engine.twin_pending.into() />
            <AbCompare scenario=scenario report=engine.report
                busy=Signal::derive(move || engine.progress.get().is_some())
                show_settings=Callback::new(move |s: Scenario| show_settings(&s)) />
            <canvas node_ref=canvas width="720" height="320" data-testid="costs-chart" role="img"
                aria-label="Bar chart of the community's yearly cost under each model"></canvas>
            <div class="chart-control"><label>
                "Who wins, who loses under "
                <select data-testid="savings-model" on:change=move |ev| savings_model.set(event_target_value(&ev))>
                    {Model::ALL.into_iter().filter(|m| *m != Model::None).map(|m| view! {
                        <option value=m.key() selected=move || savings_model.get() == m.key()>{m.label()}</option>
                    }).collect_view()}
                </select>
            </label></div>
            <PngButton canvas=savings_canvas file_name="gridshare-savings.png" testid="png-savings" />
            <canvas node_ref=savings_canvas width="720" height="280" data-testid="savings-chart" role="img"
                aria-label="Bar chart of each member's yearly saving against no sharing"></canvas>
            <Timeline report=engine.report stale=engine.stale axis=Signal::derive(move || scenario.with(|s| s.axis)) />
            <div class="buttons">
                <button type="button" data-testid="export-csv" on:click=export_csv>"Export results per member (CSV)"</button>
                <button type="button" data-testid="export-steps-csv" on:click=export_steps_csv>"Export results per step (CSV)"</button>
                <button type="button" data-testid="export-json" on:click=export_json>"Export report (JSON)"</button>
                <button type="button" data-testid="export-png" on:click=export_png>"Chart as PNG"</button>
                <button type="button" data-testid="download-scenario" on:click=download_scenario>"Download scenario"</button>
                <button type="button" data-testid="share-link" on:click=make_link>"Share link"</button>
            </div>
            <Show when=move || !share.get().is_empty()>
                <p class="share"><input readonly data-testid="share-url" prop:value=move || share.get() aria-label="Link to this scenario" /></p>
            </Show>

            <ModelsExplained />
        </section>
        <BillPanel report=engine.report stale=engine.stale scenario=scenario />
        <PeakPanel scenario=scenario report=engine.report />
        <SweepPanel scenario=Signal::derive(move || scenario.get()) />
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_edits_become_overrides_and_bad_values_are_refused() {
        let mut s = Scenario::default_north();
        apply_member_edit(&mut s, "N03", &MemberEdit::Pv("2".into())).unwrap();
        apply_member_edit(&mut s, "N03", &MemberEdit::Participates(false)).unwrap();
        let CommunitySource::Generated(spec) = &s.community else {
            panic!("generated")
        };
        assert_eq!(
            spec.overrides,
            vec![MemberOverride {
                member: "N03".into(),
                pv_kwp: Some(2.0),
                participates: Some(false),
                ..MemberOverride::default()
            }]
        );
        let err = apply_member_edit(&mut s, "N03", &MemberEdit::Flex("1.4".into())).unwrap_err();
        assert!(err.contains("N03 flexible share"), "{err}");
    }

    #[test]
    fn resizing_keeps_edits_with_their_member_and_drops_vanished_ones() {
        let mut s = Scenario::default_north();
        apply_member_edit(&mut s, "N07", &MemberEdit::Pv("2".into())).unwrap();
        apply_member_edit(&mut s, "N25", &MemberEdit::Pv("3".into())).unwrap();
        s.settings.coordinator.faults.push(Fault::MemberFailure {
            member: "N25".into(),
            from_step: 10,
            to_step: 20,
        });
        resize_community(&mut s, 120);
        let ids = |s: &Scenario| match &s.community {
            CommunitySource::Generated(spec) => spec
                .overrides
                .iter()
                .map(|o| o.member.clone())
                .collect::<Vec<_>>(),
            CommunitySource::Custom { .. } => Vec::new(),
        };
        assert_eq!(ids(&s), vec!["N007", "N025"]);
        s.validate().unwrap();
        resize_community(&mut s, 20);
        assert_eq!(ids(&s), vec!["N07"]);
        assert!(s.settings.coordinator.faults.is_empty());
        s.validate().unwrap();
    }

    #[test]
    fn dropped_files_are_recognised() {
        let g = FileKind::Guess;
        assert_eq!(g.or_guess("s.json", b"{}"), FileKind::Scenario);
        assert_eq!(
            g.or_guess("m.csv", b"member_id,archetype,pv_kwp\n"),
            FileKind::Members
        );
        assert_eq!(
            g.or_guess("p.csv", b"timestamp,member_id,load_kw\n"),
            FileKind::Profiles
        );
        assert_eq!(
            FileKind::Members.or_guess("x.json", b"{"),
            FileKind::Members
        );
    }

    #[test]
    fn numbers_are_grouped_in_thousands() {
        assert_eq!(thousands(1234567.4), "1,234,567");
        assert_eq!(thousands(-1234.0), "−1,234");
    }
}
