export { startServer, type RunningServer, type ServerOptions } from "./server.ts";
export { DEFAULT_CHECKPOINT_POLICY, type CheckpointPolicy } from "@ossv/engine";
export type { AccessLogEntry } from "./pipeline.ts";
export { newAccessKey, newAccountId, type RootAccount } from "./accounts.ts";
