// `ossv-sdk-js/{version} ({runtime})/vectors-client`, shaped like the official SDKs' agents
// (docs/protocol.md#user-agent); the service does not depend on it, it only helps server logs.
import { SDK_VERSION } from "./version.ts";

interface RuntimeGlobals {
  Deno?: { version?: { deno?: string } };
  Bun?: { version?: string };
  process?: { versions?: { node?: string }; platform?: string; arch?: string };
  document?: unknown;
}

function runtimeDescription(): string {
  const globals = globalThis as RuntimeGlobals;
  if (globals.Deno?.version?.deno) return `deno/${globals.Deno.version.deno}`;
  if (globals.Bun?.version) return `bun/${globals.Bun.version}`;
  const proc = globals.process;
  if (proc?.versions?.node) return `${proc.platform ?? "-"}/${proc.arch ?? "-"};node/${proc.versions.node}`;
  return "browser";
}

/** Browsers own the User-Agent header; elsewhere we send ours. */
export function isBrowser(): boolean {
  return typeof (globalThis as RuntimeGlobals).document !== "undefined";
}

/** `client` names the class sending: `vectors-client`, or `admin-client` for ossv's admin API. */
export function defaultUserAgent(suffix?: string, client = "vectors-client"): string {
  const base = `ossv-sdk-js/${SDK_VERSION} (${runtimeDescription()})/${client}`;
  return suffix ? `${base}/${suffix}` : base;
}
