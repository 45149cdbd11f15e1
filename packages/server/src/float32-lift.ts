// Reading the float arrays of a vector body without JSON.parse, through @ossv/protocol's
// readFloat32Array (shared with the CLI's JSON Lines reader).
//
// A 500 × 128 PutVectors body holds 64k numbers, and clients that start from float32 data send each
// one with 9 to 17 significant digits: JSON.parse makes each a double in a JS array, and the server
// then rounds every value to float32 anyway. Here a number goes straight to float32, always exactly
// Math.fround(Number(text)).
import { readFloat32Array } from "@ossv/protocol";

/** Values are read into this first; it grows for a longer array (up to the body's length). */
let scratch: Float32Array<ArrayBuffer> = new Float32Array(1024);

/** An array of numbers lifted from the body, and the index just after its closing bracket. */
export interface LiftedArray {
  values: Float32Array;
  end: number;
}

/**
 * Reads the JSON array opening at `open` (a `[`) as float32 values. Undefined unless it is a
 * non-empty array of numbers whose float32 values are all finite: anything else is left for
 * JSON.parse and the validators, so that errors read the same either way.
 */
export function liftFloat32Array(bytes: Uint8Array, open: number): LiftedArray | undefined {
  for (;;) {
    const read = readFloat32Array(bytes, open + 1, scratch);
    if (read === null) {
      scratch = new Float32Array(scratch.length * 2); // each value takes 2 bytes of body at least: bounded
      continue;
    }
    if (read === undefined || read.count === 0) return undefined;
    return { values: scratch.slice(0, read.count), end: read.end };
  }
}
