// The on-disk bytes of every binary codec, pinned. Data directories written by earlier builds must stay
// readable and new ones must read in earlier builds, so a refactoring of a codec may not move a byte:
// each case encodes fixed inputs and compares the SHA-256 of the result with the one recorded when the
// format was last deliberately changed. A failure here means the format changed; if that was the
// intent, it needs a new format version and new constants, not just new constants.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { encodeWalObject, encodeWalRecord, type WalRecord } from "./wal-format.ts";
import { encodeSegment, type SegmentContents } from "./segment-format.ts";
import { encodeSnapshot, encodeSnapshotInSteps, type MemtableCapture } from "./snapshot-format.ts";
import { encodeDeletions, type SegmentDeletions } from "./deletion-format.ts";
import { Memtable } from "../state/memtable.ts";
import { RowRecords } from "./row-records.ts";
import { joinBody, vector } from "../testing/test-support.ts";
import type { Metadata } from "../base/types.ts";

const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

/** Floats whose bits a careless conversion would change: -0, NaN, the largest float32, a subnormal. */
const AWKWARD_FLOATS = [-0, NaN, 3.4028234663852886e38, 1e-45];
const NON_ASCII_KEYS = ["ключ-😀", "\uFEFFbom", "", "日本語", "e\u0301"];

function rowsOf(count: number, dimension: number): { keys: string[]; metadata: Metadata[]; data: Float32Array } {
  return {
    keys: Array.from({ length: count }, (_, row) => `key-${row}`),
    metadata: Array.from({ length: count }, (_, row) => ({ row, tags: ["a", row % 3 === 0], scale: row / 4 })),
    data: Float32Array.from({ length: count * dimension }, (_, i) => (i % 11 === 5 ? -0 : (i - 40) / 7)),
  };
}

// ---- WAL

const walObject = (records: WalRecord[], dimension: number): Uint8Array =>
  encodeWalObject(records.map((record) => encodeWalRecord(record, dimension)));

const onePut: WalRecord = { type: "put", vectors: [vector("k", [1.5, -2.25, 3])] };
const manyRowsPut = (count: number, dimension: number): WalRecord => {
  const { keys, metadata, data } = rowsOf(count, dimension);
  return { type: "put", vectors: keys.map((key, row) => ({ key, metadata: metadata[row] ?? {}, data: data.subarray(row * dimension, (row + 1) * dimension) })) };
};

const walCases: Record<string, () => Uint8Array> = {
  "WAL object without records": () => walObject([], 3),
  "WAL object with one put of one row": () => walObject([onePut], 3),
  "WAL object with a put and a delete": () => walObject([
    { type: "put", vectors: [vector("a", [1, 2, 3], { colour: "red" }), vector("b", AWKWARD_FLOATS.slice(0, 3), { n: [1, "x", true] })] },
    { type: "delete", keys: ["a", "zzz"] },
  ], 3),
  "WAL object with non-ASCII keys and metadata": () => walObject([
    { type: "put", vectors: NON_ASCII_KEYS.map((key, i) => vector(key, [i, -i], { [key]: `värde-${key}` })) },
    { type: "delete", keys: NON_ASCII_KEYS },
  ], 2),
  "WAL object with an empty put and an empty delete": () => walObject([{ type: "put", vectors: [] }, { type: "delete", keys: [] }], 5),
  "WAL object with many rows": () => walObject([manyRowsPut(500, 8), { type: "delete", keys: ["key-1", "key-499"] }, manyRowsPut(3, 8)], 8),
  "WAL put record alone": () => encodeWalRecord({ type: "put", vectors: [vector("solo", AWKWARD_FLOATS, { x: 1 })] }, 4),
  "WAL delete record alone": () => encodeWalRecord({ type: "delete", keys: ["solo", "ключ"] }, 4),
};

// ---- segment

function segment(count: number, dimension: number, graphBytes: number, searchEf: number): SegmentContents {
  const graph = Uint8Array.from({ length: graphBytes }, (_, i) => (i * 31 + 7) & 0xff);
  const { keys, metadata, data } = rowsOf(count, dimension);
  return { dimension, records: RowRecords.fromValues(keys, metadata), data, graph, searchEf };
}

const segmentCases: Record<string, () => Promise<Uint8Array>> = {
  "segment without rows or graph": async () => joinBody(await encodeSegment(segment(0, 3, 0, 32))),
  "segment of one row without graph bytes": async () => joinBody(await encodeSegment(segment(1, 3, 0, 48))),
  "segment of one row with graph bytes": async () => joinBody(await encodeSegment(segment(1, 3, 77, 48))),
  "segment of many rows (several encoding steps) with a graph": async () => joinBody(await encodeSegment(segment(5000, 4, 4099, 96))),
  "segment with non-ASCII keys and awkward floats": async () => joinBody(await encodeSegment({
    dimension: 4,
    records: RowRecords.fromValues(NON_ASCII_KEYS, NON_ASCII_KEYS.map((key) => ({ [key]: key, list: [key] }))),
    data: Float32Array.from({ length: NON_ASCII_KEYS.length * 4 }, (_, i) => AWKWARD_FLOATS[i % 4] ?? 0),
    graph: Uint8Array.from([0, 255, 1, 254]),
    searchEf: 1024,
  })),
};

