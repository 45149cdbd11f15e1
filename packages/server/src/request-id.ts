import { randomBytes } from "node:crypto";

/** 24 upper-case hex characters, as the service's x-oss-request-id (spec §2.3). */
export function newRequestId(): string {
  return randomBytes(12).toString("hex").toUpperCase();
}
