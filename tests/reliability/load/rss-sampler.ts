// Samples a process's resident set size (VmRSS in /proc/<pid>/status) at a fixed interval, to tell a
// leak (growth under a steady load) from the ordinary ups and downs of the heap and graph builds.
import { readFile } from "node:fs/promises";

export interface RssSample {
  /** Milliseconds since sampling started. */
  atMs: number;
  kib: number;
}

export async function readRssKib(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]);
}

/** Starts sampling `pid` every `intervalMs`; stop() ends it and returns the samples. */
export function sampleRss(pid: number, intervalMs: number): { stop: () => Promise<RssSample[]> } {
  const samples: RssSample[] = [];
  const started = performance.now();
  let pending = Promise.resolve();
  const timer = setInterval(() => {
    pending = readRssKib(pid).then((kib) => { samples.push({ atMs: performance.now() - started, kib }); }, () => {});
  }, intervalMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await pending;
      return samples;
    },
  };
}

/** Mean RSS of the samples taken in [fromMs, toMs), or NaN when none were. */
export function meanKib(samples: RssSample[], fromMs: number, toMs: number): number {
  const inWindow = samples.filter((sample) => sample.atMs >= fromMs && sample.atMs < toMs);
  return inWindow.reduce((sum, sample) => sum + sample.kib, 0) / inWindow.length;
}
