use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::i18n::*;
use crate::{locale, shell};

/// 我的: language, storage, version.
#[component]
pub fn Me() -> impl IntoView {
    let i18n = use_i18n();
    let choose = move |l: Locale| {
        i18n.set_locale(l);
        locale::save(l);
    };
    let (persisted, set_persisted) = signal(None::<Option<bool>>);
    spawn_local(async move { set_persisted.set(Some(shell::persist_storage().await)) });
    let build = shell::build_id();
    view! {
        <section class="page">
            <h2 class="page-title">{t!(i18n, me_title)}</h2>
            <fieldset class="field">
                <legend>{t!(i18n, me_language)}</legend>
                <div class="segmented" role="group">
                    <button type="button" class="btn" lang="zh-CN"
                        aria-pressed=move || (i18n.get_locale() == Locale::zh).to_string()
                        on:click=move |_| choose(Locale::zh)>{t!(i18n, me_language_zh)}</button>
                    <button type="button" class="btn" lang="en"
                        aria-pressed=move || (i18n.get_locale() == Locale::en).to_string()
                        on:click=move |_| choose(Locale::en)>{t!(i18n, me_language_en)}</button>
                </div>
            </fieldset>
            <section class="field">
                <h3>{t!(i18n, me_storage)}</h3>
                <p>{move || match persisted.get() {
                    None => t_string!(i18n, loading),
                    Some(Some(true)) => t_string!(i18n, me_storage_persisted),
                    Some(Some(false)) => t_string!(i18n, me_storage_best_effort),
                    Some(None) => t_string!(i18n, me_storage_unknown),
                }}</p>
            </section>
            <section class="field">
                <h3>{t!(i18n, me_about)}</h3>
                <p class="build">{t!(i18n, me_build, build = build.clone())}</p>
            </section>
        </section>
    }
}
