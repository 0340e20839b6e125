//! 指尖党建 (zhijian): the offline-first app, rendered client-side by Leptos.

pub mod api;
pub mod app;
pub mod attendance;
pub mod card_pin;
pub mod components;
pub mod directory;
pub mod i18n;
pub mod js;
pub mod labels;
pub mod lazy;
pub mod locale;
pub mod media_cache;
pub mod member_key;
pub mod net;
pub mod pages;
pub mod qr_camera;
pub mod report;
pub mod shell;
pub mod short_code;
pub mod store;
pub mod study;
pub mod sync;
pub mod wallet;
pub mod when;
