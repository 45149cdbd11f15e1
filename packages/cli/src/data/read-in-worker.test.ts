// Reading in a worker thread changes where a source is read, not what it yields: the same items (keys,
// lines, positions, vectors bit for bit, metadata, bad records) as opening the same file here, for
// every format, across batch boundaries; the same errors for a file that cannot be opened; and a
// loop that stops early stops the worker.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeNpy, openSource, ParquetVectorWriter, readInWorker, type RecordSource, type SourceItem, type SourceSpec } from "./index.ts";
import { BATCH_ITEMS } from "./read-in-worker.ts";

/** Items with vectors as float32 bit patterns, so that -0, NaN payloads and rounding all count. */
async function comparable(source: RecordSource): Promise<unknown[]> {
  const items: unknown[] = [];
  for await (const item of source as AsyncIterable<SourceItem>) {
    if (!item.ok) items.push(item);
    else {
      const { data, ...rest } = item.record;
      items.push({ ...rest, bits: Array.from(new Uint32Array(Float32Array.from(data).buffer)) });
    }
  }
  return items;
}

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "ossv-read-worker-"));
  try {
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** More rows than two batches hold, with a bad record every so often (text formats). */
const ROWS = 2 * BATCH_ITEMS + 123;
const vectorOf = (row: number) => [Math.sin(row) / 3, -0, row * 1e-3, 1 / (row + 1)];

async function writeSources(dir: string): Promise<SourceSpec[]> {
  const lines = Array.from({ length: ROWS }, (_, row) => row % 97 === 5
    ? `{"key":"k${row}","data":[1,"x"]}`
    : JSON.stringify({ key: `k${row}`, data: vectorOf(row), ...(row % 3 ? { metadata: { row, tag: `t${row % 7}`, list: ["a", "b"] } } : {}) }));
  await writeFile(join(dir, "in.jsonl"), lines.join("\n") + "\n");
  const csv = ["key,vector,metadata", ...Array.from({ length: ROWS }, (_, row) => `k${row},"${JSON.stringify(vectorOf(row))}","${JSON.stringify({ row }).replaceAll('"', '""')}"`)];
  await writeFile(join(dir, "in.csv"), csv.join("\n") + "\n");
  await writeFile(join(dir, "in.npy"), encodeNpy(Array.from({ length: ROWS }, (_, row) => vectorOf(row)), 4, "float64"));
  const parquet = new ParquetVectorWriter(join(dir, "in.parquet"), 300);
  for (let row = 0; row < ROWS; row++) await parquet.add({ key: `k${row}`, data: Float32Array.from(vectorOf(row)), ...(row % 2 ? { metadata: { row } } : {}) });
  await parquet.close();
  return [
    { format: "jsonl", path: join(dir, "in.jsonl") },
    { format: "csv", path: join(dir, "in.csv") },
    { format: "npy", path: join(dir, "in.npy"), keyPrefix: "row-" },
    { format: "parquet", path: join(dir, "in.parquet") },
  ];
}

test("every format read in a worker yields exactly what reading it here yields", () => withDir(async (dir) => {
  for (const spec of await writeSources(dir)) {
    const here = await openSource(spec);
    const there = await readInWorker(spec);
    assert.equal(there.total, here.total, `${spec.format}: total`);
    const [expected, actual] = [await comparable(here), await comparable(there)];
    assert.equal(actual.length, ROWS, `${spec.format}: every record`);
    assert.deepEqual(actual, expected, spec.format);
  }
}));

test("a file that cannot be opened is refused with the error opening it here gives", () => withDir(async (dir) => {
  await writeFile(join(dir, "bad.npy"), Buffer.from("not numpy at all"));
  for (const spec of [{ format: "npy", path: join(dir, "bad.npy") }, { format: "jsonl", path: join(dir, "missing.jsonl") }] as SourceSpec[]) {
    const here = await openSource(spec).then(comparable).then(() => undefined, (error: Error) => error.message);
    assert.ok(here !== undefined, `${spec.path} must fail here`);
    await assert.rejects(readInWorker(spec).then(comparable), (error: Error) => error.message === here, spec.path);
  }
}));

test("a loop that stops early stops the worker, and a source never read does not hold the process", () => withDir(async (dir) => {
  const [jsonl] = await writeSources(dir);
  const source = await readInWorker(jsonl!);
  let seen = 0;
  for await (const item of source) {
    assert.ok(item.ok || !item.ok);
    if (++seen === 3) break;
  }
  assert.equal(seen, 3);
  await assert.rejects(async () => {
    for await (const item of source) void item;
  }, /iterated once/);
  // Opened and dropped: the test runner's process must still be able to end (it would time out).
  await readInWorker(jsonl!);
}));
