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

test("a station kiosk hands goods over offline from credits the member reserved for it", async ({ browser }) => {
  // The member, online on her phone, reserves 50 credits for the station's device.
  const phone = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await phone.newPage();
  await signIn(page, server.url, "13900000001", "demo1234");
  await page.goto(`${server.url}/credits`);
  await expect(page.getByTestId("balance")).toHaveText("当前积分：60");
  await page.getByText("在驿站离线兑换").click();
  await page.getByLabel("驿站设备编号").fill("acc-kiosk");
  await page.getByLabel("预留积分").fill("50");
  await page.getByRole("button", { name: "预留", exact: true }).click();
  await expect(page.getByText("已预留，到驿站即可兑换")).toBeVisible();
  await syncNow(page, server.url);
  await page.goto(`${server.url}/credits`);
  await expect(page.getByTestId("available")).toHaveText("可用积分：10（其余已为驿站设备预留）");

  // The kiosk syncs while online, then the network drops.
  const station = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  const kiosk = await station.newPage();
  await signIn(kiosk, server.url, "kiosk-yuehai", "kiosk1234");
  await waitForOfflineReady(kiosk);
  await kiosk.goto(`${server.url}/station`);
  await expect(kiosk.getByText("本机编号：acc-kiosk")).toBeVisible();
  const hold = kiosk.getByRole("button", { name: "马晓燕：可用 50" });
  await expect(hold).toBeVisible({ timeout: 20_000 });
  await server.stop();
  await hold.click();
  await kiosk.getByRole("button", { name: /爱心大米/ }).click();
  await expect(kiosk.getByText("已兑换，请交付物品")).toBeVisible();
  await expect(kiosk.getByRole("button", { name: "马晓燕：可用 0" })).toHaveCount(0);
  await expect(kiosk.getByTestId("pending-count")).toHaveText("1 条待同步");

  // Back online: accepted; the member's credits and history agree.
  server = await startServer({ port: server.port, dataDir: server.dataDir });
  await syncNow(kiosk, server.url);
  await kiosk.goto(`${server.url}/sync`);
  await expect(kiosk.locator("[data-testid=rejected-list] li.rejected")).toHaveCount(0);
  await syncNow(page, server.url);
  await page.goto(`${server.url}/credits`);
  await expect(page.getByTestId("balance")).toHaveText("当前积分：10");
  await expect(page.getByTestId("redemption")).toContainText("爱心大米（5 斤）");
  await expect(page.getByTestId("redemption")).toContainText("已领取");
  await station.close();
  await phone.close();
});
