// Talc instead of std's dlmalloc: about 2 KB less in the first load, and
// faster (docs/architecture.md, "Sizes"). The app's wasm is single-threaded.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

fn main() {
    zhijian::report::install_panic_hook();
    let locale = zhijian::locale::saved();
    if locale == zhijian::i18n::Locale::zh {
        mount();
    } else {
        // Another language's strings first, so the page does not flash
        // Chinese (from the service worker's cache after the first visit).
        wasm_bindgen_futures::spawn_local(async move {
            zhijian::i18n::load(locale).await;
            mount();
        });
    }
}

/// Swaps index.html's splash for the app.
fn mount() {
    if let Some(splash) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("splash"))
    {
        splash.remove();
    }
    leptos::mount::mount_to_body(zhijian::app::App);
}
