// k-NN on a Fusion index large enough for per-field graphs, through @ossv/sdk against a real server:
// 6,000 documents with two vector fields (one left out of a fifth of them) and a full-text title,
// compacted into one segment whose field graphs the server builds in the background. Answers are
// checked against a brute-force ranking of the same documents: recall at least 0.95, never short with
// filters from half the documents to a few dozen or a partition (scalar ones, and full-text ones, whose
// rare words are ranked by looking their hits up), deleted documents never back, and the same after a
// restart, which builds the graphs again.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type RunningServer } from "@ossv/server";
import { AdminClient, VectorsClient, fq, fusionField, fusionSchema, fusionText, type FusionExpression } from "@ossv/sdk";
import { seededRandom } from "../../../packages/engine/src/base/seeded-random.mjs";
import { testSeed } from "../../reliability/scale.ts";

const bucket = "fusion-graphs";
const indexName = "docs";
const at = { bucket, indexName };
const DOCS = 6_000;

let dataDir: string;
let server: RunningServer;
let client: VectorsClient;
let admin: AdminClient;

async function start(): Promise<void> {
  server = await startServer({ dataDir, port: 0, host: "127.0.0.1", region: "cn-hangzhou" });
  const credentials = server.rootCredentials;
  client = new VectorsClient({ region: "cn-hangzhou", accountId: server.accountId, endpoint: server.url, credentials, retry: false });
  admin = new AdminClient({ endpoint: server.url, region: "cn-hangzhou", credentials });
}

interface Doc { key: string; text: number[]; image?: number[]; group: number; tenant: string; title: string }
const model = new Map<string, Doc>();
const seed = testSeed("fusion knn graphs");
const random = seededRandom(seed);
const point = (dimension: number) => Array.from({ length: dimension }, () => Math.fround(random() * 2 - 1));

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "ossv-fusion-graphs-"));
  await start();
  await client.putVectorBucket({ bucket });
  await client.putVectorIndexFusion({
    ...at,
    schemaConfiguration: fusionSchema(
      fusionField.vector("text", 16, "euclidean"), fusionField.vector("image", 8, "cosine"),
      fusionField.long("group"), fusionField.string("tenant", { isPartitionKey: true }),
      fusionField.string("title", { text: fusionText.standard() }),
    ),
  });
  for (let first = 0; first < DOCS; first += 500) {
    const batch: Doc[] = [];
    for (let i = first; i < first + 500; i++) {
      const title = `w${Math.floor(random() * 300)}${random() < 0.5 ? " common" : ""}`;
      const doc: Doc = { key: `doc-${i}`, text: point(16), group: Math.floor(random() * 200), tenant: `t${i % 10}`, title };
      if (random() < 0.8) doc.image = point(8);
      batch.push(doc);
      model.set(doc.key, doc);
    }
    await client.putVectors({
      ...at,
      vectors: batch.map((d) => ({ key: d.key, data: { text: d.text, ...(d.image && { image: d.image }) }, metadata: { group: d.group, tenant: d.tenant, title: d.title } })),
    });
  }
  await admin.compactIndex(bucket, indexName);
  await graphsBuilt();
});

