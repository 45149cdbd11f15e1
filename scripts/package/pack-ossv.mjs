#!/usr/bin/env node
// Packs the installable `ossv` package: the CLI bundled with the server, engine and protocol
// (scripts/build.mjs), the launcher, README and licence, and the sources of our HNSW addon
// (packages/hnsw: binding.gyp and src/native), which npm compiles at the package's root when `ossv` is
// installed. Embedding them keeps `ossv` one self-contained tarball: a separate @ossv/hnsw package would
// have to be published before `npm install ossv-<version>.tgz` could resolve it. The workspace packages behind it stay private;
// the tarball's dependencies are exactly the third-party packages the bundle imports, at the ranges
// the workspace declares, so a dependency added to any workspace package flows in without a list here.
//   node scripts/package/pack-ossv.mjs [--pack-destination DIR]   prints the tarball's path
import { execFileSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildCli } from "../build.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const { values } = parseArgs({ options: { "pack-destination": { type: "string" } } });
const destination = resolve(values["pack-destination"] ?? ".");

const root = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const cli = JSON.parse(readFileSync(join(ROOT, "packages/cli/package.json"), "utf8"));
const stage = mkdtempSync(join(tmpdir(), "ossv-pack-"));
try {
  const dependencies = Object.fromEntries(await buildCli(join(stage, "dist"), { embedAddon: true }));
  copyFileSync(join(ROOT, "packages/hnsw/binding.gyp"), join(stage, "binding.gyp"));
  cpSync(join(ROOT, "packages/hnsw/src/native"), join(stage, "src/native"), { recursive: true });
  mkdirSync(join(stage, "bin"));
  copyFileSync(join(ROOT, "packages/cli/bin/ossv.js"), join(stage, "bin/ossv.js"));
  copyFileSync(join(ROOT, "packages/cli/README.md"), join(stage, "README.md"));
  copyFileSync(join(ROOT, "LICENSE"), join(stage, "LICENSE"));
  const manifest = {
    name: "ossv",
    version: cli.version,
    description: root.description,
    license: cli.license,
    type: "module",
    bin: { ossv: "./bin/ossv.js" },
    engines: root.engines,
    gypfile: true,
    scripts: { install: "node-gyp rebuild" },
    files: ["bin", "dist", "binding.gyp", "src/native", "README.md", "LICENSE"],
    dependencies,
  };
  writeFileSync(join(stage, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
  mkdirSync(destination, { recursive: true });
  const [packed] = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", destination], { cwd: stage, encoding: "utf8" }));
  console.log(join(destination, packed.filename));
} finally {
  rmSync(stage, { recursive: true, force: true });
}
