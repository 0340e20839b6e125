// A double tap queues one change (issue #11): every submit is disabled while
// its change is being queued and for a moment after.
import { test, expect } from "@playwright/test";
import { signIn, waitForOfflineReady, syncNow } from "../helpers";
import { startServer, Server } from "../server";

let server: Server;
test.beforeEach(async () => {
  server = await startServer();
});
test.afterEach(async () => {
  await server.stop();
});

test("a double tap on 报名 and on 兑换 queues one mutation each", async ({ browser }) => {
  const secretary = await browser.newContext();
  const sec = await secretary.newPage();
  await signIn(sec, server.url, "13900000002", "demo1234");
  await sec.goto(`${server.url}/menus/menu-yuehai-this`);
  await sec.getByRole("button", { name: "发布" }).click();
  // Queued on the device before leaving the page.
  await expect(sec.getByText("已发布")).toBeVisible();
  await syncNow(sec, server.url);
  await secretary.close();

  const phone = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await phone.newPage();
  await signIn(page, server.url, "13900000001", "demo1234");
  await waitForOfflineReady(page);
  await page.goto(`${server.url}/credits`);
  await expect(page.getByTestId("balance")).toHaveText("当前积分：60");
  // Offline, so that what was queued stays visible.
  await server.stop();

  await page.goto(`${server.url}/rewards`);
  const coffee = page.getByTestId("reward").filter({ hasText: "咖啡一杯" });
  await coffee.getByRole("button", { name: "兑换" }).dblclick();
  await expect(page.getByText("已提交兑换，同步后生成待领取记录")).toBeVisible();

  await page.goto(`${server.url}/activities`);
  await page.getByRole("link", { name: /楼宇垃圾分类志愿服务/ }).click();
  await page.getByRole("button", { name: "报名", exact: true }).dblclick();
  await expect(page.getByText("已报名，联网后确认名额")).toBeVisible();

  await page.goto(`${server.url}/sync`);
  await expect(page.getByTestId("pending-count")).toHaveText("2 条待同步");
  await page.goto(`${server.url}/credits`);
  await expect(page.getByTestId("balance")).toHaveText("当前积分：45");
  await phone.close();
});
