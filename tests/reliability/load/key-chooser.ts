// Which keys an operation touches. Keys are shared by all clients, so they overlap; in exclusive mode a
// key is claimed for the duration of a write, so it never has two writes in flight and is in doubt
// between at most two states when the server is killed (the crash test's ledger relies on that).
import { keyName } from "./write-values.ts";

export class KeyChooser {
  /** All key names, in byte order (the order ListVectors pages in). */
  readonly names: string[];
  private readonly claimed = new Set<string>();

  constructor(keyCount: number, private readonly exclusiveWrites: boolean) {
    this.names = Array.from({ length: keyCount }, (_, i) => keyName(i)).sort();
  }

  /** Up to `count` distinct keys, any of them. */
  anyKeys(count: number, random: () => number): string[] {
    const chosen = new Set<string>();
    for (let tries = 0; chosen.size < count && tries < count * 4; tries++) chosen.add(this.pick(random));
    return [...chosen];
  }

  /** Up to `count` distinct keys for a write; in exclusive mode only unclaimed ones, now claimed. */
  claimForWrite(count: number, random: () => number): string[] {
    const chosen = this.anyKeys(count, random).filter((key) => !this.exclusiveWrites || !this.claimed.has(key));
    if (this.exclusiveWrites) for (const key of chosen) this.claimed.add(key);
    return chosen;
  }

  release(keys: readonly string[]): void {
    for (const key of keys) this.claimed.delete(key);
  }

  private pick(random: () => number): string {
    return this.names[Math.floor(random() * this.names.length)] as string;
  }
}
