// Failures that are not part of the API contract (EngineError) but mean the stored data cannot be
// trusted. The server reports them as InternalError; an operator has to look at the data directory.

/** A stored object that was acknowledged once is unreadable or missing; recovery refuses to guess. */
export class CorruptionError extends Error {
  readonly objectName: string;
  readonly problem: string;
  constructor(objectName: string, problem: string) {
    super(`${objectName}: ${problem}`);
    this.name = "CorruptionError";
    this.objectName = objectName;
    this.problem = problem;
  }
}

/** What an operator reads when damage stops start-up: what happened to the files, and what to do. */
export const DAMAGE_STOPS_OPEN_HINT = ". Nothing was changed; `ossv admin fsck --data-dir DIR` lists every damaged object "
  + "and what it holds, and with --repair moves them aside";

/** A byte sequence does not decode: torn, truncated, or failing its checksum. */
export class DecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DecodeError";
  }
}
