// Lazy pages (issue #10): every route opens online, by deep link and offline
// after one visit; a deploy does not strand a tab on the old version; a chunk
// that cannot be fetched offers a retry instead of a blank page.
import { test, expect, Page, Browser } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { signIn, waitForOfflineReady } from "../helpers";
import { startServer, nextDeploy, distDir, Server } from "../server";

let server: Server;
test.beforeEach(async () => {
  server = await startServer();
});
test.afterEach(async () => {
  await server.stop();
});

/** The secretary sees every kind of page; ids come from the demo data via links. */
async function routes(page: Page, base: string): Promise<string[]> {
  await page.goto(`${base}/activities`);
  const activity = await page.locator('a[href^="/activities/"]').first().getAttribute("href");
  const menu = await page.locator('a[href^="/menus/"]:not([href$="/board"]):not([href^="/menus/new"])').first().getAttribute("href");
  await page.goto(`${base}/members`);
  const member = await page.locator('a[href^="/members/"]').first().getAttribute("href");
  expect(activity && menu && member).toBeTruthy();
  return [
    "/",
    "/activities",
    activity!,
    menu!,
    `${menu}/board`,
    "/credits",
    "/rewards",
    "/wishes",
    "/merchant",
    "/station",
    "/me",
    "/members",
    member!,
    "/sync",
    "/orgs",
    "/login",
    "/no-such-page",
  ];
}

/** A route has opened: a page title and no chunk failure. */
async function opened(page: Page, path: string) {
  await expect(page.locator("main h2").first(), path).toBeVisible();
  await expect(page.getByTestId("chunk-failed"), path).toHaveCount(0);
}

test("every route opens online, by deep link, and offline after one visit", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  // The server's CSP (crates/server/src/headers.rs) must allow all the app does.
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) errors.push(m.text());
  });
  await signIn(page, server.url, "13900000002", "demo1234");
  const paths = await routes(page, server.url);
  // Deep links: each a fresh navigation straight to the route.
  for (const path of paths) {
    await page.goto(`${server.url}${path}`);
    await opened(page, path);
  }
  await waitForOfflineReady(page);
  await server.stop();
  for (const path of paths) {
    await page.goto(`${server.url}${path}`);
    await opened(page, path);
  }
  await expect(page.locator(".status")).toContainText("离线");
  expect(errors).toEqual([]);
});

test("a deep link to a lazy page opens directly on a first visit", async ({ page }) => {
  const wasm: string[] = [];
  page.on("request", (r) => {
    if (r.url().endsWith(".wasm")) wasm.push(new URL(r.url()).pathname);
  });
  await page.goto(`${server.url}/orgs`);
  await expect(page.getByTestId("org-tree")).toContainText("悦海新天地楼宇联合党支部");
  expect(wasm.some((p) => p.endsWith("/split_orgs_chunk.wasm"))).toBe(true);
});

async function noWorkerContext(browser: Browser) {
  // No service worker: every chunk comes from the server, as on a browser
  // whose cache was cleared or that has not finished precaching.
  return browser.newContext({ serviceWorkers: "block" });
}

test("a tab on the previous version still opens pages it had not loaded after a deploy", async ({ browser }) => {
  const ctx = await noWorkerContext(browser);
  const page = await ctx.newPage();
  await page.goto(server.url);
  await expect(page.getByTestId("welcome")).toBeVisible();
  // Deploy a rebuilt app (new pkg) that keeps the previous build's files, as `xtask build` does.
  await server.stop();
  server = await startServer({
    port: server.port,
    dataDir: server.dataDir,
    dist: nextDeploy(distDir, "0123456789abcdef", { newPkg: true, keepOldPkg: true }),
  });
  await page.getByTestId("welcome").getByRole("link", { name: "组织架构" }).click();
  await expect(page.getByTestId("org-tree")).toContainText("悦海新天地楼宇联合党支部");
  await ctx.close();
});

test("when the old version's files are gone, the page offers the reload and the new version opens", async ({ browser }) => {
  const ctx = await noWorkerContext(browser);
  const page = await ctx.newPage();
  await page.goto(server.url);
  await expect(page.getByTestId("welcome")).toBeVisible();
  await server.stop();
  server = await startServer({
    port: server.port,
    dataDir: server.dataDir,
    dist: nextDeploy(distDir, "fedcba9876543210", { newPkg: true }),
  });
  await page.getByTestId("welcome").getByRole("link", { name: "组织架构" }).click();
  const failed = page.getByTestId("chunk-failed");
  await expect(failed).toContainText("这个页面没能打开");
  await expect(page.getByTestId("welcome")).toHaveCount(0);
  await Promise.all([page.waitForEvent("load"), failed.getByRole("button", { name: "重新载入" }).click()]);
  await expect(page.locator('meta[name="zj-build"]')).toHaveAttribute("content", "fedcba9876543210");
  await expect(page.getByTestId("org-tree")).toContainText("悦海新天地楼宇联合党支部");
  await ctx.close();
});

test("a chunk that fails to load shows a retry that works once the network is back", async ({ browser }) => {
  const ctx = await noWorkerContext(browser);
  const page = await ctx.newPage();
  await page.goto(server.url);
  await expect(page.getByTestId("welcome")).toBeVisible();
  let refused = 0;
  await page.route(/split_orgs_chunk\.wasm$/, (route) => {
    refused++;
    return route.abort("internetdisconnected");
  });
  await page.getByTestId("welcome").getByRole("link", { name: "组织架构" }).click();
  const failed = page.getByTestId("chunk-failed");
  await expect(failed).toBeVisible();
  expect(refused).toBe(1);
  // Retrying while still cut off fails again, visibly.
  await failed.getByRole("button", { name: "重试" }).click();
  await expect(failed.getByRole("button", { name: "重试" })).toBeEnabled();
  expect(refused).toBe(2);
  await page.unroute(/split_orgs_chunk\.wasm$/);
  await failed.getByRole("button", { name: "重试" }).click();
  await expect(page.getByTestId("org-tree")).toContainText("悦海新天地楼宇联合党支部");
  await expect(failed).toHaveCount(0);
  await ctx.close();
});

test("the landing pages and the top bar have no serious accessibility violations", async ({ page }) => {
  const serious = async () =>
    (await new AxeBuilder({ page }).analyze()).violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  await page.goto(server.url);
  await expect(page.getByTestId("welcome")).toBeVisible();
  expect(await serious()).toEqual([]);
  await signIn(page, server.url, "13900000001", "demo1234");
  await page.goto(server.url);
  await expect(page.getByTestId("home-credits")).toBeVisible();
  expect(await serious()).toEqual([]);
});
