use leptos::prelude::*;
use leptos::task::spawn_local;
use zhijian_domain::Op;
use zhijian_domain::credits::{Redemption, RedemptionStatus, code_hash};

use crate::components::{EmptyState, Message, Outcome, TextField, submit};
use crate::i18n::*;
use crate::labels;
use crate::sync::Sync;

/// 核销: a merchant (or a station's secretary) hands a reward over on the
/// member's one-time code, and sees its redemptions. The device never holds
/// the codes: it finds the redemption whose hash the typed code matches.
#[component]
pub fn MerchantPage() -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let list = Memo::new(move |_| {
        sync.replica.with(|r| {
            let r = r.as_ref()?;
            let view = r.view();
            let mut v: Vec<Redemption> = view
                .redemptions()
                .values()
                .filter(|x| {
                    x.merchant.as_deref() == Some(r.actor.account_id.as_str())
                        || view.orgs.get(&x.org_id).is_some_and(|o| r.actor.manages(o))
                })
                .filter(|x| x.hold_id.is_none())
                .cloned()
                .collect();
            zhijian_domain::order::sort_by_key(&mut v, |x| std::cmp::Reverse(x.at));
            Some(v)
        })
    });
    let code = RwSignal::new(String::new());
    let message = Outcome::new();
    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = code.get_untracked().trim().to_owned();
        let found = list.with_untracked(|l| {
            l.iter()
                .flatten()
                .find(|x| {
                    x.status == RedemptionStatus::Issued && code_hash(&x.id, &typed) == x.code_hash
                })
                .map(|x| x.id.clone())
        });
        match found {
            Some(id) => {
                submit(
                    Op::ConfirmRedemption {
                        redemption_id: id,
                        code: typed,
                    },
                    message,
                    t_string!(i18n, merchant_confirmed).to_string(),
                );
                code.set(String::new());
            }
            None => {
                // Perhaps redeemed after this device last synced.
                message.set(Some((
                    false,
                    t_string!(i18n, merchant_unknown_code).to_string(),
                )));
                spawn_local(async move { sync.sync_now().await });
            }
        }
    };
    view! {
        <section class="page">
            <h2 class="page-title">{t!(i18n, merchant_title)}</h2>
            <form class="form kiosk-form" on:submit=confirm>
                <TextField name="redemption-code" kind="tel" max=6 value=code>{t!(i18n, merchant_code)}</TextField>
                <button type="submit" class="btn btn-primary btn-large" disabled=move || message.pending()>{t!(i18n, merchant_confirm)}</button>
                <Message message=message />
            </form>
            {move || match list.get() {
                None => view! { <p class="notice">{t!(i18n, credits_sign_in)}</p> }.into_any(),
                Some(v) if v.is_empty() => view! {
                    <EmptyState
                        title=view! { {t!(i18n, merchant_empty)} }.into_any()
                        hint=view! { {t!(i18n, merchant_empty_hint)} }.into_any()
                    />
                }.into_any(),
                Some(v) => {
                    let open = v.iter().filter(|x| x.status == RedemptionStatus::Issued).count();
                    view! {
                        <p data-testid="merchant-open">{t!(i18n, merchant_open, n = open)}</p>
                        <ul class="plain-list" data-testid="merchant-redemptions">
                            {v.into_iter().map(|x| {
                                let at = x.confirmed_at.unwrap_or(x.at);
                                let done = x.status == RedemptionStatus::Confirmed;
                                view! {
                                    <li>
                                        <strong>{x.reward_title.clone()}</strong>
                                        " · " {zhijian_domain::credits::mask_name(&x.member_name)}
                                        " · " {move || labels::when(i18n.get_locale(), at)}
                                        " · " {move || if done {
                                            t_string!(i18n, redemption_confirmed).to_string()
                                        } else {
                                            t_string!(i18n, redemption_issued).to_string()
                                        }}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }}
        </section>
    }
}

crate::lazy_page!(MerchantRoute, merchant_chunk, MerchantPage);
