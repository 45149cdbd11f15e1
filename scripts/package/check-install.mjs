#!/usr/bin/env node
// The packages as a user gets them: packs `ossv`, `@ossv/sdk` and `@ossv/protocol`, installs the three
// tarballs into an empty app (third-party dependencies from the registry; npm compiles the HNSW addon
// embedded in `ossv`), starts `ossv serve` from the installed package, and drives it with the installed
// SDK on plain Node: create a bucket and an index, put enough vectors that a segment and its HNSW graph
// get built (the worker thread, in its bundled form, loading the addon too), query; then import a small
// JSON Lines file with the installed `ossv vectors import` (its reading worker, bundled too). Ends with
// one line, `pack-and-install: N passed, N failed`.
//   node scripts/package/check-install.mjs [--keep]   (--keep leaves the temporary directory)
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const keep = process.argv.includes("--keep");
const ACCOUNT = {
  OSSV_ACCOUNT_ID: "1234567890123456",
  OSSV_ROOT_ACCESS_KEY_ID: "LTAIpackcheckroot000000",
  OSSV_ROOT_ACCESS_KEY_SECRET: "pack-check-secret-000000000000",
};
const START_TIMEOUT_MS = 30_000;
const SEGMENT_TIMEOUT_MS = 60_000;

const work = mkdtempSync(join(tmpdir(), "ossv-pack-check-"));
const packs = join(work, "packs");
const app = join(work, "app");
const dataDir = join(work, "data");

function run(command, args, cwd) {
  return execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
}

/** `npm pack` of a workspace package (its prepack builds dist/); returns the tarball's path. */
function packWorkspace(dir) {
  // The prepack script prints to stdout too, so the tarball is found as the new file in `packs`.
  const before = new Set(readdirSync(packs));
  run("npm", ["pack", "--pack-destination", packs], join(ROOT, dir));
  const added = readdirSync(packs).filter((name) => !before.has(name));
  if (added.length !== 1) throw new Error(`npm pack in ${dir} left ${added.length} new files`);
  return join(packs, added[0]);
}

