//! One file per route.

mod activities;
mod credits;
mod home;
mod login;
mod me;
mod member;
mod members;
mod not_found;
mod sync_status;

pub use activities::Activities;
pub use credits::Credits;
pub use home::Home;
pub use login::Login;
pub use me::Me;
pub use member::MemberPage;
pub use members::Members;
pub use not_found::NotFound;
pub use sync_status::SyncStatusPage;
