//! wasm-bindgen-test tests in headless Chromium: mount the real app, read and drive the page.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, Event, EventInit, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

fn find(testid: &str) -> Element {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| {
            d.query_selector(&format!("[data-testid='{testid}']"))
                .ok()
                .flatten()
        })
        .unwrap_or_else(|| panic!("no element with data-testid={testid}"))
}

fn text(testid: &str) -> String {
    find(testid).text_content().unwrap_or_default()
}

fn type_into(testid: &str, value: &str) {
    let input: HtmlInputElement = find(testid).dyn_into().expect("an input");
    input.set_value(value);
    let init = EventInit::new();
    init.set_bubbles(true);
    let event = Event::new_with_event_init_dict("input", &init).expect("event");
    input.dispatch_event(&event).expect("dispatched");
}

async fn tick() {
    gloo_timers::future::TimeoutFuture::new(20).await;
}

#[wasm_bindgen_test]
async fn worked_example_a_is_shown_and_reacts_to_prices() {
    leptos::mount::mount_to_body(app::App);
    tick().await;
    // MODEL.md §6 example A under SDR, MMR and BS.
    assert_eq!(text("bill-sdr-1"), "18.89");
    assert_eq!(text("bill-sdr-3"), "-13.33");
    assert_eq!(text("bill-mmr-2"), "9.50");
    assert_eq!(text("bill-bs-1"), "10.00");
    assert_eq!(text("sdr"), "0.500");
    assert_eq!(text("hour-kpi-sdr-bill"), "15.00");

    // Feed-in 3 instead of 8: the seller earns less under SDR.
    type_into("hour-price-sell", "3");
    tick().await;
    assert_ne!(text("bill-sdr-3"), "-13.33");
    assert_eq!(text("bill-none-3"), "-4.50");

    // An invalid tariff is explained and the last valid results stay.
    type_into("hour-price-sell", "12");
    tick().await;
    assert!(
        text("hour-error").contains("sell_per_kwh"),
        "{}",
        text("hour-error")
    );
    assert_eq!(text("bill-none-3"), "-4.50");
}
