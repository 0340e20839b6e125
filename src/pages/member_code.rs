use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local_scoped;
use wasm_bindgen::JsValue;
use zhijian_domain::Op;
use zhijian_domain::member_code::{MemberCode, MemberKey, WINDOW_SECS};
use zhijian_domain::short_code::{ShortCode, decode_secret};

use crate::components::qr_svg;
use crate::i18n::*;
use crate::store::ShortSecretKept;
use crate::sync::Sync;
use crate::{member_key, short_code, when};

/// Where the page is: making or reading the key, showing codes, or unable to.
#[derive(Clone, Copy, PartialEq)]
enum State {
    Loading,
    Ready,
    Unsupported,
}

/// 我的党员码 (opened from 我的): a QR code this phone signs every 30 s, for the station's
/// kiosk to read with its scanner or camera, offline on both sides. The key
/// is made here the first time and its public half registered with the
/// server (kiosks learn it when they sync); a code cannot be copied to
/// another day or another person, since it expires and is used once.
#[component]
pub fn MemberCodePanel() -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let me = Memo::new(move |_| {
        sync.session
            .with(|s| s.as_ref().and_then(|s| s.account.member_id.clone()))
    });
    let state = RwSignal::new(State::Loading);
    let pair = RwSignal::new_local(None::<JsValue>);
    let public = RwSignal::new(None::<String>);
    spawn_local_scoped(async move {
        match member_key::load_or_create().await {
            Ok((p, key)) => {
                pair.set(Some(p));
                public.set(Some(key));
                state.set(State::Ready);
            }
            Err(_) => state.set(State::Unsupported),
        }
    });
    // Registered with the server as the server last told this phone.
    let registered = Memo::new(move |_| {
        let (Some(me), Some(key)) = (me.get(), public.get()) else {
            return false;
        };
        sync.replica.with(|r| {
            r.as_ref().is_some_and(|r| {
                r.base
                    .member_keys()
                    .get(&MemberKey::id_for(&me))
                    .is_some_and(|k| k.public_key == key)
            })
        })
    });
    // Registers this phone's key once (queued: offline is fine).
    let asked = RwSignal::new(false);
    Effect::new(move |_| {
        let Some(key) = public.get() else { return };
        let queued = sync.replica.with(|r| {
            r.as_ref()
                .is_some_and(|r| r.view().member_keys().values().any(|k| k.public_key == key))
        });
        if registered.get() || queued || asked.get_untracked() || me.get().is_none() {
            return;
        }
        asked.set(true);
        leptos::task::spawn_local(async move {
            let _ = sync.mutate(Op::RegisterMemberKey { public_key: key }).await;
        });
    });

    let now = RwSignal::new(when::now_secs());
    if let Ok(h) =
        set_interval_with_handle(move || now.set(when::now_secs()), Duration::from_secs(1))
    {
        on_cleanup(move || h.clear());
    }
    let window = Memo::new(move |_| MemberCode::window_at(now.get()));
    let code = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        let w = window.get();
        let (Some(me), Some(p)) = (me.get(), pair.get()) else {
            return;
        };
        spawn_local_scoped(async move {
            let message = MemberCode::message(&me, w);
            if let Some(sig) = member_key::sign(&p, message.as_bytes()).await {
                code.set(Some(MemberCode::text(&me, w, &sig)));
            }
        });
    });
    let left = move || WINDOW_SECS - now.get().rem_euclid(WINDOW_SECS);

    // The short form, for a kiosk that can read neither the QR code: its
    // secret is made here and shown only once the server has it, given
    // again after each sync that reached the server until then.
    let short = RwSignal::new(None::<ShortSecretKept>);
    Effect::new(move |_| {
        let (Some(me), Some(key)) = (me.get(), public.get()) else {
            return;
        };
        spawn_local_scoped(async move {
            short.set(short_code::secret(&me, &key).await);
        });
    });
    let giving = RwSignal::new(false);
    Effect::new(move |_| {
        sync.status.with(|s| s.synced_at);
        let Some(kept) = short.get() else { return };
        if kept.registered || giving.get_untracked() {
            return;
        }
        giving.set(true);
        spawn_local_scoped(async move {
            if let Ok(done) = short_code::register(sync, kept).await {
                short.set(Some(done));
            }
            giving.set(false);
        });
    });
    let short_text = move || {
        short.with(|k| {
            let k = k.as_ref()?;
            let secret = decode_secret(&k.secret)?;
            Some(
                k.registered
                    .then(|| ShortCode::of(&secret, window.get()).text()),
            )
        })
    };

    view! {
        <section class="field member-code" aria-labelledby="member-code-title">
            <h3 id="member-code-title">{t!(i18n, member_code_title)}</h3>
            {move || match (me.get(), state.get()) {
                (None, _) => view! { <p class="notice">{t!(i18n, member_code_members_only)}</p> }.into_any(),
                (_, State::Unsupported) => view! { <p class="notice notice-error" role="alert">{t!(i18n, member_code_unsupported)}</p> }.into_any(),
                (_, State::Loading) => view! { <p class="loading" aria-busy="true">{t!(i18n, loading)}</p> }.into_any(),
                (Some(_), State::Ready) => view! {
                    <div class="code-display">
                        {move || code.get().map(|c| view! {
                            <div class="qr qr-large" inner_html=qr_svg(&c) data-code=c.clone() data-testid="member-code"
                                role="img" aria-label=move || t_string!(i18n, member_code_qr)></div>
                        })}
                        <p class="hint" aria-live="off">{move || t!(i18n, code_changes_in, seconds = left())}</p>
                        {move || short_text().map(|s| match s {
                            Some(text) => view! {
                                <p class="short-code">{t!(i18n, member_code_short)}" "
                                    <strong class="short-code-digits" data-testid="member-short-code">{text}</strong></p>
                                <p class="hint">{t!(i18n, member_code_short_hint)}</p>
                            }.into_any(),
                            None => view! { <p class="hint">{t!(i18n, member_code_short_pending)}</p> }.into_any(),
                        })}
                    </div>
                    <p class=move || if registered.get() { "notice" } else { "notice notice-warn" } role="status" data-testid="member-code-state">
                        {move || if registered.get() {
                            t_string!(i18n, member_code_registered)
                        } else {
                            t_string!(i18n, member_code_pending)
                        }}
                    </p>
                    <p class="hint">{t!(i18n, member_code_hint)}</p>
                }.into_any(),
            }}
        </section>
    }
}
