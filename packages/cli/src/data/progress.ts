// Progress for long imports and exports: a bar with count, rate and ETA on a terminal (cli-progress),
// a plain line every few seconds otherwise (logs and CI keep every line a bar would redraw), and a
// summary at the end.
import cliProgress from "cli-progress";

export interface ProgressReporterOptions {
  /** "import", "export", "copy". */
  label: string;
  /** Records expected, when known; gives the bar a length and the ETA a meaning. */
  total?: number;
  stream?: NodeJS.WriteStream | NodeJS.WritableStream;
  /** Defaults to the stream's own isTTY. */
  tty?: boolean;
  /** Plain mode: at most one line per this many ms. Default 5000. */
  intervalMs?: number;
}

export interface ProgressReporter {
  update(done: number, errors?: number): void;
  /** Stops the bar and prints the summary line; returns it. */
  finish(done: number, errors?: number): string;
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes}m${Math.round(seconds % 60)}s` : `${Math.floor(minutes / 60)}h${minutes % 60}m`;
}

export function createProgressReporter(options: ProgressReporterOptions): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  const tty = options.tty ?? ("isTTY" in stream && stream.isTTY === true);
  const intervalMs = options.intervalMs ?? 5000;
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  let bar: cliProgress.SingleBar | undefined;
  if (tty) {
    const format = options.total !== undefined
      ? `${options.label} [{bar}] {value}/{total} | {rate} rows/s | {errors} errors | ETA {eta_formatted}`
      : `${options.label} {value} rows | {rate} rows/s | {errors} errors | {duration_formatted}`;
    bar = new cliProgress.SingleBar({ format, stream, hideCursor: true, etaBuffer: 50 });
    bar.start(options.total ?? 0, 0, { rate: "0", errors: 0 });
  }
  let lastLine = 0;
  const rate = (done: number) => (elapsed() > 0 ? done / elapsed() : 0);
  return {
    update(done, errors = 0) {
      if (bar) {
        bar.update(done, { rate: Math.round(rate(done)).toString(), errors });
        return;
      }
      const now = performance.now();
      if (now - lastLine < intervalMs) return;
      lastLine = now;
      const eta = options.total !== undefined && rate(done) > 0 ? `, ETA ${formatSeconds((options.total - done) / rate(done))}` : "";
      const of = options.total !== undefined ? `/${options.total}` : "";
      stream.write(`${options.label}: ${done}${of} rows, ${Math.round(rate(done))} rows/s, ${errors} errors${eta}\n`);
    },
    finish(done, errors = 0) {
      if (bar) {
        bar.update(done, { rate: Math.round(rate(done)).toString(), errors });
        bar.stop();
      }
      const seconds = elapsed();
      const line = `${options.label}: ${done} rows in ${seconds.toFixed(1)} s (${Math.round(rate(done))} rows/s), ${errors} errors\n`;
      stream.write(line);
      return line.trimEnd();
    },
  };
}
