// Opening a downloaded lesson with the server stopped (issue #12): a deep
// link loaded afresh (the shell from the service worker, the course from
// IndexedDB, the picture from the media cache) and a tap from the 学习 list,
// each until the lesson's picture has decoded; and what the demo course
// takes on the device. Prints; the report file is read by `cargo xtask bench`.
import { test, expect, Page } from "@playwright/test";
import { writeFileSync } from "node:fs";
import { signIn, waitForOfflineReady } from "../helpers";
import { startServer } from "../server";

const RUNS = 20;
const LESSON = "第六课 到党群服务驿站办事";

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

// Checked every animation frame: expect.poll's back-off would round the times.
async function pictureShown(page: Page) {
  await page.waitForFunction(
    () => {
      const img = document.querySelector<HTMLImageElement>('[data-testid="lesson"] figure img');
      return !!img && img.complete && img.naturalWidth > 0;
    },
    null,
    { polling: "raf" },
  );
}

test("open a downloaded lesson offline", async ({ browser }) => {
  const server = await startServer();
  const ctx = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await ctx.newPage();
  await signIn(page, server.url, "13900000001", "demo1234");
  await waitForOfflineReady(page);
  await page.goto(`${server.url}/study`);
  const course = page.getByTestId("course").filter({ hasText: "指尖党建入门六课" });
  await course.getByRole("button", { name: "下载到本机" }).click();
  await expect(course.getByTestId("download-state")).toHaveText(/已下载到本机/);
  const href = await course.getByRole("link", { name: LESSON }).getAttribute("href");
  await server.stop();

  const cold: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = Date.now();
    await page.goto(`${server.url}${href}`);
    await pictureShown(page);
    cold.push(Date.now() - t);
  }
  const tap: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await page.goto(`${server.url}/study`);
    await expect(course).toBeVisible();
    const t = Date.now();
    await course.getByRole("link", { name: LESSON }).click();
    await pictureShown(page);
    tap.push(Date.now() - t);
  }

  const storage = await page.evaluate(async () => {
    const cache = await caches.open("zhijian-media");
    let media = 0;
    for (const req of await cache.keys()) {
      const resp = await cache.match(req);
      if (resp) media += (await resp.arrayBuffer()).byteLength;
    }
    const text = await new Promise<number>((resolve, reject) => {
      const open = indexedDB.open("zhijian");
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const db = open.result;
        const all = db.transaction("docs").objectStore("docs").getAll();
        all.onerror = () => reject(all.error);
        all.onsuccess = () => {
          const course = (all.result as unknown[]).find((d) => JSON.stringify(d).includes("指尖党建入门六课"));
          resolve(course ? new TextEncoder().encode(JSON.stringify(course)).length : 0);
        };
      };
    });
    return { media, text };
  });
  const report = {
    runs: RUNS,
    coldMs: { p50: pct(cold, 50), p95: pct(cold, 95) },
    tapMs: { p50: pct(tap, 50), p95: pct(tap, 95) },
    mediaBytes: storage.media,
    textBytes: storage.text,
  };
  console.log(JSON.stringify(report));
  if (process.env.ZJ_LESSON_REPORT) writeFileSync(process.env.ZJ_LESSON_REPORT, JSON.stringify(report));
  await ctx.close();
});
