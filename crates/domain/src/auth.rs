//! Who is acting, and what they may see and change (DOMAIN.md, privacy).

use serde::{Deserialize, Serialize};

use crate::{Member, Org};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleKind {
    /// A party member: own data and the branch's public data.
    Member,
    /// 支部书记 of an org: that org and its groups.
    Secretary,
    /// Staff of a committee (两新工委 / 党工委): its whole subtree.
    Committee,
    /// Everything.
    Admin,
    /// A shared kiosk device at a station: the directory, the station's
    /// rewards and wishes, and the holds members place for it.
    Kiosk,
    /// A merchant in the alliance (商户): its own rewards and redemptions.
    Merchant,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    pub kind: RoleKind,
    /// The org the role is held in; none for admin.
    pub org_id: Option<String>,
}

/// What the app knows about the signed-in account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub login: String,
    pub display_name: String,
    pub member_id: Option<String>,
    pub roles: Vec<Role>,
}

/// A role with the path of its org, ready for scope checks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopedRole {
    pub kind: RoleKind,
    pub org_path: Option<String>,
}

/// The acting account, as every mutation and pull sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub account_id: String,
    pub member_id: Option<String>,
    /// The path of the member's own org, for the branch's public data.
    pub member_org_path: Option<String>,
    pub roles: Vec<ScopedRole>,
}

impl Actor {
    pub fn is_admin(&self) -> bool {
        self.roles.iter().any(|r| r.kind == RoleKind::Admin)
    }

    fn holds_over(&self, org: &Org, kinds: &[RoleKind]) -> bool {
        self.is_admin()
            || self.roles.iter().any(|r| {
                kinds.contains(&r.kind)
                    && r.org_path
                        .as_deref()
                        .is_some_and(|p| !p.is_empty() && org.path.starts_with(p))
            })
    }

    /// Secretaries manage their org and its groups; committee staff their subtree.
    pub fn manages(&self, org: &Org) -> bool {
        self.holds_over(org, &[RoleKind::Secretary, RoleKind::Committee])
    }

    /// Only committee staff and admins shape the org tree.
    pub fn shapes_tree_at(&self, org: &Org) -> bool {
        self.holds_over(org, &[RoleKind::Committee])
    }

    /// A station device of the org (or one above it).
    pub fn stationed_at(&self, org: &Org) -> bool {
        self.holds_over(org, &[RoleKind::Kiosk])
    }

    pub fn is_member(&self, member_id: &str) -> bool {
        self.member_id.as_deref() == Some(member_id)
    }

    /// The copy of `member` (in `org`) this actor may see, or `None`.
    pub fn view_of(&self, member: &Member, org: &Org) -> Option<Member> {
        if self.is_member(&member.id) || self.manages(org) {
            return Some(member.clone());
        }
        let same_branch = self.member_org_path.as_deref() == Some(org.path.as_str());
        same_branch.then(|| member.public_view())
    }

    /// Org paths this actor manages (everything below them).
    pub fn managed_scopes(&self) -> Vec<String> {
        if self.is_admin() {
            return vec!["/".into()];
        }
        let mut scopes: Vec<String> = self
            .roles
            .iter()
            .filter(|r| matches!(r.kind, RoleKind::Secretary | RoleKind::Committee))
            .filter_map(|r| r.org_path.clone())
            .collect();
        scopes.sort();
        scopes.dedup();
        scopes
    }

    /// Org paths of the stations this actor is a kiosk at.
    pub fn station_scopes(&self) -> Vec<String> {
        self.roles
            .iter()
            .filter(|r| r.kind == RoleKind::Kiosk)
            .filter_map(|r| r.org_path.clone())
            .collect()
    }

    /// Org paths whose members this actor may see at least publicly.
    pub fn visible_member_scopes(&self) -> Vec<String> {
        let mut scopes = self.managed_scopes();
        if let Some(p) = &self.member_org_path
            && !self.is_admin()
        {
            scopes.push(p.clone());
        }
        scopes.sort();
        scopes.dedup();
        scopes
    }

    /// Paths of the orgs this actor belongs to or holds a role in: menus and
    /// activities of these orgs and the orgs above them apply to the actor.
    pub fn own_paths(&self) -> Vec<String> {
        let mut paths: Vec<String> = self
            .member_org_path
            .iter()
            .chain(self.roles.iter().filter_map(|r| r.org_path.as_ref()))
            .cloned()
            .collect();
        paths.sort();
        paths.dedup();
        paths
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ManagementMode, MemberStatus, OrgKind};

    fn org(id: &str, path: &str) -> Org {
        Org {
            id: id.into(),
            parent_id: None,
            name: id.into(),
            kind: OrgKind::Branch,
            joint: false,
            area: None,
            place: None,
            path: path.into(),
        }
    }

    fn member(id: &str, org_id: &str) -> Member {
        Member {
            id: id.into(),
            org_id: org_id.into(),
            name: id.into(),
            status: MemberStatus::Full,
            mode: ManagementMode::Employed,
            phone: Some("13900000001".into()),
            workplace: None,
        }
    }

    fn actor(member: Option<(&str, &str)>, roles: &[(RoleKind, &str)]) -> Actor {
        Actor {
            account_id: "a".into(),
            member_id: member.map(|(m, _)| m.into()),
            member_org_path: member.map(|(_, p)| p.into()),
            roles: roles
                .iter()
                .map(|(k, p)| ScopedRole {
                    kind: *k,
                    org_path: Some((*p).into()),
                })
                .collect(),
        }
    }

    #[test]
    fn secretary_manages_own_subtree_only() {
        let sec = actor(None, &[(RoleKind::Secretary, "/c/b1/")]);
        assert!(sec.manages(&org("b1", "/c/b1/")));
        assert!(sec.manages(&org("g", "/c/b1/g/")));
        assert!(!sec.manages(&org("b2", "/c/b2/")));
        assert!(
            !sec.manages(&org("b10", "/c/b10/")),
            "prefix must end at a path separator"
        );
        assert!(!sec.shapes_tree_at(&org("b1", "/c/b1/")));
    }

    #[test]
    fn members_see_own_data_and_the_branch_publicly() {
        let me = actor(Some(("m1", "/c/b1/")), &[(RoleKind::Member, "/c/b1/")]);
        let b1 = org("b1", "/c/b1/");
        assert_eq!(
            me.view_of(&member("m1", "b1"), &b1)
                .unwrap()
                .phone
                .as_deref(),
            Some("13900000001")
        );
        assert_eq!(me.view_of(&member("m2", "b1"), &b1).unwrap().phone, None);
        assert_eq!(me.view_of(&member("m3", "b2"), &org("b2", "/c/b2/")), None);
    }

    #[test]
    fn admin_sees_everything() {
        let admin = Actor {
            account_id: "x".into(),
            member_id: None,
            member_org_path: None,
            roles: vec![ScopedRole {
                kind: RoleKind::Admin,
                org_path: None,
            }],
        };
        assert!(admin.manages(&org("b", "/c/b/")));
        assert_eq!(admin.visible_member_scopes(), vec!["/".to_string()]);
    }
}
