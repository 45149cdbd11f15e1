#!/usr/bin/env node
// Runs the compiled CLI (`npm run build`, which `npm ci` runs as the root `prepare` script).
try {
  await import("../dist/ossv.mjs");
} catch (error) {
  if (error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("dist/ossv.mjs")) {
    process.stderr.write("ossv: the CLI is not built; run `npm run build` in the repository root\n");
    process.exitCode = 1;
  } else {
    throw error;
  }
}
