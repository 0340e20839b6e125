//! Party members (党员) as the org tree knows them.

use serde::{Deserialize, Serialize};

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
}
