//! The shared language of zhijian: entities, wire types and rules.
//!
//! Pure Rust with no IO, so the browser (wasm) and the server (native) run the
//! very same code. Names follow `design/DOMAIN.md`.

pub mod alliance;
pub mod api;
pub mod member;
pub mod month;
pub mod org;

pub use alliance::{Alliance, ChairRotation};
pub use member::{ManagementMode, Member, MemberStatus};
pub use month::Month;
pub use org::{Area, Org, OrgKind, OrgTree, OrgTreeNode};
