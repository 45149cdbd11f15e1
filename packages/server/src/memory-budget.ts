// The memory budget (`ossv serve --memory-budget`): how many bytes the engine's indexes may hold in
// memory. Reported beside what the engine accounts (metrics, `ossv admin index describe`), so an
// operator sees the headroom; serving indexes past it from disk is the engine's next step.
import { totalmem } from "node:os";

/** Without --memory-budget: half of the machine, the other half left to the page cache and the rest. */
export function defaultMemoryBudget(machineBytes = totalmem()): number {
  return Math.floor(machineBytes / 2);
}

const UNITS: Record<string, number> = {
  "": 1, b: 1,
  k: 2 ** 10, kib: 2 ** 10, kb: 1e3,
  m: 2 ** 20, mib: 2 ** 20, mb: 1e6,
  g: 2 ** 30, gib: 2 ** 30, gb: 1e9,
  t: 2 ** 40, tib: 2 ** 40, tb: 1e12,
};

/**
 * Bytes from a size such as `8GiB`, `512MB`, `2g` or `1073741824` (KiB, MiB… and bare K, M, G, T are
 * powers of 1024, as in systemd and Docker; KB, MB, GB, TB powers of 1000), or `N%` of the machine's
 * memory. Undefined for anything else, and for a size under 1 MiB, which no index fits in.
 */
export function parseMemorySize(text: string, machineBytes = totalmem()): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(%|[a-z]*)\s*$/i.exec(text);
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = match[2]!.toLowerCase();
  let bytes: number;
  if (unit === "%") {
    if (amount > 100) return undefined;
    bytes = (machineBytes * amount) / 100;
  } else {
    const scale = UNITS[unit];
    if (scale === undefined) return undefined;
    bytes = amount * scale;
  }
  bytes = Math.floor(bytes);
  return bytes >= 2 ** 20 && Number.isSafeInteger(bytes) ? bytes : undefined;
}