// ---- snapshot

function capture(dimension: number, slots: (string | undefined)[]): MemtableCapture {
  return {
    dimension,
    data: Float32Array.from({ length: slots.length * dimension }, (_, i) => (i % 5 === 2 ? AWKWARD_FLOATS[i % 4] ?? 0 : i / 3)),
    keys: slots,
    metadata: slots.map((key, slot) => (key === undefined ? undefined : { slot, key })),
  };
}

/** A real memtable's capture: removals leave free slots, and a later put reuses one. */
function memtableCapture(): MemtableCapture {
  const memtable = new Memtable(2);
  for (let i = 0; i < 40; i++) memtable.upsert(vector(`k${i}`, [i, -i], { i, tag: ["x", i % 2 === 0] }));
  for (let i = 0; i < 40; i += 3) memtable.remove(`k${i}`);
  memtable.upsert(vector("k0", [0.25, 0.5], { back: true }));
  return memtable.capture();
}

const manyRowsCapture = (): MemtableCapture =>
  capture(6, Array.from({ length: 5000 }, (_, slot) => (slot % 9 === 4 ? undefined : `row-${slot}`)));

const snapshotCases: Record<string, () => Uint8Array | Promise<Uint8Array>> = {
  "snapshot of an empty memtable": () => encodeSnapshot(capture(4, []), 0),
  "snapshot of a memtable of free slots only": () => encodeSnapshot(capture(4, [undefined, undefined]), 9),
  "snapshot of one row": () => encodeSnapshot(capture(3, ["only"]), 1),
  "snapshot of a memtable's capture": () => encodeSnapshot(memtableCapture(), 17),
  "snapshot of many rows (several encoding steps)": () => encodeSnapshot(manyRowsCapture(), 123_456),
  "snapshot of many rows encoded in steps": () => encodeSnapshotInSteps(manyRowsCapture(), 123_456),
  "snapshot with non-ASCII keys and a large WAL position": () => encodeSnapshot(capture(2, [...NON_ASCII_KEYS, undefined]), 2 ** 40 + 5),
};

// ---- deletion bitmaps

function bitmap(rows: number, deletedWhen: (row: number) => boolean): Uint8Array {
  return Uint8Array.from({ length: rows }, (_, row) => (deletedWhen(row) ? 1 : 0));
}

const deletions = (segments: SegmentDeletions[]): Uint8Array => encodeDeletions(segments);

const deletionCases: Record<string, () => Uint8Array> = {
  "deletion object without segments": () => deletions([]),
  "deletion object of one segment without rows": () => deletions([{ segmentId: 1, deleted: new Uint8Array(0) }]),
  "deletion object of one row, deleted": () => deletions([{ segmentId: 2, deleted: bitmap(1, () => true) }]),
  "deletion object of bitmaps of 7, 8, 9 and 64 rows": () => deletions([
    { segmentId: 3, deleted: bitmap(7, (row) => row % 2 === 0) },
    { segmentId: 4, deleted: bitmap(8, (row) => row === 7) },
    { segmentId: 5, deleted: bitmap(9, (row) => row === 8) },
    { segmentId: 6, deleted: bitmap(64, (row) => row % 5 === 1) },
  ]),
  "deletion object of a large segment with a large id": () => deletions([
    { segmentId: 2 ** 45 + 3, deleted: bitmap(100_003, (row) => (row * 7919) % 13 < 3) },
    { segmentId: 7, deleted: bitmap(1000, () => false) },
  ]),
};

// ---- the recorded hashes

