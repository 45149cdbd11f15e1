// The fast path of a JSON Lines record: its vector is read from the line's bytes by readFloat32Array
// (@ossv/protocol), and JSON.parse sees only the rest of the line (key and metadata, a tenth of its
// size), with the vector's array replaced by a 0. The general path (parseJsonlRecord) takes every line
// this one refuses, and gives the same result for every line this one takes, which a property test
// holds it to.
//
// Finding the vector's member takes a scan of the top-level object only: it reads member names, steps
// over other values (strings with their escapes, nested objects and arrays), and refuses anything
// odd. It need not check the JSON: JSON.parse of the rest checks every byte but the array's, and
// readFloat32Array checks those.
import { readFloat32Array } from "@ossv/protocol";

const SPACE = 0x20, TAB = 0x09, RETURN = 0x0d, QUOTE = 0x22, BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b, CLOSE_OBJECT = 0x7d, OPEN_ARRAY = 0x5b, CLOSE_ARRAY = 0x5d, COLON = 0x3a, COMMA = 0x2c;

/** The largest vector the fast path reads; longer ones go the general way (the service allows 4096). */
const MAX_FAST_DIMENSION = 8192;
/**
 * Vectors are read into a shared buffer of this many values and handed out as views of it: a
 * Float32Array of its own per vector (a copy with its own backing store) measured 0.7-1.2 us against
 * 0.2 for a view. A buffer is freed once no record it holds is alive; an import holds a few batches.
 */
const SLAB_VALUES = 1 << 17;

export interface VectorMember {
  /** The line as JSON text with the vector's array replaced by `0`. */
  rest: string;
  /** The vector (a view of a buffer that nothing else writes to again). */
  data: Float32Array;
}

/** Reads a line's vector member, `"<name>": [numbers]`, or undefined when the general path must. */
export class VectorMemberReader {
  private slab = new Float32Array(SLAB_VALUES);
  /** Values of the slab handed out; the next vector is read in after them. */
  private used = 0;
  private readonly names: Uint8Array[];

  /** `names` in order of preference: the first present member among them is the vector. */
  constructor(names: readonly string[]) {
    this.names = names.map((name) => Buffer.from(JSON.stringify(name).slice(1, -1), "utf8"));
  }

  read(line: Uint8Array): VectorMember | undefined {
    if (this.slab.length - this.used < MAX_FAST_DIMENSION) {
      this.slab = new Float32Array(SLAB_VALUES);
      this.used = 0;
    }
    const found = this.scan(line);
    if (found === undefined) return undefined;
    const text = Buffer.from(line.buffer, line.byteOffset, line.byteLength);
    const data = this.slab.subarray(this.used, this.used + found.count);
    this.used += found.count;
    return { rest: `${text.toString("utf8", 0, found.start)}0${text.toString("utf8", found.end)}`, data };
  }

  /**
   * Walks the top-level members once, reading the vector where it stands (the array is the bulk of the
   * line, so it is not stepped over first and read after). Undefined when the line is not an object,
   * a name has escapes, the chosen name appears twice, or the chosen value is not an array this reads.
   */
  private scan(line: Uint8Array): { start: number; end: number; count: number } | undefined {
    let chosen: { start: number; end: number; count: number; rank: number } | undefined;
    const seen = new Array<boolean>(this.names.length).fill(false);
    let i = skipSpace(line, 0);
    if (line[i] !== OPEN_OBJECT) return undefined;
    i = skipSpace(line, i + 1);
    if (line[i] === CLOSE_OBJECT) return undefined;
    for (;;) {
      if (line[i] !== QUOTE) return undefined;
      const nameEnd = stringEnd(line, i);
      if (nameEnd === undefined) return undefined;
      const rank = this.names.findIndex((name) => sameBytes(line, i + 1, nameEnd - 1, name));
      i = skipSpace(line, nameEnd);
      if (line[i] !== COLON) return undefined;
      i = skipSpace(line, i + 1);
      let valueEnd: number | undefined;
      if (rank >= 0) {
        if (seen[rank]) return undefined; // JSON.parse would keep the last; leave such lines to it
        seen[rank] = true;
        // Only a better-ranked member replaces the vector read so far (so "data" wins over "vector").
        if (chosen !== undefined && chosen.rank < rank) valueEnd = skipValue(line, i);
        else {
          if (line[i] !== OPEN_ARRAY) return undefined;
          const array = readFloat32Array(line, i + 1, this.slab, this.used, this.used + MAX_FAST_DIMENSION);
          if (!array) return undefined; // not readable here, or longer than MAX_FAST_DIMENSION
          chosen = { start: i, end: array.end, count: array.count, rank };
          valueEnd = array.end;
        }
      } else valueEnd = skipValue(line, i);
      if (valueEnd === undefined) return undefined;
      i = skipSpace(line, valueEnd);
      if (line[i] === CLOSE_OBJECT) return chosen;
      if (line[i] !== COMMA) return undefined;
      i = skipSpace(line, i + 1);
    }
  }
}

function skipSpace(line: Uint8Array, from: number): number {
  let i = from;
  for (let c = line[i]; c === SPACE || c === TAB || c === RETURN; c = line[++i]);
  return i;
}

/** The index after the string that opens at `from`, or undefined when it has escapes or no end. */
function stringEnd(line: Uint8Array, from: number): number | undefined {
  for (let i = from + 1; i < line.length; i++) {
    const c = line[i];
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH) return undefined;
  }
  return undefined;
}

/** The index after the JSON value at `from`: strings and nesting are followed, scalars run to a delimiter. */
function skipValue(line: Uint8Array, from: number): number | undefined {
  let depth = 0;
  let i = from;
  while (i < line.length) {
    const c = line[i];
    if (c === QUOTE) {
      i = skipString(line, i);
      if (i === -1) return undefined;
      if (depth === 0) return i;
      continue;
    }
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
    else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      if (depth === 0) return i; // the end of a scalar at the top level
      if (--depth === 0) return i + 1;
    } else if (depth === 0 && (c === COMMA || c === SPACE || c === TAB || c === RETURN)) return i;
    i++;
  }
  return depth === 0 ? i : undefined;
}

/** The index after the string that opens at `from`, escapes included; -1 when it does not end. */
function skipString(line: Uint8Array, from: number): number {
  for (let i = from + 1; i < line.length; i++) {
    const c = line[i];
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i + 1;
  }
  return -1;
}

function sameBytes(line: Uint8Array, from: number, to: number, name: Uint8Array): boolean {
  if (to - from !== name.length) return false;
  for (let k = 0; k < name.length; k++) if (line[from + k] !== name[k]) return false;
  return true;
}
