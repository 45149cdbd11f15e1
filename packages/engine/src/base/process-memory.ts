// The process's own memory, as a memory budget should count it: resident pages that are not a file's.
// process.memoryUsage.rss() also counts the pages of mapped files, and a segment whose graph is mapped
// (search/vector-placement.ts) would then seem to hold its whole graph once queries had touched it,
// though those pages are the kernel's page cache, dropped under pressure and read again when needed.
import { readFileSync } from "node:fs";

/**
 * A "Field:  N kB" line of /proc/self/status in bytes (RssAnon and RssFile: Linux 4.5 and later), or
 * undefined where there is none (not Linux, or /proc not mounted).
 */
function statusBytes(field: "RssAnon" | "RssFile"): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(readFileSync("/proc/self/status", "latin1"));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Resident bytes that are the process's own (anonymous memory: heaps, stacks, private copies), or the
 * whole RSS where the system does not tell them apart.
 */
export function ownMemoryBytes(): number {
  return statusBytes("RssAnon") ?? process.memoryUsage.rss();
}

/** Resident bytes of mapped files (the page cache's, not the process's), 0 where the system does not say. */
export function mappedFileBytes(): number {
  return statusBytes("RssFile") ?? 0;
}
