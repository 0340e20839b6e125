//! One file per route.

mod activities;
mod credits;
mod home;
mod me;
mod not_found;

pub use activities::Activities;
pub use credits::Credits;
pub use home::Home;
pub use me::Me;
pub use not_found::NotFound;
