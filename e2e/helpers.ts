// Steps the end-to-end tests share.
import { expect, Page } from "@playwright/test";

export async function signIn(page: Page, base: string, login: string, password: string) {
  await page.goto(`${base}/login`);
  await page.getByLabel("手机号").fill(login);
  await page.getByLabel("密码").fill(password);
  await page.getByRole("button", { name: "登录" }).click();
  // Members and organisers land on 我的; a station's screen on its kiosk page.
  await expect(page.getByTestId("profile").or(page.getByTestId("kiosk"))).toBeVisible();
}

/**
 * Waits until the service worker controls the page and has cached the whole
 * build: the shell at install, every page's chunk once the app has started
 * (the app then marks `<html data-offline-ready>`).
 */
export async function waitForOfflineReady(page: Page) {
  await page.waitForFunction(async () => {
    const reg = await navigator.serviceWorker.getRegistration();
    return !!(navigator.serviceWorker.controller && reg?.active?.state === "activated");
  });
  await expect(page.locator("html")).toHaveAttribute("data-offline-ready", "", { timeout: 30_000 });
}

/** Presses 立即同步 and waits until nothing is pending. */
export async function syncNow(page: Page, base: string) {
  await page.goto(`${base}/sync`);
  await page.getByRole("button", { name: "立即同步" }).click();
  await expect(page.getByTestId("pending-count")).toHaveCount(0, { timeout: 20_000 });
  await expect(page.getByTestId("pending-list")).toContainText("没有待同步的修改");
}
