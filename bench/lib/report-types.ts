// The shape of bench/results/latest.json: per data set, per system, named measurements.
import type { DatasetSpec } from "./dataset.ts";
import type { QueryFigures } from "./measure.ts";

/** A measurement a system cannot make, with the reason; never left out silently. */
export interface NotAvailable {
  na: string;
}

export type Measurement = QueryFigures | NotAvailable | Record<string, number | string>;

export interface SweepPoint {
  setting: string;
  recall_at_10: number;
  qps: number;
}

export interface SystemReport {
  system: string;
  settings: Record<string, unknown>;
  measurements: Record<string, Measurement>;
  /** Per `<phase>_<filter>`: recall vs single-client QPS at each tried setting (the chart). */
  sweeps: Record<string, SweepPoint[]>;
}

/** One data set's part of the results: its spec, each system's report, and its chart's file. */
export interface DatasetReport {
  spec: DatasetSpec;
  systems: SystemReport[];
  chart?: string;
}

export function notAvailable(reason: string): NotAvailable {
  return { na: reason };
}

export function isNotAvailable(value: unknown): value is NotAvailable {
  return typeof value === "object" && value !== null && "na" in value;
}
