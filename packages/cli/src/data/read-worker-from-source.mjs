// Starts read-worker.ts when the CLI runs from its TypeScript sources (tests, `node --import tsx`):
// Node 20 does not run a worker's entry through the parent's loader, so the worker registers tsx
// itself first. The built CLI starts dist/read-worker.mjs instead and never loads this file or tsx.
import { register } from "tsx/esm/api";

register();
await import("./read-worker.ts");
