import { randomBytes } from "node:crypto";

/**
 * 24 upper-case hex characters, as the service's x-oss-request-id (docs/protocol.md#responses): a random
 * per-process prefix and a counter, unique within the process and unlikely to repeat across processes,
 * without asking the system for random bytes on every request.
 */
const processPrefix = randomBytes(6).toString("hex").toUpperCase();
let sequence = Math.floor(Math.random() * 2 ** 40);

export function newRequestId(): string {
  sequence = (sequence + 1) % 2 ** 48;
  return processPrefix + sequence.toString(16).toUpperCase().padStart(12, "0");
}
