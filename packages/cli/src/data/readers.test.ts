// The readers on small files: records, line numbers of bad records, and the formats' edge cases.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import fc from "fast-check";
import { parquetWriteFile } from "hyparquet-writer";
import {
  createProgressReporter, encodeNpy, ParquetVectorWriter, parseNpyHeader, parseVectorCell, readCsv, readJsonl, readNpy,
  readParquet, type RecordSource, type SourceItem,
} from "./index.ts";
import { lineBatches } from "./jsonl.ts";

async function collect(source: RecordSource): Promise<SourceItem[]> {
  const items: SourceItem[] = [];
  for await (const item of source) items.push(item);
  return items;
}

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "ossv-data-"));
  try {
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const summary = (items: SourceItem[]) =>
  items.map((item) => (item.ok ? `${item.record.line}:${item.record.key}` : `${item.error.line}:error`));

test("JSON Lines: data or vector, wire form, blank lines keep line numbers, bad lines reported by line", () => withDir(async (dir) => {
  const path = join(dir, "in.jsonl");
  await writeFile(path, [
    '{"key":"a","data":[1,2.5],"metadata":{"g":"x","n":[1,2]}}',
    "",
    '{"key":"b","vector":[0.1,0.2]}',
    "{not json",
    '{"key":"c","data":{"float32":[3,4]}}',
    '{"key":"","data":[1,2]}',
    '{"key":"d","data":[1,"x"]}',
    '{"key":"e","data":[1e39,1]}',
    '{"key":"f","data":[1,2],"metadata":{"deep":{"x":1}}}',
  ].join("\n") + "\n");
  const items = await collect(readJsonl(path));
  assert.deepEqual(summary(items), ["1:a", "3:b", "4:error", "5:c", "6:error", "7:error", "8:error", "9:error"]);
  assert.deepEqual(items.map((item) => (item.ok ? item.record.position : item.error.position)), [0, 1, 2, 3, 4, 5, 6, 7]);
  const first = items[0]!;
  assert.ok(first.ok);
  assert.deepEqual([...first.record.data], [1, 2.5]);
  assert.deepEqual(first.record.metadata, { g: "x", n: [1, 2] });
  const second = items[1]!;
  assert.ok(second.ok);
  assert.equal(second.record.data[0], Math.fround(0.1));
}));

test("CSV: JSON-array and space/semicolon vector cells, a JSON metadata column, line numbers across quoted newlines", () => withDir(async (dir) => {
  const path = join(dir, "in.csv");
  await writeFile(path, [
    "key,vector,metadata,ignored",
    'a,"[1, 2.5]","{""g"":""x""}",z',
    "b,0.5 -1e-3,,z",
    'c,"1;2",,"multi',
    'line"',
    "d,1 x,,z",
    'e,"[1,2]","{bad",z',
    "f,,,z",
  ].join("\n") + "\n");
  const items = await collect(readCsv(path));
  assert.deepEqual(summary(items), ["2:a", "3:b", "5:c", "6:error", "7:error", "8:error"]);
  const a = items[0]!;
  assert.ok(a.ok);
  assert.deepEqual(a.record.metadata, { g: "x" });
  assert.deepEqual(parseVectorCell(" 1  2\t3 "), [1, 2, 3]);
  assert.equal(typeof parseVectorCell("1,2"), "string");
}));

test(".npy: float32 and float64, keys file or generated keys, header checks", () => withDir(async (dir) => {
  const rows = [[1, 2, 3], [0.1, -0.2, 1e-30]];
  await writeFile(join(dir, "f32.npy"), encodeNpy(rows, 3, "float32"));
  await writeFile(join(dir, "f64.npy"), encodeNpy(rows, 3, "float64"));
  await writeFile(join(dir, "keys.txt"), "first\nsecond\n");
  const f32 = await readNpy(join(dir, "f32.npy"), { keysFile: join(dir, "keys.txt"), chunkRows: 1 });
  assert.equal(f32.total, 2);
  const items32 = await collect(f32);
  assert.deepEqual(summary(items32), ["1:first", "2:second"]);
  const items64 = await collect(await readNpy(join(dir, "f64.npy"), { keyPrefix: "row-" }));
  assert.deepEqual(summary(items64), ["1:row-0", "2:row-1"]);
  const [a, b] = [items32[1]!, items64[1]!];
  assert.ok(a.ok && b.ok);
  assert.deepEqual([...a.record.data], [...b.record.data]);
  assert.deepEqual([...a.record.data], rows[1]!.map(Math.fround));
  await writeFile(join(dir, "one-key.txt"), "only\n");
  await assert.rejects(readNpy(join(dir, "f32.npy"), { keysFile: join(dir, "one-key.txt") }), /1 keys for 2 rows/);
  const header = encodeNpy(rows, 3).subarray(0, 128);
  assert.deepEqual(parseNpyHeader(header), { dtype: "float32", rows: 2, dimension: 3, dataOffset: 128 });
  const bigEndian = Buffer.from(header.toString("latin1").replace("<f4", ">f4"), "latin1");
  assert.throws(() => parseNpyHeader(bigEndian), /not supported/);
  const fortran = Buffer.from(header.toString("latin1").replace("False", "True "), "latin1");
  assert.throws(() => parseNpyHeader(fortran), /Fortran/);
  assert.throws(() => parseNpyHeader(Buffer.from("PK\x03\x04 not npy")), /magic/);
}));

test("Parquet: what ParquetVectorWriter writes reads back exactly, over several row groups", () => withDir(async (dir) => {
  const path = join(dir, "v.parquet");
  const writer = new ParquetVectorWriter(path, 7);
  const expected = Array.from({ length: 20 }, (_, i) => ({
    key: `k${i}`, data: Float32Array.from([Math.random(), -i, 1e-40 * i]), metadata: i % 3 === 0 ? undefined : { i, s: `s${i}`, t: [true] },
  }));
  for (const row of expected) await writer.add(row);
  await writer.close();
  const source = await readParquet(path);
  assert.equal(source.total, 20);
  const items = await collect(source);
  assert.equal(items.length, 20);
  items.forEach((item, i) => {
    assert.ok(item.ok);
    assert.equal(item.record.key, expected[i]!.key);
    assert.equal(item.record.line, i + 1);
    assert.deepEqual([...item.record.data], [...expected[i]!.data]);
    assert.deepEqual(item.record.metadata, expected[i]!.metadata);
  });
  await assert.rejects(readParquet(path, { data: "embedding" }), /no column "embedding"/);
}));

test("Parquet from elsewhere: a list<double> vector column, metadata as a JSON string, bad rows by row number", () => withDir(async (dir) => {
  const path = join(dir, "other.parquet");
  const columnData = [
    { name: "id", data: ["a", "b", "c", ""] },
    { name: "vector", data: [[0.1, 2], [3, 4], [], [5, 6]] },
    { name: "metadata", data: ['{"x":1}', null, null, "not json"] },
  ];
  parquetWriteFile({
    filename: path, columnData, schema: [
      { name: "root", num_children: 3 },
      { name: "id", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "REQUIRED" },
      { name: "vector", repetition_type: "REQUIRED", converted_type: "LIST", num_children: 1 },
      { name: "list", repetition_type: "REPEATED", num_children: 1 },
      { name: "element", type: "DOUBLE", repetition_type: "REQUIRED" },
      { name: "metadata", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
    ],
  });
  const items = await collect(await readParquet(path, { key: "id" }));
  assert.deepEqual(summary(items), ["1:a", "2:b", "3:error", "4:error"]);
  const first = items[0]!;
  assert.ok(first.ok);
  assert.deepEqual([...first.record.data], [Math.fround(0.1), 2]);
  assert.deepEqual(first.record.metadata, { x: 1 });
}));

test("progress without a terminal: periodic plain lines and a summary", () => {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk, _encoding, done) { lines.push(String(chunk)); done(); } });
  const reporter = createProgressReporter({ label: "import", total: 100, stream, tty: false, intervalMs: 0 });
  reporter.update(10, 1);
  const end = reporter.finish(100, 1);
  assert.match(lines[0]!, /^import: 10\/100 rows, \d+ rows\/s, 1 errors, ETA /);
  assert.match(end, /^import: 100 rows in \d+\.\d s \(\d+ rows\/s\), 1 errors$/);
});

