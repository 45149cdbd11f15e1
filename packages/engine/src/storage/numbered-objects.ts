// Numbered immutable objects: `<dir>/<20-digit zero-padded sequence>.<ext>`. Zero padding makes the
// store's lexical listing order equal the numeric order.
import type { BlobStore } from "./blob-store.ts";

const SEQ_DIGITS = 20;

export interface NumberedObject {
  name: string;
  seq: number;
}

export function numberedName(dir: string, seq: number, ext: string): string {
  if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError(`bad sequence number ${seq}`);
  return `${dir}/${String(seq).padStart(SEQ_DIGITS, "0")}.${ext}`;
}

/** The numbered objects directly in `dir` with extension `ext`, ascending; other names are ignored. */
export async function listNumbered(store: BlobStore, dir: string, ext: string): Promise<NumberedObject[]> {
  const prefix = `${dir}/`;
  const suffix = `.${ext}`;
  const found: NumberedObject[] = [];
  for (const name of await store.list(prefix)) {
    const base = name.slice(prefix.length);
    if (!base.endsWith(suffix)) continue;
    const digits = base.slice(0, -suffix.length);
    if (digits.length !== SEQ_DIGITS || !/^[0-9]+$/.test(digits)) continue;
    const seq = Number(digits);
    if (Number.isSafeInteger(seq)) found.push({ name, seq });
  }
  return found.sort((a, b) => a.seq - b.seq);
}
