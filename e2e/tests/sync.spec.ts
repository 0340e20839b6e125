import { test, expect, Page, BrowserContext } from "@playwright/test";
import { signIn, waitForOfflineReady, syncNow } from "../helpers";
import { startServer, Server } from "../server";

let server: Server;
test.beforeEach(async () => {
  server = await startServer();
});
test.afterEach(async () => {
  await server.stop();
});

test("a profile edited offline survives a reload and syncs; the secretary sees it", async ({ browser }) => {
  const member = await browser.newContext();
  const page = await member.newPage();
  await signIn(page, server.url, "13900000001", "demo1234");
  await expect(page.getByLabel("手机号")).toHaveValue("13900000001");
  await waitForOfflineReady(page);

  await server.stop();
  await page.getByLabel("工作单位").fill("悦海新天地3号楼");
  await page.getByRole("button", { name: "保存" }).click();
  await expect(page.getByText("已保存，将在联网时同步")).toBeVisible();
  await expect(page.getByTestId("pending-count")).toHaveText("1 条待同步");

  await page.reload();
  await expect(page.getByLabel("工作单位")).toHaveValue("悦海新天地3号楼");
  await expect(page.getByTestId("pending-count")).toHaveText("1 条待同步");
  await expect(page.locator(".status")).toContainText("离线");

  server = await startServer({ port: server.port, dataDir: server.dataDir });
  await syncNow(page, server.url);
  await expect(page.getByTestId("pending-count")).toHaveCount(0, { timeout: 20_000 });
  await expect(page.getByTestId("pending-list")).toContainText("没有待同步的修改");

  const secretary = await browser.newContext();
  const sec = await secretary.newPage();
  await signIn(sec, server.url, "13900000002", "demo1234");
  await sec.getByRole("link", { name: "本组织党员" }).click();
  await expect(sec.getByTestId("member-list")).toContainText("马晓燕");
  await sec.getByRole("link", { name: /马晓燕/ }).click();
  await expect(sec.getByLabel("工作单位")).toHaveValue("悦海新天地3号楼");
  await expect(sec.getByLabel("手机号")).toHaveValue("13900000001");
  await member.close();
  await secretary.close();
});

test("two tabs share one outbox and only one pushes at a time", async ({ browser }) => {
  const context: BrowserContext = await browser.newContext();
  const a = await context.newPage();
  await signIn(a, server.url, "13900000001", "demo1234");
  const b = await context.newPage();
  await b.goto(`${server.url}/me`);
  await expect(b.getByTestId("profile")).toBeVisible();

  // Request spans on the browser's own clock (shared by both tabs), not the
  // order in which the test process happens to receive events.
  const spans: { tab: string; start: number; end: number }[] = [];
  for (const [tab, page] of [["a", a], ["b", b]] as const) {
    page.on("requestfinished", (r) => {
      if (!r.url().endsWith("/api/sync/push")) return;
      const t = r.timing();
      spans.push({ tab, start: t.startTime, end: t.startTime + t.responseEnd });
    });
  }
  // Changes made in both tabs while the server is away share one outbox.
  await server.stop();
  for (let i = 0; i < 4; i++) {
    const page = i % 2 === 0 ? a : b;
    // The other tab's change has reached this one before its user types.
    if (i > 0) await expect(page.getByLabel("工作单位")).toHaveValue(`单位${i - 1}`);
    await page.getByLabel("工作单位").fill(`单位${i}`);
    await page.getByRole("button", { name: "保存" }).click();
    await expect(page.getByText("已保存，将在联网时同步")).toBeVisible();
  }
  await expect(a.getByTestId("pending-count")).toHaveText("4 条待同步");
  server = await startServer({ port: server.port, dataDir: server.dataDir });
  // Both tabs try to sync at the same moment; the lock lets one push.
  await Promise.all([a, b].map((p) => p.evaluate(() => window.dispatchEvent(new Event("online")))));
  for (const page of [a, b]) {
    await expect(page.getByTestId("pending-count")).toHaveCount(0, { timeout: 20_000 });
  }
  await b.reload();
  await expect(b.getByLabel("工作单位")).toHaveValue("单位3");
  expect(spans.length).toBeGreaterThan(0);
  for (const x of spans)
    for (const y of spans)
      if (x.tab !== y.tab) expect(x.end <= y.start || y.end <= x.start, JSON.stringify(spans)).toBe(true);
  await context.close();
});

test("closing the tab mid-push loses nothing and applies nothing twice", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, server.url, "13900000001", "demo1234");

  // The push reaches the server, but its response never reaches the page.
  let delivered!: () => void;
  const pushed = new Promise<void>((r) => (delivered = r));
  await page.route("**/api/sync/push", async (route) => {
    await route.fetch();
    delivered();
    await new Promise(() => {}); // hang until the tab closes
  });
  await page.getByLabel("工作单位").fill("万达广场");
  await page.getByRole("button", { name: "保存" }).click();
  await pushed;
  await page.close();

  const again = await context.newPage();
  const replay = again.waitForResponse((r) => r.url().endsWith("/api/sync/push"));
  await again.goto(`${server.url}/me`);
  const body = await (await replay).json();
  expect(body.last_seq).toBe(1);
  expect(body.results).toEqual([]); // already processed: skipped, not applied again
  await expect(again.getByTestId("pending-count")).toHaveCount(0, { timeout: 20_000 });
  await expect(again.getByLabel("工作单位")).toHaveValue("万达广场");
  await context.close();
});
