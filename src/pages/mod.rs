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
mod orgs;
mod rewards;
mod station;
mod sync_status;
mod wishes;

pub use activities::{ActivitiesRoute, ProgressLine, my_progress, visible_menus};
pub use activity::ActivityRoute;
pub use board::BoardRoute;
pub use credits::CreditsRoute;
pub use home::Home;
pub use login::LoginRoute;
pub use me::MeRoute;
pub use member::MemberRoute;
pub use members::MembersRoute;
pub use menu_edit::MenuEditRoute;
pub use merchant::MerchantRoute;
pub use not_found::NotFound;
pub use orgs::OrgsRoute;
pub use rewards::RewardsRoute;
pub use station::StationRoute;
pub use sync_status::SyncStatusRoute;
pub use wishes::WishesRoute;
