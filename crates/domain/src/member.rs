//! Party members (党员): the record, its fields' rules, and what others may see.

use serde::{Deserialize, Serialize};

use crate::validate::{self, Field, FieldError};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberStatus {
    /// 积极分子
    Activist,
    /// 预备党员
    Probationary,
    /// 正式党员
    Full,
}

/// 五管合一: how a member is managed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ManagementMode {
    /// 居民党员直管
    Resident,
    /// 在职党员双重管
    Employed,
    /// 离退休接管
    Retired,
    /// 流动党员参管
    Mobile,
    /// 下岗党员重点管
    LaidOff,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub status: MemberStatus,
    pub mode: ManagementMode,
    /// Private: only the member and those who manage them (DOMAIN.md, privacy).
    #[serde(default)]
    pub phone: Option<String>,
    /// 工作单位, visible to the branch.
    #[serde(default)]
    pub workplace: Option<String>,
}

impl Member {
    pub const MAX_NAME_CHARS: usize = 32;
    pub const MAX_WORKPLACE_CHARS: usize = 64;

    /// The copy a viewer who does not manage this member may see.
    pub fn public_view(&self) -> Member {
        Member {
            phone: None,
            ..self.clone()
        }
    }

    pub fn validate(&self) -> Result<(), FieldError> {
        validate::id(Field::Id, &self.id)?;
        validate::id(Field::Id, &self.org_id)?;
        validate::text(Field::Name, &self.name, Self::MAX_NAME_CHARS)?;
        if let Some(phone) = &self.phone {
            validate::phone(Field::Phone, phone)?;
        }
        if let Some(w) = &self.workplace {
            validate::text(Field::Workplace, w, Self::MAX_WORKPLACE_CHARS)?;
        }
        Ok(())
    }
}

/// Fields a member may change on their own profile. `None` leaves a field as
/// it is; `Some(None)` clears an optional one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "double_option"
    )]
    pub phone: Option<Option<String>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "double_option"
    )]
    pub workplace: Option<Option<String>>,
}

/// Fields a secretary may change on a member of their org.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<MemberStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<ManagementMode>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "double_option"
    )]
    pub phone: Option<Option<String>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "double_option"
    )]
    pub workplace: Option<Option<String>>,
}

impl ProfilePatch {
    pub fn is_empty(&self) -> bool {
        self.phone.is_none() && self.workplace.is_none()
    }

    /// A member's own edit is a subset of what a secretary may change.
    pub fn apply_to(&self, m: &mut Member) {
        MemberPatch {
            phone: self.phone.clone(),
            workplace: self.workplace.clone(),
            ..Default::default()
        }
        .apply_to(m);
    }
}

impl MemberPatch {
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.status.is_none()
            && self.mode.is_none()
            && self.phone.is_none()
            && self.workplace.is_none()
    }

    pub fn apply_to(&self, m: &mut Member) {
        if let Some(n) = &self.name {
            m.name = n.clone();
        }
        if let Some(s) = self.status {
            m.status = s;
        }
        if let Some(md) = self.mode {
            m.mode = md;
        }
        if let Some(p) = &self.phone {
            m.phone = p.clone();
        }
        if let Some(w) = &self.workplace {
            m.workplace = w.clone();
        }
    }
}

/// `Option<Option<T>>` on the wire: absent = unchanged, `null` = clear.
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer, T: Serialize>(
        v: &Option<Option<T>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member() -> Member {
        Member {
            id: "m-1".into(),
            org_id: "yuehai".into(),
            name: "马晓燕".into(),
            status: MemberStatus::Full,
            mode: ManagementMode::Employed,
            phone: Some("13900000001".into()),
            workplace: None,
        }
    }

    #[test]
    fn public_view_hides_the_phone() {
        assert_eq!(member().public_view().phone, None);
        assert_eq!(member().public_view().name, "马晓燕");
    }

    #[test]
    fn patch_wire_format_distinguishes_absent_and_null() {
        let p: ProfilePatch = serde_json::from_str(r#"{"phone":null}"#).unwrap();
        assert_eq!(p.phone, Some(None));
        assert_eq!(p.workplace, None);
        let p: ProfilePatch = serde_json::from_str(r#"{"workplace":"万达广场"}"#).unwrap();
        assert_eq!(p.workplace, Some(Some("万达广场".into())));
        assert_eq!(
            serde_json::to_string(&ProfilePatch::default()).unwrap(),
            "{}"
        );
        assert!(
            serde_json::from_str::<ProfilePatch>(r#"{"name":"x"}"#).is_err(),
            "members cannot rename themselves"
        );
    }

    #[test]
    fn validation() {
        assert_eq!(member().validate(), Ok(()));
        let mut m = member();
        m.phone = Some("1".repeat(500));
        assert!(m.validate().is_err());
        let mut m = member();
        m.name = "   ".into();
        assert!(m.validate().is_err());
    }
}
