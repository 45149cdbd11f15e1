// The `ossv` command's entry: the bundle (scripts/build.mjs) starts here, and tests that spawn the
// CLI run this file through tsx so they exercise the sources.
import { main } from "./main.ts";

process.exitCode = await main(process.argv.slice(2));
