// A server-wide cap on request-body bytes held in memory at once. Each request takes its share as
// bytes arrive (the declared Content-Length up front, chunked bodies chunk by chunk) and gives it
// back when its response is done; a request that would pass the cap is answered 503 at once, so
// many large bodies arriving together slow their senders down instead of growing the heap.
import { ApiError } from "@ossv/protocol";

export class BodyBudget {
  private used = 0;

  constructor(readonly limitBytes: number) {}

  get inUse(): number {
    return this.used;
  }

  /** A lease for one request's body; release() it when the request is finished. */
  lease(): BodyLease {
    return new BodyLease(this);
  }

  /** @internal */ take(bytes: number): boolean {
    if (this.used + bytes > this.limitBytes) return false;
    this.used += bytes;
    return true;
  }

  /** @internal */ give(bytes: number): void {
    this.used -= bytes;
  }
}

export class BodyLease {
  private held = 0;

  constructor(private readonly budget: BodyBudget) {}

  /** Takes `bytes` more of the budget, or throws 503 ServiceUnavailable when it is spent. */
  take(bytes: number): void {
    if (!this.budget.take(bytes)) {
      throw new ApiError("ServiceUnavailable", "The server is reading too many request bodies at once; retry after a moment.");
    }
    this.held += bytes;
  }

  release(): void {
    this.budget.give(this.held);
    this.held = 0;
  }
}
