// A named, ordered list of middleware in the manner of AWS SDK v3: the first entry is the outermost.
// The client builds `retry -> clockSkew -> sign -> serviceErrors -> send`; callers may insert their
// own steps (logging, extra headers, metrics) relative to those names.
import type { Handler, Middleware } from "./http.ts";

export interface MiddlewarePlacement {
  name: string;
  /** Insert just outside (before) the named step. */
  before?: string;
  /** Insert just inside (after) the named step. */
  after?: string;
}

interface Entry {
  name: string;
  middleware: Middleware;
}

export class MiddlewareStack {
  readonly #entries: Entry[] = [];
  /** The chain last composed, kept until the stack changes: composing it per request costs a closure per step. */
  #composed: { terminal: Handler; handler: Handler } | undefined;

  /** Adds a step; without `before`/`after` it becomes the outermost one. */
  add(middleware: Middleware, placement: MiddlewarePlacement): this {
    if (this.#entries.some((entry) => entry.name === placement.name)) {
      throw new Error(`middleware "${placement.name}" is already in the stack`);
    }
    this.#composed = undefined;
    const entry = { name: placement.name, middleware };
    const anchor = placement.before ?? placement.after;
    if (anchor === undefined) {
      this.#entries.unshift(entry);
      return this;
    }
    const at = this.#entries.findIndex((existing) => existing.name === anchor);
    if (at < 0) throw new Error(`no middleware named "${anchor}" in the stack`);
    this.#entries.splice(placement.before !== undefined ? at : at + 1, 0, entry);
    return this;
  }

  /** Removes a step by name; returns whether it was there. */
  remove(name: string): boolean {
    const at = this.#entries.findIndex((entry) => entry.name === name);
    if (at >= 0) {
      this.#entries.splice(at, 1);
      this.#composed = undefined;
    }
    return at >= 0;
  }

  /** Step names, outermost first. */
  names(): string[] {
    return this.#entries.map((entry) => entry.name);
  }

  /**
   * Wraps `terminal` in every step, outermost first. The chain is composed once and reused until a
   * step is added or removed, so a step's outer function runs once per composition, not per request:
   * per-request state belongs in the handler it returns.
   */
  resolve(terminal: Handler): Handler {
    if (this.#composed?.terminal !== terminal) {
      const handler = this.#entries.reduceRight((next, entry) => entry.middleware(next), terminal);
      this.#composed = { terminal, handler };
    }
    return this.#composed.handler;
  }
}
