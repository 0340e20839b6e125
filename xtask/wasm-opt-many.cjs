// `node xtask/wasm-opt-many.cjs <wasm-opt args> -- <files>`: binaryen's
// wasm-opt (the npm package's emscripten build) over every file, each
// optimised in place, in one process. Each run of the CLI spends about 1.5 s
// loading its own 11 MB of wasm; the split app has over 400 modules, so one
// process per module took 10 minutes of every release build, and this one
// about 80 s. The output is byte for byte the CLI's: this runs the CLI's own
// main once per file.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");

const argv = process.argv.slice(2);
const split = argv.indexOf("--");
if (split < 0) {
  console.error("usage: wasm-opt-many.cjs <wasm-opt args> -- <files>");
  process.exit(2);
}
const args = argv.slice(0, split);
const files = argv.slice(split + 1);

const cli = path.join(__dirname, "..", "node_modules", "binaryen", "bin", "wasm-opt");
let source = fs.readFileSync(cli, "utf8");
if (source.startsWith("#!")) source = "//" + source;

// The script reads its settings from a `Module` already defined: no run of
// main at start, and a hook once its wasm is ready. `callMain` is local to
// the script, so the wrapper hands it out.
const Module = {
  noInitialRun: true,
  thisProgram: "wasm-opt",
  onRuntimeInitialized() {
    for (const file of files) {
      let status = 0;
      try {
        status = Module.callMainOnce([...args, file, "-o", file]);
      } catch (e) {
        if (e && e.name === "ExitStatus") status = e.status;
        else throw e;
      }
      if (status) {
        console.error(`wasm-opt failed (${status}) on ${file}`);
        process.exit(status);
      }
    }
  },
};
const wrapped = vm.runInThisContext(
  "(function (Module, require, module, exports, __filename, __dirname) {" +
    source +
    "\nModule.callMainOnce = callMain;\n})",
  { filename: cli },
);
const module_ = { exports: {} };
wrapped(Module, require, module_, module_.exports, cli, path.dirname(cli));
