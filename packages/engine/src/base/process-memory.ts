// The process's own memory, as a memory budget should count it: resident pages that are not a file's.
// process.memoryUsage.rss() also counts the pages of mapped files, and a segment whose graph is mapped
// (search/vector-placement.ts) would then seem to hold its whole graph once queries had touched it,
// though those pages are the kernel's page cache, dropped under pressure and read again when needed.
import { readFileSync } from "node:fs";

/** /proc/self/status's line for resident anonymous memory (Linux 4.5 and later), in kB. */
const RSS_ANON = /^RssAnon:\s+(\d+) kB$/m;

/**
 * Resident bytes that are the process's own (anonymous memory: heaps, stacks, private copies), or the
 * whole RSS where the system does not tell them apart.
 */
export function ownMemoryBytes(): number {
  try {
    const match = RSS_ANON.exec(readFileSync("/proc/self/status", "latin1"));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // not Linux, or /proc not mounted: the RSS below
  }
  return process.memoryUsage.rss();
}

/** Resident bytes of mapped files (the page cache's, not the process's), 0 where the system does not say. */
export function mappedFileBytes(): number {
  try {
    const match = /^RssFile:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "latin1"));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // as above
  }
  return 0;
}
