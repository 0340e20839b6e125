//! Pieces shared by several pages.

mod account_security;
mod activity_form;
mod checkin_code;
mod download;
mod empty_state;
mod markdown;
mod member_credits;
mod message;
mod org_select;
mod org_tree;
mod progress;
mod status_bar;
mod tab_bar;
mod text_field;
mod update_banner;

pub use account_security::AccountSecurity;
pub use activity_form::ActivityForm;
pub use checkin_code::{CodeDisplay, qr_svg};
pub use download::download_csv;
pub use empty_state::EmptyState;
pub use markdown::Markdown;
pub use member_credits::MemberCredits;
pub use message::{Message, Outcome, submit, submit_then};
pub use org_select::{OrgSelect, orgs_where, picked_org};
pub use org_tree::OrgTreeView;
pub use progress::{ProgressLine, my_progress, visible_menus};
pub use status_bar::{StatusBar, format_time};
pub use tab_bar::TabBar;
pub use text_field::TextField;
pub use update_banner::UpdateBanner;
