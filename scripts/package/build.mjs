#!/usr/bin/env node
// Builds a publishable workspace package (run from its directory): dist/ with ES modules and .d.ts
// files from src/ (tests and test support left out). tsc already rewrites `./x.ts` to `./x.js` in the JavaScript; declaration files
// keep `.ts` specifiers, which older TypeScript versions reject, so they are rewritten here too.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";

// npm runs package scripts in the package's own directory.
const packageDir = process.cwd();
const distDir = join(packageDir, "dist");

rmSync(distDir, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", join(packageDir, "tsconfig.build.json")], { stdio: "inherit" });

function declarationFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return declarationFiles(path);
    return name.endsWith(".d.ts") ? [path] : [];
  });
}

const RELATIVE_TS_SPECIFIER = /(from\s+|import\s*\(\s*)(["'])(\.{1,2}\/[^"']*?)\.ts\2/g;
for (const file of declarationFiles(distDir)) {
  const text = readFileSync(file, "utf8");
  const rewritten = text.replace(RELATIVE_TS_SPECIFIER, (_match, lead, quote, path) => `${lead}${quote}${path}.js${quote}`);
  if (rewritten !== text) writeFileSync(file, rewritten);
}
console.log(`built ${distDir}`);
