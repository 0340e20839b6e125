use std::time::Duration;

use leptos::prelude::*;
use zhijian_domain::activity::Activity;
use zhijian_domain::checkin;

use crate::i18n::*;
use crate::when;

/// The code that changes every 30 s, as six digits and as a QR code of the
/// activity's link with the code (a phone's camera opens it, code filled in).
#[component]
pub fn CodeDisplay(a: Activity) -> impl IntoView {
    let i18n = use_i18n();
    let now = RwSignal::new(when::now_secs());
    if let Ok(handle) =
        set_interval_with_handle(move || now.set(when::now_secs()), Duration::from_secs(1))
    {
        on_cleanup(move || handle.clear());
    }
    let secret = a.secret.as_deref().and_then(checkin::secret_bytes);
    let id = a.id.clone();
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    let code = Memo::new(move |_| {
        let w = checkin::window(now.get());
        secret.as_ref().map(|s| checkin::code(s, &id, w))
    });
    let id = a.id.clone();
    view! {
        <div class="code-display" data-testid="code-display">
            {move || match code.get() {
                None => view! { <p class="hint">{t!(i18n, code_unavailable)}</p> }.into_any(),
                Some(c) => {
                    let url = format!("{origin}/activities/{id}?code={c}");
                    let left = checkin::WINDOW_SECONDS - now.get().rem_euclid(checkin::WINDOW_SECONDS);
                    view! {
                        <p class="code-digits" data-testid="checkin-code" aria-label=move || t_string!(i18n, checkin_code)>{c}</p>
                        <div class="qr" inner_html=qr_svg(&url) role="img" aria-label=move || t_string!(i18n, code_qr)></div>
                        <p class="hint">{t!(i18n, code_changes_in, seconds = left)}</p>
                    }.into_any()
                }
            }}
        </div>
    }
}

/// An SVG of `text` as a QR code (one path, crisp at any size).
pub fn qr_svg(text: &str) -> String {
    use qrcodegen::{QrCode, QrCodeEcc};
    let Ok(qr) = QrCode::encode_text(text, QrCodeEcc::Medium) else {
        return String::new();
    };
    let size = qr.size();
    let border = 2;
    let mut path = String::new();
    for y in 0..size {
        for x in 0..size {
            if qr.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + border, y + border));
            }
        }
    }
    let dim = size + border * 2;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {dim} {dim}\" shape-rendering=\"crispEdges\">\
         <rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    )
}