function startServer(bin) {
  const child = spawn(process.execPath, [bin, "serve", "--port", "0", "--host", "127.0.0.1", "--data-dir", dataDir, "--quiet"], {
    // Small segments, so a few hundred vectors are enough for the server to build a graph.
    env: { ...process.env, ...ACCOUNT, OSSV_CHECKPOINT_POLICY: JSON.stringify({ segmentRows: 64 }) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise((resolve) => child.on("close", (code) => resolve(code)));
  const port = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ossv serve did not start:\n${output}`)), START_TIMEOUT_MS);
    const onData = (chunk) => {
      output += chunk.toString();
      const match = /listening on .* port (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`ossv serve exited with ${code}:\n${output}`));
    });
  });
  return { child, port, exited, output: () => output };
}

const CLIENT_SCRIPT = `
import { VectorsClient } from "@ossv/sdk";

const [mode, endpoint, accountId, accessKeyId, accessKeySecret] = process.argv.slice(2);
const client = new VectorsClient({ region: "cn-hangzhou", accountId, endpoint, credentials: { accessKeyId, accessKeySecret } });
const bucket = "pack-check";
const indexName = "vectors";
const vectorOf = (i) => [i, i % 7, i % 11, 1];
if (mode === "load") {
  await client.putVectorBucket({ bucket });
  await client.putVectorIndex({ bucket, indexName, dataType: "float32", dimension: 4, distanceMetric: "euclidean" });
  for (let start = 0; start < 300; start += 100) {
    const vectors = [];
    for (let i = start; i < start + 100; i++) vectors.push({ key: "k" + i, data: { float32: vectorOf(i) }, metadata: { even: i % 2 === 0 } });
    await client.putVectors({ bucket, indexName, vectors });
  }
}
const query = () => client.queryVectors({ bucket, indexName, queryVector: { float32: vectorOf(123) }, topK: 3, filter: { even: { $eq: false } } });
const { vectors } = await query();
if (vectors[0]?.key !== "k123") throw new Error("unexpected query answer: " + JSON.stringify(vectors));
process.stdout.write(JSON.stringify(vectors.map((v) => v.key)) + "\\n");
`;

/** Segment files the server wrote: each one's graph came from the bundled worker. */
function segmentFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true }).filter((name) => String(name).endsWith(".seg"));
}

/** Imports three JSON Lines records with the installed command; returns its summary line. */
function importFile(bin, port) {
  const file = join(work, "three.jsonl");
  const vector = (i) => JSON.stringify(Array.from({ length: 4 }, (_, d) => Math.sin(i * 4 + d))); // the index is 4-d
  writeFileSync(file, [1, 2, 3].map((i) => `{"key":"imported-${i}","data":${vector(i)}}`).join("\n") + "\n");
  const args = [bin, "vectors", "import", file, "--bucket", "pack-check", "--index", "vectors", "--endpoint", `http://127.0.0.1:${port}`,
    "--path-style", "--region", "cn-hangzhou", "--account-id", ACCOUNT.OSSV_ACCOUNT_ID];
  const env = { ...process.env, OSS_ACCESS_KEY_ID: ACCOUNT.OSSV_ROOT_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET: ACCOUNT.OSSV_ROOT_ACCESS_KEY_SECRET };
  const result = spawnSync(process.execPath, args, { cwd: app, env, encoding: "utf8" });
  const summary = /import: 3 rows in .*/.exec(result.stderr);
  if (result.status !== 0 || !summary) throw new Error(`ossv vectors import exited with ${result.status}:\n${result.stderr}`);
  return summary[0];
}

async function check() {
  mkdirSync(packs);
  const tarballs = [packWorkspace("packages/protocol"), packWorkspace("packages/sdk")];
  tarballs.push(run(process.execPath, [join(ROOT, "scripts/package/pack-ossv.mjs"), "--pack-destination", packs], ROOT).trim());
  for (const tarball of tarballs) console.log(`packed ${tarball.slice(work.length + 1)}`);

  mkdirSync(app);
  // An app of its own: npm must not walk up into the repository's workspace.
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "pack-check-app", private: true, type: "module" }, null, 2));
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...tarballs], app);
  writeFileSync(join(app, "client.mjs"), CLIENT_SCRIPT);

  const bin = join(app, "node_modules/ossv/bin/ossv.js");
  const version = run(process.execPath, [bin, "--version"], app).trim();
  const expected = JSON.parse(readFileSync(join(ROOT, "packages/cli/package.json"), "utf8")).version;
  if (version !== expected) throw new Error(`ossv --version printed ${version}, expected ${expected}`);

  const server = startServer(bin);
  try {
    const port = await server.port;
    const client = (mode) => run(process.execPath, ["client.mjs", mode, `http://127.0.0.1:${port}`, ACCOUNT.OSSV_ACCOUNT_ID, ACCOUNT.OSSV_ROOT_ACCESS_KEY_ID, ACCOUNT.OSSV_ROOT_ACCESS_KEY_SECRET], app).trim();
    console.log(`created a bucket and an index, put 300 vectors; query answered ${client("load")}`);
    const deadline = Date.now() + SEGMENT_TIMEOUT_MS;
    while (segmentFiles(dataDir).length === 0) {
      if (Date.now() > deadline) throw new Error(`no segment written within ${SEGMENT_TIMEOUT_MS} ms:\n${server.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // The query again, now (at least partly) answered from a segment and its graph.
    console.log(`after a segment was written, query answered ${client("query")}`);
    console.log(`ossv vectors import (its file read in the bundled worker thread): ${importFile(bin, port)}`);
  } finally {
    server.child.kill("SIGTERM");
  }
  const code = await server.exited;
  if (code !== 0) throw new Error(`ossv serve exited with ${code} on SIGTERM:\n${server.output()}`);
  console.log(`segments written: ${segmentFiles(dataDir).length}; server stopped cleanly`);
}

let failed = 0;
try {
  await check();
} catch (error) {
  failed = 1;
  console.error(`pack-and-install failed: ${error instanceof Error ? error.stack : String(error)}`);
} finally {
  if (keep) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
console.log(`pack-and-install: ${1 - failed} passed, ${failed} failed`);
process.exitCode = failed;
