//! Mutations on members and the org tree: a member's own profile, a
//! secretary's members, committee staff's orgs.

use serde::{Deserialize, Serialize};

use crate::auth::Actor;
use crate::kernel::{Rejection, View, Write, member_of, org_of};
use crate::member::{MemberPatch, ProfilePatch};
use crate::refusal::{Field, Thing, Why};
use crate::validate::{self, FieldError};
use crate::{Area, ManagementMode, Member, MemberStatus, Org, OrgKind};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    /// Made by the client (UUID), so the optimistic record and the server's agree.
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub status: MemberStatus,
    pub mode: ManagementMode,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub workplace: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrg {
    pub id: String,
    pub parent_id: String,
    pub name: String,
    pub kind: OrgKind,
    #[serde(default)]
    pub joint: bool,
    #[serde(default)]
    pub area: Option<Area>,
    #[serde(default)]
    pub place: Option<String>,
}

/// The phone and workplace a patch sets, if it sets them.
fn contact(
    phone: &Option<Option<String>>,
    workplace: &Option<Option<String>>,
) -> Result<(), FieldError> {
    if let Some(Some(p)) = phone {
        validate::phone(Field::Phone, p)?;
    }
    if let Some(Some(w)) = workplace {
        validate::text(Field::Workplace, w, Member::MAX_WORKPLACE_CHARS)?;
    }
    Ok(())
}

pub(crate) fn update_profile(
    actor: &Actor,
    patch: &ProfilePatch,
    view: &impl View,
) -> Result<Vec<Write>, Rejection> {
    let me = actor
        .member_id
        .as_deref()
        .ok_or(Rejection::Forbidden(Why::NoMemberProfile))?;
    let mut m = member_of(view, me)?;
    contact(&patch.phone, &patch.workplace)?;
    patch.apply_to(&mut m);
    Ok(vec![Write::Member(m)])
}

pub(crate) fn update_member(
    actor: &Actor,
    member_id: &str,
    patch: &MemberPatch,
    view: &impl View,
) -> Result<Vec<Write>, Rejection> {
    let mut m = member_of(view, member_id)?;
    let org = org_of(view, &m.org_id)?;
    if !actor.manages(&org) {
        return Err(Rejection::Forbidden(Why::OnlyOwnOrgMemberEdit));
    }
    if let Some(name) = &patch.name {
        validate::text(Field::Name, name, Member::MAX_NAME_CHARS)?;
    }
    contact(&patch.phone, &patch.workplace)?;
    patch.apply_to(&mut m);
    Ok(vec![Write::Member(m)])
}

pub(crate) fn add_member(
    actor: &Actor,
    n: &NewMember,
    view: &impl View,
) -> Result<Vec<Write>, Rejection> {
    let m = Member {
        id: n.id.clone(),
        org_id: n.org_id.clone(),
        name: n.name.clone(),
        status: n.status,
        mode: n.mode,
        phone: n.phone.clone(),
        workplace: n.workplace.clone(),
    };
    m.validate()?;
    let org = view.org(&n.org_id).ok_or(Rejection::NotFound(Thing::Org))?;
    if !matches!(org.kind, OrgKind::Branch | OrgKind::Group) {
        return Err(Rejection::Conflict(Why::MemberBranchOrGroupOnly));
    }
    if !actor.manages(&org) {
        return Err(Rejection::Forbidden(Why::OnlyAddToOwnOrg));
    }
    if view.member(&n.id).is_some() {
        return Err(Rejection::Conflict(Why::MemberIdExists));
    }
    Ok(vec![Write::Member(m)])
}

pub(crate) fn create_org(
    actor: &Actor,
    n: &NewOrg,
    view: &impl View,
) -> Result<Vec<Write>, Rejection> {
    validate::id(Field::Id, &n.id)?;
    validate::text(Field::Name, &n.name, Org::MAX_NAME_CHARS)?;
    if let Some(p) = &n.place {
        validate::text(Field::Place, p, Org::MAX_NAME_CHARS)?;
    }
    let parent = view
        .org(&n.parent_id)
        .ok_or(Rejection::NotFound(Thing::ParentOrg))?;
    if !actor.shapes_tree_at(&parent) {
        return Err(Rejection::Forbidden(Why::ParentCommitteeCreatesOrg));
    }
    if !parent.kind.may_contain(n.kind) {
        return Err(Rejection::Conflict(Why::ParentCannotCreateKind));
    }
    if view.org(&n.id).is_some() {
        return Err(Rejection::Conflict(Why::OrgIdExists));
    }
    Ok(vec![Write::Org(Org {
        id: n.id.clone(),
        parent_id: Some(parent.id.clone()),
        name: n.name.clone(),
        kind: n.kind,
        joint: n.joint,
        area: n.area,
        place: n.place.clone(),
        path: parent.child_path(&n.id),
    })])
}

