#!/usr/bin/env node
// `npm run build` (also the root `prepare`, so `npm ci` ends with it): bundles the CLI with the server,
// engine and protocol sources into packages/cli/dist/, plain JavaScript that starts without a
// TypeScript loader. One bundled file starts faster than the same code as a tree of compiled modules.
//
// Third-party packages stay outside the bundle. Our own native addon (@ossv/hnsw, a workspace package
// with a binding.gyp) cannot be inlined either: in the workspace build it stays an import of the
// linked package; in the published `ossv` package (--embed-addon, scripts/package/pack-ossv.mjs) its
// sources sit at the package's root, npm compiles them there at install, and the bundle loads the
// result. Keeping every other dependency external means the published `ossv` package installs the
// same versions the workspace declares. A bare import of a package that no workspace package
// declares in "dependencies" fails the build, so a dev-only package never leaks into the server.
//
//   node scripts/build.mjs [--outdir DIR] [--embed-addon]   (default packages/cli/dist)
import { build } from "esbuild";
import { existsSync, readFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The workspace packages' manifests, read from the root package.json's "workspaces". */
export function workspaceManifests() {
  const root = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  return root.workspaces.map((dir) => JSON.parse(readFileSync(join(ROOT, dir, "package.json"), "utf8")));
}

/** The workspace package npm compiles at install (binding.gyp): it is never inlined. */
export const ADDON = "@ossv/hnsw";

/** What the addon's loader (packages/hnsw/src/index.js) exports: `export const NAME = addon.NAME;` lines. */
function addonExports() {
  const loader = readFileSync(join(ROOT, "packages/hnsw/src/index.js"), "utf8");
  return [...loader.matchAll(/^export const (\w+) = addon\.\1;$/gm)].map((match) => match[1]);
}

/**
 * The addon's import in the published package, whose root holds the compiled addon (pack-ossv.mjs):
 * the same names as the workspace's loader, so neither can export what the other lacks.
 */
const EMBEDDED_ADDON_LOADER = `import { createRequire } from "node:module";
export const { ${addonExports().join(", ")} } = createRequire(import.meta.url)("../build/Release/ossv_hnsw.node");
`;

/** "@scope/name/sub/path" -> "@scope/name"; "name/sub" -> "name". */
function packageName(specifier) {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/**
 * Bundles the CLI and its two workers (graph builds, an import's reading) into `outdir`. A worker is
 * a separate entry because its code starts it by URL (`./graph-build-worker.mjs`, `./read-worker.mjs`
 * beside the code that runs): in the bundle that code sits in dist/, so the worker lands next to it,
 * its own imports inlined.
 * Returns the third-party packages the output imports, with the version range a workspace declares.
 * With `embedAddon` the addon's import becomes a loader of `../build/Release/ossv_hnsw.node` (the
 * package root, seen from dist/), and the addon's own dependencies (its header source and
 * node-addon-api, needed to compile it) are returned in its place.
 */
export async function buildCli(outdir = join(ROOT, "packages/cli/dist"), { embedAddon = false } = {}) {
  const manifests = workspaceManifests();
  const addon = manifests.find((manifest) => manifest.name === ADDON);
  const declared = new Map();
  for (const manifest of manifests) {
    for (const [name, range] of Object.entries(manifest.dependencies ?? {})) {
      if (!name.startsWith("@ossv/") || name === ADDON) declared.set(name, range);
    }
  }
  const used = new Map();
  const undeclared = new Set();
  const externals = {
    name: "third-party-external",
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^@ossv\/hnsw$/ }, () => {
        if (!embedAddon) return undefined;
        for (const [name, range] of Object.entries(addon.dependencies)) used.set(name, range);
        return { path: ADDON, namespace: "embedded-addon" };
      });
      pluginBuild.onLoad({ filter: /.*/, namespace: "embedded-addon" }, () => ({ contents: EMBEDDED_ADDON_LOADER, loader: "js" }));
      pluginBuild.onResolve({ filter: /^[^./#]/ }, (args) => {
        if (args.path.startsWith("@ossv/") && packageName(args.path) !== ADDON) return undefined; // our own sources: bundled
        if (isBuiltin(args.path)) return { path: args.path, external: true };
        const name = packageName(args.path);
        if (declared.has(name)) used.set(name, declared.get(name));
        else undeclared.add(`${name} (imported by ${args.importer.slice(ROOT.length + 1)})`);
        return { path: args.path, external: true };
      });
    },
  };
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [
      { in: "packages/cli/src/bin.ts", out: "ossv" },
      { in: "packages/engine/src/search/graph-build-worker.mjs", out: "graph-build-worker" },
      { in: "packages/cli/src/data/read-worker.ts", out: "read-worker" },
    ],
    outdir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Picks the "node" branch of conditional exports and imports (protocol's #hashing, the SDK).
    conditions: ["node"],
    plugins: [externals],
    // Each command in its own chunk: `ossv --help` loads neither the server nor the HNSW addon.
    splitting: true,
    // Chunks sit beside ossv.mjs: hnsw-graph.ts finds the worker relative to its own file.
    chunkNames: "[name]-[hash]",
    logLevel: "warning",
    legalComments: "none",
    write: true,
    metafile: true,
  });
  // Files the code opens by URL relative to itself (the worker) are not followed by the bundler:
  // check that each one landed beside the chunk that names it.
  for (const output of Object.keys(result.metafile.outputs)) {
    const text = readFileSync(join(ROOT, output), "utf8");
    for (const [, target] of text.matchAll(/new URL\(\s*["'](\.\.?\/[^"']+)["']\s*,\s*import\.meta\.url\s*\)/g)) {
      if (!existsSync(join(ROOT, dirname(output), target))) throw new Error(`build: ${output} opens ${target}, which is not in the output`);
    }
  }
  if (undeclared.size > 0) {
    throw new Error(`build: the bundle imports packages no workspace package lists in "dependencies": ${[...undeclared].join(", ")}`);
  }
  return new Map([...used].sort(([a], [b]) => a.localeCompare(b)));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({ options: { outdir: { type: "string" }, "embed-addon": { type: "boolean" } } });
  const outdir = values.outdir ? resolve(values.outdir) : undefined;
  const used = await buildCli(outdir, { embedAddon: values["embed-addon"] ?? false });
  console.log(`built ${outdir ?? "packages/cli/dist"} (external: ${[...used.keys()].join(", ") || "none"})`);
}
