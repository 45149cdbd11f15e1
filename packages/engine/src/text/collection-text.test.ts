// A Fusion index's full-text search through the collection, against a brute-force BM25 over a model
// of the live documents: generated writes, overwrites and deletes of documents with text in any
// script, interleaved with flushes (memtable to segment postings), compactions (postings merged),
// reopening the engine (postings read back from the segment objects, the memtable from the WAL), and
// the three nodes of a shared store across forwarded writes, checkpoints and a takeover. Also:
// segments written before they carried postings still search, their postings built from their rows
// at open. Seeds are printed on failure.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import type { FusionTextSettings } from "@ossv/protocol";
import { bruteForceBm25 } from "../testing/bm25-model.ts";
import { documentTerms, textFieldsOf } from "./text-fields.ts";
import { decodeSegment, encodeSegment } from "../format/segment-format.ts";
import type { Collection, FusionSchemaRecord, IndexRecord, Metadata } from "../base/types.ts";
import { fileTree, joinBody, openTestEngine, seededRandom, setupIndex, withTempDir } from "../testing/test-support.ts";
import { propertyParameters } from "../../../../tests/reliability/scale.ts";
import type { OssvEngine } from "../engine.ts";
import { LocalBlobStore } from "../storage/local-blob-store.ts";
import { configureVectorPlacement, VECTOR_PLACEMENT } from "../search/vector-placement.ts";
import { IDLE_AFTER_MS, takeOver, TestCluster, testIndex } from "../testing/cluster-nodes.ts";
import type { SharedCollection } from "../cluster/shared-collection.ts";

const SCHEMA: FusionSchemaRecord = {
  fields: [
    { name: "v", type: "vector", dataType: "float32", dimension: 2, distanceMetric: "euclidean" },
    { name: "title", type: "string", isArray: true, text: { enabled: true, analyzer: "standard" } },
    { name: "tags", type: "string", text: { enabled: true, analyzer: "split", analyzerParameters: { delimiter: "," } } },
    { name: "group", type: "long" },
  ],
};
const FIELDS = textFieldsOf(SCHEMA);
const WIDTH = 3;

const createIndex = (engine: OssvEngine, name: string): Promise<IndexRecord> => setupIndex(engine, name, WIDTH, "euclidean", SCHEMA);

const WORDS = ["Apple", "apple", "banana", "無線", "耳机", "café", "Ελλάδα", "x1", "🙂", "rain", "storm"];

function textOf(random: () => number, words: number): string {
  return Array.from({ length: words }, () => WORDS[Math.floor(random() * WORDS.length)]).join(random() < 0.5 ? " " : ", ");
}

function docOf(random: () => number): Metadata {
  const metadata: Metadata = { group: Math.floor(random() * 3) };
  if (random() < 0.9) metadata["title"] = random() < 0.2 ? [textOf(random, 2), textOf(random, 3)] : textOf(random, Math.floor(random() * 8));
  if (random() < 0.7) metadata["tags"] = textOf(random, Math.floor(random() * 4));
  return metadata;
}

/** Brute-force BM25 over the model's documents, for one field. */
function bruteForce(model: Map<string, Metadata>, field: number, terms: string[], minimumMatch: number): Map<string, number> {
  const docs = new Map<string, string[]>();
  for (const [key, metadata] of model) {
    const doc = documentTerms(FIELDS, metadata)[field]!;
    if (doc.length > 0) docs.set(key, doc);
  }
  return bruteForceBm25(docs, terms, minimumMatch);
}

/** Every query the vocabulary allows, each field, minimum matches 1 and 2: the collection must score as the model does. */
function assertSearchesMatch(collection: Pick<Collection, "textSearch">, model: Map<string, Metadata>, where: string): void {
  for (let field = 0; field < FIELDS.length; field++) {
    const settings: FusionTextSettings = FIELDS[field]!.settings;
    const vocabulary = [...new Set(WORDS.flatMap((word) => documentTerms([{ name: "t", settings }], { t: word })[0]!))];
    for (let i = 0; i < vocabulary.length; i++) {
      const terms = [vocabulary[i]!, vocabulary[(i * 7 + 3) % vocabulary.length]!];
      for (const minimumMatch of [1, 2]) {
        const got = collection.textSearch(FIELDS[field]!.name, { terms, minimumMatch });
        const expected = bruteForce(model, field, terms, minimumMatch);
        const label = `${where}: ${FIELDS[field]!.name} ${JSON.stringify(terms)} min ${minimumMatch}`;
        assert.deepEqual([...got.keys()].sort(), [...expected.keys()].sort(), label);
        for (const [key, score] of expected) assert.ok(Math.abs(got.get(key)! - score) < 1e-9, `${label}: ${key} ${got.get(key)} vs ${score}`);
      }
    }
  }
}

const vectorOf = (random: () => number) => Float32Array.of(1, random(), random());

type Step = "put" | "delete" | "flush" | "compact" | "reopen";

