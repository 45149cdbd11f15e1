// Reading a whole file into memory. fs.readFile refuses any file over 2 GiB, which is also below the
// largest Buffer Node 20 holds (4 GiB): a segment object written before segments were kept below
// 2 GiB (maintenance/segment-size.ts) would have left its index unopenable. Files that large are read
// here in parts into one buffer; smaller ones go to readFile as before.
import { open, type FileHandle } from "node:fs/promises";

/** fs.readFile's limit (2 GiB less a byte). */
const READ_FILE_LIMIT = 2 ** 31 - 1;
/** Bytes a single read asks for (one read cannot return more than 2 GiB either). */
const PART_BYTES = 2 ** 30;

/**
 * Fills `bytes` from the file's byte `position` on, `partBytes` at most per read, and returns how many
 * bytes were read: fewer than asked only where the file ends.
 */
export async function readRange(handle: FileHandle, bytes: Uint8Array, position: number, partBytes = PART_BYTES): Promise<number> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesRead } = await handle.read(bytes, done, Math.min(partBytes, bytes.length - done), position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/** The file's bytes. Files from `wholeBelow` bytes are read `partBytes` at a time (smaller for tests). */
export async function readWholeFile(path: string, wholeBelow = READ_FILE_LIMIT, partBytes = PART_BYTES): Promise<Buffer> {
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    if (size < wholeBelow) return await handle.readFile();
    const bytes = Buffer.allocUnsafe(size); // a RangeError beyond the largest Buffer, as readFile's own refusal was
    const read = await readRange(handle, bytes, 0, partBytes);
    if (read < size) throw new Error(`${path} ended after ${read} of its ${size} bytes`);
    return bytes;
  } finally {
    await handle.close();
  }
}
