//! Gridshare's browser UI. Components call the engine only; nothing here computes market results.

mod ab_compare;
pub mod bench;
mod bill_chart;
mod bill_panel;
mod bill_split;
mod browser_io;
mod chart;
mod compare;
mod connection_editor;
mod engine_client;
mod fairness_panel;
mod frontier_panel;
mod gain_split;
mod kpi_cards;
mod models_explained;
mod offline_notice;
mod peak_charts;
mod peak_panel;
mod peak_settings;
pub mod protocol;
mod regime_compare;
mod retail_edit;
mod retail_editor;
mod retail_tables;
mod sweep_panel;
mod sweep_pool;
mod tariff_controls;
mod tariff_editor;
pub mod timeline;
mod tour;
pub mod variants;
mod worked_example;
pub mod worker_session;

use leptos::prelude::*;

pub use compare::Compare;
pub use worked_example::WorkedExample;

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <header class="masthead">
            <h1>"Gridshare"</h1>
            <p class="tagline">
                "Peer-to-peer energy sharing in a community microgrid, simulated in your browser."
            </p>
            <tour::Tour />
            <offline_notice::OfflineNotice />
        </header>
        <main>
            <Compare/>
            <WorkedExample/>
        </main>
        <footer>
            <p>"Prices in ₹/kWh; energy in kWh per hourly step. Bill > 0 means the household pays."</p>
        </footer>
    }
}

/// Entry point used by `main.rs`: panic hook, then mount.
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show_crash_banner(&info.to_string());
    }));
    leptos::mount::mount_to_body(App);
    // `?debug-panic` exercises the crash banner (the end-to-end tests use it).
    if web_sys::window()
        .and_then(|w| w.location().search().ok())
        .is_some_and(|q| q.contains("debug-panic"))
    {
        leptos::task::spawn_local(async { panic!("deliberate panic requested by ?debug-panic") });
    }
}

/// A panic on the page ends its WebAssembly: say so and offer a reload, which restores the saved
/// scenario from local storage.
fn show_crash_banner(message: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let (Ok(banner), Some(body)) = (document.create_element("div"), document.body()) else {
        return;
    };
    let _ = banner.set_attribute("class", "crash");
    let _ = banner.set_attribute("role", "alert");
    let _ = banner.set_attribute("data-testid", "crash");
    banner.set_inner_html(
        "<p><strong>Something went wrong on this page.</strong> Your scenario is saved in this \
         browser; reloading brings it back.</p><p class=\"crash-detail\"></p>\
         <button type=\"button\" onclick=\"location.reload()\">Reload</button>",
    );
    if let Ok(Some(detail)) = banner.query_selector(".crash-detail") {
        detail.set_text_content(Some(message));
    }
    let _ = body.prepend_with_node_1(&banner);
}
