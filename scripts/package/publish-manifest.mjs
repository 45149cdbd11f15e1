#!/usr/bin/env node
// Inside the monorepo, package.json points at src/index.ts so tsx and tsc use the sources directly.
// The published package must point at dist/. pnpm and yarn apply `publishConfig` to the packed
// manifest themselves; npm does not, so `prepack` applies it here and `postpack` restores the file.
//   node scripts/publish-manifest.mjs apply | restore
import { copyFileSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

// npm runs package scripts in the package's own directory.
const packageDir = process.cwd();
const manifestPath = join(packageDir, "package.json");
const backupPath = join(packageDir, "package.json.monorepo");
const FIELDS = ["main", "types", "exports", "imports"];

const action = process.argv[2];
if (action === "apply") {
  if (existsSync(backupPath)) throw new Error(`${backupPath} exists: a previous pack did not restore; run "restore" first`);
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  copyFileSync(manifestPath, backupPath);
  for (const field of FIELDS) {
    if (manifest.publishConfig?.[field] !== undefined) manifest[field] = manifest.publishConfig[field];
  }
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + "\n");
} else if (action === "restore") {
  if (existsSync(backupPath)) renameSync(backupPath, manifestPath);
} else {
  console.error("usage: publish-manifest.mjs apply | restore");
  process.exit(2);
}
