#!/usr/bin/env node
// Runs every *.test.ts under packages/ and tests/ with node's own test runner (TypeScript through tsx).
// Node 20's --test does not expand globs, so the file list is gathered here.
// Usage: npm test [-- path-substring ...] to run only matching files.
//        npm run test:unit [-- path-substring ...] (--unit) for the unit tests only, see UNIT_ROOT.
//        node scripts/run-tests.mjs --e2e-on-store [path-substring ...]: the end-to-end tests (tests/e2e/)
//        once more with their servers' data in the test object store (tests/e2e/test-store.ts; needs
//        the OSSV_TEST_S3_* gateway, as .ci/run sets it).
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { spawnSync } from "node:child_process";

const roots = ["packages", "tests"];
const args = process.argv.slice(2);
const unitOnly = args.includes("--unit");
const onStore = args.includes("--e2e-on-store");
const filters = args.filter((arg) => arg !== "--unit" && arg !== "--e2e-on-store");

/**
 * The unit tests are the test files beside the source, under packages/<name>/src/, except those named
 * in SLOW. Everything under tests/ starts servers, CLIs or child processes and is not a unit test.
 * A unit test may use a temporary directory or a loopback socket inside its own process (the SDK's
 * scripted server), but kills no process and sweeps no crash point by point.
 */
const UNIT_ROOT = /^packages\/[^/]+\/src\//;
const SLOW = [
  "packages/engine/src/kill.test.ts", // SIGKILLs a child process at random points
  "packages/engine/src/storage/dir-lock.test.ts", // a second process tries the lock
  "packages/engine/src/model.test.ts", // long random command sequences against a model
  "packages/engine/src/search/segments.test.ts", // builds many graphs; random flush/compaction runs
  "packages/engine/src/search/large-topk.test.ts", // 30,000 rows, graphs, topK 10,000 against brute force
  "packages/engine/src/catalog/crash-catalog.test.ts", // crash sweeps: every byte cut, every bit flipped
  "packages/engine/src/collection/crash-segment.test.ts",
  "packages/engine/src/collection/crash-wal.test.ts",
  "packages/engine/src/maintenance/crash-checkpoint.test.ts",
];
// A renamed or moved slow test would otherwise quietly join the unit tests.
if (unitOnly) {
  for (const file of SLOW) if (!existsSync(file)) throw new Error(`run-tests.mjs: SLOW names ${file}, which does not exist`);
}
const isUnit = (file) => UNIT_ROOT.test(file.split(sep).join("/")) && !SLOW.includes(file.split(sep).join("/"));

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith(".test.ts")) out.push(relative(process.cwd(), path));
  }
  return out;
}

const files = roots.flatMap((root) => walk(root, []))
  .filter((f) => !unitOnly || isUnit(f))
  .filter((f) => !onStore || f.split(sep).join("/").startsWith("tests/e2e/"))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error("no test files matched");
  process.exit(1);
}
const result = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", ...files], {
  stdio: "inherit", env: onStore ? { ...process.env, OSSV_E2E_STORE: "s3" } : process.env,
});
process.exit(result.status ?? 1);
