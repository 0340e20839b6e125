//! The shared language of zhijian: entities, wire types and rules.
//!
//! Pure Rust with no IO, so the browser (wasm) and the server (native) run the
//! very same code. Names follow `design/DOMAIN.md`.

pub mod activity;
pub mod agenda;
pub mod alliance;
pub mod api;
pub mod auth;
pub mod checkin;
pub mod credit_ops;
pub mod credits;
pub mod doc;
pub mod kernel;
pub mod kiosk_grant;
pub mod kiosk_pin;
pub mod ledger;
pub mod meeting;
pub mod meeting_ops;
pub mod member;
pub mod member_card;
pub mod member_code;
pub mod menu;
pub mod menu_ops;
pub mod month;
pub mod mutation;
pub mod order;
pub mod org;
pub mod org_ops;
pub mod refusal;
pub mod replica;
pub mod self_dealing;
pub mod short_code;
pub mod station;
pub mod study;
pub mod study_ops;
pub mod sync;
pub mod validate;

pub use alliance::{Alliance, ChairRotation};
pub use auth::{Account, Actor, Role, RoleKind, ScopedRole};
pub use member::{ManagementMode, Member, MemberPatch, MemberStatus, ProfilePatch};
pub use month::Month;
pub use mutation::{Op, Rejection, View, Write, apply};
pub use org::{Area, Org, OrgKind, OrgTree, OrgTreeNode};