test("progress on a terminal: a bar with count, rate, errors and ETA, then the summary", () => {
  let output = "";
  const stream = Object.assign(new Writable({ write(chunk, _encoding, done) { output += String(chunk); done(); } }), { isTTY: true, columns: 120 });
  const reporter = createProgressReporter({ label: "import", total: 200, stream });
  reporter.update(50, 2);
  reporter.finish(200, 2);
  assert.match(output, /import \[[^\]]*\] 200\/200 \| \d+ rows\/s \| 2 errors \| ETA /);
  assert.match(output, /import: 200 rows in \d+\.\d s \(\d+ rows\/s\), 2 errors\n$/);
});

test("JSON Lines line splitting: any text, any chunking, \\r\\n and a byte order mark give back the same lines", async () => {
  const lineText = fc.string({ unit: "grapheme", maxLength: 40 }).map((text) => text.replace(/[\r\n\uFEFF]/g, " "));
  await fc.assert(fc.asyncProperty(
    fc.array(lineText, { minLength: 1, maxLength: 12 }), fc.boolean(), fc.boolean(), fc.boolean(), fc.array(fc.nat(), { maxLength: 8 }),
    async (lines, crlf, bom, trailing, cuts) => {
      const text = (bom ? "\uFEFF" : "") + lines.join(crlf ? "\r\n" : "\n") + (trailing ? (crlf ? "\r\n" : "\n") : "");
      const bytes = Buffer.from(text, "utf8");
      // Cut anywhere, also inside a multi-byte character or between \r and \n.
      const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
      const chunks: Buffer[] = [];
      let from = 0;
      for (const point of [...points, bytes.length]) {
        if (point > from) chunks.push(bytes.subarray(from, point));
        from = Math.max(from, point);
      }
      const got: string[] = [];
      for await (const batch of lineBatches(Readable.from(chunks))) got.push(...batch.map((line) => line.toString("utf8")));
      // A final empty "line" without its own line end is only the end of the previous one.
      assert.deepEqual(got, !trailing && lines.at(-1) === "" ? lines.slice(0, -1) : lines);
    },
  ), { seed: Number(process.env["OSSV_SEED"] ?? Date.now() % 2 ** 31), numRuns: 300 });
});
