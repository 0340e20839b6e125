// Study (issue #12): a secretary writes a course in the app (Markdown with a
// self-check, previewed), publishes it; a member reads the lesson with the
// server down, checks her answers on the phone and marks it studied.
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

const LESSON = `# 第一讲 不忘初心

党员要**牢记**初心使命，立足岗位作贡献。

- 学习党章
- 参加志愿服务

## 自测

1. 党的根本宗旨是什么？
   - [x] 全心全意为人民服务
   - [ ] 发展经济

   > 见党章总纲。
`;

test("a secretary publishes a course and a member studies it offline", async ({ browser }) => {
  const secretary = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const sec = await secretary.newPage();
  await signIn(sec, server.url, "13900000002", "demo1234");
  await sec.getByRole("link", { name: "学习", exact: true }).click();
  await expect(sec.getByTestId("course").filter({ hasText: "指尖党建入门六课" })).toBeVisible();
  await sec.getByRole("link", { name: "编写课程" }).click();
  const form = sec.getByTestId("course-form");
  await form.getByLabel("课程名称").fill("快餐党课");
  const text = form.getByLabel("课文（Markdown）");
  // A lesson without its title line is refused with where and why.
  await text.fill("正文而已");
  await form.getByRole("button", { name: "保存课程" }).click();
  await expect(form.getByRole("status")).toHaveText("第 1 课第 1 行：课文第一行应为“# 标题”");
  await text.fill(LESSON);
  // A picture (placed before the self-check) and a recording (under the
  // title), uploaded from this device; the server reads their type from the bytes.
  const png = Buffer.from(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000" +
      "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082",
    "hex",
  );
  await form.getByTestId("image-upload").setInputFiles({ name: "photo.png", mimeType: "image/png", buffer: png });
  await expect(form.getByRole("status").filter({ hasText: /图片已上传/ })).toBeVisible();
  await expect(text).toHaveValue(/!\[图片说明\]\(\/media\/[0-9a-f]{64}\)\n\n## 自测/);
  const mp3 = Buffer.concat([Buffer.from("ID3\x03\x00\x00\x00\x00\x00\x00", "latin1"), Buffer.alloc(2048, 1)]);
  await form.getByTestId("audio-upload").setInputFiles({ name: "talk.mp3", mimeType: "audio/mpeg", buffer: mp3 });
  await expect(form.getByRole("status").filter({ hasText: /音频已上传/ })).toBeVisible();
  await expect(text).toHaveValue(/^# 第一讲 不忘初心\n\n\[音频\]\(\/media\/[0-9a-f]{64}\)\n/);
  // Not a picture whatever its name says: refused with the reason.
  await form.getByTestId("image-upload").setInputFiles({ name: "tool.png", mimeType: "image/png", buffer: Buffer.from("7f454c460201010000000000", "hex") });
  await expect(form.getByRole("status").filter({ hasText: /只能上传图片/ })).toBeVisible();
  await form.getByRole("button", { name: "预览" }).click();
  await expect(form.getByTestId("lesson-preview").locator("strong")).toHaveText("牢记");
  await expect(form.getByTestId("lesson-preview")).toContainText("自测 1 题");
  await form.getByRole("button", { name: "继续编辑" }).click();
  await form.getByLabel("发布（党员可以看到）").check();
  await form.getByRole("button", { name: "保存课程" }).click();
  await expect(sec).toHaveURL(/\/study$/);
  await expect(sec.getByTestId("course").filter({ hasText: "快餐党课" })).toBeVisible();
  await syncNow(sec, server.url);
  await secretary.close();

  const phone = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await phone.newPage();
  await signIn(page, server.url, "13900000001", "demo1234");
  await waitForOfflineReady(page);
  await page.goto(`${server.url}/study`);
  const course = page.getByTestId("course").filter({ hasText: "快餐党课" });
  await expect(course).toContainText("已学 0 / 1 课");
  await expect(course.getByRole("link", { name: "编辑课程" })).toHaveCount(0);

  // The server goes away: the lesson is on the phone.
  await server.stop();
  await page.reload();
  await page.getByRole("link", { name: "第一讲 不忘初心" }).click();
  const lesson = page.getByTestId("lesson");
  await expect(lesson.getByRole("heading", { level: 2 })).toHaveText("第一讲 不忘初心");
  await expect(lesson.getByRole("listitem").filter({ hasText: "学习党章" })).toBeVisible();
  await expect(lesson.locator("audio")).toHaveAttribute("src", /^\/media\/[0-9a-f]{64}$/);
  await expect(lesson.locator("figure img")).toHaveAttribute("src", /^\/media\/[0-9a-f]{64}$/);
  await lesson.getByLabel("大字阅读").check();
  await expect(lesson).toHaveClass(/large-text/);

  const quiz = page.getByTestId("quiz");
  await quiz.getByLabel("发展经济").check();
  await quiz.getByRole("button", { name: "查看答案" }).click();
  await expect(quiz.getByRole("status")).toHaveText("回答有误，正确答案：全心全意为人民服务");
  await expect(quiz).toContainText("见党章总纲。");
  await quiz.getByRole("button", { name: "再做一次" }).click();
  await quiz.getByLabel("全心全意为人民服务").check();
  await quiz.getByRole("button", { name: "查看答案" }).click();
  await expect(quiz.getByRole("status")).toHaveText("回答正确");

  await page.getByTestId("lesson-done").click();
  await page.getByRole("link", { name: "快餐党课" }).click();
  await expect(course).toContainText("已学 1 / 1 课");
  await phone.close();
});

test("two long courses written offline reach the server although together they exceed a push", async ({ browser }) => {
  const desk = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const sec = await desk.newPage();
  await signIn(sec, server.url, "13900000002", "demo1234");
  await waitForOfflineReady(sec);
  await server.stop();
  // Each about 168 KB as JSON (7 lessons of 7,990 three-byte characters):
  // one fits in a push (256 KB), two do not.
  for (const name of ["长课程甲", "长课程乙"]) {
    await sec.goto(`${server.url}/study/new`);
    const form = sec.getByTestId("course-form");
    await form.getByLabel("课程名称").fill(name);
    for (let i = 1; i < 7; i++) await form.getByRole("button", { name: "添加一课" }).click();
    const texts = form.getByLabel("课文（Markdown）");
    await expect(texts).toHaveCount(7);
    for (let i = 0; i < 7; i++) await texts.nth(i).fill(`# 第${i + 1}课\n\n${"党".repeat(7990)}`);
    await form.getByRole("button", { name: "保存课程" }).click();
    await expect(sec).toHaveURL(/\/study$/);
  }
  server = await startServer({ port: server.port, dataDir: server.dataDir });
  await syncNow(sec, server.url);
  await desk.close();

  const phone = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await phone.newPage();
  await signIn(page, server.url, "13900000002", "demo1234");
  await page.goto(`${server.url}/study`);
  await expect(page.getByTestId("course").filter({ hasText: "长课程甲" })).toContainText("已学 0 / 7 课");
  await expect(page.getByTestId("course").filter({ hasText: "长课程乙" })).toContainText("已学 0 / 7 课");
  await phone.close();
});
