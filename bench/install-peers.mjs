#!/usr/bin/env node
// The peers the bench measures (LanceDB with apache-arrow) and the chart rasteriser (resvg) are about
// 190 MB of native packages nobody needs to run or test ossv, so the root `npm ci` leaves them out.
// `npm run bench` calls this first: it installs bench/package-lock.json into bench/node_modules
// when any of those packages is missing or at another version, and does nothing otherwise.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const BENCH = dirname(fileURLToPath(import.meta.url));
const { dependencies } = JSON.parse(readFileSync(join(BENCH, "package.json"), "utf8"));

function installedVersion(name) {
  try {
    return JSON.parse(readFileSync(join(BENCH, "node_modules", name, "package.json"), "utf8")).version;
  } catch {
    return undefined;
  }
}

const stale = Object.entries(dependencies).filter(([name, version]) => installedVersion(name) !== version);
if (stale.length > 0) {
  console.error(`bench: installing ${stale.map(([name, version]) => `${name}@${version}`).join(", ")} into bench/node_modules`);
  execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: BENCH, stdio: "inherit" });
}
