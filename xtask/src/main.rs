//! `cargo xtask <command>`: the project's only entry points.
//!
//! - `run`:   install what is missing, build the app, serve it with demo data.
//! - `test`:  install what is missing, run every test layer, print `N passed, N failed`.
//! - `bench`: build in release and print sizes and throughputs.
//! - `load`:  the release server under simulated devices (not part of CI).
//!
//! Every install step checks first and skips what is present at the right
//! version, so running any command twice costs nothing extra.

mod bench;
mod build;
mod load;
mod pg;
mod run;
mod test;
mod tools;
mod util;
mod wasm;

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let rest: Vec<String> = args.collect();
    let result = match command.as_str() {
        "run" => run::run(&rest),
        "test" => test::test(&rest),
        "bench" => bench::bench(),
        "load" => load::load(&rest),
        "build" => build::app_release().map(drop),
        "install" => tools::ensure_for_test(),
        "stamp-shell" => build::stamp_shell(),
        // Trunk's pre_build hook (and usable alone): the app's wasm into target/zj-wasm/pkg.
        "wasm" => {
            let profile = wasm::Profile::from_env();
            wasm::build(profile, wasm::split_wanted(profile)).map(drop)
        }
        _ => {
            eprintln!(
                "usage: cargo xtask <run|test|bench|load|build|install>\n\
                 \n  run [-- SERVER ARGS]  build the app and serve it with demo data (http://127.0.0.1:8080/)\
                 \n  test [--skip-e2e]     every test layer; ends with 'N passed, N failed'\
                 \n  bench                 bundle sizes (raw, gzip, brotli) against the budget\
                 \n  load [--devices N] [--seconds S]  simulated devices against 1 and 2 server processes\
                 \n  build                 build the app in release into dist/\
                 \n  install               install every tool the tests need"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask {command}: {e}");
            ExitCode::FAILURE
        }
    }
}