after(async () => {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** Waits until every segment has its field graphs, and checks that the big one has both. */
async function graphsBuilt(): Promise<void> {
  for (let waited = 0; ; waited += 50) {
    const { segments } = await admin.describeIndex(bucket, indexName);
    if (segments.length > 0 && segments.every((segment) => segment.fieldGraphsPending === false)) {
      const largest = segments.reduce((a, b) => (b.rows > a.rows ? b : a));
      assert.equal(largest.fieldGraphs, 2, JSON.stringify(segments));
      return;
    }
    assert.ok(waited < 120_000, `field graphs built in time: ${JSON.stringify(segments)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function similarity(field: "text" | "image", doc: Doc, query: number[]): number | undefined {
  const values = doc[field];
  if (!values) return undefined;
  if (field === "text") return 1 / (1 + values.reduce((sum, v, i) => sum + (v - query[i]!) ** 2, 0));
  const dot = values.reduce((sum, v, i) => sum + v * query[i]!, 0);
  const norms = Math.hypot(...values) * Math.hypot(...query);
  return (1 + dot / norms) / 2;
}

interface Case { field: "text" | "image"; filter?: { json: FusionExpression; holds: (doc: Doc) => boolean }; tenant?: string }

const cases = (): Case[] => {
  const few = new Set(Array.from({ length: 3 }, () => Math.floor(random() * 200)));
  const half = Math.floor(random() * 100);
  const rare = `w${Math.floor(random() * 300)}`;
  const many = new Set(Array.from({ length: 60 }, () => Math.floor(random() * 200)));
  return [
    { field: "text" }, { field: "image" },
    { field: "text", filter: { json: fq.in("group", [...few]), holds: (d) => few.has(d.group) } },
    { field: "image", filter: { json: fq.gte("group", half), holds: (d) => d.group >= half } },
    { field: "image", filter: { json: fq.in("group", [...many]), holds: (d) => many.has(d.group) } },
    { field: "text", filter: { json: fq.and(fq.in("group", [...many]), fq.text("title", "common")), holds: (d) => many.has(d.group) && d.title.includes("common") } },
    { field: "image", tenant: "t3" },
    { field: "text", tenant: "t7", filter: { json: fq.in("group", [...few]), holds: (d) => few.has(d.group) } },
    { field: "image", filter: { json: fq.text("title", rare), holds: (d) => d.title.split(" ").includes(rare) } },
    { field: "text", tenant: "t1", filter: { json: fq.text("title", rare), holds: (d) => d.title.split(" ").includes(rare) } },
    { field: "text", filter: { json: fq.text("title", "common"), holds: (d) => d.title.includes("common") } },
  ];
};

let found = 0;
let wanted = 0;

/** Runs `queries` random queries of every case and checks each against the model. */
async function checkQueries(queries: number): Promise<void> {
  for (let q = 0; q < queries; q++) {
    for (const { field, filter, tenant } of cases()) {
      const query = point(field === "text" ? 16 : 8);
      const topK = 1 + Math.floor(random() * 30);
      const answer = await client.queryVectorsFusion({
        ...at, knn: [{ field, queryVector: query, topK, ...(filter && { filter: filter.json }) }], limit: 100,
        ...(tenant && { partitionKeys: [tenant] }),
      });
      const ranked = [...model.values()]
        .filter((d) => (!filter || filter.holds(d)) && (!tenant || d.tenant === tenant))
        .map((d) => [d, similarity(field, d, query)] as const)
        .filter((pair): pair is readonly [Doc, number] => pair[1] !== undefined)
        .sort((a, b) => b[1] - a[1]).slice(0, topK);
      const where = `seed ${seed}, ${field}, topK ${topK}, filter ${JSON.stringify(filter?.json)}, tenant ${tenant}`;
      assert.equal(answer.vectors.length, ranked.length, `never short: ${where}`);
      const kth = ranked.at(-1)?.[1] ?? 0;
      for (const hit of answer.vectors) {
        const doc = model.get(hit.key);
        assert.ok(doc, `${hit.key} is live: ${where}`);
        assert.ok(!filter || filter.holds(doc), `${hit.key} passes the filter: ${where}`);
        assert.ok(!tenant || doc.tenant === tenant, `${hit.key} is in the partition: ${where}`);
        assert.ok(Math.abs(hit.score - similarity(field, doc, query)!) < 1e-5, `${hit.key}'s score: ${where}`);
        if (hit.score >= kth - 1e-6) found++;
      }
      wanted += ranked.length;
    }
  }
}

test("k-NN through field graphs finds the nearest documents and never comes up short", async () => {
  await checkQueries(10);
  assert.ok(found / wanted >= 0.95, `recall ${found}/${wanted}`);
});

test("deleted and overwritten documents never come back from a field graph, and a restart builds the graphs again", async () => {
  const nearest = await client.queryVectorsFusion({ ...at, knn: [{ field: "text", queryVector: point(16), topK: 50 }], limit: 100 });
  const gone = nearest.vectors.slice(0, 25).map((hit) => hit.key);
  await client.deleteVectors({ ...at, keys: gone });
  for (const key of gone) model.delete(key);
  // Moved far away: the graph still holds the old position, which must not rank it.
  const moved = nearest.vectors.slice(25, 40).map((hit) => model.get(hit.key)!);
  for (const doc of moved) doc.text = doc.text.map(() => 50);
  await client.putVectors({ ...at, vectors: moved.map((d) => ({ key: d.key, data: { text: d.text, ...(d.image && { image: d.image }) }, metadata: { group: d.group, tenant: d.tenant, title: d.title } })) });
  found = 0;
  wanted = 0;
  await checkQueries(5);
  await server.close();
  await start();
  await graphsBuilt();
  await checkQueries(5);
  assert.ok(found / wanted >= 0.95, `recall ${found}/${wanted}`);
});
