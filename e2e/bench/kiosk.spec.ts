// The station's kiosk over many members (issue #13), server stopped: each
// cycle a member identifies with a fresh 党员码 (signed by her phone's key for
// the next 30-second window; the kiosk's clock is moved on to it), her screen
// shows (masked name, what is on, her hold), and 完成 forgets her. Reports the
// cycle time and the memory after 10, half of them and all 500 cycles (JS heap after a
// collection, and the wasm module's linear memory). The report file is read
// by `cargo xtask bench`.
import { test, expect, Page } from "@playwright/test";
import { writeFileSync } from "node:fs";
import { signIn, syncNow, waitForOfflineReady } from "../helpers";
import { startServer } from "../server";

// ZJ_KIOSK_CYCLES to look further (memory that still grows at the end is a leak);
// ZJ_KIOSK_GC_EACH=1 collects garbage after every cycle (a growth that stays is
// not the collector's lag).
const CYCLES = Number(process.env.ZJ_KIOSK_CYCLES ?? 500);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** The phone signs the code of `window` with its stored key (as its 我的党员码 page does). */
async function codeFor(phone: Page, member: string, window: number): Promise<string> {
  return phone.evaluate(
    async ([member, window]) => {
      const db: IDBDatabase = await new Promise((ok, err) => {
        const r = indexedDB.open("zhijian");
        r.onsuccess = () => ok(r.result);
        r.onerror = () => err(r.error);
      });
      const pair: CryptoKeyPair = await new Promise((ok, err) => {
        const r = db.transaction("meta").objectStore("meta").get("member_key");
        r.onsuccess = () => ok(r.result);
        r.onerror = () => err(r.error);
      });
      db.close();
      const message = new TextEncoder().encode(`zhijian member code 1\n${member}\n${window}`);
      const sig = new Uint8Array(
        await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, pair.privateKey, message),
      );
      const b64 = btoa(String.fromCharCode(...sig)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
      return `ZJM1.${member}.${window}.${b64}`;
    },
    [member, window] as const,
  );
}

test("identify, act and forget at the kiosk, many times", async ({ browser }) => {
  const server = await startServer();
  const phoneCtx = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const phone = await phoneCtx.newPage();
  await signIn(phone, server.url, "13900000001", "demo1234");
  await phone.getByTestId("member-code-open").click();
  await expect(phone.getByTestId("member-code")).toHaveAttribute("data-code", /^ZJM1\./);
  await syncNow(phone, server.url);

  const station = await browser.newContext({ viewport: { width: 1080, height: 1920 } });
  const kiosk = await station.newPage();
  // The wasm module's memory, caught as the app instantiates it.
  await kiosk.addInitScript(() => {
    const keep = (r: WebAssembly.WebAssemblyInstantiatedSource) => {
      if (!(globalThis as any).zjMemory) (globalThis as any).zjMemory = r.instance.exports.memory;
      return r;
    };
    const streaming = WebAssembly.instantiateStreaming;
    WebAssembly.instantiateStreaming = (s, i) => streaming(s, i).then(keep);
    const plain = WebAssembly.instantiate as any;
    (WebAssembly as any).instantiate = (b: any, i: any) =>
      plain(b, i).then((r: any) => (r.instance ? keep(r) : r));
  });
  await kiosk.clock.install();
  await signIn(kiosk, server.url, "kiosk-yuehai", "kiosk1234");
  await waitForOfflineReady(kiosk);
  await syncNow(kiosk, server.url);
  await kiosk.goto(`${server.url}/station`);
  await expect(kiosk.getByTestId("kiosk-start")).toBeVisible();
  await server.stop();

  const cdp = await station.newCDPSession(kiosk);
  const memory = async () => {
    await cdp.send("HeapProfiler.collectGarbage");
    const { usedSize } = await cdp.send("Runtime.getHeapUsage");
    const wasm = await kiosk.evaluate(() => ((globalThis as any).zjMemory?.buffer.byteLength as number) ?? 0);
    return { jsHeap: usedSize, wasm };
  };

  let window = Math.floor((await kiosk.evaluate(() => Date.now())) / 30_000);
  const times: number[] = [];
  let after10 = { jsHeap: 0, wasm: 0 };
  let half = { jsHeap: 0, wasm: 0 };
  for (let i = 1; i <= CYCLES; i++) {
    window += 1;
    await kiosk.clock.setSystemTime(window * 30_000 + 1_000);
    const code = await codeFor(phone, "m-01", window);
    const t = Date.now();
    await kiosk.getByTestId("kiosk-start").click();
    await kiosk.getByTestId("kiosk-code").fill(code);
    await kiosk.keyboard.press("Enter");
    await expect(kiosk.getByTestId("kiosk-member")).toHaveText("马*燕，您好");
    await expect(kiosk.getByTestId("kiosk-hold").or(kiosk.getByText("您还没有为本驿站终端预留积分"))).toBeVisible();
    await kiosk.getByTestId("kiosk-done").click();
    await expect(kiosk.getByTestId("kiosk-start")).toBeVisible();
    times.push(Date.now() - t);
    if (process.env.ZJ_KIOSK_GC_EACH) await cdp.send("HeapProfiler.collectGarbage");
    if (i === 10) after10 = await memory();
    if (i === CYCLES / 2) half = await memory();
  }
  const after = await memory();
  const report = {
    cycles: CYCLES,
    cycleMs: { p50: pct(times, 50), p95: pct(times, 95) },
    after10,
    half,
    atEnd: after,
  };
  console.log(JSON.stringify(report));
  if (process.env.ZJ_KIOSK_REPORT) writeFileSync(process.env.ZJ_KIOSK_REPORT, JSON.stringify(report));
  await station.close();
  await phoneCtx.close();
});
