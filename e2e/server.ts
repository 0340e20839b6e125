// Starts the real zhijian-server for a test: fresh data directory, demo data,
// the release build of the app, a loopback port.
import { spawn, ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const serverBin = required("ZJ_SERVER_BIN");
export const distDir = required("ZJ_DIST");

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the end-to-end tests with cargo xtask test`);
  return v;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface Server {
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

export async function startServer(opts: { port?: number; dataDir?: string; dist?: string } = {}): Promise<Server> {
  const port = opts.port ?? (await freePort());
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "zhijian-e2e-"));
  const child: ChildProcess = spawn(
    serverBin,
    ["--data-dir", dataDir, "serve", "--demo", "--addr", `127.0.0.1:${port}`, "--dist", opts.dist ?? distDir],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ZJ_LOG: "warn" } },
  );
  let stderr = "";
  child.stderr?.on("data", (d) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 20_000);
    child.stdout?.on("data", (d) => {
      if (d.toString().includes("listening on")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}): ${stderr}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** The app's `pkg-<hash>` directory that a build's index.html loads. */
export function loadedPkg(dist: string): string {
  const pkg = /\/(pkg-[0-9a-f]{16})\//.exec(readFileSync(join(dist, "index.html"), "utf8"))?.[1];
  if (!pkg) throw new Error("index.html loads no pkg-<hash>/");
  return pkg;
}

/**
 * A copy of the build as if it were the next deploy: same assets, a new build
 * id. With `newPkg` the wasm moves to `pkg-<newBuild>/` as a rebuilt app's
 * would (chunks only work with their own main module); `keepOldPkg` keeps the
 * previous one beside it, as `xtask build` does for tabs still running it.
 */
export function nextDeploy(
  fromDist: string,
  newBuild: string,
  opts: { newPkg?: boolean; keepOldPkg?: boolean } = {},
): string {
  const dir = mkdtempSync(join(tmpdir(), "zhijian-deploy-"));
  cpSync(fromDist, dir, { recursive: true });
  const sw = readFileSync(join(dir, "sw.js"), "utf8");
  const oldBuild = /const BUILD = "([0-9a-f]+)"/.exec(sw)?.[1];
  if (!oldBuild) throw new Error("sw.js has no build id");
  const oldPkg = loadedPkg(dir);
  const newPkg = `pkg-${newBuild}`;
  if (opts.newPkg) {
    cpSync(join(dir, oldPkg), join(dir, newPkg), { recursive: true });
    if (!opts.keepOldPkg) rmSync(join(dir, oldPkg), { recursive: true });
  }
  for (const file of ["sw.js", "index.html"]) {
    let text = readFileSync(join(dir, file), "utf8").replaceAll(oldBuild, newBuild);
    if (opts.newPkg) text = text.replaceAll(oldPkg, newPkg);
    writeFileSync(join(dir, file), text);
  }
  // The precompressed copies would still carry the old id; let the server send the plain files.
  for (const file of ["sw.js", "index.html"]) {
    for (const ext of [".br", ".gz"]) rmSync(join(dir, file + ext), { force: true });
  }
  return dir;
}
