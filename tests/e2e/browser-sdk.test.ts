// @ossv/sdk in a real browser against `ossv serve --cors-origin`: headless Chromium loads a page from
// a second local origin whose script (tests/e2e/browser/page.ts, bundled here with esbuild) creates a
// bucket and an index, puts vectors and queries them. The page posts what it saw back to its own
// server, which the test awaits, so nothing depends on how long the browser takes. The same page
// against a server without --cors-origin must be blocked by the browser, which shows the first
// result is owed to CORS and not to a browser that checks nothing.
//
// Needs Chromium (Debian: `apt-get install chromium`; `.ci/run` installs it). Without it the test
// fails, saying so, rather than skipping: a browser client that was never tried is not known to work.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { PageConfig, PageReport } from "./browser/page.ts";
import { spawnServe, TEST_ACCOUNT, type ServeProcess } from "./serve-process.ts";

const CHROMIUM = process.env["CHROMIUM"] ?? "/usr/bin/chromium";
/** Generous: a cold Chromium start on a loaded two-core machine takes seconds, not a minute. */
const PAGE_DEADLINE_MS = 90_000;
const PAGE_SCRIPT = fileURLToPath(new URL("./browser/page.ts", import.meta.url));

let script: string;
let workDir: string;

before(async () => {
  assert.ok(existsSync(CHROMIUM),
    `Chromium is needed for this test and was not found at ${CHROMIUM}: install it (Debian: apt-get install chromium) `
    + "or set CHROMIUM to its path");
  // The browser build of the SDK, as a page would bundle it: no node: modules, Web Crypto and fetch.
  const bundled = await build({
    entryPoints: [PAGE_SCRIPT], bundle: true, format: "esm", platform: "browser", target: "es2022", write: false, logLevel: "silent",
  });
  script = bundled.outputFiles[0]!.text;
  workDir = await mkdtemp(join(tmpdir(), "ossv-browser-"));
});
after(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

interface PageServer {
  server: Server;
  origin: string;
  /** Resolves with the page's report. */
  report: Promise<PageReport>;
  config: (config: PageConfig) => void;
}

/** The page's own origin: its HTML (with the page's config), its script, and where it reports. */
async function startPageServer(): Promise<PageServer> {
  let config: PageConfig | undefined;
  let deliver: (report: PageReport) => void = () => {};
  const report = new Promise<PageReport>((resolve) => (deliver = resolve));
  const server = createServer((req, res) => {
    if (req.method === "GET" && req.url === "/") {
      // `<` escaped so the JSON cannot end the script element.
      const json = JSON.stringify(config).replace(/</g, "\\u003c");
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(`<!doctype html><title>ossv browser test</title><script type="application/json" id="config">${json}</script>`
        + `<script type="module" src="/page.js"></script>`);
    } else if (req.method === "GET" && req.url === "/page.js") {
      res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" });
      res.end(script);
    } else if (req.method === "POST" && req.url === "/result") {
      let body = "";
      req.setEncoding("utf8").on("data", (chunk: string) => (body += chunk)).on("end", () => {
        res.writeHead(204).end();
        deliver(JSON.parse(body) as PageReport);
      });
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, origin, report, config: (c) => (config = c) };
}

/**
 * Opens the page in headless Chromium and waits for its report. The browser runs in a process group
 * of its own, so its helper processes go with it.
 */
async function reportOfPage(page: PageServer, profile: string): Promise<PageReport> {
  const browser = spawn(CHROMIUM, [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    `--user-data-dir=${profile}`, `${page.origin}/`,
  ], { stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  browser.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  browser.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => browser.on("close", resolve));
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      page.report,
      exited.then((code) => Promise.reject(new Error(`Chromium exited (${code}) before the page reported:\n${output}`))),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the page did not report within ${PAGE_DEADLINE_MS} ms; Chromium said:\n${output}`)), PAGE_DEADLINE_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (browser.exitCode === null && browser.pid !== undefined) {
      try {
        process.kill(-browser.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
      await exited;
    }
  }
}

async function runPage(corsOrigin: "page" | "none", name: string): Promise<PageReport> {
  const page = await startPageServer();
  let ossv: ServeProcess | undefined;
  try {
    const cors = corsOrigin === "page" ? ["--cors-origin", page.origin] : [];
    ossv = await spawnServe(["--data-dir", join(workDir, `data-${name}`), "--quiet", ...cors], TEST_ACCOUNT);
    page.config({
      endpoint: `http://127.0.0.1:${ossv.port}`, accountId: TEST_ACCOUNT.OSSV_ACCOUNT_ID,
      accessKeyId: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_ID, accessKeySecret: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_SECRET, bucket: "browser-test",
    });
    return await reportOfPage(page, join(workDir, `profile-${name}`));
  } finally {
    if (ossv) {
      ossv.child.kill("SIGTERM");
      await ossv.exited;
    }
    await new Promise((resolve) => page.server.close(resolve));
  }
}

test("a page on an allowed origin uses the SDK: bucket, index, vectors, query, and an error it can read", { timeout: 180_000 }, async () => {
  const report = await runPage("page", "allowed");
  assert.ok(report.ok, `the page failed: ${report.ok ? "" : report.error}`);
  assert.deepEqual(report.queryKeys, ["east", "east-ish"]);
  assert.equal(report.queryDistances[0], 0);
  assert.ok(report.queryDistances[1]! > 0 && report.queryDistances[1]! < 0.01, String(report.queryDistances[1]));
  assert.deepEqual(report.queryGenres, ["drama", "drama"]);
  assert.match(report.putBucketRequestId, /^[0-9A-F]{24}$/, "x-oss-request-id of a bodiless answer is readable");
  assert.deepEqual([report.missingBucket.code, report.missingBucket.statusCode], ["NoSuchBucket", 404]);
  assert.match(report.missingBucketHeaders.requestId ?? "", /^[0-9A-F]{24}$/, "an error's x-oss-request-id is readable");
  assert.equal(report.missingBucketHeaders.ec, report.missingBucket.ec, "an error's x-oss-ec is readable");
});

test("without --cors-origin the browser blocks the same page", { timeout: 180_000 }, async () => {
  const report = await runPage("none", "blocked");
  assert.equal(report.ok, false, "the page's requests went through without CORS");
  assert.match(report.ok ? "" : report.error, /NetworkError|Failed to fetch/);
});
