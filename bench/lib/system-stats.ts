// Bytes on disk (as `du` counts them: allocated blocks) and a process's resident memory.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** Allocated bytes under a directory, like `du -s --block-size=1`. */
export function bytesOnDisk(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.blocks * 512;
  let total = stat.blocks * 512;
  for (const entry of readdirSync(path)) total += bytesOnDisk(join(path, entry));
  return total;
}

/** VmRSS of a process from /proc (Linux), in bytes. */
export function residentBytes(pid: number): number {
  return statusBytes(pid, "VmRSS");
}

/** A "Field:  N kB" line of /proc/PID/status (VmRSS, RssAnon, RssFile), in bytes. */
export function statusBytes(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

export function machineDescription(): Record<string, string | number> {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? "unknown";
  const memKb = Number(/^MemTotal:\s+(\d+)/m.exec(readFileSync("/proc/meminfo", "utf8"))?.[1] ?? 0);
  const cores = cpuinfo.split("\n").filter((line) => line.startsWith("processor")).length;
  return { cpu_model: model, nproc: cores, memory_gib: Math.round(memKb / 1024 / 1024), node: process.version, platform: `${process.platform}-${process.arch}` };
}

/** Resident bytes of this process after a full GC when the run has `--expose-gc` (npm run bench does). */
export function settledOwnRss(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss;
}

/**
 * Memory per vector of a library living in the bench process: the growth of its RSS. Only an estimate
 * (the process also holds the data set and frees earlier work), so a growth that is not positive is
 * reported as not measurable rather than as a number.
 */
export function inProcessRssPerVector(rssBefore: number, vectors: number): Record<string, number | string> | { na: string } {
  const growth = settledOwnRss() - rssBefore;
  if (growth <= 0) return { na: `the bench process's RSS did not grow (${growth} bytes): earlier work was freed meanwhile, so in-process growth says nothing` };
  return { rss_bytes_per_vector: growth / vectors, note: "growth of the bench process's RSS after a GC (in-process, approximate)" };
}

/** Clock ticks per second of /proc's CPU times; 100 on every Linux build Node supports. */
const CLOCK_TICKS = 100;

/** Fields of a /proc stat file after the command name (which may hold spaces), 0-based from field 3. */
function statFields(pid: number | "self", file = `/proc/${pid}/stat`): string[] {
  const stat = readFileSync(file, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** CPU seconds (user + system) a live process has used so far. */
export function processCpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // utime, stime
}

/**
 * CPU seconds of a live process's main thread (its thread id is the process id): for a Node server,
 * the event loop, where requests are handled, apart from worker threads and V8's and libuv's helpers.
 */
export function mainThreadCpuSeconds(pid: number): number {
  const fields = statFields(pid, `/proc/${pid}/task/${pid}/stat`);
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** CPU seconds of this process's children that have exited and been waited for (cutime + cstime). */
export function reapedChildrenCpuSeconds(): number {
  const fields = statFields("self");
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
}

/** CPU seconds of this process (user + system). */
export function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}
