// 三会一课 (issue #12): the secretary records a 支委会 with a member on leave,
// the quarter's board shows it, and that member sees only her own line.
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

test("the secretary records a 支委会 with an absence on leave and the board shows it", async ({ browser }) => {
  const secretary = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const sec = await secretary.newPage();
  await signIn(sec, server.url, "13900000002", "demo1234");
  await sec.goto(`${server.url}/meetings`);
  const board = sec.getByTestId("meetings-board");
  const committee = board.locator('tr[data-kind="committee"]');
  // Nothing recorded yet this quarter.
  await expect(committee).toContainText("未达标");
  await expect(committee).toContainText("0/1");

  // Last quarter's demo records: a 党小组会 in two months of three.
  await sec.getByRole("button", { name: "上一季度" }).click();
  await expect(board.locator('tr[data-kind="group"]')).toContainText("未达标");
  await expect(board.locator('tr[data-kind="general"]')).toContainText("达标");
  await expect(sec.getByTestId("meetings-list").getByRole("listitem")).toHaveCount(7);
  await sec.getByRole("button", { name: "下一季度" }).click();

  await sec.getByRole("link", { name: "记录会议" }).click();
  const form = sec.getByTestId("meeting-form");
  await form.getByLabel("会议类型").selectOption({ label: "支委会" });
  await form.getByLabel("主题", { exact: true }).fill("研究下月志愿服务安排");
  await form.getByLabel("地点").fill("悦海新天地党群服务驿站");
  await form.getByLabel("主持人").fill("李建国");
  await form.getByLabel("记录人").fill("周婷");
  await form.locator(`[data-member="m-01"] select`).selectOption({ label: "请假" });
  await form.getByLabel("马晓燕的请假事由").fill("在外地出差");
  await form.getByLabel("会议记录").fill("会议研究了下月志愿服务安排，明确了分工。");
  await form.getByRole("button", { name: "保存会议记录" }).click();

  await expect(sec).toHaveURL(/\/meetings$/);
  await expect(committee).toContainText("1/1");
  await expect(sec.getByTestId("meetings-list")).toContainText("研究下月志愿服务安排");
  await expect(sec.getByTestId("meetings-list")).toContainText("请假 1");
  await syncNow(sec, server.url);
  await secretary.close();

  // 马晓燕 sees the meeting and her own leave, nobody else's line.
  const phone = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await phone.newPage();
  await signIn(page, server.url, "13900000001", "demo1234");
  await page.goto(`${server.url}/meetings`);
  const mine = page.getByTestId("my-meetings").getByRole("listitem").filter({ hasText: "研究下月志愿服务安排" });
  await expect(mine).toContainText("你请假了：在外地出差");
  await expect(page.getByTestId("meetings-board")).toHaveCount(0);
  await mine.getByRole("link").click();
  await expect(page.getByTestId("my-attendance")).toHaveText("你请假了：在外地出差");
  await expect(page.getByText("会议研究了下月志愿服务安排，明确了分工。")).toBeVisible();
  await phone.close();
});

test("committee staff ask for two 支部党员大会 a quarter and the board follows", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, server.url, "13900000100", "demo1234");
  await page.goto(`${server.url}/meetings`);
  await page.locator("select").first().selectOption("yuehai");
  await page.getByRole("button", { name: "上一季度" }).click();
  const general = page.getByTestId("meetings-board").locator('tr[data-kind="general"]');
  await expect(general).toContainText("1/1");
  await expect(general).toContainText("达标");

  const rules = page.getByTestId("meeting-rules");
  await rules.locator('[data-kind="general"] input').fill("2");
  await rules.getByRole("button", { name: "保存要求" }).click();
  await expect(rules.getByText("已保存")).toBeVisible();
  await expect(general).toContainText("1/2");
  await expect(general).toContainText("未达标");

  await syncNow(page, server.url);
  await expect(page.getByTestId("pending-count")).toHaveCount(0);
  await context.close();
});
