//! Browser I/O: local storage, the URL hash, file downloads and reading uploaded files.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

const STORAGE_KEY: &str = "gridshare.scenario.v1";

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// The saved scenario JSON, if any.
pub fn load_saved() -> Option<String> {
    window()?
        .local_storage()
        .ok()??
        .get_item(STORAGE_KEY)
        .ok()?
}

/// Save the scenario JSON; false when the browser refused (e.g. too large).
pub fn save(json: &str) -> bool {
    window()
        .and_then(|w| w.local_storage().ok().flatten())
        .is_some_and(|s| s.set_item(STORAGE_KEY, json).is_ok())
}

/// The scenario JSON carried in the URL (`#scenario=…`), if any.
pub fn scenario_from_url() -> Option<String> {
    let hash = window()?.location().hash().ok()?;
    let encoded = hash.strip_prefix("#scenario=")?;
    js_sys::decode_uri_component(encoded).ok()?.as_string()
}

/// A link to this page that carries the scenario.
pub fn share_link(json: &str) -> Option<String> {
    let location = window()?.location();
    let base = location.href().ok()?;
    let base = base.split('#').next().unwrap_or_default().to_string();
    let encoded: String = js_sys::encode_uri_component(json).into();
    Some(format!("{base}#scenario={encoded}"))
}

/// Offer `text` as a file download.
pub fn download(file_name: &str, mime: &str, text: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|_| "cannot make the file")?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)
        .map_err(|_| "cannot make a download link")?;
    let clicked = click_download(&url, file_name);
    let _ = web_sys::Url::revoke_object_url(&url);
    clicked
}

/// Click a temporary link that downloads `href` as `file_name`.
fn click_download(href: &str, file_name: &str) -> Result<(), String> {
    let document = window().and_then(|w| w.document()).ok_or("no document")?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|_| "no link")?
        .unchecked_into();
    anchor.set_href(href);
    anchor.set_download(file_name);
    anchor.click();
    Ok(())
}

/// Offer a canvas as a PNG download.
pub fn download_canvas(file_name: &str, canvas: &web_sys::HtmlCanvasElement) -> Result<(), String> {
    let url = canvas
        .to_data_url_with_type("image/png")
        .map_err(|_| "cannot export the chart")?;
    click_download(&url, file_name)
}

/// The bytes of an uploaded file.
pub async fn read_file(file: &web_sys::File) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|_| format!("{}: cannot read the file", file.name()))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// A "PNG" button that downloads a chart's canvas.
#[leptos::component]
pub fn PngButton(
    /// The chart.
    canvas: leptos::prelude::NodeRef<leptos::html::Canvas>,
    /// File name to save as.
    file_name: &'static str,
    /// Test hook.
    testid: &'static str,
) -> impl leptos::IntoView {
    use leptos::prelude::*;
    view! {
        <button type="button" class="png" data-testid=testid
            aria-label=format!("Download this chart as {file_name}")
            on:click=move |_| {
                if let Some(c) = canvas.get_untracked() {
                    let _ = download_canvas(file_name, &c);
                }
            }>"PNG"</button>
    }
}
