use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local_scoped;
use zhijian_domain::activity::Activity;
use zhijian_domain::agenda;
use zhijian_domain::api::{CardUnlockAnswer, ShortCodeAnswer};
use zhijian_domain::credit_ops::Redeem;
use zhijian_domain::member_card::{CardCode, card_of};
use zhijian_domain::member_code::{
    CodeUse, KioskAct, KioskDeed, MemberCode, MemberKey, MemberProof,
};
use zhijian_domain::menu_ops::KioskCheckIn;
use zhijian_domain::refusal::Why;
use zhijian_domain::replica::Records;
use zhijian_domain::short_code::ShortCode;
use zhijian_domain::station::{self, Board};
use zhijian_domain::{Op, Rejection};

use super::kiosk_staff::{Lock, PinField, Staff};
use crate::card_pin::{self, PinError};
use crate::components::{Message, Outcome, submit};
use crate::i18n::*;
use crate::qr_camera::Camera;
use crate::shell::ShellUpdate;
use crate::sync::{Sync, Verdict, random_hex};
use crate::{js, labels, member_key, short_code, when};

/// Seconds without a touch before the kiosk forgets the member.
const IDLE_SECS: i64 = 60;

/// How long the kiosk waits for the server to judge a hold before it says
/// it has no answer (she is standing at the screen).
const HOLD_WAIT_MS: u32 = 10_000;

/// The member who identified, for as long as she is at the screen. Only
/// this signal knows her; forgetting sets it to `None` and every view of
/// her goes with it.
#[derive(Clone, PartialEq)]
struct Visit {
    member_id: String,
    masked_name: String,
    proof: MemberProof,
    /// Shown a printed 党员卡, and no right PIN yet: check-ins only.
    by_card: bool,
    /// The one hold this visit may place: a second tap while the first
    /// waits for the network is the same hold, not another.
    hold_id: String,
}

#[derive(Clone, Copy, PartialEq)]
enum Screen {
    Idle,
    Identify,
    Member,
    Staff,
}

/// The station's touch screen (驿站终端), for kiosk accounts: an idle screen
/// of what is on at the station, then "我要办事": the member shows 我的党员码
/// to the scanner (or types it), the kiosk checks it offline against her
/// public key (or her printed 党员卡 against its digest, which allows only
/// check-ins), and acts for her (check-in, redemption from her hold) with
/// her masked name and a countdown on screen. After 60 s without a touch,
/// on 完成, or when the next member identifies, it forgets her: nothing of
/// her stays in the page, and Back leads nowhere (the URL never changes).
#[component]
pub fn StationPage() -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let kiosk_mode = KioskMode::enter();
    on_cleanup(move || kiosk_mode.leave());

    let now = RwSignal::new(when::now_secs());
    if let Ok(h) =
        set_interval_with_handle(move || now.set(when::now_secs()), Duration::from_secs(1))
    {
        on_cleanup(move || h.clear());
    }
    let screen = RwSignal::new(Screen::Idle);
    let visit = RwSignal::new(None::<Visit>);
    let last_touch = RwSignal::new(when::now_secs());
    let message = Outcome::new();
    let forget = move || {
        visit.set(None);
        message.set(None);
        // A wait for the server may still run: the next member's buttons
        // must not wait for it.
        message.set_pending(false);
        screen.set(Screen::Idle);
    };
    let left = Memo::new(move |_| IDLE_SECS - (now.get() - last_touch.get()));
    Effect::new(move |_| {
        if screen.get() != Screen::Idle && left.get() <= 0 {
            forget();
        }
    });
    let touch = move || last_touch.set(when::now_secs());
    // A new version waits until nobody is at the screen (no banner here).
    let update = expect_context::<ShellUpdate>();
    Effect::new(move |_| {
        if update.ready.get() && screen.get() == Screen::Idle {
            update.apply();
        }
    });

    let device = Memo::new(move |_| {
        sync.replica
            .with(|r| r.as_ref().map(|r| r.actor.account_id.clone()))
    });
    let is_kiosk = Memo::new(move |_| {
        sync.replica.with(|r| {
            r.as_ref()
                .is_some_and(|r| !r.actor.station_scopes().is_empty())
        })
    });
    let board = Memo::new(move |_| {
        let t = now.get() / 60 * 60;
        sync.replica.with(|r| {
            r.as_ref()
                .map(|r| Board::of(&r.actor, r.view(), when::this_month(), t))
        })
    });
    let start = move |_| {
        touch();
        message.set(None);
        screen.set(Screen::Identify);
    };
    let lock = Lock::new();
    Effect::new(move |_| {
        if sync.loaded.get() && !is_kiosk.get() {
            lock.release();
        }
    });
    let staff = move |_| {
        touch();
        if lock.on() || !lock.again() {
            screen.set(Screen::Staff);
        }
    };

    view! {
        <link rel="stylesheet" href="/kiosk.css" />
        <section class="page kiosk" data-testid="kiosk"
            on:pointerdown=move |_| touch() on:keydown=move |_| touch()>
            {move || {
                if !is_kiosk.get() {
                    return view! {
                        <h2 class="page-title">{t!(i18n, station_link)}</h2>
                        <p class="notice">{t!(i18n, kiosk_only)}</p>
                    }.into_any();
                }
                match screen.get() {
                    Screen::Idle => view! { <Idle board=board start=start lock=lock staff=staff /> }.into_any(),
                    Screen::Staff => view! { <Staff lock=lock close=forget /> }.into_any(),
                    Screen::Identify => view! {
                        <Identify visit=visit screen=screen touch=touch forget=forget />
                    }.into_any(),
                    Screen::Member => view! {
                        <Acting visit=visit board=board device=device message=message left=left forget=forget now=now />
                    }.into_any(),
                }
            }}
        </section>
    }
}

