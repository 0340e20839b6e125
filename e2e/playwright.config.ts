import { defineConfig } from "@playwright/test";

// Run by `cargo xtask test`, which builds the release app and the server and
// passes them in ZJ_DIST and ZJ_SERVER_BIN. Each test starts its own server on
// a free loopback port with a fresh database (see server.ts).
export default defineConfig({
  testDir: "./tests",
  outputDir: "../target/xtask/e2e-results",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"], ["json"]],
  use: {
    locale: "en-US", // the app must be Chinese regardless of the browser's language
    viewport: { width: 390, height: 844 },
    launchOptions: {
      executablePath: process.env.ZJ_CHROMIUM ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
    trace: "retain-on-failure",
  },
});
