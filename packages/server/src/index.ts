export { startServer, type RunningServer, type ServerOptions, type ShutdownOptions } from "./server.ts";
export { DEFAULT_CHECKPOINT_POLICY, type BackgroundFailureEvent, type CheckpointPolicy } from "@ossv/engine";
export type { AccessLogEntry, LoggedPrincipal } from "./pipeline.ts";
export { newAccessKey, newAccountId, replaceRootKey, type ReplacedRootKey, type ReplaceRootKeyOptions, type RootAccount } from "./accounts.ts";
export { checkMasterKey } from "./master-key-check.ts";
export { corsPolicy, parseCorsOriginList, type CorsOptions } from "./cors.ts";
export { defaultMemoryBudget, parseMemorySize } from "./memory-budget.ts";