/// The idle screen: the station, this month's theme, what is on this week,
/// open 微心愿, the goods, and one way in.
#[component]
fn Idle(
    board: Memo<Option<Board>>,
    start: impl Fn(leptos::ev::MouseEvent) + 'static,
    lock: Lock,
    staff: impl Fn(leptos::ev::MouseEvent) + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        {move || board.get().map(|b| view! {
            <header class="kiosk-head">
                <h2 class="page-title">{b.station.map(|s| s.name).unwrap_or_default()}</h2>
                {b.theme.map(|t| view! { <p class="kiosk-theme">{t!(i18n, kiosk_theme)} " · " {t}</p> })}
            </header>
            <div class="kiosk-columns">
                <section aria-labelledby="kiosk-activities">
                    <h3 id="kiosk-activities">{t!(i18n, kiosk_activities)}</h3>
                    {if b.activities.is_empty() {
                        view! { <p class="muted">{t!(i18n, kiosk_no_activities)}</p> }.into_any()
                    } else {
                        view! {
                            <ul class="plain-list cards">
                                {b.activities.into_iter().map(|a| view! { <li class="card"><ActivityLine a=a /></li> }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </section>
                <section aria-labelledby="kiosk-wishes">
                    <h3 id="kiosk-wishes">{t!(i18n, kiosk_wishes)}</h3>
                    {if b.wishes.is_empty() {
                        view! { <p class="muted">{t!(i18n, kiosk_no_wishes)}</p> }.into_any()
                    } else {
                        view! {
                            <ul class="plain-list cards">
                                {b.wishes.into_iter().map(|w| view! {
                                    <li class="card">{w.title} <span class="muted">" · " {w.requester} " · " {t!(i18n, reward_cost, n = w.credits)}</span></li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </section>
                <section aria-labelledby="kiosk-rewards">
                    <h3 id="kiosk-rewards">{t!(i18n, kiosk_rewards)}</h3>
                    <ul class="plain-list cards">
                        {b.rewards.into_iter().map(|r| view! {
                            <li class="card">{r.title} <span class="muted">" · " {t!(i18n, reward_cost, n = r.cost)}</span></li>
                        }).collect_view()}
                    </ul>
                </section>
            </div>
        })}
        <button type="button" class="btn btn-primary kiosk-start" data-testid="kiosk-start" on:click=start>
            {t!(i18n, kiosk_start)}
        </button>
        <button type="button" class="btn kiosk-staff" data-testid="kiosk-staff-open" on:click=staff>
            {move || if lock.on() { t_string!(i18n, kiosk_staff) } else { t_string!(i18n, kiosk_lock) }}
        </button>
    }
}

#[component]
fn ActivityLine(a: Activity) -> impl IntoView {
    let (mo, d, h, mi) = when::short(a.starts_at);
    view! {
        <strong>{a.title}</strong>
        <span class="muted">" · " {format!("{mo}月{d}日 {h:02}:{mi:02}")} " · " {a.place}</span>
    }
}

/// "请出示党员码": the scanner types the code and Enter into the focused
/// field; a person can type it too. Checked here, offline.
#[component]
fn Identify(
    visit: RwSignal<Option<Visit>>,
    screen: RwSignal<Screen>,
    touch: impl Fn() + Copy + 'static,
    forget: impl Fn() + Copy + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let input = NodeRef::<leptos::html::Input>::new();
    let typed = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let checking = RwSignal::new(false);
    // The scanner types into whatever has the focus: this field.
    Effect::new(move |_| {
        if let Some(el) = input.get() {
            let _ = js::call(&el.into(), "focus", &[]);
        }
    });
    let identify = move |text: String| {
        touch();
        if text.is_empty() || checking.get_untracked() {
            return;
        }
        checking.set(true);
        spawn_local_scoped(async move {
            let found = check(sync, &text).await;
            checking.set(false);
            match found {
                Ok(v) => {
                    error.set(None);
                    visit.set(Some(v));
                    screen.set(Screen::Member);
                }
                Err(why) => error.set(Some(why.text(i18n.get_locale_untracked()))),
            }
        });
    };
    let submit_typed = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = typed.get_untracked().trim().to_owned();
        typed.set(String::new());
        identify(text);
    };
    // The camera, when the kiosk has no scanner: a frame every 300 ms.
    let video = NodeRef::<leptos::html::Video>::new();
    let camera = StoredValue::new_local(None::<Camera>);
    let camera_on = RwSignal::new(false);
    let camera_failed = RwSignal::new(false);
    // `try_`: on unmount the values may already be gone, and a panic here
    // would leave the interval below running.
    let stop_camera = move || {
        camera.try_update_value(|c| {
            if let Some(c) = c.take() {
                c.stop();
            }
        });
        camera_on.try_set(false);
    };
    let start_camera = move |_| {
        touch();
        let Some(el) = video.get_untracked() else {
            return;
        };
        camera_failed.set(false);
        spawn_local_scoped(async move {
            match Camera::start(el.into()).await {
                Ok(c) => {
                    camera.set_value(Some(c));
                    camera_on.set(true);
                }
                Err(_) => camera_failed.set(true),
            }
        });
    };
    // gloo's Interval, not set_interval: dropping it frees its closure at
    // once (leptos hands its closure to the JS garbage collector, which
    // left this screen's memory growing with every member).
    let frames = gloo_timers::callback::Interval::new(300, move || {
        let busy = checking.try_get_untracked().unwrap_or(true);
        if !camera_on.try_get_untracked().unwrap_or(false) || busy {
            return;
        }
        let text = camera.try_with_value(|c| c.as_ref().and_then(Camera::read));
        if let Some(text) = text.flatten() {
            identify(text);
        }
    });
    let frames = StoredValue::new_local(Some(frames));
    on_cleanup(move || drop(frames.try_update_value(Option::take)));
    on_cleanup(stop_camera);
    view! {
        <form class="form kiosk-identify" on:submit=submit_typed>
            <h2 class="page-title">{t!(i18n, kiosk_identify_title)}</h2>
            <p>{t!(i18n, kiosk_identify_hint)}</p>
            <label for="kiosk-code">{t!(i18n, kiosk_code_label)}</label>
            <input id="kiosk-code" node_ref=input type="text" autocomplete="off" autocapitalize="off"
                spellcheck="false" data-testid="kiosk-code"
                prop:value=move || typed.get() on:input=move |ev| typed.set(event_target_value(&ev)) />
            {move || error.get().map(|e| view! { <p class="notice notice-error" role="alert">{e}</p> })}
            <div class="actions">
                <button type="submit" class="btn btn-primary" disabled=move || checking.get()>{t!(i18n, kiosk_identify)}</button>
                <button type="button" class="btn" data-testid="kiosk-camera" disabled=move || camera_on.get()
                    on:click=start_camera>{t!(i18n, kiosk_camera)}</button>
                <button type="button" class="btn" on:click=move |_| forget()>{t!(i18n, kiosk_back)}</button>
            </div>
            {move || camera_failed.get().then(|| view! { <p class="notice notice-error" role="alert">{t!(i18n, kiosk_camera_failed)}</p> })}
            <video node_ref=video class="kiosk-camera" class:hidden=move || !camera_on.get()
                muted=true playsinline=true aria-label=move || t_string!(i18n, kiosk_camera)></video>
        </form>
    }
}

/// Why a code was not taken at the kiosk.
enum NotTaken {
    Unreadable,
    Expired,
    Used,
    Unknown,
    Wrong,
    CannotCheck,
    Revoked,
    /// A typed short code: nobody's (this many more tries), the last free
    /// try gone, the kiosk must wait (seconds), it is offline, or the check
    /// failed.
    ShortWrong(u32),
    ShortLocked,
    ShortWait(u64),
    ShortOffline,
    ShortFailed,
}

impl NotTaken {
    fn text(&self, l: Locale) -> String {
        match self {
            NotTaken::Unreadable => td_string!(l, kiosk_code_unreadable),
            NotTaken::Expired => td_string!(l, kiosk_code_expired),
            NotTaken::Used => td_string!(l, kiosk_code_used),
            NotTaken::Unknown => td_string!(l, kiosk_code_unknown),
            NotTaken::Wrong => td_string!(l, kiosk_code_wrong),
            NotTaken::CannotCheck => td_string!(l, kiosk_code_cannot_check),
            NotTaken::Revoked => td_string!(l, kiosk_card_revoked),
            NotTaken::ShortWrong(n) => return td_string!(l, kiosk_short_wrong, n = *n).to_string(),
            NotTaken::ShortWait(s) => {
                return td_string!(l, kiosk_short_wait, seconds = *s).to_string();
            }
            NotTaken::ShortLocked => td_string!(l, kiosk_short_locked),
            NotTaken::ShortOffline => td_string!(l, kiosk_short_offline),
            NotTaken::ShortFailed => td_string!(l, kiosk_short_failed),
        }
        .to_string()
    }
}

thread_local! {
    /// Codes this page took, for the minutes they could still be shown
    /// again: a code is good for one identification, here as on the server.
    static TAKEN: std::cell::RefCell<Vec<(String, i64)>> = const { std::cell::RefCell::new(Vec::new()) };
}

async fn check(sync: Sync, text: &str) -> Result<Visit, NotTaken> {
    if let Some(card) = CardCode::parse(text) {
        return check_card(sync, text, card);
    }
    if let Some(typed) = ShortCode::parse(text) {
        return check_short(sync, typed).await;
    }
    let code = MemberCode::parse(text).ok_or(NotTaken::Unreadable)?;
    let now = when::now_secs();
    if !code.fresh_at(now) {
        return Err(NotTaken::Expired);
    }
    let taken = TAKEN.with(|t| {
        let mut t = t.borrow_mut();
        t.retain(|(_, w)| MemberCode::window_at(now) - w < 40);
        t.iter()
            .any(|(m, w)| *m == code.member_id && *w == code.window)
    });
    let (key, used) = sync.replica.with_untracked(|r| {
        let Some(r) = r.as_ref() else {
            return (None, false);
        };
        let v = r.view();
        (
            v.member_keys()
                .get(&MemberKey::id_for(&code.member_id))
                .cloned(),
            v.code_uses()
                .contains_key(&CodeUse::id_for(&code.member_id, code.window)),
        )
    });
    if taken || used {
        return Err(NotTaken::Used);
    }
    let key = key.ok_or(NotTaken::Unknown)?;
    let point = key.key_bytes().ok_or(NotTaken::Unknown)?;
    let message = MemberCode::message(&code.member_id, code.window);
    match member_key::verify(&point, message.as_bytes(), &code.signature).await {
        Some(true) => {}
        Some(false) => return Err(NotTaken::Wrong),
        None => return Err(NotTaken::CannotCheck),
    }
    TAKEN.with(|t| t.borrow_mut().push((code.member_id.clone(), code.window)));
    Ok(Visit {
        member_id: code.member_id,
        masked_name: key.masked_name,
        proof: MemberProof {
            code: text.to_owned(),
            session: random_hex(),
            grant: None,
        },
        by_card: false,
        hold_id: random_hex(),
    })
}

/// A printed card, against the digest this kiosk synced.
fn check_card(sync: Sync, text: &str, card: CardCode) -> Result<Visit, NotTaken> {
    let record = sync
        .replica
        .with_untracked(|r| r.as_ref().and_then(|r| card_of(r.view(), &card.member_id)))
        .ok_or(NotTaken::Unknown)?;
    card.check(&record).map_err(|e| match e {
        Rejection::Conflict(Why::MemberCardRevoked) => NotTaken::Revoked,
        _ => NotTaken::Wrong,
    })?;
    Ok(Visit {
        member_id: card.member_id,
        masked_name: record.masked_name,
        proof: MemberProof {
            code: text.to_owned(),
            session: random_hex(),
            grant: None,
        },
        by_card: true,
        hold_id: random_hex(),
    })
}

/// A short code typed by hand: only the server can tell whose it is, so
/// only online; its answer's grant lets this visit act for her.
async fn check_short(sync: Sync, typed: ShortCode) -> Result<Visit, NotTaken> {
    let session = random_hex();
    let (member_id, proof_code, grant) =
        match short_code::check(sync, typed.text(), session.clone()).await {
            Ok(ShortCodeAnswer::Identified {
                member_id,
                proof_code,
                grant,
                ..
            }) => (member_id, proof_code, grant),
            // How long the kiosk now waits is the server's to say (it
            // grows with each lock); the next try gets it with the 429.
            Ok(ShortCodeAnswer::WrongCode { tries_left: 0 }) => return Err(NotTaken::ShortLocked),
            Ok(ShortCodeAnswer::WrongCode { tries_left }) => {
                return Err(NotTaken::ShortWrong(tries_left));
            }
            Ok(ShortCodeAnswer::Refused { reason, .. }) => {
                let key = reason.map(|r| r.key);
                return Err(if key.as_deref() == Some(Why::MemberCodeReplayed.key()) {
                    NotTaken::Used
                } else if key.as_deref() == Some(Why::MemberNotAtStation.key()) {
                    NotTaken::Unknown
                } else {
                    NotTaken::ShortFailed
                });
            }
            Err(PinError::Offline) => return Err(NotTaken::ShortOffline),
            Err(PinError::Throttled(s)) => return Err(NotTaken::ShortWait(s)),
            Err(_) => return Err(NotTaken::ShortFailed),
        };
    // The kiosk acts for her on her key, synced like any member's.
    let key = sync
        .replica
        .with_untracked(|r| {
            r.as_ref().and_then(|r| {
                r.view()
                    .member_keys()
                    .get(&MemberKey::id_for(&member_id))
                    .cloned()
            })
        })
        .ok_or(NotTaken::Unknown)?;
    Ok(Visit {
        member_id,
        masked_name: key.masked_name,
        proof: MemberProof {
            code: proof_code,
            session,
            grant: Some(grant),
        },
        by_card: false,
        hold_id: random_hex(),
    })
}

/// Acting for the member: check-in to what is on now, redemption from her
/// hold for this kiosk. Her masked name and the countdown stay in view.
#[component]
fn Acting(
    visit: RwSignal<Option<Visit>>,
    board: Memo<Option<Board>>,
    device: Memo<Option<String>>,
    message: Outcome,
    left: Memo<i64>,
    forget: impl Fn() + Copy + 'static,
    now: RwSignal<i64>,
) -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let who = move || visit.with(|v| v.as_ref().map(|v| v.masked_name.clone()));
    let by_card = move || visit.with(|v| v.as_ref().is_some_and(|v| v.by_card));
    let open_now = Memo::new(move |_| {
        let t = now.get();
        marked_activities(
            board,
            visit,
            |a| station::open_for_check_in(a, t),
            station::checked_in,
        )
    });
    let hold = Memo::new(move |_| {
        let t = now.get() / 10 * 10;
        let member = visit.with(|v| v.as_ref().map(|v| v.member_id.clone()))?;
        let device = device.get()?;
        sync.replica.with(|r| {
            let r = r.as_ref()?;
            station::holds_for(r.view(), &member, &device, t)
                .into_iter()
                .next()
        })
    });
    let check_in = move |activity_id: String| {
        let Some(v) = visit.get_untracked() else {
            return;
        };
        let op = Op::CheckInAtKiosk(KioskCheckIn {
            id: random_hex(),
            activity_id,
            member_id: v.member_id,
            at: when::now_secs(),
            proof: v.proof,
        });
        submit(op, message, t_string!(i18n, kiosk_checked_in).to_string());
    };
    let redeem = move |reward_id: String| {
        let (Some(v), Some(h)) = (visit.get_untracked(), hold.get_untracked()) else {
            return;
        };
        let op = Op::Redeem(Redeem {
            id: random_hex(),
            reward_id,
            member_id: v.member_id,
            code: None,
            at: when::now_secs(),
            hold_id: Some(h.id),
            proof: Some(v.proof),
        });
        submit(op, message, t_string!(i18n, station_done).to_string());
    };
    // Her wallet is on the server only: the kiosk asks it for a hold and
    // offers the goods once the hold is here (pulled), never before.
    let reserve = move |amount: i64| {
        let Some(v) = visit.get_untracked() else {
            return;
        };
        if untrack(|| message.pending()) {
            return;
        }
        message.set_pending(true);
        message.set(Some((true, t_string!(i18n, kiosk_hold_asking).to_string())));
        let session = v.proof.session.clone();
        let op = Op::ActAtKiosk(KioskAct {
            member_id: v.member_id,
            at: when::now_secs(),
            proof: v.proof,
            deed: KioskDeed::PlaceHold {
                hold_id: v.hold_id,
                amount,
            },
        });
        leptos::task::spawn_local(async move {
            let verdict = sync.mutate_and_wait(op, HOLD_WAIT_MS).await;
            // Gone meanwhile (forgetting reset the form), or the next member
            // came: tell nobody else.
            let here = visit
                .try_with_untracked(|v| v.as_ref().is_some_and(|v| v.proof.session == session))
                .unwrap_or(false);
            if !here {
                return;
            }
            let locale = i18n.get_locale_untracked();
            match verdict {
                Ok(Verdict::Done) => {
                    // Placed: a further reservation this visit is another hold.
                    visit.update(|v| {
                        if let Some(v) = v {
                            v.hold_id = random_hex();
                        }
                    });
                    message.set(Some((
                        true,
                        td_string!(locale, kiosk_hold_placed, n = amount).to_string(),
                    )))
                }
                Ok(Verdict::Refused { message: m, reason }) => message.refused(m, reason),
                Ok(Verdict::NoAnswer) => message.set(Some((
                    false,
                    td_string!(locale, kiosk_hold_no_answer).to_string(),
                ))),
                Err(e) => message.refuse(&e),
            }
            message.set_pending(false);
        });
    };
    // A hold for her queued here and not yet judged (no network), in this
    // visit or an earlier one: one at a time, or two would be reserved.
    let hold_queued = Memo::new(move |_| {
        let Some(her) = visit.with(|v| v.as_ref().map(|v| v.member_id.clone())) else {
            return false;
        };
        sync.replica.with(|r| {
            r.as_ref().is_some_and(|r| {
                r.outbox.iter().any(|m| {
                    matches!(&m.op, Op::ActAtKiosk(KioskAct {
                        member_id,
                        deed: KioskDeed::PlaceHold { .. }, ..
                    }) if *member_id == her)
                })
            })
        })
    });
    let act = move |deed: KioskDeed, ok: String| {
        let Some(v) = visit.get_untracked() else {
            return;
        };
        let op = Op::ActAtKiosk(KioskAct {
            member_id: v.member_id,
            at: when::now_secs(),
            proof: v.proof,
            deed,
        });
        submit(op, message, ok);
    };
    // This week's activities at the station, and whether she is signed up
    // (as far as this kiosk knows: the ones it made).
    let coming = Memo::new(move |_| {
        marked_activities(
            board,
            visit,
            |_| true,
            |v, m, a| agenda::live_signup(v, m, a).is_some(),
        )
    });
    view! {
        <header class="kiosk-visit">
            <h2 class="page-title" data-testid="kiosk-member">{move || who().map(|n| t_string!(i18n, kiosk_hello, name = n).to_string())}</h2>
            <p class="kiosk-countdown" role="timer" aria-live="off">{move || t!(i18n, kiosk_left, seconds = left.get().max(0))}</p>
            <button type="button" class="btn btn-primary" data-testid="kiosk-done" on:click=move |_| forget()>{t!(i18n, kiosk_done)}</button>
        </header>
        <Message message=message />
        <section aria-labelledby="kiosk-now">
            <h3 id="kiosk-now">{t!(i18n, kiosk_check_in_title)}</h3>
            {move || {
                let list = open_now.get();
                if list.is_empty() {
                    return view! { <p class="muted">{t!(i18n, kiosk_nothing_now)}</p> }.into_any();
                }
                list.into_iter().map(|(a, done)| {
                    let id = a.id.clone();
                    view! {
                        <div class="card kiosk-row">
                            <ActivityLine a=a />
                            <button type="button" class="btn btn-primary" disabled=move || done || message.pending()
                                on:click=move |_| check_in(id.clone())>
                                {if done { t_string!(i18n, kiosk_already_in) } else { t_string!(i18n, kiosk_check_in) }}
                            </button>
                        </div>
                    }
                }).collect_view().into_any()
            }}
        </section>
        <Show when=move || !by_card() fallback=move || view! { <CardPinForm visit=visit message=message /> }>
        <section aria-labelledby="kiosk-sign-up">
            <h3 id="kiosk-sign-up">{t!(i18n, kiosk_sign_up_title)}</h3>
            {move || {
                let list = coming.get();
                if list.is_empty() {
                    return view! { <p class="muted">{t!(i18n, kiosk_no_activities)}</p> }.into_any();
                }
                list.into_iter().map(|(a, mine)| {
                    let id = a.id.clone();
                    view! {
                        <div class="card kiosk-row" data-testid="kiosk-coming">
                            <ActivityLine a=a />
                            <button type="button" class="btn" disabled=move || mine || message.pending()
                                on:click=move |_| act(
                                    KioskDeed::SignUp { signup_id: random_hex(), activity_id: id.clone() },
                                    t_string!(i18n, kiosk_sign_up_done).to_string(),
                                )>
                                {if mine { t_string!(i18n, kiosk_signed_up) } else { t_string!(i18n, kiosk_sign_up) }}
                            </button>
                        </div>
                    }
                }).collect_view().into_any()
            }}
        </section>
        <section aria-labelledby="kiosk-claim">
            <h3 id="kiosk-claim">{t!(i18n, kiosk_wishes)}</h3>
            {move || {
                let wishes = board.with(|b| b.as_ref().map(|b| b.wishes.clone()).unwrap_or_default());
                if wishes.is_empty() {
                    return view! { <p class="muted">{t!(i18n, kiosk_no_wishes)}</p> }.into_any();
                }
                wishes.into_iter().map(|w| {
                    let id = w.id.clone();
                    view! {
                        <div class="card kiosk-row" data-testid="kiosk-wish">
                            <span>{w.title} <span class="muted">" · " {w.requester}</span></span>
                            <button type="button" class="btn" disabled=move || message.pending()
                                on:click=move |_| act(
                                    KioskDeed::ClaimWish { wish_id: id.clone() },
                                    t_string!(i18n, kiosk_claim_done).to_string(),
                                )>
                                {t!(i18n, kiosk_claim)}
                            </button>
                        </div>
                    }
                }).collect_view().into_any()
            }}
        </section>
        <section aria-labelledby="kiosk-redeem">
            <h3 id="kiosk-redeem">{t!(i18n, kiosk_redeem_title)}</h3>
            {move || match hold.get() {
                None => {
                    if hold_queued.get() {
                        return view! { <p class="muted" data-testid="kiosk-hold-queued">{t!(i18n, kiosk_hold_waiting)}</p> }.into_any();
                    }
                    // What she could reserve: each price on the shelf, once.
                    let mut costs: Vec<i64> = board.with(|b| {
                        b.as_ref().map(|b| b.rewards.iter().map(|x| x.cost).collect()).unwrap_or_default()
                    });
                    costs.sort_unstable();
                    costs.dedup();
                    let hint = (!costs.is_empty()).then(|| view! { <p>{t!(i18n, kiosk_hold_hint)}</p> });
                    view! {
                        <p class="muted">{t!(i18n, kiosk_no_hold)}</p>
                        {hint}
                        <div class="kiosk-goods">
                            {costs.iter().map(|&n| view! {
                                <button type="button" class="btn" data-testid="kiosk-reserve" disabled=move || message.pending()
                                    on:click=move |_| reserve(n)>
                                    {t!(i18n, kiosk_hold_reserve, n = n)}
                                </button>
                            }).collect_view()}
                        </div>
                    }.into_any()
                }
                Some(h) => {
                    let remaining = h.amount - h.used;
                    let goods = board.with(|b| b.as_ref().map(|b| b.rewards.clone()).unwrap_or_default());
                    view! {
                        <p data-testid="kiosk-hold">{t!(i18n, kiosk_hold_left, n = remaining)}</p>
                        <div class="kiosk-goods">
                            {goods.into_iter().map(|x| {
                                let id = x.id.clone();
                                let affordable = x.cost <= remaining;
                                view! {
                                    <button type="button" class="btn btn-large" disabled=move || !affordable || message.pending()
                                        on:click=move |_| redeem(id.clone())>
                                        {x.title.clone()} " · " {t!(i18n, reward_cost, n = x.cost)}
                                    </button>
                                }
                            }).collect_view()}
                        </div>
                    }.into_any()
                }
            }}
        </section>
        </Show>
    }
}

/// A card alone checks her in. With her PIN, which the server checks while
/// the kiosk is online, it does the rest in this visit: the server's grant
/// rides in the visit's proof, and the server checks it again on every
/// mutation. The PIN goes to the server only, and is gone with the form.
#[component]
fn CardPinForm(visit: RwSignal<Option<Visit>>, message: Outcome) -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let pin = RwSignal::new(String::new());
    let said = Outcome::new();
    let check = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(v) = visit.get_untracked() else {
            return;
        };
        if said.pending() {
            return;
        }
        let typed = pin.get_untracked();
        pin.set(String::new());
        said.set_pending(true);
        said.set(Some((
            true,
            t_string!(i18n, kiosk_card_pin_checking).to_string(),
        )));
        let session = v.proof.session.clone();
        leptos::task::spawn_local(async move {
            let answer = card_pin::unlock(sync, v.proof.code, typed, session.clone()).await;
            // Forgotten meanwhile, or the next member came: tell nobody else.
            let here = visit
                .try_with_untracked(|x| x.as_ref().is_some_and(|x| x.proof.session == session))
                .unwrap_or(false);
            if !here {
                return;
            }
            let locale = i18n.get_locale_untracked();
            let text = |ok: bool, t: &str| Some((ok, t.to_owned()));
            match answer {
                Ok(CardUnlockAnswer::Unlocked { grant, .. }) => {
                    visit.update(|x| {
                        if let Some(x) = x {
                            x.proof.grant = Some(grant);
                            x.by_card = false;
                        }
                    });
                    message.set(text(true, td_string!(locale, kiosk_card_pin_right)));
                }
                Ok(CardUnlockAnswer::WrongPin { tries_left: 0 }) => {
                    said.set(text(false, td_string!(locale, kiosk_card_pin_wait)))
                }
                Ok(CardUnlockAnswer::WrongPin { tries_left }) => said.set(Some((
                    false,
                    td_string!(locale, kiosk_card_pin_wrong, n = tries_left).to_string(),
                ))),
                Ok(CardUnlockAnswer::NoPin) => {
                    said.set(text(false, td_string!(locale, kiosk_card_no_pin)))
                }
                Ok(CardUnlockAnswer::Refused { message: m, reason }) => said.refused(m, reason),
                Err(PinError::Offline) => {
                    said.set(text(false, td_string!(locale, kiosk_card_pin_offline)))
                }
                Err(PinError::Throttled(secs)) => {
                    said.set(Some((false, labels::try_again_in(locale, secs))))
                }
                // A kiosk whose session ended, or a server error: staff
                // must act; the card still checks her in.
                Err(PinError::SessionEnded | PinError::Other(_)) => {
                    said.set(text(false, td_string!(locale, kiosk_card_pin_failed)))
                }
            }
            said.set_pending(false);
        });
    };
    view! {
        <section class="kiosk-card-pin">
            <p class="notice" data-testid="kiosk-card-only">{t!(i18n, kiosk_card_only)}</p>
            <form class="form" on:submit=check>
                <PinField id="kiosk-card-pin" required=true value=pin
                    label=Signal::derive(move || t_string!(i18n, kiosk_card_pin_label).to_string()) />
                <button type="submit" class="btn btn-primary" data-testid="kiosk-card-pin-submit"
                    disabled=move || said.pending()>{t!(i18n, kiosk_card_pin_submit)}</button>
            </form>
            <Message message=said />
        </section>
    }
}

/// The board's activities that `keep` picks, each with whether `mark`
/// (records, member, activity) holds for the identified member, as far as
/// this kiosk knows.
fn marked_activities(
    board: Memo<Option<Board>>,
    visit: RwSignal<Option<Visit>>,
    keep: impl Fn(&Activity) -> bool,
    mark: fn(&Records, &str, &str) -> bool,
) -> Vec<(Activity, bool)> {
    let sync = Sync::get();
    let member = visit.with(|v| v.as_ref().map(|v| v.member_id.clone()));
    board.with(|b| {
        let (Some(b), Some(m)) = (b.as_ref(), member) else {
            return vec![];
        };
        sync.replica.with(|r| {
            b.activities
                .iter()
                .filter(|a| keep(a))
                .map(|a| {
                    let marked = r.as_ref().is_some_and(|r| mark(r.view(), &m, &a.id));
                    (a.clone(), marked)
                })
                .collect()
        })
    })
}

/// Full screen, no tab bar, large targets: a class on `<html>` while the
/// kiosk page is shown.
#[derive(Clone, Copy)]
struct KioskMode;

impl KioskMode {
    fn enter() -> Self {
        Self::toggle("add");
        KioskMode
    }

    fn leave(self) {
        Self::toggle("remove");
    }

    fn toggle(how: &str) {
        let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        else {
            return;
        };
        if let Ok(list) = js::get(&root, "classList") {
            let _ = js::call(&list, how, &[&"kiosk-mode".into()]);
        }
    }
}

crate::lazy_page!(StationRoute, station_chunk, StationPage);
