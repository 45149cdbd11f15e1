#!/usr/bin/env node
// Runs every *.test.ts under packages/ and tests/ with node's own test runner (TypeScript through tsx).
// Node 20's --test does not expand globs, so the file list is gathered here.
// Usage: npm test [-- path-substring ...] to run only matching files.
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { spawnSync } from "node:child_process";

const roots = ["packages", "tests"];
const filters = process.argv.slice(2);

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
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error("no test files matched");
  process.exit(1);
}
const result = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", ...files], {
  stdio: "inherit",
});
process.exit(result.status ?? 1);
