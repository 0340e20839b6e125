use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use zhijian_domain::menu;

use crate::components::download_csv;
use crate::i18n::*;
use crate::sync::Sync;

/// 完成情况: who has done the month's menu and who misses what (for the
/// secretary only; never shown to members as a ranking).
#[component]
pub fn BoardPage() -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let params = use_params_map();
    let data = Memo::new(move |_| {
        let id = params.with(|p| p.get("id").unwrap_or_default());
        sync.replica.with(|r| {
            let r = r.as_ref()?;
            let m = r.view().menus().get(&id)?.clone();
            let org = r.view().orgs.get(&m.org_id)?;
            if !r.actor.manages(org) {
                return None;
            }
            let rows: Vec<_> = menu::board(r.view(), &m)
                .into_iter()
                .map(|(member, c)| {
                    let missing: Vec<String> = c
                        .missing
                        .iter()
                        .filter_map(|id| {
                            m.items
                                .iter()
                                .find(|i| &i.id == id)
                                .map(|i| i.title.clone())
                        })
                        .collect();
                    (member.name.clone(), c, missing.join("、"))
                })
                .collect();
            let csv = menu::board_csv(&m, &menu::board(r.view(), &m));
            Some((m, rows, csv))
        })
    });
    view! {
        <section class="page">
            <h2 class="page-title">{t!(i18n, board_title)}</h2>
            {move || match data.get() {
                None => view! { <p class="notice">{t!(i18n, menu_not_found)}</p> }.into_any(),
                Some((m, rows, csv)) => {
                    let done = rows.iter().filter(|r| r.1.is_done()).count();
                    let total = rows.len();
                    let file = format!("{}-{}.csv", m.month, m.theme_title);
                    view! {
                        <p class="menu-theme">{m.theme_title.clone()}</p>
                        <p data-testid="board-summary">{t!(i18n, board_summary, done = done, total = total)}</p>
                        {(!m.published).then(|| view! { <p class="notice">{t!(i18n, board_unpublished)}</p> })}
                        <button type="button" class="btn" on:click=move |_| download_csv(&file, &csv)>{t!(i18n, board_export)}</button>
                        <div class="table-wrap">
                            <table class="board" data-testid="board">
                                <thead><tr>
                                    <th scope="col">{t!(i18n, me_name)}</th>
                                    <th scope="col">{t!(i18n, item_mandatory)}</th>
                                    <th scope="col">{t!(i18n, item_optional)}</th>
                                    <th scope="col">{t!(i18n, board_missing)}</th>
                                </tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|(name, c, missing)| view! {
                                        <tr class:row-done=c.is_done()>
                                            <th scope="row">{name}</th>
                                            <td>{format!("{}/{}", c.mandatory_done, c.mandatory_total)}</td>
                                            <td>{format!("{}/{}", c.optional_done, c.optional_required)}</td>
                                            <td>{if c.is_done() { t_string!(i18n, board_done).to_string() } else { missing }}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any()
                }
            }}
        </section>
    }
}

crate::lazy_page!(BoardRoute, board_chunk, BoardPage);
