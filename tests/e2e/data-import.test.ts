// The CLI's data library against real servers: bad records (skip and abort) with line numbers, the
// round trip import -> export for every input format and both export formats (float32 data bit-exact,
// metadata exact), and a copy between two servers.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { putVectorsInBatches, type VectorMetadata } from "@ossv/sdk";
import {
  copyVectors, encodeNpy, exportVectors, ImportAbortedError, importVectors, ParquetVectorWriter, readCsv, readJsonl, readNpy,
  readParquet, type RecordError, type RecordSource,
} from "../../packages/cli/src/data/index.ts";
import { startSdkServer, type SdkServer } from "./sdk-server.ts";

const DIMENSION = 8;
let one: SdkServer;
let two: SdkServer;
let dir: string;
let indexCount = 0;

before(async () => {
  [one, two] = await Promise.all([startSdkServer(), startSdkServer()]);
  dir = await mkdtemp(join(tmpdir(), "ossv-data-e2e-"));
  await one.client.putVectorBucket({ bucket: "data" });
  await two.client.putVectorBucket({ bucket: "data" });
});
after(async () => {
  await Promise.all([one.stop(), two.stop()]);
  await rm(dir, { recursive: true, force: true });
});

async function newIndex(server: SdkServer = one): Promise<string> {
  const index = `i${++indexCount}`;
  await server.client.putVectorIndex({ bucket: "data", indexName: index, dataType: "float32", dimension: DIMENSION, distanceMetric: "euclidean" });
  return index;
}

interface Row { key: string; data: number[]; metadata?: VectorMetadata }

function rows(count: number, seed = 1): Row[] {
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  return Array.from({ length: count }, (_, i) => ({
    key: `key-${i}`,
    data: Array.from({ length: DIMENSION }, () => Math.fround(random() * 10 ** Math.floor(random() * 6))),
    ...(i % 4 === 0 ? {} : { metadata: { n: i, s: `s${i} "quoted", comma`, b: i % 2 === 0, l: ["x", String(i)] } }),
  }));
}

/** What an export holds, read back through the JSON Lines or Parquet reader, by key. */
async function readBack(source: RecordSource): Promise<Map<string, Row>> {
  const found = new Map<string, Row>();
  for await (const item of source) {
    assert.ok(item.ok, item.ok ? "" : item.error.message);
    const { key, data, metadata } = item.record;
    assert.ok(!found.has(key), `${key} exported twice`);
    found.set(key, { key, data: [...data], ...(metadata ? { metadata } : {}) });
  }
  return found;
}

function assertSame(found: Map<string, Row>, expected: Row[]): void {
  assert.equal(found.size, expected.length);
  for (const row of expected) {
    const got = found.get(row.key);
    assert.ok(got, `${row.key} missing`);
    // Bit-exact: compare the float32 bit patterns, not approximately.
    assert.deepEqual(new Uint32Array(Float32Array.from(got.data).buffer), new Uint32Array(Float32Array.from(row.data).buffer), row.key);
    assert.deepEqual(got.metadata, row.metadata, row.key);
  }
}

async function roundTrip(label: string, source: RecordSource, expected: Row[]): Promise<void> {
  const index = await newIndex();
  const summary = await importVectors({ client: one.client, bucket: "data", index, records: source, batchSize: 100, concurrency: 3 });
  assert.equal(summary.written, expected.length, label);
  assert.equal(summary.errorCount, 0, label);
  const jsonl = join(dir, `${label}.out.jsonl`);
  const parquet = join(dir, `${label}.out.parquet`);
  const exported = await exportVectors({ client: one.client, bucket: "data", index, format: "jsonl", out: jsonl, segments: 3 });
  assert.equal(exported.written, expected.length);
  await exportVectors({ client: one.client, bucket: "data", index, format: "parquet", out: parquet, segments: 5 });
  assertSame(await readBack(readJsonl(jsonl)), expected);
  assertSame(await readBack(await readParquet(parquet)), expected);
}

const toJsonl = (input: Row[]) => input.map((row) => JSON.stringify(row)).join("\n") + "\n";
const csvCell = (text: string) => `"${text.replaceAll('"', '""')}"`;

test("round trip from JSON Lines", async () => {
  const input = rows(1234);
  await writeFile(join(dir, "in.jsonl"), toJsonl(input));
  await roundTrip("jsonl", readJsonl(join(dir, "in.jsonl")), input);
});

test("round trip from CSV (JSON-array cells and space-separated cells)", async () => {
  const input = rows(600, 2);
  const lines = input.map((row, i) => [
    row.key,
    i % 2 === 0 ? csvCell(JSON.stringify(row.data)) : row.data.join(" "),
    row.metadata ? csvCell(JSON.stringify(row.metadata)) : "",
  ].join(","));
  await writeFile(join(dir, "in.csv"), ["key,vector,metadata", ...lines].join("\r\n") + "\r\n");
  await roundTrip("csv", readCsv(join(dir, "in.csv")), input);
});