async function checkThroughChanges(label: string): Promise<void> {
  await withTempDir(async (dir) => {
    let engine = await openTestEngine(dir);
    let run = 0;
    try {
      await fc.assert(fc.asyncProperty(
        fc.array(fc.constantFrom<Step>("put", "put", "put", "delete", "flush", "compact", "reopen"), { minLength: 1, maxLength: 14 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        async (steps, seed) => {
          const random = seededRandom(seed);
          const index = await createIndex(engine, `t${++run}`);
          const model = new Map<string, Metadata>();
          for (const step of steps) {
            const collection = engine.collection(index);
            if (step === "put") {
              const records = Array.from({ length: 1 + Math.floor(random() * 40) }, () => ({ key: `k${Math.floor(random() * 60)}`, data: vectorOf(random), metadata: docOf(random) }));
              await collection.put(records);
              for (const record of records) model.set(record.key, record.metadata);
            } else if (step === "delete") {
              const keys = [...model.keys()].filter(() => random() < 0.3).concat("never-written");
              await collection.delete(keys);
              for (const key of keys) model.delete(key);
            } else if (step === "flush") await collection.flush();
            else if (step === "compact") await collection.compact();
            else {
              await engine.close();
              engine = await openTestEngine(dir);
            }
            assertSearchesMatch(engine.collection(index), model, `seed ${seed}, after ${step} in ${steps.join(",")}`);
          }
        },
      ), propertyParameters(label, 40, 300));
    } finally {
      await engine.close();
    }
  });
}

test("full-text search equals brute-force BM25 through writes, deletes, flushes, merges and reopening", async () => {
  await checkThroughChanges("collection text");
});

test("the same, with segments opened mapped from their files (the postings read from the text section alone)", async () => {
  const saved = { ...VECTOR_PLACEMENT };
  configureVectorPlacement({ graphsOnDisk: "always", minRows: 1 });
  try {
    await checkThroughChanges("collection text, mapped");
  } finally {
    Object.assign(VECTOR_PLACEMENT, saved);
  }
});

test("segments written before segments carried postings search too: theirs are built from their rows at open", async () => {
  await withTempDir(async (dir) => {
    let engine = await openTestEngine(dir);
    const random = seededRandom(5);
    const index = await createIndex(engine, "old");
    const model = new Map<string, Metadata>();
    const records = Array.from({ length: 300 }, (_, i) => ({ key: `k${i}`, data: vectorOf(random), metadata: docOf(random) }));
    await engine.collection(index).put(records);
    for (const record of records) model.set(record.key, record.metadata);
    await engine.collection(index).flush();
    await engine.collection(index).delete(["k1", "k2"]);
    model.delete("k1");
    model.delete("k2");
    await engine.close();
    // Rewrite every segment object as an older build wrote it: version 1, no text section.
    let rewritten = 0;
    for (const path of await segmentFiles(dir)) {
      const contents = decodeSegment(await readFile(path), WIDTH);
      assert.ok(contents.text, "a Fusion index's segment carries its postings");
      await writeFile(path, joinBody(await encodeSegment({ ...contents, text: undefined })));
      rewritten++;
    }
    assert.ok(rewritten > 0);
    engine = await openTestEngine(dir);
    try {
      assertSearchesMatch(engine.collection(index), model, "segments of version 1");
    } finally {
      await engine.close();
    }
  });
});

async function segmentFiles(dir: string): Promise<string[]> {
  return [...(await fileTree(dir)).keys()].filter((path) => path.endsWith(".seg")).map((path) => join(dir, path));
}

test("every node of a shared store searches as the model says, across forwarded writes, checkpoints and a takeover", async () => {
  await withTempDir(async (dir) => {
    const index = { ...testIndex("0123456789abcdef", WIDTH), fusion: SCHEMA };
    const cluster = new TestCluster(new LocalBlobStore(dir));
    try {
      const [a, b, c] = [await cluster.join("node-a"), await cluster.join("node-b"), await cluster.join("node-c")];
      const nodes = [await a.open(index), await b.open(index), await c.open(index)];
      for (const node of nodes) await node.maintain();
      const [onA, onB, onC] = nodes as [SharedCollection, SharedCollection, SharedCollection];
      const random = seededRandom(13);
      const model = new Map<string, Metadata>();
      const put = async (through: SharedCollection, count: number) => {
        const records = Array.from({ length: count }, () => ({ key: `k${Math.floor(random() * 400)}`, data: vectorOf(random), metadata: docOf(random) }));
        await through.put(records);
        for (const record of records) model.set(record.key, record.metadata);
      };
      const remove = async (through: SharedCollection, keys: string[]) => {
        await through.delete(keys);
        for (const key of keys) model.delete(key);
      };
      await put(onB, 300); // forwarded to node-a, the writer
      await onA.flush();
      await onA.checkpoint(); // the readers load the new manifest, with its segment's postings
      await put(onC, 50); // in the WAL only
      await remove(onC, ["k3", "k5", "k8"]);
      await takeOver(a, b, onB); // node-b reads the index afresh and becomes the writer
      await remove(onB, [...model.keys()].slice(0, 20));
      await put(onA, 40); // node-a meets node-b's fence, steps down and forwards
      await onB.compact();
      await onB.checkpoint();
      for (const node of nodes) await put(node, 1);
      // Each node reads the store afresh (an idle node's next read looks first), then is compared.
      for (const [i, node] of nodes.entries()) {
        await [a, b, c][i]!.later(IDLE_AFTER_MS + 1);
        await node.freshen();
        assert.equal(node.count(), model.size, `node ${i}`);
        assertSearchesMatch(node, model, `node ${i}`);
      }
    } finally {
      await cluster.close();
    }
  });
});
