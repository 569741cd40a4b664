//! Gridshare's browser UI. Components call the engine only; nothing here computes market results.

mod browser_io;
mod chart;
mod compare;
mod engine_client;
pub mod protocol;
mod tariff_editor;
pub mod timeline;
mod worked_example;

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
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}