test("round trip from .npy, float32 with a keys file and float64 with generated keys", async () => {
  const input = rows(700, 3).map(({ key, data }) => ({ key, data }));
  await writeFile(join(dir, "in32.npy"), encodeNpy(input.map((row) => row.data), DIMENSION));
  await writeFile(join(dir, "keys.txt"), input.map((row) => row.key).join("\n") + "\n");
  await roundTrip("npy32", await readNpy(join(dir, "in32.npy"), { keysFile: join(dir, "keys.txt") }), input);
  await writeFile(join(dir, "in64.npy"), encodeNpy(input.map((row) => row.data), DIMENSION, "float64"));
  const generated = input.map((row, i) => ({ key: `v${i}`, data: row.data }));
  await roundTrip("npy64", await readNpy(join(dir, "in64.npy"), { keyPrefix: "v" }), generated);
});

test("round trip from Parquet", async () => {
  const input = rows(900, 4);
  const writer = new ParquetVectorWriter(join(dir, "in.parquet"), 250);
  for (const row of input) await writer.add(row);
  await writer.close();
  await roundTrip("parquet", await readParquet(join(dir, "in.parquet")), input);
});

function withBadLines(): { text: string; good: Row[]; badLines: number[] } {
  const good = rows(1200, 5);
  const lines = good.map((row) => JSON.stringify(row));
  // Bad records at known 1-based lines: one the reader refuses, one only the server refuses (a wrong
  // dimension), one a duplicate-free garbage line.
  lines.splice(10, 0, "{oops");
  lines.splice(600, 0, JSON.stringify({ key: "short", data: [1, 2, 3] }));
  lines.splice(1100, 0, JSON.stringify({ key: "nan", data: "no" }));
  return { text: lines.join("\n") + "\n", good, badLines: [11, 601, 1101] };
}

test("bad records with onError skip: reported by line, every good record written", async () => {
  const { text, good, badLines } = withBadLines();
  await writeFile(join(dir, "bad.jsonl"), text);
  const index = await newIndex();
  const reported: RecordError[] = [];
  const summary = await importVectors({
    client: one.client, bucket: "data", index, records: readJsonl(join(dir, "bad.jsonl")), onError: "skip",
    onRecordError: (error) => reported.push(error),
  });
  assert.deepEqual(reported.map((error) => error.line).sort((a, b) => a - b), badLines);
  assert.match(reported.find((error) => error.line === 601)!.message, /dimension|vectors\[/i);
  assert.equal(summary.written, good.length);
  assert.equal(summary.errorCount, 3);
  assert.equal(summary.position, good.length + 3);
  const out = join(dir, "bad.out.jsonl");
  await exportVectors({ client: one.client, bucket: "data", index, format: "jsonl", out });
  assertSame(await readBack(readJsonl(out)), good);
});

test("bad records with onError abort: stops at the first bad line, the checkpoint stops before it", async () => {
  const { text } = withBadLines();
  await writeFile(join(dir, "bad.jsonl"), text);
  const checkpointFile = join(dir, "abort.checkpoint");
  for (const [records, line] of [[readJsonl(join(dir, "bad.jsonl")), 11]] as const) {
    const index = await newIndex();
    const error = await importVectors({ client: one.client, bucket: "data", index, records, onError: "abort", checkpointFile })
      .then(() => undefined, (caught: unknown) => caught);
    assert.ok(error instanceof ImportAbortedError);
    assert.equal(error.record?.line, line);
    const checkpoint = JSON.parse(await readFile(checkpointFile, "utf8"));
    assert.equal(checkpoint.position, line - 1);
    assert.equal(checkpoint.complete, false);
  }
  // A record only the server refuses (line 601 after fixing line 11) also aborts, named by its line.
  const fixed = text.split("\n").filter((_, i) => i !== 10).join("\n");
  await writeFile(join(dir, "bad2.jsonl"), fixed);
  const index = await newIndex();
  const error = await importVectors({
    client: one.client, bucket: "data", index, records: readJsonl(join(dir, "bad2.jsonl")), onError: "abort", batchSize: 50,
  }).then(() => undefined, (caught: unknown) => caught);
  assert.ok(error instanceof ImportAbortedError);
  assert.equal(error.record?.line, 600);
});

test("copy from one server to another", async () => {
  const input = rows(1500, 6);
  const from = await newIndex(one);
  const to = await newIndex(two);
  await putVectorsInBatches(one.client, { bucket: "data", indexName: from, vectors: input.map((row) => ({ ...row, data: { float32: row.data } })) });
  const summary = await copyVectors({
    from: { client: one.client, bucket: "data", index: from }, to: { client: two.client, bucket: "data", index: to }, segments: 4,
  });
  assert.equal(summary.written, input.length);
  const out = join(dir, "copy.out.parquet");
  await exportVectors({ client: two.client, bucket: "data", index: to, format: "parquet", out });
  assertSame(await readBack(await readParquet(out)), input);
});
