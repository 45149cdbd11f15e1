// Signing time. The service rejects requests more than ~15 minutes off its clock with
// RequestTimeTooSkewed (docs/protocol.md#signing-key-and-authorization-header); when that happens the
// server's `Date` header tells us how far off we are, and every later signature uses the corrected time.
import { ServiceError } from "./errors.ts";
import type { Middleware } from "./http.ts";

export class SigningClock {
  readonly #now: () => Date;
  /** Milliseconds to add to the local clock to get the server's. */
  offsetMs = 0;

  constructor(now: () => Date = () => new Date()) {
    this.#now = now;
  }

  /** The local time, uncorrected. */
  localNow(): Date {
    return this.#now();
  }

  /** The time to sign with. */
  now(): Date {
    return new Date(this.#now().getTime() + this.offsetMs);
  }

  /** Learns the offset from a server `Date` header; ignores a missing or unparsable one. */
  correctFrom(serverDate: string | undefined): boolean {
    const serverMs = serverDate ? Date.parse(serverDate) : NaN;
    if (Number.isNaN(serverMs)) return false;
    this.offsetMs = serverMs - this.#now().getTime();
    return true;
  }
}

/** Watches for RequestTimeTooSkewed and corrects the clock before the retry step tries again. */
export function clockSkewMiddleware(clock: SigningClock): Middleware {
  return (next) => async (request, context) => {
    try {
      return await next(request, context);
    } catch (error) {
      if (error instanceof ServiceError && error.code === "RequestTimeTooSkewed") {
        clock.correctFrom(error.headers["date"]);
      }
      throw error;
    }
  };
}
