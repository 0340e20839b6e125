import { test, expect, Page } from "@playwright/test";
import { waitForOfflineReady } from "../helpers";
import { startServer, nextDeploy, distDir, Server } from "../server";

let server: Server;
test.beforeEach(async () => {
  server = await startServer();
});
test.afterEach(async () => {
  await server.stop();
});

test("renders the shell in Chinese with the demo org tree", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(server.url);
  await expect(page.getByRole("heading", { name: "指尖党建", exact: true })).toBeVisible();
  // Signed out, the landing page says what this is and how to get in.
  await expect(page.getByTestId("welcome")).toContainText("欢迎使用指尖党建");
  await expect(page.getByTestId("welcome").getByRole("link", { name: "登录" })).toBeVisible();
  // The org tree is its own page (its own chunk).
  await page.getByTestId("welcome").getByRole("link", { name: "组织架构" }).click();
  await expect(page).toHaveURL(/\/orgs$/);
  await expect(page.getByRole("heading", { name: "组织架构", exact: true })).toBeVisible();
  const tree = page.getByTestId("org-tree");
  await expect(tree).toContainText("悦海新天地楼宇联合党支部");
  await expect(tree).toContainText("万达商圈联合党支部");
  await expect(tree).toContainText("阅海湾中央商务区联合党委");
  await expect(tree).toContainText("宝湖社区大党委");
  await expect(page.getByText(/本月轮值主席/)).toBeVisible();
  await expect(page.locator(".status")).toContainText("在线");
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
  // The tab bar, with the current page marked for assistive technology.
  const nav = page.getByRole("navigation", { name: "主导航" });
  for (const tab of ["首页", "活动", "积分", "我的"]) await expect(nav.getByRole("link", { name: tab })).toBeVisible();
  await nav.getByRole("link", { name: "首页" }).click();
  await expect(nav.getByRole("link", { name: "首页" })).toHaveAttribute("aria-current", "page");
  await nav.getByRole("link", { name: "活动" }).click();
  await expect(page.getByText("登录后可查看本组织的活动菜单、报名和签到。")).toBeVisible();
  expect(errors).toEqual([]);
});

test("before the wasm arrives the splash shows the app's own welcome, in the saved language, and goes when the app mounts", async ({ page, browser }) => {
  const welcome = page.getByTestId("welcome");
  const rendered = async () => [
    await welcome.locator(".page-title").innerText(),
    await welcome.locator("p").innerText(),
  ];
  await page.goto(server.url);
  await expect(welcome).toBeVisible();
  await expect(page.locator("#splash")).toHaveCount(0);
  const zh = await rendered();
  await page.evaluate(() => localStorage.setItem("zhijian.locale", "en"));
  await page.reload();
  await expect(welcome).toContainText("Welcome");
  const en = await rendered();

  // Without the wasm the splash stays: it must say what the app would.
  const withoutWasm = async (saved: Record<string, string>) => {
    const ctx = await browser.newContext({ serviceWorkers: "block" });
    await ctx.route("**/*.wasm", (r) => r.abort());
    await ctx.addInitScript((s) => {
      for (const [k, v] of Object.entries(s)) localStorage.setItem(k, v);
    }, saved);
    const p = await ctx.newPage();
    await p.goto(server.url);
    return p;
  };
  const texts = async (p: Page, lang: "zh" | "en") => [
    await p.locator(`#splash .page-title .${lang}`).innerText(),
    await p.locator(`#splash .welcome p.${lang}`).innerText(),
  ];
  const visitorEn = await withoutWasm({ "zhijian.locale": "en" });
  await expect(visitorEn.locator("#splash .welcome")).toBeVisible();
  expect(await texts(visitorEn, "en")).toEqual(en);
  await expect(visitorEn.locator("#splash .zh").first()).toBeHidden();
  await visitorEn.context().close();
  const visitor = await withoutWasm({});
  expect(await texts(visitor, "zh")).toEqual(zh);
  await expect(visitor.locator("#splash .en").first()).toBeHidden();
  await visitor.context().close();
  // A member's device shows only the loading line, not the visitor's welcome.
  const member = await withoutWasm({ "zhijian.signed_in": "1" });
  await expect(member.locator("#splash .loading .zh")).toBeVisible();
  await expect(member.locator("#splash .welcome")).toBeHidden();
  await member.context().close();
});

