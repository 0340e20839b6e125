//! Display names of domain enums in the current language.

use zhijian_domain::activity::{ServiceMode, Signup, SignupStatus};
use zhijian_domain::{Area, ManagementMode, MemberStatus, OrgKind};

use crate::i18n::*;

/// "Too many attempts, try again in …" for a `Retry-After` in seconds.
pub fn try_again_in(locale: Locale, secs: u64) -> String {
    if secs < 60 {
        td_string!(locale, login_error_throttled_secs, secs = secs).to_string()
    } else {
        let mins = secs.div_ceil(60);
        td_string!(locale, login_error_throttled_mins, mins = mins).to_string()
    }
}

pub fn kind(locale: Locale, kind: OrgKind) -> &'static str {
    match kind {
        OrgKind::Committee => td_string!(locale, kind_committee),
        OrgKind::GeneralBranch => td_string!(locale, kind_general_branch),
        OrgKind::Branch => td_string!(locale, kind_branch),
        OrgKind::Group => td_string!(locale, kind_group),
    }
}

pub fn area(locale: Locale, area: Area) -> &'static str {
    match area {
        Area::Building => td_string!(locale, area_building),
        Area::BusinessDistrict => td_string!(locale, area_business_district),
        Area::Cbd => td_string!(locale, area_cbd),
        Area::Community => td_string!(locale, area_community),
        Area::Park => td_string!(locale, area_park),
        Area::Grid => td_string!(locale, area_grid),
    }
}

pub const STATUSES: [MemberStatus; 3] = [
    MemberStatus::Activist,
    MemberStatus::Probationary,
    MemberStatus::Full,
];
pub const MODES: [ManagementMode; 5] = [
    ManagementMode::Resident,
    ManagementMode::Employed,
    ManagementMode::Retired,
    ManagementMode::Mobile,
    ManagementMode::LaidOff,
];

pub fn status(locale: Locale, s: MemberStatus) -> &'static str {
    match s {
        MemberStatus::Activist => td_string!(locale, status_activist),
        MemberStatus::Probationary => td_string!(locale, status_probationary),
        MemberStatus::Full => td_string!(locale, status_full),
    }
}

pub fn mode(locale: Locale, m: ManagementMode) -> &'static str {
    match m {
        ManagementMode::Resident => td_string!(locale, mode_resident),
        ManagementMode::Employed => td_string!(locale, mode_employed),
        ManagementMode::Retired => td_string!(locale, mode_retired),
        ManagementMode::Mobile => td_string!(locale, mode_mobile),
        ManagementMode::LaidOff => td_string!(locale, mode_laid_off),
    }
}

pub const SERVICE_MODES: [ServiceMode; 4] = [
    ServiceMode::Menu,
    ServiceMode::Booking,
    ServiceMode::Group,
    ServiceMode::Theme,
];

pub fn service_mode(locale: Locale, m: ServiceMode) -> &'static str {
    match m {
        ServiceMode::Menu => td_string!(locale, mode_menu),
        ServiceMode::Booking => td_string!(locale, mode_booking),
        ServiceMode::Group => td_string!(locale, mode_group),
        ServiceMode::Theme => td_string!(locale, mode_theme),
    }
}

pub fn signup_status(locale: Locale, s: &Signup) -> String {
    match s.status {
        SignupStatus::Requested => td_string!(locale, signup_requested).to_string(),
        SignupStatus::Confirmed => td_string!(locale, signup_confirmed).to_string(),
        SignupStatus::Waitlisted => match s.position {
            Some(n) => td_string!(locale, signup_waitlisted_n, n = n).to_string(),
            None => td_string!(locale, signup_waitlisted).to_string(),
        },
        SignupStatus::Cancelled => td_string!(locale, signup_cancelled).to_string(),
        SignupStatus::Declined => td_string!(locale, signup_declined).to_string(),
    }
}

/// "11月24日 14:00" / "Nov 24, 14:00".
pub fn when(locale: Locale, secs: i64) -> String {
    let (month, day, hour, minute) = crate::when::short(secs);
    let minute = format!("{minute:02}");
    td_string!(
        locale,
        when_short,
        month = month,
        day = day,
        hour = hour,
        minute = minute
    )
    .to_string()
}
