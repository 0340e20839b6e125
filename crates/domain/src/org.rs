//! The organisation tree (党组织): committees, branches, groups, and where they are anchored.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// 党工委 / 党委 / 联合党委 / 大党委
    Committee,
    /// 党总支
    GeneralBranch,
    /// 党支部 / 联合支部
    Branch,
    /// 党小组
    Group,
}

impl OrgKind {
    /// Which kinds may sit directly under this one.
    pub fn may_contain(self, child: OrgKind) -> bool {
        use OrgKind::*;
        matches!(
            (self, child),
            (Committee, Committee | GeneralBranch | Branch)
                | (GeneralBranch, Branch)
                | (Branch, Group)
        )
    }
}

/// Where an org is anchored ("四个联合" plus parks and grids).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    /// 楼宇
    Building,
    /// 商圈
    BusinessDistrict,
    /// 商务区
    Cbd,
    /// 社区
    Community,
    /// 园区
    Park,
    /// 网格
    Grid,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Org {
    pub id: String,
    pub parent_id: Option<String>,
    pub name: String,
    pub kind: OrgKind,
    /// 联合支部: a branch that spans several small firms.
    pub joint: bool,
    pub area: Option<Area>,
    /// The place it is anchored at, e.g. "悦海新天地".
    pub place: Option<String>,
    /// Ids from the root down to this org, as `/root/…/id/`: scopes are prefix
    /// checks, and a subtree is one `LIKE 'path%'`. Kept by the server.
    #[serde(default)]
    pub path: String,
}

impl Org {
    pub const MAX_NAME_CHARS: usize = 64;

    /// The path of a child `id` under this org.
    pub fn child_path(&self, id: &str) -> String {
        format!("{}{id}/", self.path)
    }

    /// Whether `other` is this org or below it.
    pub fn contains(&self, other: &Org) -> bool {
        !self.path.is_empty() && other.path.starts_with(&self.path)
    }
}

/// One org with its children, ready to render.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgTreeNode {
    pub org: Org,
    pub children: Vec<OrgTreeNode>,
}

/// A forest of orgs built from a flat list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrgTree {
    pub roots: Vec<OrgTreeNode>,
}

impl OrgTree {
    /// Builds the forest. An org whose parent is not in the list becomes a root
    /// (a member's device holds only its part of the tree); orgs caught in a
    /// parent cycle, which the server never produces, are dropped rather than
    /// looping. Siblings keep the order of the input.
    pub fn build(orgs: &[Org]) -> Self {
        let ids: HashSet<&str> = orgs.iter().map(|o| o.id.as_str()).collect();
        let mut children: BTreeMap<&str, Vec<&Org>> = BTreeMap::new();
        let mut roots = Vec::new();
        for org in orgs {
            match org.parent_id.as_deref() {
                Some(p) if ids.contains(p) && p != org.id => {
                    children.entry(p).or_default().push(org)
                }
                _ => roots.push(org),
            }
        }
        let mut seen = HashSet::new();
        let roots = roots
            .into_iter()
            .map(|o| Self::node(o, &children, &mut seen))
            .collect();
        Self { roots }
    }

    fn node<'a>(
        org: &'a Org,
        children: &BTreeMap<&str, Vec<&'a Org>>,
        seen: &mut HashSet<&'a str>,
    ) -> OrgTreeNode {
        seen.insert(org.id.as_str());
        let kids = children
            .get(org.id.as_str())
            .map(|v| v.as_slice())
            .unwrap_or_default()
            .iter()
            .filter(|c| !seen.contains(c.id.as_str()))
            .copied()
            .collect::<Vec<_>>();
        OrgTreeNode {
            org: org.clone(),
            children: kids
                .into_iter()
                .map(|c| Self::node(c, children, seen))
                .collect(),
        }
    }

    /// Number of orgs in the forest.
    pub fn len(&self) -> usize {
        fn count(n: &OrgTreeNode) -> usize {
            1 + n.children.iter().map(count).sum::<usize>()
        }
        self.roots.iter().map(count).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(id: &str, parent: Option<&str>, kind: OrgKind) -> Org {
        Org {
            id: id.into(),
            parent_id: parent.map(Into::into),
            name: id.into(),
            kind,
            joint: false,
            area: None,
            place: None,
            path: String::new(),
        }
    }

    #[test]
    fn builds_nested_tree_in_input_order() {
        let orgs = vec![
            org("c", None, OrgKind::Committee),
            org("b2", Some("c"), OrgKind::Branch),
            org("b1", Some("c"), OrgKind::Branch),
            org("g", Some("b1"), OrgKind::Group),
        ];
        let tree = OrgTree::build(&orgs);
        assert_eq!(tree.roots.len(), 1);
        let kids: Vec<_> = tree.roots[0]
            .children
            .iter()
            .map(|n| n.org.id.as_str())
            .collect();
        assert_eq!(kids, ["b2", "b1"]);
        assert_eq!(tree.roots[0].children[1].children[0].org.id, "g");
        assert_eq!(tree.len(), 4);
    }

    #[test]
    fn orphan_becomes_root_and_cycles_terminate() {
        let orgs = vec![
            org("b", Some("missing"), OrgKind::Branch),
            org("x", Some("y"), OrgKind::Branch),
            org("y", Some("x"), OrgKind::Branch),
            org("self", Some("self"), OrgKind::Branch),
        ];
        let tree = OrgTree::build(&orgs);
        let roots: Vec<_> = tree.roots.iter().map(|n| n.org.id.as_str()).collect();
        assert_eq!(roots, ["b", "self"]);
        assert_eq!(tree.len(), 2);
    }

    #[test]
    fn kinds_nest_only_downwards() {
        assert!(OrgKind::Committee.may_contain(OrgKind::Branch));
        assert!(OrgKind::Branch.may_contain(OrgKind::Group));
        assert!(!OrgKind::Group.may_contain(OrgKind::Branch));
        assert!(!OrgKind::Branch.may_contain(OrgKind::Committee));
    }

    #[test]
    fn wire_names_are_snake_case() {
        let o = Org {
            area: Some(Area::BusinessDistrict),
            ..org("a", None, OrgKind::GeneralBranch)
        };
        let json = serde_json::to_value(&o).unwrap();
        assert_eq!(json["kind"], "general_branch");
        assert_eq!(json["area"], "business_district");
    }
}
