// Study (issue #12), the phone and the room: a member downloads the demo
// course with its picture, studies it with the server down, writes a
// reflection that reaches her secretary (and nobody's progress reaches
// anyone); the organiser presents the lesson of the 集中学习 on a big screen
// while a member checks in with the code shown there.
import { test, expect } from "@playwright/test";
import { signIn, syncNow, waitForOfflineReady } from "../helpers";
import { startServer, Server } from "../server";

let server: Server;
test.beforeEach(async () => {
  server = await startServer();
});
test.afterEach(async () => {
  await server.stop();
});

const COURSE = "指尖党建入门六课";

test("a member downloads a course, studies it offline and her reflection reaches the secretary", async ({ browser }) => {
  const phone = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await phone.newPage();
  await signIn(page, server.url, "13900000001", "demo1234");
  await waitForOfflineReady(page);
  await page.goto(`${server.url}/study`);
  const course = page.getByTestId("course").filter({ hasText: COURSE });
  await expect(course).toContainText("已学 0 / 6 课");
  const download = course.getByTestId("course-download");
  await expect(download.getByTestId("download-state")).toHaveText(/图片和音频 0 \/ 1 个已下载/);
  await download.getByRole("button", { name: "下载到本机" }).click();
  await expect(download.getByTestId("download-state")).toHaveText(/已下载到本机：1 个图片和音频，共 \d+ KB/);
  await expect(download.getByRole("button", { name: "从本机移除" })).toBeVisible();

  // The server goes away: lesson six opens with its picture.
  await server.stop();
  await page.reload();
  await course.getByRole("link", { name: "第六课 到党群服务驿站办事" }).click();
  const lesson = page.getByTestId("lesson");
  await expect(lesson.getByRole("heading", { level: 2 })).toHaveText("第六课 到党群服务驿站办事");
  const figure = lesson.getByRole("figure", { name: /认证身份/ });
  const picture = figure.locator("img");
  await expect(picture).toBeVisible();
  await expect
    .poll(() => picture.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
    .toBeGreaterThan(100);

  const quiz = page.getByTestId("quiz");
  await quiz.getByLabel("点“完成”，让屏幕回到首页").check();
  await quiz.getByLabel("事先为驿站冻结的积分").check();
  await quiz.getByRole("button", { name: "查看答案" }).click();
  await expect(quiz.getByRole("status")).toHaveText(["回答正确", "回答正确"]);
  await page.getByTestId("lesson-done").click();

  const reflection = page.getByTestId("reflection");
  await reflection.getByRole("textbox", { name: "学习心得" }).fill("共用屏幕办完事要点完成，保护大家的隐私。");
  await reflection.getByRole("button", { name: "保存心得" }).click();
  await expect(reflection.getByRole("status")).toHaveText("心得已保存，联网后送达书记");

  // Reloaded offline: the reflection is kept and waits to be sent.
  await page.reload();
  await expect(reflection.getByRole("textbox", { name: "学习心得" })).toHaveValue("共用屏幕办完事要点完成，保护大家的隐私。");
  await expect(reflection.locator(".tag-pending")).toHaveText("待同步");

  server = await startServer({ port: server.port, dataDir: server.dataDir });
  await syncNow(page, server.url);
  await phone.close();

  // The secretary reads it; no page shows her the member's progress or answers.
  const desk = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const sec = await desk.newPage();
  await signIn(sec, server.url, "13900000002", "demo1234");
  await sec.goto(`${server.url}/study`);
  await expect(sec.getByTestId("course").filter({ hasText: COURSE })).toContainText("已学 0 / 6 课");
  await sec.getByRole("link", { name: "查看学习心得" }).click();
  const item = sec.getByTestId("reflection-item");
  await expect(item).toHaveCount(1);
  await expect(item).toContainText("马晓燕");
  await expect(item).toContainText("第六课 到党群服务驿站办事");
  await expect(item).toContainText("共用屏幕办完事要点完成，保护大家的隐私。");
  await expect(sec.getByTestId("reflections")).not.toContainText(/回答正确|回答有误|已学 1/);
  await desk.close();
});

test("the organiser presents the lesson on a big screen, network down, while a member checks in with its code", async ({ browser }) => {
  const room = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  const screen = await room.newPage();
  await signIn(screen, server.url, "13900000002", "demo1234");
  const phone = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await phone.newPage();
  await signIn(page, server.url, "13900000003", "demo1234");
  await waitForOfflineReady(screen);
  await waitForOfflineReady(page);
  // The room's network is down for the whole session.
  await server.stop();
  await screen.goto(`${server.url}/activities/menu-yuehai-this-a0`);
  await expect(screen.getByTestId("activity-lesson")).toContainText("第一课 每月一主题：活动菜单怎么用");
  await screen.getByTestId("present-link").click();
  const presenter = screen.getByTestId("presenter");
  await expect(presenter.getByRole("heading", { level: 1 })).toHaveText("第一课 每月一主题：活动菜单怎么用");
  await expect(presenter.getByTestId("slide-count")).toHaveText(/^1 \/ \d+$/);
  await screen.keyboard.press("ArrowRight");
  await expect(presenter.getByTestId("slide-count")).toHaveText(/^2 \/ \d+$/);
  await expect(presenter.getByTestId("slide")).toContainText("活动菜单");
  await screen.keyboard.press("PageDown");
  await expect(presenter.getByTestId("slide")).toContainText("必选和自选");
  await screen.keyboard.press("PageUp");
  await expect(presenter.getByTestId("slide-count")).toHaveText(/^2 \/ \d+$/);
  await expect(presenter.getByTestId("checkin-code")).toHaveText(/^\d{6}$/);
  await expect(presenter.locator(".qr svg")).toBeVisible();
  const box = await presenter.getByTestId("slide").boundingBox();
  expect(box!.width).toBeGreaterThan(800);

  await page.goto(`${server.url}/activities/menu-yuehai-this-a0`);
  await expect(page.getByTestId("activity-lesson").getByRole("link")).toHaveText(/第一课/);
  const code = (await presenter.getByTestId("checkin-code").textContent())!.trim();
  await page.getByLabel("签到码").fill(code);
  await page.getByRole("button", { name: "签到", exact: true }).click();
  await expect(page.getByText("已签到，联网后由服务器核验")).toBeVisible();
  await page.getByRole("link", { name: /第一课/ }).click();
  await expect(page.getByTestId("lesson").getByRole("heading", { level: 2 })).toHaveText("第一课 每月一主题：活动菜单怎么用");

  // The network returns: the server accepts the code the presenter showed.
  server = await startServer({ port: server.port, dataDir: server.dataDir });
  await syncNow(page, server.url);
  await page.goto(`${server.url}/activities/menu-yuehai-this-a0`);
  await expect(page.getByTestId("my-checkin")).toContainText("签到");
  await expect(page.getByTestId("activity-pending")).toHaveCount(0);
  await room.close();
  await phone.close();
});
