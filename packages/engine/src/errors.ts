// Failures that are not part of the API contract (EngineError) but mean the stored data cannot be
// trusted. The server reports them as InternalError; an operator has to look at the data directory.

/** A stored object that was acknowledged once is unreadable or missing; recovery refuses to guess. */
export class CorruptionError extends Error {
  readonly objectName: string;
  constructor(objectName: string, message: string) {
    super(`${objectName}: ${message}`);
    this.name = "CorruptionError";
    this.objectName = objectName;
  }
}

/** A byte sequence does not decode: torn, truncated, or failing its checksum. */
export class DecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DecodeError";
  }
}
