// CPU figures of the ossv ingest cells: the server's CPU (all of it, and its main thread's) and the
// client's over a measurement, and from them the cores kept busy and CPU microseconds per vector.
import type { Measurement } from "../lib/report-types.ts";
import { mainThreadCpuSeconds, ownCpuSeconds, processCpuSeconds } from "../lib/system-stats.ts";
import type { RunningServer } from "./ossv-server.ts";

/**
 * An ingest measurement with the CPU it took: the server's and the client's (this process) seconds,
 * and the cores they kept busy together, so an import's cost per vector can be set against it.
 */
export async function withCpu(server: RunningServer, measure: () => Promise<Measurement>): Promise<Measurement> {
  const serverCpu = serverCpuMeter(server);
  const clientBefore = ownCpuSeconds();
  const started = performance.now();
  const measurement = await measure();
  const seconds = (performance.now() - started) / 1000;
  const serverFigures = serverCpu.read();
  const clientCpu = ownCpuSeconds() - clientBefore;
  const vectors = (measurement as { vectors: number }).vectors;
  return { ...measurement, ...serverFigures, client_cpu_s: clientCpu, ...cpuFigures(serverFigures.server_cpu_s + clientCpu, seconds, vectors) };
}

/**
 * The server's CPU seconds from now to read(): all of it, and its main thread's (requests, flushes and
 * merges) apart from the rest (the graph-build worker above all), which a longer run catches more of.
 */
export function serverCpuMeter(server: RunningServer): { read(): { server_cpu_s: number; server_main_thread_cpu_s: number } } {
  const before = processCpuSeconds(server.pid);
  const mainBefore = mainThreadCpuSeconds(server.pid);
  return {
    read: () => ({ server_cpu_s: processCpuSeconds(server.pid) - before, server_main_thread_cpu_s: mainThreadCpuSeconds(server.pid) - mainBefore }),
  };
}

/** Cores kept busy over a run, and CPU microseconds per vector written. */
export function cpuFigures(cpuSeconds: number, seconds: number, vectors: number): { cores_busy: number; cpu_us_per_vector: number } {
  return { cores_busy: cpuSeconds / seconds, cpu_us_per_vector: (cpuSeconds / vectors) * 1e6 };
}

