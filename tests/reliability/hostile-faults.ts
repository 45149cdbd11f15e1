// The known break that hostile framing and header tricks ride on: a wrong Content-MD5, or JSON
// that does not parse. A trick that should not change the outcome must let its refusal through.
import { contentMd5 } from "@ossv/protocol";
import { BASE_BODIES, type OperationName } from "./hostile-ops.ts";
import { expecting, hostileCase, outcome, type Expectation, type HostileCase } from "./hostile-oracle.ts";
import type { Framing, Intent } from "./hostile-request.ts";
import { intentWith, malformedBodyExpectation } from "./hostile-cases-body.ts";

export const BAD_DIGEST = expecting(outcome(400, "InvalidDigest"));
export const BAD_REQUEST = expecting(outcome(400, "BadRequest"));
const WRONG_MD5: Framing = { md5: { value: contentMd5(Buffer.from("not this body")) } };

export interface Fault {
  what: string;
  intent: Intent;
  framing: Framing;
  expect: Expectation;
}

/** A break with a known refusal that no header, host or framing trick should change. */
export function baseFault(op: OperationName, badJson: boolean): Fault {
  if (badJson && BASE_BODIES[op]) {
    const body = Buffer.from(JSON.stringify(BASE_BODIES[op]).slice(0, -1));
    return { what: "unclosed JSON", intent: intentWith(op, body), framing: {}, expect: malformedBodyExpectation(op) };
  }
  return { what: "wrong Content-MD5", intent: intentWith(op), framing: WRONG_MD5, expect: BAD_DIGEST };
}

export function wireCase(category: string, op: OperationName, what: string, fault: Fault, framing: Framing, expect?: Expectation): HostileCase {
  return hostileCase({
    category, op, what: `${what}; ${fault.what}`, intent: fault.intent, signing: { mode: "header" },
    framing: { ...fault.framing, ...framing }, expect: expect ?? fault.expect,
  });
}

