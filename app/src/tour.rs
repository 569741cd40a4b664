//! The guided tour: ten steps from "what is a prosumer" to "why cloud-P2P changes the total
//! while the other rules only redistribute it". Each step highlights a real control or chart and
//! may set a value through the page itself (the same events a user's input fires), so the tour
//! drives the real app. Skippable (Esc), resumable (the step is kept in local storage), keyboard
//! operable (← →, Enter).

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// What a step does to the page before it is shown.
#[derive(Clone, Copy)]
enum Act {
    /// Nothing.
    None,
    /// Open a `<details>` (by test id).
    Open(&'static str),
    /// Set an input's or select's value and fire its events (test id, value).
    Set(&'static str, &'static str),
}

struct Step {
    title: &'static str,
    text: &'static str,
    /// Test id of the element to highlight.
    target: &'static str,
    act: Act,
}

const STEPS: [Step; 10] = [
    Step {
        title: "Consumers and prosumers",
        text: "A consumer only buys energy. A prosumer also produces it — here with rooftop PV, sometimes with a battery. In this members table every row with PV kWp above 0 is a prosumer; the rest are consumers.",
        target: "members-table",
        act: Act::Open("community-panel"),
    },
    Step {
        title: "One hour of trading",
        text: "In the playground, household 2 has just turned from buyer into seller: its net power NP = load − PV + charge − discharge went below zero. TBP (what buyers need) fell, TSP (what sellers offer) rose, and the supply-demand ratio SDR = TSP / TBP went above 1.",
        target: "slider-2",
        act: Act::Set("slider-2", "-2"),
    },
    Step {
        title: "Four ways to set the internal price",
        text: "Each rule turns TBP and TSP into an internal buy and sell price between the grid's λ_sell and λ_buy. The chart shows SDR and MMR prices against the SDR; the dot is this hour. Whatever the rule, the sharing rules' bills add up to the same community grid bill (budget balance).",
        target: "price-curves",
        act: Act::None,
    },
    Step {
        title: "A year in a village",
        text: "Now a whole year for 30 households. No sharing is the reference: each home alone with the grid. Bill Sharing, Mid-Market Rate and SDR save the same total — look at their costs — because they share the same energy; they only split it differently.",
        target: "kpi-sdr",
        act: Act::None,
    },
    Step {
        title: "Who wins, who loses",
        text: "Under SDR pricing, every member's yearly saving against no sharing. Sellers earn more than the feed-in price, buyers pay less than retail: both sides gain.",
        target: "savings-chart",
        act: Act::Set("savings-model", "sdr"),
    },
    Step {
        title: "A tariff what-if",
        text: "The feed-in price has just dropped from 8 to 3 ₹/kWh. The four settlement rules answered at once; cloud-P2P follows when its coordinator has re-planned the year. Exporting alone is now worth much less, so sharing matters more.",
        target: "price-sell",
        act: Act::Set("price-sell", "3"),
    },
    Step {
        title: "Batteries and timing",
        text: "Cloud-P2P's coordinator plans every battery each hour and the day's flexible load each midnight for the whole community: charge from neighbours' midday surplus, discharge in the evening peak.",
        target: "timeline",
        act: Act::Set("timeline-model", "cloud"),
    },
    Step {
        title: "Why cloud-P2P changes the total",
        text: "BS, MMR and SDR only redistribute a fixed saving — (λ_buy − λ_sell) × the energy neighbours happen to share. Cloud-P2P changes behaviour: more energy is shared and less bought at retail, so the community's total cost itself falls.",
        target: "costs-chart",
        act: Act::None,
    },
    Step {
        title: "Peaks and the transformer",
        text: "Every home's import runs through one distribution transformer. This curve shows how hard it works: each hour's loading against its rating, in p-MAS classes from underloaded to severely overloaded (25%, 50%, 80%, 100%). With p-MAS coordination cloud-P2P keeps the import under the rating, and do-no-harm means never above the peak the homes reached alone; the stressed preset shows it with air-conditioners and e-rickshaws added.",
        target: "loading-duration-chart",
        act: Act::None,
    },
    Step {
        title: "Your turn",
        text: "Sweep a parameter to find where sharing stops paying, pin a scenario as A to compare it with a proposal, upload your own profiles, and export everything. The tour can be taken again from the top of the page.",
        target: "sweep",
        act: Act::None,
    },
];

const STORAGE_KEY: &str = "gridshare.tour.v1";

fn document() -> Option<web_sys::Document> {
    web_sys::window().and_then(|w| w.document())
}

fn by_testid(id: &str) -> Option<web_sys::Element> {
    document()?
        .query_selector(&format!("[data-testid=\"{id}\"]"))
        .ok()
        .flatten()
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Do a step's action through the page's own events.
fn act(a: Act) {
    match a {
        Act::None => {}
        Act::Open(id) => {
            if let Some(e) = by_testid(id) {
                let _ = e.set_attribute("open", "");
            }
        }
        Act::Set(id, value) => {
            let Some(e) = by_testid(id) else { return };
            if let Some(input) = e.dyn_ref::<web_sys::HtmlInputElement>() {
                input.set_value(value);
            } else if let Some(select) = e.dyn_ref::<web_sys::HtmlSelectElement>() {
                select.set_value(value);
            }
            for kind in ["input", "change"] {
                if let Ok(ev) = web_sys::Event::new_with_event_init_dict(kind, &{
                    let init = web_sys::EventInit::new();
                    init.set_bubbles(true);
                    init
                }) {
                    let _ = e.dispatch_event(&ev);
                }
            }
        }
    }
}

fn highlight(target: Option<&str>) {
    if let Some(doc) = document() {
        if let Ok(list) = doc.query_selector_all(".tour-highlight") {
            for i in 0..list.length() {
                if let Some(e) = list
                    .item(i)
                    .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
                {
                    let _ = e.class_list().remove_1("tour-highlight");
                }
            }
        }
    }
    if let Some(e) = target.and_then(by_testid) {
        let _ = e.class_list().add_1("tour-highlight");
        let options = web_sys::ScrollIntoViewOptions::new();
        options.set_block(web_sys::ScrollLogicalPosition::Center);
        e.scroll_into_view_with_scroll_into_view_options(&options);
    }
}

/// The tour: a start/resume button and, while it runs, the step card.
#[component]
pub fn Tour() -> impl IntoView {
    let saved = storage()
        .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|i| *i < STEPS.len());
    let resume_at = RwSignal::new(saved);
    let step = RwSignal::new(None::<usize>);
    let go = move |i: Option<usize>| {
        step.set(i);
        match i {
            Some(i) => {
                if let Some(s) = storage() {
                    let _ = s.set_item(STORAGE_KEY, &i.to_string());
                }
                resume_at.set(Some(i));
                act(STEPS[i].act);
                highlight(Some(STEPS[i].target));
                // Keyboard users land on "Next" at every step.
                set_timeout(
                    || {
                        if let Some(b) = by_testid("tour-next")
                            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
                        {
                            let _ = b.focus();
                        }
                    },
                    std::time::Duration::ZERO,
                );
            }
            None => highlight(None),
        }
    };
    let next = move || match step.get_untracked() {
        Some(i) if i + 1 < STEPS.len() => go(Some(i + 1)),
        Some(_) => {
            // Finished: nothing to resume.
            if let Some(s) = storage() {
                let _ = s.remove_item(STORAGE_KEY);
            }
            resume_at.set(None);
            go(None);
        }
        None => {}
    };
    let back = move || {
        if let Some(i) = step.get_untracked() {
            go(Some(i.saturating_sub(1)));
        }
    };
    let skip = move || go(None);
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if step.get_untracked().is_none() {
            return;
        }
        match ev.key().as_str() {
            "ArrowRight" => next(),
            "ArrowLeft" => back(),
            "Escape" => skip(),
            _ => {}
        }
    };
    let handle = window_event_listener(leptos::ev::keydown, on_key);
    on_cleanup(move || handle.remove());
    view! {
        <div class="tour-launch">
            <button type="button" data-testid="tour-start" on:click=move |_| go(Some(0))>"Take the guided tour"</button>
            <Show when=move || resume_at.get().is_some_and(|i| i > 0) && step.get().is_none()>
                <button type="button" data-testid="tour-resume" on:click=move |_| go(resume_at.get_untracked())>
                    {move || format!("Resume the tour (step {})", resume_at.get().unwrap_or(0) + 1)}
                </button>
            </Show>
        </div>
        {move || step.get().map(|i| {
            let s = &STEPS[i];
            view! {
                <div class="tour" role="dialog" aria-modal="false" aria-labelledby="tour-title" data-testid="tour" data-step=i + 1>
                    <p class="tour-count">{format!("Step {} of {}", i + 1, STEPS.len())}</p>
                    <h3 id="tour-title" data-testid="tour-title">{s.title}</h3>
                    <p aria-live="polite">{s.text}</p>
                    <div class="buttons">
                        <button type="button" data-testid="tour-back" prop:disabled=move || i == 0 on:click=move |_| back()>"← Back"</button>
                        <button type="button" data-testid="tour-next" autofocus on:click=move |_| next()>
                            {if i + 1 == STEPS.len() { "Finish" } else { "Next →" }}
                        </button>
                        <button type="button" data-testid="tour-skip" on:click=move |_| skip()>"Skip tour (Esc)"</button>
                    </div>
                </div>
            }
        })}
    }
}
