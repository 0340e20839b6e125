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

test("credits earned by a check-out, a reward redeemed offline, the merchant confirms the code", async ({ browser }) => {
  // The secretary publishes the month and shows the check-in code of the
  // volunteer service under way (周婷 was checked in at its start).
  const secretary = await browser.newContext();
  const sec = await secretary.newPage();
  await signIn(sec, server.url, "13900000002", "demo1234");
  await sec.goto(`${server.url}/menus/menu-yuehai-this`);
  await sec.getByRole("button", { name: "发布" }).click();
  await syncNow(sec, server.url);
  await sec.goto(`${server.url}/activities/menu-yuehai-this-a3`);
  await expect(sec.getByTestId("checkin-code")).toHaveText(/^\d{6}$/);

  const phone = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await phone.newPage();
  await signIn(page, server.url, "13900000003", "demo1234");
  await waitForOfflineReady(page);
  await page.goto(`${server.url}/credits`);
  await expect(page.getByTestId("balance")).toHaveText("当前积分：0");

  // Check-out with the organiser's code: the credits come after the server
  // has verified it.
  await page.goto(`${server.url}/activities/menu-yuehai-this-a3`);
  const code = (await sec.getByTestId("checkin-code").textContent())!.trim();
  await page.getByLabel("签到码").fill(code);
  await page.getByRole("button", { name: "签退", exact: true }).click();
  // Saved on the device before leaving the page.
  await expect(page.getByText("已签退", { exact: true })).toBeVisible();
  await page.goto(`${server.url}/credits`);
  await syncNow(page, server.url);
  await page.goto(`${server.url}/credits`);
  // About 100 of 120 minutes present: 16 credits at 10 an hour.
  await expect(page.getByTestId("balance")).toHaveText(/^当前积分：1[6-9]$/);
  await expect(page.getByTestId("ledger")).toContainText("志愿服务 · 社区义诊志愿服务");
  const earned = Number((await page.getByTestId("balance").textContent())!.replace("当前积分：", ""));

  // Offline, a coffee (15) at the alliance's barber: shown as pending.
  await server.stop();
  await page.goto(`${server.url}/rewards`);
  const coffee = page.getByTestId("reward").filter({ hasText: "咖啡一杯" });
  await coffee.getByRole("button", { name: "兑换" }).click();
  await expect(page.getByText("已提交兑换，同步后生成待领取记录")).toBeVisible();
  await page.goto(`${server.url}/credits`);
  await expect(page.getByTestId("redemption")).toContainText("咖啡一杯");
  await expect(page.getByTestId("redemption")).toContainText("待同步");
  await expect(page.getByTestId("credits-pending")).toContainText("1 项积分变动待同步");
  await expect(page.getByTestId("balance")).toHaveText(`当前积分：${earned - 15}`);
  await expect(page.getByTestId("redemption-code")).toHaveCount(0);

  // Back online: accepted; the one-time code to show at the counter.
  server = await startServer({ port: server.port, dataDir: server.dataDir });
  await syncNow(page, server.url);
  await page.goto(`${server.url}/credits`);
  await expect(page.getByTestId("redemption-code")).toHaveText(/^\d{6}$/);
  const redemption = (await page.getByTestId("redemption-code").textContent())!.trim();
  await expect(page.getByTestId("balance")).toHaveText(`当前积分：${earned - 15}`);
  await expect(page.getByTestId("credits-pending")).toHaveCount(0);

  // The merchant confirms it: a wrong code first, then the member's.
  const shop = await browser.newContext();
  const merchant = await shop.newPage();
  await signIn(merchant, server.url, "merchant-yuehai", "shop1234");
  await merchant.goto(`${server.url}/merchant`);
  await expect(merchant.getByTestId("merchant-open")).toHaveText("待核销 1 笔");
  const wrong = redemption === "000000" ? "111111" : "000000";
  await merchant.getByLabel("兑换码").fill(wrong);
  await merchant.getByRole("button", { name: "核销" }).click();
  await expect(merchant.getByText("兑换码不正确或已使用")).toBeVisible();
  await merchant.getByLabel("兑换码").fill(redemption);
  await merchant.getByRole("button", { name: "核销" }).click();
  await expect(merchant.getByText("核销成功，请交付奖品")).toBeVisible();
  await syncNow(merchant, server.url);
  await merchant.goto(`${server.url}/merchant`);
  await expect(merchant.getByTestId("merchant-open")).toHaveText("待核销 0 笔");
  await expect(merchant.getByTestId("merchant-redemptions")).toContainText("咖啡一杯 · 周*");

  await syncNow(page, server.url);
  await page.goto(`${server.url}/credits`);
  await expect(page.getByTestId("redemption")).toContainText("已领取");
  await expect(page.getByTestId("redemption-code")).toHaveCount(0);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(wide).toBeLessThanOrEqual(360);

  await shop.close();
  await phone.close();
  await secretary.close();
});

test("an offline redemption the balance no longer covers is refused with the reason", async ({ browser }) => {
  const phone = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await phone.newPage();
  await signIn(page, server.url, "13900000001", "demo1234");
  await waitForOfflineReady(page);
  await page.goto(`${server.url}/credits`);
  await expect(page.getByTestId("balance")).toHaveText("当前积分：60");

  // The member, offline, redeems rice for 50.
  await page.context().setOffline(true);
  await page.goto(`${server.url}/rewards`);
  const rice = page.getByTestId("reward").filter({ hasText: "爱心大米" });
  await rice.getByRole("button", { name: "兑换" }).click();
  await expect(page.getByText("已提交兑换，同步后生成待领取记录")).toBeVisible();
  await page.goto(`${server.url}/credits`);
  await expect(page.getByTestId("balance")).toHaveText("当前积分：10");

  // Meanwhile the secretary deducts 20, with a reason.
  const secretary = await browser.newContext();
  const sec = await secretary.newPage();
  await signIn(sec, server.url, "13900000002", "demo1234");
  await sec.goto(`${server.url}/members/m-01`);
  const credits = sec.getByTestId("member-credits");
  await expect(credits).toContainText("当前积分：60");
  await credits.getByLabel("积分（扣减填负数）").fill("-20");
  await credits.getByRole("button", { name: "调整积分" }).click();
  await expect(credits.getByText("调整积分必须写明原因")).toBeVisible();
  await credits.getByLabel("原因").fill("重复登记的服务时长");
  await credits.getByRole("button", { name: "调整积分" }).click();
  await expect(credits).toContainText("当前积分：40");
  await syncNow(sec, server.url);

  // Reconnected: refused, visibly, and nothing was spent.
  await page.context().setOffline(false);
  await syncNow(page, server.url);
  await page.goto(`${server.url}/credits`);
  await expect(page.getByTestId("credit-rejection")).toContainText("未成功：爱心大米（5 斤） 积分余额不足：可用 40，需要 50");
  await expect(page.getByTestId("balance")).toHaveText("当前积分：40");
  await expect(page.getByTestId("ledger")).toContainText("-20 · 书记调整 · 重复登记的服务时长");
  await expect(page.getByTestId("redemption")).toHaveCount(0);
  await page.getByTestId("credit-rejection").getByRole("button", { name: "知道了" }).click();
  await expect(page.getByTestId("credit-rejection")).toHaveCount(0);
  await phone.close();
  await secretary.close();
});
