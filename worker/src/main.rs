//! The engine's Web Worker: runs scenarios off the page's main thread.

use app::protocol::{FromWorker, Host, PROTOCOL};
use app::worker_session::Session;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

fn post(scope: &DedicatedWorkerGlobalScope, message: &FromWorker) {
    let text = serde_json::to_string(message).unwrap_or_default();
    // A failed post means the page is gone; nothing to do.
    let _ = scope.post_message(&JsValue::from_str(&text));
}

/// Size of this worker's WebAssembly memory, bytes.
fn memory_bytes() -> u64 {
    wasm_bindgen::memory()
        .unchecked_into::<js_sys::WebAssembly::Memory>()
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length() as u64
}

/// The worker's browser surroundings.
struct BrowserHost {
    scope: DedicatedWorkerGlobalScope,
}

impl Host for BrowserHost {
    fn post(&mut self, message: &FromWorker) {
        post(&self.scope, message);
    }
    fn memory_bytes(&self) -> u64 {
        memory_bytes()
    }
    fn now_ms(&self) -> f64 {
        js_sys::Reflect::get(&self.scope, &JsValue::from_str("performance"))
            .ok()
            .and_then(|p| p.dyn_into::<web_sys::Performance>().ok())
            .map_or_else(js_sys::Date::now, |p| p.now())
    }
}

fn main() {
    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let replies = scope.clone();
    let mut session = Session::default();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let text = event.data().as_string().unwrap_or_default();
        session.handle(
            &text,
            &mut BrowserHost {
                scope: replies.clone(),
            },
        );
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&scope, &FromWorker::Ready { protocol: PROTOCOL });
}
