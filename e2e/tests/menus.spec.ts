import { test, expect, Page } from "@playwright/test";
import { signIn, waitForOfflineReady, syncNow } from "../helpers";
import { startServer, Server } from "../server";

let server: Server;
test.beforeEach(async () => {
  server = await startServer();
});
test.afterEach(async () => {
  await server.stop();
});

async function noSidewaysScroll(page: Page) {
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(wide).toBeLessThanOrEqual(360);
}

test("published menu: offline sign-up and check-in with the organiser's code, then progress and the board", async ({ browser }) => {
  // The secretary publishes this month's menu (the demo leaves it a draft).
  const secretary = await browser.newContext();
  const sec = await secretary.newPage();
  await signIn(sec, server.url, "13900000002", "demo1234");
  await waitForOfflineReady(sec);
  await sec.goto(`${server.url}/`);
  await expect(sec.getByTestId("home-draft")).toHaveText("本月菜单尚未发布 · 去发布");
  await sec.goto(`${server.url}/activities`);
  const draft = sec.getByTestId("menu-card").filter({ hasText: "红色物业" });
  await expect(draft).toContainText("草稿");
  await draft.getByRole("link", { name: "编辑菜单" }).click();
  await sec.getByRole("button", { name: "发布" }).click();
  await expect(sec.getByText("已发布")).toBeVisible();
  await syncNow(sec, server.url);

  // A member on a phone-sized screen sees it, with nothing done yet.
  const member = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await member.newPage();
  await signIn(page, server.url, "13900000001", "demo1234");
  await waitForOfflineReady(page);
  await page.goto(`${server.url}/`);
  const own = page.locator(".theme-card").filter({ hasText: "红色物业 · 暖心服务进楼宇" });
  await expect(own.getByTestId("progress")).toHaveText("必选 0/1 · 自选 0/1");
  // The alliance's joint menu (theme day) applies too.
  await expect(page.getByTestId("this-month")).toContainText("红盟主题党日 · 共建共享");
  await page.goto(`${server.url}/activities`);
  await expect(page.getByTestId("menu-card").filter({ hasText: "红色物业" })).toContainText("社区志愿服务");
  await expect(page.getByTestId("menu-card").filter({ hasText: "红盟主题党日" })).toContainText("金凤区两新党建红盟");
  await noSidewaysScroll(page);

  // The organiser opens the activity under way; both go offline.
  await sec.goto(`${server.url}/activities/menu-yuehai-this-a0`);
  await expect(sec.getByTestId("checkin-code")).toHaveText(/^\d{6}$/);
  await expect(sec.locator(".qr svg")).toBeVisible();
  await server.stop();

  await page.getByRole("link", { name: /楼宇垃圾分类志愿服务/ }).click();
  await page.getByRole("button", { name: "报名", exact: true }).click();
  await expect(page.getByText("已报名，联网后确认名额")).toBeVisible();

  await page.goto(`${server.url}/activities/menu-yuehai-this-a0`);
  const code = (await sec.getByTestId("checkin-code").textContent())!.trim();
  await page.getByLabel("签到码").fill(code);
  await page.getByRole("button", { name: "签到", exact: true }).click();
  await expect(page.getByText("已签到，联网后由服务器核验")).toBeVisible();
  await noSidewaysScroll(page);

  // Reloaded offline: kept, and shown as not yet synced.
  await page.reload();
  await expect(page.getByTestId("my-checkin")).toContainText("签到");
  await expect(page.getByTestId("activity-pending")).toBeVisible();
  await expect(page.getByTestId("pending-count")).toHaveText("2 条待同步");
  await expect(page.locator(".status")).toContainText("离线");

  // Back online: confirmed by the server, progress updated.
  server = await startServer({ port: server.port, dataDir: server.dataDir });
  await syncNow(page, server.url);
  await page.goto(`${server.url}/activities/menu-yuehai-this-a1`);
  await expect(page.getByTestId("my-signup")).toHaveText("报名成功");
  await expect(page.getByTestId("seats")).toHaveText("已报 1/8");
  await page.goto(`${server.url}/`);
  await expect(own.getByTestId("progress")).toHaveText("必选 1/1 · 自选 0/1");
  await page.goto(`${server.url}/sync`);
  await expect(page.locator("[data-testid=rejected-list] li.rejected")).toHaveCount(0);

  // The secretary's board shows who did what.
  await syncNow(sec, server.url);
  await sec.goto(`${server.url}/menus/menu-yuehai-this/board`);
  const row = sec.getByTestId("board").getByRole("row", { name: /马晓燕/ });
  await expect(row).toContainText("1/1");
  await expect(row).toContainText("0/1");
  await expect(sec.getByTestId("board-summary")).toHaveText("0 / 4 名党员已完成本月菜单");
  await sec.goto(`${server.url}/`);
  await expect(sec.getByTestId("home-board").first()).toContainText("名党员已完成本月菜单");
  await sec.goto(`${server.url}/menus/menu-yuehai-this/board`);
  const download = sec.waitForEvent("download");
  await sec.getByRole("button", { name: "导出 CSV" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/\.csv$/);

  await member.close();
  await secretary.close();
});

test("a wrong check-in code is refused by the server with a reason", async ({ browser }) => {
  const secretary = await browser.newContext();
  const sec = await secretary.newPage();
  await signIn(sec, server.url, "13900000002", "demo1234");
  await sec.goto(`${server.url}/menus/menu-yuehai-this`);
  await sec.getByRole("button", { name: "发布" }).click();
  await syncNow(sec, server.url);

  const member = await browser.newContext();
  const page = await member.newPage();
  await signIn(page, server.url, "13900000001", "demo1234");
  await page.goto(`${server.url}/activities/menu-yuehai-this-a0`);
  // Forged: the phone cannot judge it (no secret there), the server does.
  await sec.goto(`${server.url}/activities/menu-yuehai-this-a0`);
  const real = (await sec.getByTestId("checkin-code").textContent())!.trim();
  const forged = real === "123456" ? "654321" : "123456";
  await page.getByLabel("签到码").fill(forged);
  await page.getByRole("button", { name: "签到", exact: true }).click();
  await expect(page.getByText("已签到，联网后由服务器核验")).toBeVisible();
  await page.goto(`${server.url}/sync`);
  await page.getByRole("button", { name: "立即同步" }).click();
  await expect(page.getByText("签到码不正确或已过期")).toBeVisible({ timeout: 20_000 });
  await page.goto(`${server.url}/activities/menu-yuehai-this-a0`);
  await expect(page.getByTestId("my-checkin")).toHaveCount(0);
  // The refusal is shown where it happened, until dismissed.
  await expect(page.getByTestId("my-rejection")).toContainText("未成功：签到码不正确或已过期");
  // The refusal travels as a reason, so an English reader reads English.
  await page.goto(`${server.url}/me`);
  await page.getByRole("button", { name: "English" }).click();
  // The switch fetches the locale's strings first; leave only once it is made.
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await page.goto(`${server.url}/activities/menu-yuehai-this-a0`);
  await expect(page.getByTestId("my-rejection")).toContainText(
    "Not accepted: The check-in code is wrong or has expired",
  );
  await page.goto(`${server.url}/me`);
  await page.getByRole("button", { name: "简体中文" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
  await page.goto(`${server.url}/activities/menu-yuehai-this-a0`);
  await page.getByTestId("my-rejection").getByRole("button", { name: "知道了" }).click();
  await expect(page.getByTestId("my-rejection")).toHaveCount(0);
  await member.close();
  await secretary.close();
});

test("a secretary plans next month from this month's menu, with a clear refusal for bad input", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const sec = await context.newPage();
  await signIn(sec, server.url, "13900000002", "demo1234");
  await sec.goto(`${server.url}/activities`);
  await sec.getByRole("button", { name: "下个月" }).click();
  const plan = sec.locator(".plan-card").filter({ hasText: "悦海新天地楼宇联合党支部这个月还没有活动菜单" });
  await plan.getByRole("link", { name: "复制上月菜单" }).click();
  await expect(sec.getByLabel("本月主题")).toHaveValue("红色物业 · 暖心服务进楼宇");
  await sec.getByLabel("本月主题").fill("网格连心 · 服务进楼栋");

  // An item without a title is refused with the reason, and nothing is queued.
  await sec.getByRole("button", { name: "+ 自选项目" }).click();
  await sec.getByRole("button", { name: "保存菜单" }).click();
  // The browser's own check stops an empty required field; clear it via the
  // domain instead by typing spaces.
  const titles = sec.locator('input[name="item-title"]');
  await titles.last().fill("   ");
  await sec.getByRole("button", { name: "保存菜单" }).click();
  await expect(sec.getByText("名称不能为空")).toBeVisible();
  await expect(sec.getByTestId("pending-count")).toHaveCount(0);
  await titles.last().fill("楼栋微心愿认领");
  await sec.getByRole("button", { name: "保存菜单" }).click();
  await expect(sec.getByRole("button", { name: "发布" })).toBeVisible();
  await sec.getByRole("button", { name: "发布" }).click();
  await expect(sec.getByText("已发布")).toBeVisible();

  // An activity in the new month.
  const next = new Date();
  next.setDate(1);
  next.setMonth(next.getMonth() + 1);
  const pad = (n: number) => String(n).padStart(2, "0");
  const when = `${next.getFullYear()}-${pad(next.getMonth() + 1)}-05T14:00`;
  const form = sec.getByTestId("activity-form");
  await form.getByLabel("活动名称").fill("楼栋议事会");
  await form.getByLabel("时间").fill(when);
  await form.getByLabel("地点").fill("悦海新天地3号楼");
  await form.getByLabel("形式").selectOption({ label: "预约式" });
  await form.getByLabel("名额").fill("0");
  await form.getByRole("button", { name: "添加活动" }).click();
  await expect(form.getByText("名额必须是 1 到 10000 之间的整数")).toBeVisible();
  await form.getByLabel("名额").fill("12");
  await form.getByRole("button", { name: "添加活动" }).click();
  await expect(form.getByText("已保存")).toBeVisible();
  await expect(sec.getByRole("link", { name: "楼栋议事会" })).toBeVisible();
  await noSidewaysScroll(sec);

  // The organiser edits it on its own page: more seats.
  await sec.getByRole("link", { name: "楼栋议事会" }).click();
  await expect(sec.getByTestId("seats")).toHaveText("已报 0/12");
  await sec.getByText("编辑活动").click();
  const edit = sec.getByTestId("activity-form");
  await expect(edit.getByLabel("活动名称")).toHaveValue("楼栋议事会");
  await edit.getByLabel("名额").fill("15");
  await edit.getByRole("button", { name: "保存修改" }).click();
  await expect(sec.getByTestId("seats")).toHaveText("已报 0/15");
  await expect(sec.getByRole("status").filter({ hasText: "已保存" })).toBeVisible();
  await expect(sec.getByTestId("checkin-code")).toHaveText(/^\d{6}$/);

  await syncNow(sec, server.url);
  await sec.goto(`${server.url}/sync`);
  await expect(sec.locator("[data-testid=rejected-list] li.rejected")).toHaveCount(0);
  await context.close();
});

test("with the organiser's clock 3 minutes fast and the member's phone a day slow, the check-in is accepted at the right time", async ({ browser }) => {
  const secretary = await browser.newContext();
  await secretary.clock.install({ time: Date.now() + 3 * 60_000 });
  const sec = await secretary.newPage();
  await signIn(sec, server.url, "13900000002", "demo1234");
  await sec.goto(`${server.url}/menus/menu-yuehai-this`);
  await sec.getByRole("button", { name: "发布" }).click();
  await expect(sec.getByText("已发布")).toBeVisible();
  await syncNow(sec, server.url);

  const member = await browser.newContext();
  await member.clock.install({ time: Date.now() - 24 * 3600_000 });
  const page = await member.newPage();
  await signIn(page, server.url, "13900000001", "demo1234");
  await page.goto(`${server.url}/activities/menu-yuehai-this-a0`);
  await sec.goto(`${server.url}/activities/menu-yuehai-this-a0`);
  const code = (await sec.getByTestId("checkin-code").textContent())!.trim();
  await page.getByLabel("签到码").fill(code);
  await page.getByRole("button", { name: "签到", exact: true }).click();
  await expect(page.getByText("已签到，联网后由服务器核验")).toBeVisible();
  await syncNow(page, server.url);
  await expect(page.getByTestId("rejected-list")).toContainText("没有被退回的修改");
  await page.goto(`${server.url}/activities/menu-yuehai-this-a0`);
  await expect(page.getByTestId("my-rejection")).toHaveCount(0);
  // Shown at the real time (the server's), not a day earlier.
  const real = new Date();
  const shown = (d: Date) => `${d.getMonth() + 1}月${d.getDate()}日 ${d.getHours()}:${String(d.getMinutes()).padStart(2, "0")}`;
  const near = [real, new Date(real.getTime() - 60_000)].map((d) => `已于 ${shown(d)} 签到`);
  await expect(page.getByTestId("my-checkin")).toHaveText(new RegExp(near.join("|")));
  await member.close();
  await secretary.close();
});