pub(crate) fn rename_org(
    actor: &Actor,
    org_id: &str,
    name: &str,
    view: &impl View,
) -> Result<Vec<Write>, Rejection> {
    validate::text(Field::Name, name, Org::MAX_NAME_CHARS)?;
    let mut org = view.org(org_id).ok_or(Rejection::NotFound(Thing::Org))?;
    if !actor.shapes_tree_at(&org) {
        return Err(Rejection::Forbidden(Why::ParentCommitteeRenamesOrg));
    }
    org.name = name.to_owned();
    Ok(vec![Write::Org(org)])
}

pub(crate) fn move_org(
    actor: &Actor,
    org_id: &str,
    new_parent_id: &str,
    view: &impl View,
) -> Result<Vec<Write>, Rejection> {
    let org = view.org(org_id).ok_or(Rejection::NotFound(Thing::Org))?;
    let parent = view
        .org(new_parent_id)
        .ok_or(Rejection::NotFound(Thing::ParentOrg))?;
    if !actor.shapes_tree_at(&org) || !actor.shapes_tree_at(&parent) {
        return Err(Rejection::Forbidden(Why::OnlyWithinOwnCommittee));
    }
    if org.contains(&parent) {
        return Err(Rejection::Conflict(Why::NoMoveUnderDescendant));
    }
    if !parent.kind.may_contain(org.kind) {
        return Err(Rejection::Conflict(Why::ParentCannotContainKind));
    }
    let old_prefix = org.path.clone();
    let new_prefix = parent.child_path(&org.id);
    let mut writes = vec![Write::Org(Org {
        parent_id: Some(parent.id.clone()),
        path: new_prefix.clone(),
        ..org.clone()
    })];
    for d in view.descendants(&org) {
        let rest = d
            .path
            .strip_prefix(&old_prefix)
            .unwrap_or_default()
            .to_owned();
        writes.push(Write::Org(Org {
            path: format!("{new_prefix}{rest}"),
            ..d
        }));
    }
    Ok(writes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{RoleKind, ScopedRole};
    use crate::mutation::{Op, apply};

    const NOW: i64 = 1_795_000_000;

    fn apply_now(actor: &Actor, op: &Op, view: &impl View) -> Result<Vec<Write>, Rejection> {
        apply(actor, op, view, NOW)
    }

    // The client's record set is the view here too.
    use crate::replica::Records as MapView;

    fn org(id: &str, parent: Option<&str>, path: &str, kind: OrgKind) -> Org {
        Org {
            id: id.into(),
            parent_id: parent.map(Into::into),
            name: id.into(),
            kind,
            joint: false,
            area: None,
            place: None,
            path: path.into(),
        }
    }

    fn world() -> MapView {
        let mut v = MapView::default();
        for o in [
            org("c", None, "/c/", OrgKind::Committee),
            org("b1", Some("c"), "/c/b1/", OrgKind::Branch),
            org("g1", Some("b1"), "/c/b1/g1/", OrgKind::Group),
            org("b2", Some("c"), "/c/b2/", OrgKind::Branch),
        ] {
            v.orgs.insert(o.id.clone(), o);
        }
        for (id, o) in [("m1", "b1"), ("m2", "b2")] {
            v.members.insert(
                id.into(),
                Member {
                    id: id.into(),
                    org_id: o.into(),
                    name: id.into(),
                    status: MemberStatus::Full,
                    mode: ManagementMode::Employed,
                    phone: None,
                    workplace: None,
                },
            );
        }
        v
    }

    fn actor(member: Option<&str>, roles: &[(RoleKind, &str)]) -> Actor {
        Actor {
            account_id: "acc".into(),
            member_id: member.map(Into::into),
            member_org_path: member.map(|_| "/c/b1/".into()),
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
    fn member_edits_own_profile_only() {
        let v = world();
        let me = actor(Some("m1"), &[(RoleKind::Member, "/c/b1/")]);
        let patch = ProfilePatch {
            phone: Some(Some("13912345678".into())),
            workplace: None,
        };
        let w = apply_now(&me, &Op::UpdateProfile(patch), &v).unwrap();
        assert!(matches!(&w[..], [Write::Member(m)] if m.phone.as_deref() == Some("13912345678")));
        let other = Op::UpdateMember {
            member_id: "m2".into(),
            patch: MemberPatch {
                name: Some("x".into()),
                ..Default::default()
            },
        };
        assert_eq!(apply_now(&me, &other, &v).unwrap_err().code(), "forbidden");
        let bad = ProfilePatch {
            phone: Some(Some("1".repeat(500))),
            workplace: None,
        };
        assert_eq!(
            apply_now(&me, &Op::UpdateProfile(bad), &v)
                .unwrap_err()
                .code(),
            "invalid"
        );
    }

    #[test]
    fn secretary_edits_and_adds_in_own_org() {
        let v = world();
        let sec = actor(None, &[(RoleKind::Secretary, "/c/b1/")]);
        let rename = Op::UpdateMember {
            member_id: "m1".into(),
            patch: MemberPatch {
                name: Some("周婷".into()),
                ..Default::default()
            },
        };
        assert!(apply_now(&sec, &rename, &v).is_ok());
        let far = Op::UpdateMember {
            member_id: "m2".into(),
            patch: MemberPatch {
                name: Some("周婷".into()),
                ..Default::default()
            },
        };
        assert_eq!(apply_now(&sec, &far, &v).unwrap_err().code(), "forbidden");
        let new = |id: &str, org: &str, name: &str| {
            Op::AddMember(NewMember {
                id: id.into(),
                org_id: org.into(),
                name: name.into(),
                status: MemberStatus::Probationary,
                mode: ManagementMode::Mobile,
                phone: None,
                workplace: None,
            })
        };
        assert!(
            apply_now(&sec, &new("m9", "g1", "杨帆"), &v).is_ok(),
            "groups of the branch too"
        );
        assert_eq!(
            apply_now(&sec, &new("m9", "b2", "杨帆"), &v)
                .unwrap_err()
                .code(),
            "forbidden"
        );
        assert_eq!(
            apply_now(&sec, &new("m9", "nope", "杨帆"), &v)
                .unwrap_err()
                .code(),
            "not_found"
        );
        assert_eq!(
            apply_now(&sec, &new("m9", "b1", " "), &v)
                .unwrap_err()
                .code(),
            "invalid"
        );
        assert_eq!(
            apply_now(&sec, &new("m1", "b1", "重复"), &v)
                .unwrap_err()
                .code(),
            "conflict"
        );
        assert_eq!(
            apply_now(&sec, &new("m9", "c", "杨帆"), &v)
                .unwrap_err()
                .code(),
            "conflict"
        );
    }

    #[test]
    fn committee_shapes_the_tree() {
        let v = world();
        let staff = actor(None, &[(RoleKind::Committee, "/c/")]);
        let sec = actor(None, &[(RoleKind::Secretary, "/c/b1/")]);
        let create = Op::CreateOrg(NewOrg {
            id: "b3".into(),
            parent_id: "c".into(),
            name: "福里街区联合党支部".into(),
            kind: OrgKind::Branch,
            joint: true,
            area: Some(Area::BusinessDistrict),
            place: None,
        });
        let w = apply_now(&staff, &create, &v).unwrap();
        assert!(matches!(&w[..], [Write::Org(o)] if o.path == "/c/b3/"));
        assert_eq!(
            apply_now(&sec, &create, &v).unwrap_err().code(),
            "forbidden"
        );

        // Moving b1 under b2 is refused by kind; moving g1 under b2 rewrites its path.
        let mv = Op::MoveOrg {
            org_id: "b1".into(),
            new_parent_id: "b2".into(),
        };
        assert_eq!(apply_now(&staff, &mv, &v).unwrap_err().code(), "conflict");
        let mv = Op::MoveOrg {
            org_id: "g1".into(),
            new_parent_id: "b2".into(),
        };
        let w = apply_now(&staff, &mv, &v).unwrap();
        assert!(
            matches!(&w[..], [Write::Org(o)] if o.path == "/c/b2/g1/" && o.parent_id.as_deref() == Some("b2"))
        );
        let cycle = Op::MoveOrg {
            org_id: "c".into(),
            new_parent_id: "b1".into(),
        };
        assert_eq!(
            apply_now(&staff, &cycle, &v).unwrap_err().code(),
            "conflict"
        );
        // What writes orgs says so, for stores that run it alone.
        let rename = Op::RenameOrg {
            org_id: "g1".into(),
            name: "第一党小组".into(),
        };
        assert!(matches!(
            &apply_now(&staff, &rename, &v).unwrap()[..],
            [Write::Org(_)]
        ));
        for op in [&create, &mv, &rename] {
            assert!(op.touches(&staff).reshapes, "{}", op.name());
        }
        let add = Op::AddMember(NewMember {
            id: "m9".into(),
            org_id: "b1".into(),
            name: "杨帆".into(),
            status: MemberStatus::Probationary,
            mode: ManagementMode::Mobile,
            phone: None,
            workplace: None,
        });
        assert!(
            !add.touches(&staff).reshapes,
            "a member joins beside others"
        );
    }

    #[test]
    fn wire_names_are_versioned() {
        let op = Op::RenameOrg {
            org_id: "c".into(),
            name: "新名称".into(),
        };
        let json = serde_json::to_value(&op).unwrap();
        assert!(json.get("org.rename@1").is_some(), "{json}");
        assert_eq!(op.name(), "org.rename@1");
        assert!(serde_json::from_value::<Op>(serde_json::json!({"org.delete@9": {}})).is_err());
    }
}
