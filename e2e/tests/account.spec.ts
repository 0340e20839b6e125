// 账户安全 on 我的 (issue #11): change the password, sign out on all devices.
import { test, expect } from "@playwright/test";
import { signIn } from "../helpers";
import { startServer, Server } from "../server";

let server: Server;
const SIGN_IN_AGAIN = "请重新登录";
test.beforeEach(async () => {
  server = await startServer();
});
test.afterEach(async () => {
  await server.stop();
});

test("a password change signs the other devices out; sign out on all devices ends this one too", async ({ browser }) => {
  const phone = await browser.newContext();
  const page = await phone.newPage();
  await signIn(page, server.url, "13900000003", "demo1234");
  const laptop = await browser.newContext();
  const other = await laptop.newPage();
  await signIn(other, server.url, "13900000003", "demo1234");

  await page.goto(`${server.url}/me`);
  const security = page.getByTestId("account-security");
  await security.getByLabel("当前密码").fill("not it");
  await security.getByLabel("新密码").fill("a new one 123");
  await security.getByRole("button", { name: "修改密码" }).click();
  await expect(security.getByText("当前密码不正确")).toBeVisible();
  await security.getByLabel("新密码").fill("short");
  await security.getByRole("button", { name: "修改密码" }).click();
  await expect(security.getByText("新密码至少 8 个字符")).toBeVisible();

  await security.getByLabel("当前密码").fill("demo1234");
  await security.getByLabel("新密码").fill("a new one 123");
  await security.getByRole("button", { name: "修改密码" }).click();
  await expect(security.getByText("密码已修改，其他设备已退出登录")).toBeVisible();

  // The other device learns at its next sync that it must sign in again.
  await other.goto(`${server.url}/sync`);
  await other.getByRole("button", { name: "立即同步" }).click();
  await expect(other.getByRole("banner")).toContainText(SIGN_IN_AGAIN);
  await other.goto(`${server.url}/login`);
  await other.getByLabel("手机号").fill("13900000003");
  await other.getByLabel("密码").fill("demo1234");
  await other.getByRole("button", { name: "登录" }).click();
  await expect(other.getByText("手机号或密码不正确")).toBeVisible();
  await other.getByLabel("密码").fill("a new one 123");
  await other.getByRole("button", { name: "登录" }).click();
  await expect(other.getByTestId("profile")).toBeVisible();

  // Sign out on all devices: this one goes to signed out, the other too.
  await page.getByTestId("account-security").getByRole("button", { name: "退出所有设备" }).click();
  await expect(page.getByText("登录后可查看和修改自己的资料")).toBeVisible();
  await other.goto(`${server.url}/sync`);
  await other.getByRole("button", { name: "立即同步" }).click();
  await expect(other.getByRole("banner")).toContainText(SIGN_IN_AGAIN);
  await phone.close();
  await laptop.close();
});
