//! The page says when it runs offline: the service worker (`public/service-worker.js`) then serves
//! it from the browser's cache, and everything still works, since the engine runs here.

use leptos::ev;
use leptos::prelude::*;

/// A notice shown while the browser is offline.
#[component]
pub fn OfflineNotice() -> impl IntoView {
    let online = RwSignal::new(is_online());
    let up = window_event_listener(ev::online, move |_| online.set(true));
    let down = window_event_listener(ev::offline, move |_| online.set(false));
    on_cleanup(move || {
        up.remove();
        down.remove();
    });
    view! {
        <Show when=move || !online.get()>
            <p class="offline-notice" data-testid="offline-notice" role="status">
                "You are offline. Gridshare runs from this browser's saved copy: every model, upload and \
                 export works, and nothing needs the network."
            </p>
        </Show>
    }
}

fn is_online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}
