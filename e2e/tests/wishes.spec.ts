import { test, expect } from "@playwright/test";
import { signIn, syncNow } from "../helpers";
import { startServer, Server } from "../server";

let server: Server;
test.beforeEach(async () => {
  server = await startServer();
});
test.afterEach(async () => {
  await server.stop();
});

test("a member claims a micro-wish, fulfils it, the secretary confirms and the credits arrive; pledges are shared", async ({ browser }) => {
  const phone = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await phone.newPage();
  await signIn(page, server.url, "13900000001", "demo1234");
  await page.goto(`${server.url}/wishes`);
  const wish = page.getByTestId("wish").filter({ hasText: "为独居老人更换门锁" });
  await expect(wish).toContainText("心愿人：王*梅 · 完成可得 15 积分");
  await wish.getByRole("button", { name: "认领" }).click();
  await expect(page.getByText("已认领，同步后确认是否认领成功")).toBeVisible();
  await syncNow(page, server.url);
  await page.goto(`${server.url}/wishes`);
  await expect(wish).toContainText("马晓燕 已认领");
  await wish.getByLabel("完成情况").fill("已上门换好新锁");
  await wish.getByRole("button", { name: "标记完成" }).click();
  await expect(wish).toContainText("马晓燕 已完成，待确认");
  // A pledge for the branch.
  await page.getByLabel("我愿意……").fill("周末为楼宇老人义务理发");
  await page.getByRole("button", { name: "发布承诺" }).click();
  await expect(page.getByTestId("pledges")).toContainText("马晓燕：周末为楼宇老人义务理发");
  await syncNow(page, server.url);

  const office = await browser.newContext();
  const sec = await office.newPage();
  await signIn(sec, server.url, "13900000002", "demo1234");
  await sec.goto(`${server.url}/wishes`);
  const done = sec.getByTestId("wish").filter({ hasText: "为独居老人更换门锁" });
  await expect(done).toContainText("马晓燕 已完成，待确认");
  await expect(sec.getByTestId("pledges")).toContainText("马晓燕：周末为楼宇老人义务理发");
  await done.getByRole("button", { name: "确认完成并发放积分" }).click();
  await expect(done).toContainText("马晓燕 已完成，已确认");
  await syncNow(sec, server.url);

  await syncNow(page, server.url);
  await page.goto(`${server.url}/credits`);
  await expect(page.getByTestId("balance")).toHaveText("当前积分：75");
  await expect(page.getByTestId("ledger")).toContainText("+15 · 微心愿 · 为独居老人更换门锁");
  await office.close();
  await phone.close();
});
