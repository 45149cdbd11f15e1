// What `ossv admin fsck` prints: every object it read, and for each one that is damaged (or must go
// with a damaged one) what is wrong, which acknowledged data it holds, and what repair does about it.
// Plain data, so the CLI prints it as JSON and tests read the numbers instead of parsing sentences.

/**
 * "damage": open refuses the directory, or repair loses acknowledged data.
 * "harmless": an object recovery never needs (an older catalog or manifest, a leftover of an
 * unfinished checkpoint); reported so the operator knows the disk misbehaved, moved aside on repair.
 */
export type Severity = "damage" | "harmless";

/** Acknowledged data an object holds, counted where the stored objects still allow it. */
export interface LostData {
  /** Live rows (vectors) that repair cannot keep. */
  rows?: number;
  /** Distinct keys written by WAL puts that repair cannot keep. */
  putKeys?: number;
  /** Distinct keys of WAL deletes found after the damage (kept: see fsck-wal.ts). */
  deleteKeys?: number;
  /** WAL objects whose writes cannot be read at all. */
  unknownWalObjects?: number;
}

export interface FsckProblem {
  /** The object's name under the data directory (a directory name ends in "/"). */
  object: string;
  /** The vector index the object belongs to, as "bucket/index", when known. */
  index?: string;
  severity: Severity;
  /** What is wrong with the object. */
  problem: string;
  /** The acknowledged data it holds, or that would be lost with it. */
  holds: string;
  lost?: LostData;
  /** What --repair does about it (or did, in a repair report). */
  repair: string;
  /** False when only the operator can fix it (repair leaves it as it is). */
  repairable?: false;
}

export interface FsckReport {
  /** The data directory checked, or */
  dataDir?: string;
  /** the shared store checked (`s3://bucket/prefix at URL`); object names are relative to either. */
  store?: string;
  mode: "check" | "repair";
  /** Objects read and decoded. */
  objectsChecked: number;
  /** No problem found. */
  clean: boolean;
  /** Repair ran and moved, rebuilt or wrote what the problems' `repair` says. */
  repaired: boolean;
  problems: FsckProblem[];
  /** Repair only: where the moved objects are, relative to the data directory (or in the store). */
  quarantine?: string;
  /** Repair only: objects moved into the quarantine directory (original names). */
  moved?: string[];
  /** Repair only: objects written so the directory opens again. */
  written?: string[];
  /** Things only the operator can do. */
  operatorActions: string[];
}

/** 0 when clean, or when repair fixed every problem; 1 when a problem is left. */
export function fsckExitCode(report: FsckReport): number {
  if (report.clean) return 0;
  return report.repaired && report.problems.every((problem) => problem.repairable !== false) ? 0 : 1;
}