const EXPECTED: Record<string, string> = {
  "WAL object without records": "f37acd5bb4edea26815a4cc869d17a143dd30cd944cd002d2eaa73ceec738d19",
  "WAL object with one put of one row": "79eddcb08a4dc85e1c7ddbb7ead493504e543e27e488fd05ecd0469761c5741e",
  "WAL object with a put and a delete": "26e2ce66fd2ddbe73575daf6e4772b7c47f898e561779a48fb63bc7e2217b2bb",
  "WAL object with non-ASCII keys and metadata": "f7ad1e4c6e47e3790ee473816a8f5455c19d74399a4946a055675d7bd0f2660d",
  "WAL object with an empty put and an empty delete": "a3f88bac969d56b64f9d191022609312669217cdaf906af2a278e0c9439fef16",
  "WAL object with many rows": "5db4b86907e8f5c64d27ede6e09df46b563056a4d0b06b1e7a9f9c1ef5f1173e",
  "WAL put record alone": "526f9744931fa23110e1bd3d0fcd314d3c87d0c243a57a7f22768f4e333fb487",
  "WAL delete record alone": "13397816b329bd83258a3f37bdfa7b12b9e7ca37f0b3b4e359f7d87eb5b92cce",
  "segment without rows or graph": "ae256122a90250ddb75582ade51f34e7a33aaf78f8822761a55f3245de32b2d5",
  "segment of one row without graph bytes": "6957fa1e5344314cf1bd761d6e7a7352f306677481588ef1e90dfeb69cdcc764",
  "segment of one row with graph bytes": "77c60f7259b313e8286c26ea316b27e54e23b0a869a1a355280f0cbe23c70801",
  "segment of many rows (several encoding steps) with a graph": "6c389ab96807938ef21cae1de66fd5bfd86769e1a1c6545d08ddf2e2cf9fefbc",
  "segment with non-ASCII keys and awkward floats": "cfd6a6201b00a6f30e9c06b40e69edfa4b25cb70bfe9c16a1dcaa87e4b511e1a",
  "snapshot of an empty memtable": "f746523d72dbba148ee78aa2ad66f75d2ed5d5e3617ca5f83086cac4f0f17983",
  "snapshot of a memtable of free slots only": "839cb6547954bfb21331feabd29682dce6b9c6988cab12dde725a4a36887ae23",
  "snapshot of one row": "cfc353f43cfc07720876aec4d2bcba1f623ba940e144468c3aaa935e5b108e80",
  "snapshot of a memtable's capture": "1d549359de5d59617dd6fd7ad1ca09ef689103f92388410676fbde590f5ad619",
  "snapshot of many rows (several encoding steps)": "3013c3468a4d62b6bf7a1f636d1ec631c52f04a8ca7b47e7ea70cf78f269462b",
  "snapshot of many rows encoded in steps": "3013c3468a4d62b6bf7a1f636d1ec631c52f04a8ca7b47e7ea70cf78f269462b",
  "snapshot with non-ASCII keys and a large WAL position": "fc74acbf1001e0bf7f10e910d4b25f5e61f676ec2ee69857bec9d1820a1d1b78",
  "deletion object without segments": "e370115a5ec78de1e84a225d24c36a1895eea18a3b6e2c71261244331e208373",
  "deletion object of one segment without rows": "67b545032a0effd6154fa870f25bc17e428264b9fd6316339f524cd9011cb1bc",
  "deletion object of one row, deleted": "7357521e9d5649af5b30a4daa5826f098f6bde754d19bb7d61a571fdd381efd3",
  "deletion object of bitmaps of 7, 8, 9 and 64 rows": "71c28ca99127df4fe6773d0d4c83a13a3f1b1d6aed4334b4f7321f47ac827010",
  "deletion object of a large segment with a large id": "7e784ec841cad10dfc35d8d2c58d3e4c91a4af80c0d298191bbc360979f636ba",
};

const cases: Record<string, () => Uint8Array | Promise<Uint8Array>> = { ...walCases, ...segmentCases, ...snapshotCases, ...deletionCases };

for (const [name, encode] of Object.entries(cases)) {
  test(`${name}: the bytes are unchanged`, async () => {
    assert.equal(sha256(await encode()), EXPECTED[name], name);
  });
}

// The smallest object of each kind, spelled out field by field as docs/storage-format.md lays them out
// (an empty body's CRC-32 is 0), so that a failure above can be read against the layout.
const EMPTY_OBJECTS: [string, () => Uint8Array | Promise<Uint8Array>, string][] = [
  ["WAL object", walCases["WAL object without records"]!, "4f56574c 01000000 00000000 00000000 37ef181e"],
  ["segment", segmentCases["segment without rows or graph"]!,
    "4f565347 01000000 03000000 00000000 20000000 00000000 0000000000000000 0000000000000000 00000000 228f15ac"],
  ["snapshot", snapshotCases["snapshot of an empty memtable"]!,
    "4f56534e 01000000 04000000 00000000 0000000000000000 0000000000000000 00000000 27101530"],
  ["deletion object", deletionCases["deletion object without segments"]!, "4f56444c 01000000 00000000 0000000000000000 00000000 e71d18bf"],
];

for (const [kind, encode, fields] of EMPTY_OBJECTS) {
  test(`an empty ${kind} is its header alone, field by field`, async () => {
    assert.equal(Buffer.from(await encode()).toString("hex"), fields.replaceAll(" ", ""));
  });
}

test("every recorded hash has its case", () => {
  assert.deepEqual(Object.keys(EXPECTED).sort(), Object.keys(cases).sort());
});
