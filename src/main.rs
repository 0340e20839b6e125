fn main() {
    zhijian::report::install_panic_hook();
    leptos::mount::mount_to_body(zhijian::app::App);
}
