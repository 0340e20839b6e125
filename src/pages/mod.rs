//! One file per route.

mod activities;
mod activity;
mod board;
mod credits;
mod home;
mod login;
mod me;
mod member;
mod members;
mod menu_edit;
mod merchant;
mod not_found;
mod rewards;
mod station;
mod sync_status;
mod wishes;

pub use activities::{Activities, ProgressLine, my_progress, visible_menus};
pub use activity::ActivityPage;
pub use board::BoardPage;
pub use credits::Credits;
pub use home::Home;
pub use login::Login;
pub use me::Me;
pub use member::MemberPage;
pub use members::Members;
pub use menu_edit::MenuEditPage;
pub use merchant::MerchantPage;
pub use not_found::NotFound;
pub use rewards::Rewards;
pub use station::StationPage;
pub use sync_status::SyncStatusPage;
pub use wishes::Wishes;
