// `cargo xtask bench` only: measurements in headless Chromium, no assertions
// beyond what makes a number meaningful.
import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

export default defineConfig({ ...base, testDir: "./bench", timeout: 300_000 });