test("language switch works and persists across reload", async ({ page }) => {
  await page.goto(`${server.url}/me`);
  await page.getByRole("button", { name: "English" }).click();
  await expect(page.getByRole("heading", { name: "Me", exact: true })).toBeVisible();
  await expect(page.getByRole("link", { name: "Home" })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await page.reload();
  await expect(page.getByRole("button", { name: "English" })).toHaveAttribute("aria-pressed", "true");
  await page.getByRole("link", { name: "Home" }).click();
  await expect(page.getByRole("heading", { name: "Welcome to Zhijian", exact: true })).toBeVisible();
  await page.getByRole("link", { name: "Me", exact: true }).click();
  await page.getByRole("button", { name: "简体中文" }).click();
  await expect(page.getByRole("heading", { name: "我的", exact: true })).toBeVisible();
  await page.reload();
  await expect(page.getByRole("heading", { name: "我的", exact: true })).toBeVisible();
});

test("after one online visit, reloads with the server stopped show the app offline", async ({ page }) => {
  await page.goto(`${server.url}/orgs`);
  await expect(page.getByTestId("org-tree")).toContainText("悦海新天地楼宇联合党支部");
  await waitForOfflineReady(page);
  await server.stop();

  await page.reload();
  await expect(page.getByRole("heading", { name: "指尖党建", exact: true })).toBeVisible();
  await expect(page.locator(".status")).toContainText("离线");
  await expect(page.getByText("当前离线，显示的是本机保存的数据")).toBeVisible();
  // The org tree comes from IndexedDB.
  await expect(page.getByTestId("org-tree")).toContainText("悦海新天地楼宇联合党支部");
  await expect(page.locator(".status")).toContainText("数据更新于");

  // A deep link that was never visited is served by the same cached shell.
  await page.goto(`${server.url}/credits`);
  await expect(page.getByRole("heading", { name: "志愿积分", exact: true })).toBeVisible();
});

test("serves the manifest and the service worker correctly", async ({ request }) => {
  const manifest = await request.get(`${server.url}/manifest.webmanifest`);
  expect(manifest.status()).toBe(200);
  expect(manifest.headers()["content-type"]).toContain("application/manifest+json");
  const m = await manifest.json();
  expect(m.name).toBe("指尖党建");
  expect(m.display).toBe("standalone");
  expect(m.start_url).toBe("/");
  for (const icon of m.icons) {
    const r = await request.get(`${server.url}${icon.src}`);
    expect(r.status(), icon.src).toBe(200);
  }

  const sw = await request.get(`${server.url}/sw.js`);
  expect(sw.status()).toBe(200);
  expect(sw.headers()["content-type"]).toMatch(/javascript/);
  expect(sw.headers()["cache-control"]).toBe("no-cache");
  const body = await sw.text();
  const build = /const BUILD = "([0-9a-f]{16})"/.exec(body)?.[1];
  expect(build).toBeTruthy();
  const shell: string[] = JSON.parse(/const SHELL = (\[.*?\]);/.exec(body)![1]);
  const lazy: string[] = JSON.parse(/const LAZY = (\[.*?\]);/.exec(body)![1]);
  expect(shell).toContain("/index.html");
  const wasm = shell.find((u) => /^\/pkg-[0-9a-f]{16}\/zhijian_bg\.wasm$/.test(u));
  expect(wasm).toBeTruthy();
  // The pages' chunks are cached after start, not at install.
  expect(lazy.length).toBeGreaterThan(10);
  expect(lazy.every((u) => (u.endsWith(".wasm") || u.endsWith("/en.json") || u.endsWith("/zh-pages.json")) && !shell.includes(u))).toBe(true);
  // The lazy pages' Chinese strings come with them, not in the first load.
  expect(lazy.some((u) => u.endsWith("/zh-pages.json"))).toBe(true);
  for (const url of [...shell, ...lazy]) expect((await request.get(`${server.url}${url}`)).status(), url).toBe(200);

  const index = await request.get(`${server.url}/`);
  expect(index.headers()["cache-control"]).toBe("no-cache");
  expect(await index.text()).toContain(build!);
  const asset = await request.get(`${server.url}${wasm}`, { headers: { "accept-encoding": "br" } });
  expect(asset.headers()["cache-control"]).toContain("immutable");
  expect(asset.headers()["content-encoding"]).toBe("br");
});

test("a new deploy is offered and picked up after the reload the app offers", async ({ page }) => {
  await page.goto(server.url);
  await expect(page.getByTestId("welcome")).toBeVisible();
  await waitForOfflineReady(page);
  const oldBuild = await page.locator('meta[name="zj-build"]').getAttribute("content");
  expect(oldBuild).toMatch(/^[0-9a-f]{16}$/);
  // No update offered while nothing changed.
  await expect(page.getByText("新版本已就绪")).toHaveCount(0);

  // Deploy: the same port and data, a build with a new id.
  await server.stop();
  const newBuild = "feedfacecafebeef";
  server = await startServer({ port: server.port, dataDir: server.dataDir, dist: nextDeploy(distDir, newBuild) });

  await page.reload();
  // The old version still runs (from cache) and offers the new one.
  await expect(page.getByText("新版本已就绪")).toBeVisible({ timeout: 20_000 });
  expect(await page.locator('meta[name="zj-build"]').getAttribute("content")).toBe(oldBuild);
  await Promise.all([page.waitForEvent("load"), page.getByRole("button", { name: "立即刷新" }).click()]);
  await expect(page.locator('meta[name="zj-build"]')).toHaveAttribute("content", newBuild);
  await expect(page.getByTestId("welcome")).toBeVisible();
  await expect(page.getByText("新版本已就绪")).toHaveCount(0);
});

test("API errors are JSON and do not take the server down", async ({ request }) => {
  const missing = await request.get(`${server.url}/api/no-such-thing`);
  expect(missing.status()).toBe(404);
  expect((await missing.json()).code).toBe("not_found");

  const malformed = await request.post(`${server.url}/api/client-log`, {
    headers: { "content-type": "application/json" },
    data: Buffer.from("{not json"),
  });
  expect(malformed.status()).toBe(400);
  expect((await malformed.json()).message).toMatch(/JSON/);

  const huge = await request.post(`${server.url}/api/client-log`, {
    headers: { "content-type": "application/json" },
    data: JSON.stringify({ level: "error", message: "x".repeat(1024 * 1024), build: "b" }),
  });
  expect(huge.status()).toBe(413);
  expect((await huge.json()).code).toBe("payload_too_large");

  const health = await request.get(`${server.url}/api/health`);
  expect(health.status()).toBe(200);
});
