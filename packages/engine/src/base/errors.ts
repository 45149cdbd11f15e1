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

/**
 * On a shared store (docs/scale-out.md): this node's create of the next commit number was refused,
 * so another node has become the index's writer. Nothing in the refused object was acknowledged; the
 * node steps down to reading the index.
 */
export class FencedError extends Error {
  constructor(readonly objectName: string) {
    super(`${objectName} exists already: another node has become the index's writer`);
    this.name = "FencedError";
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

/**
 * A stored object, or the data directory as a whole, is of a format version above the one this build
 * reads. Its checksum held, so it is not damage: a newer ossv wrote it. Kept apart from DecodeError so
 * that no caller turns it into a CorruptionError, and fsck never quarantines it.
 */
export class NewerFormatError extends Error {
  constructor(
    /** What has the version: "data directory", "manifest", "segment", … */
    readonly what: string,
    readonly found: number,
    readonly known: number,
    /** The object's name under the data directory, once a caller that knows it has added it. */
    readonly objectName?: string,
    /** "version" for an object; the data directory counts "generation"s (storage/format-generation.ts). */
    readonly term: "version" | "generation" = "version",
  ) {
    super(`${objectName === undefined ? "" : `${objectName}: `}${what} has format ${term} ${found}, but this ossv reads `
      + `${term} ${known} at most: it was written by a newer ossv (it is not damaged)`);
    this.name = "NewerFormatError";
  }

  /** The same error, naming the object it came from (decoders see bytes, not names). */
  of(objectName: string): NewerFormatError {
    return this.objectName === undefined ? new NewerFormatError(this.what, this.found, this.known, objectName, this.term) : this;
  }
}

/** What an operator reads when a newer format stops start-up or fsck. */
export const NEWER_FORMAT_HINT = ". Nothing was changed; use a newer ossv (the one that wrote it, or later) with this data "
  + "directory. Going back to an older ossv is not possible: restore a backup taken before the upgrade instead";
