// What the load machinery needs to know about the kind of index it drives: how to create it, what a
// put of a given write id stores, how to judge a vector read back, and how to query it, under the
// load and after a recovery. Standard indexes (standard-kind.ts) and Fusion indexes (fusion-kind.ts)
// supply it; the load, the ledger and the linearizability check are the same for both.
import type { Vector, VectorInput, VectorsClient } from "@ossv/sdk";
import type { History } from "./history.ts";
import type { KeyChooser } from "./key-chooser.ts";

export interface LoadContext {
  client: VectorsClient;
  kind: IndexKind;
  history: History;
  keys: KeyChooser;
  random: () => number;
  /** Wrong answers that are wrong at any timing: corrupt vectors, bad query results. */
  problems: string[];
}

export interface IndexKind {
  /** For messages: "Standard", "Fusion". */
  readonly name: string;
  /** Creates the index (serve-fixture.ts's INDEX) in the existing bucket. */
  createIndex(client: VectorsClient): Promise<void>;
  /** The vector a put of `key` with write id `writeId` sends: a pure function of the id (metadata `w`). */
  vectorOf(key: string, writeId: number): VectorInput;
  /**
   * Problems with a vector Get/ListVectors returned with metadata (and data when `expectData`): an
   * empty list when it is exactly what the write its metadata names sent.
   */
  vectorProblems(vector: Vector, via: string, expectData: boolean): string[];
  /**
   * One random query, under the load: each hit is recorded as a read of its key; the problems returned
   * are wrong at any timing (a corrupt hit, a wrong score or order, a hit that cannot match).
   */
  query(ctx: LoadContext, maxTopK: number): Promise<string[]>;
  /**
   * After a recovery, with no load running: queries that must find what is present (`present`, by
   * key, as GetVectors returned it) and nothing else; returns the problems.
   */
  recoveryQueries(ctx: LoadContext, present: ReadonlyMap<string, Vector>, samples: number): Promise<string[]>;
}
