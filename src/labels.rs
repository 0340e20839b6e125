//! Display names of domain enums in the current language.

use zhijian_domain::{Area, ManagementMode, MemberStatus, OrgKind};

use crate::i18n::*;

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

/// A mutation's wire name as the user knows the action.
pub fn op(locale: Locale, name: &str) -> &'static str {
    match name.split('@').next().unwrap_or_default() {
        "profile.update" => td_string!(locale, op_profile),
        "member.update" => td_string!(locale, op_member_update),
        "member.add" => td_string!(locale, op_member_add),
        _ => td_string!(locale, op_org),
    }
}
