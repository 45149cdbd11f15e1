// The CLI's Fusion commands run as a user runs them, against `ossv serve` on a free port: a Fusion
// index created from a schema file, documents written with `vectors put --file` (data keyed by vector
// field), and `vectors query-fusion` by text, by k-NN, fused by RRF, from a request file, paged, as a
// table; usage errors exit 2 before any request, the service's refusals exit 1 with their code.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnServe, TEST_ACCOUNT, type ServeProcess } from "./serve-process.ts";
import { cliEnv, runCli, type CliRun } from "./cli-run.ts";

let server: ServeProcess;
let dir: string;
let home: string;
let endpoint: string;

function run(args: string[]): Promise<CliRun> {
  return runCli([...args, "--endpoint", endpoint, "--account-id", TEST_ACCOUNT.OSSV_ACCOUNT_ID], cliEnv(home));
}

async function ok(args: string[]): Promise<string> {
  const result = await run(args);
  assert.equal(result.code, 0, `ossv ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

interface Hit { key: string; score: number; metadata?: Record<string, unknown> }
const hits = async (args: string[]): Promise<{ vectors: Hit[]; nextToken?: string }> =>
  JSON.parse(await ok(["vectors", "query-fusion", ...AT, ...args])) as { vectors: Hit[]; nextToken?: string };
const keysOf = (answer: { vectors: Hit[] }) => answer.vectors.map((hit) => hit.key);

const AT = ["--bucket", "shop", "--index", "products"];
const SCHEMA = {
  fields: [
    { name: "embedding", type: "vector", dataType: "float32", dimension: 3, distanceMetric: "cosine" },
    { name: "title", type: "string", text: { enabled: true, analyzer: "standard" } },
    { name: "brand", type: "string" },
  ],
};
// Titles and vectors chosen so that text and k-NN disagree: "headphones" matches p1 and p3, the vector
// [1, 0, 0] is nearest p2 then p1; only p1 is high on both.
const DOCUMENTS = [
  { key: "p1", data: { embedding: [0.9, 0.1, 0] }, metadata: { title: "wireless headphones", brand: "Nova" } },
  { key: "p2", data: { embedding: [1, 0, 0] }, metadata: { title: "desk lamp", brand: "Lumo" } },
  { key: "p3", data: { embedding: [0, 0, 1] }, metadata: { title: "headphones stand", brand: "Nova" } },
  { key: "p4", data: { embedding: [0, 1, 0] }, metadata: { title: "coffee mug", brand: "Lumo" } },
];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "ossv-cli-fusion-"));
  home = join(dir, "home");
  await mkdir(home);
  server = await spawnServe(["--data-dir", join(dir, "data"), "--quiet"], TEST_ACCOUNT);
  endpoint = `http://127.0.0.1:${server.port}`;
  await writeFile(join(dir, "schema.json"), JSON.stringify(SCHEMA));
  await writeFile(join(dir, "documents.json"), JSON.stringify(DOCUMENTS));
  await ok(["bucket", "create", "shop"]);
  await ok(["index", "create-fusion", "shop", "products", "--schema", join(dir, "schema.json")]);
  await ok(["vectors", "put", ...AT, "--file", join(dir, "documents.json")]);
});

after(async () => {
  server.child.kill("SIGTERM");
  await server.exited;
  await rm(dir, { recursive: true, force: true });
});

test("index create-fusion makes a Fusion index with the schema's fields, and vectors put --file writes its documents", async () => {
  const { index } = JSON.parse(await ok(["index", "get", "shop", "products"])) as { index: { mode: string; schemaConfiguration?: { fields: Array<{ name: string }> } } };
  assert.equal(index.mode, "fusion");
  assert.deepEqual(index.schemaConfiguration?.fields.map((field) => field.name), ["embedding", "title", "brand"]);
  const got = JSON.parse(await ok(["vectors", "get", ...AT, "--key", "p1", "--data", "--metadata"])) as { vectors: Array<{ data: unknown; metadata: unknown }> };
  assert.deepEqual(got.vectors[0]?.data, { embedding: [0.9, 0.1, 0] }); // float32 values, printed shortest
  assert.deepEqual(got.vectors[0]?.metadata, DOCUMENTS[0]!.metadata);
  // A request body holding the schema as schemaConfiguration is taken too.
  await writeFile(join(dir, "request.json"), JSON.stringify({ indexName: "ignored", schemaConfiguration: SCHEMA }));
  await ok(["index", "create-fusion", "shop", "second", "--schema", join(dir, "request.json")]);
});

test("query-fusion by text, by k-NN, and both fused by RRF, best first, with scores and metadata on request", async () => {
  const text = await hits(["--text", "title=headphones", "--metadata"]);
  assert.deepEqual(keysOf(text).sort(), ["p1", "p3"]);
  assert.ok(text.vectors.every((hit) => hit.score > 0 && hit.metadata !== undefined));
  const knn = await hits(["--knn", "embedding", "--vector", "[1, 0, 0]", "--top-k", "2"]);
  assert.deepEqual(keysOf(knn), ["p2", "p1"]);
  assert.ok(knn.vectors[0]!.score >= knn.vectors[1]!.score);
  assert.equal(knn.vectors[0]!.metadata, undefined);
  const fused = await hits(["--knn", "embedding", "--vector", "[1, 0, 0]", "--top-k", "2", "--text", "title=headphones", "--rrf", "--limit", "1"]);
  assert.deepEqual(keysOf(fused), ["p1"], "only p1 ranks high in both routes");
  const filtered = await hits(["--knn", "embedding", "--vector", "[1, 0, 0]", "--knn-filter", '{"brand": {"$eq": "Nova"}}']);
  assert.deepEqual(keysOf(filtered).sort(), ["p1", "p3"]);
  const both = await hits(["--text", "title=headphones", "--query", '{"brand": {"$eq": "Nova"}}', "--fields", "brand"]);
  assert.deepEqual(keysOf(both).sort(), ["p1", "p3"]);
  assert.deepEqual(both.vectors.map((hit) => hit.metadata), [{ brand: "Nova" }, { brand: "Nova" }]);
});

test("query-fusion takes a whole request from a file, pages a query-only search, and prints a table", async () => {
  await writeFile(join(dir, "query.json"), JSON.stringify({
    retriever: { rrf: { retrievers: [{ retriever: { knn: { field: "embedding", queryVector: [1, 0, 0], topK: 2 } } }, { retriever: { simple: { query: { title: { $textMatch: { value: "headphones" } } } } } }] } },
    limit: 1,
  }));
  assert.deepEqual(keysOf(await hits(["--request", join(dir, "query.json")])), ["p1"]);
  const first = await hits(["--query", '{"brand": {"$eq": "Lumo"}}', "--limit", "1"]);
  assert.equal(first.vectors.length, 1);
  assert.ok(first.nextToken, "a query-only search with more hits than the limit has a next page");
  const second = await hits(["--query", '{"brand": {"$eq": "Lumo"}}', "--limit", "1", "--next-token", first.nextToken]);
  assert.deepEqual([...keysOf(first), ...keysOf(second)].sort(), ["p2", "p4"]);
  const table = await ok(["vectors", "query-fusion", ...AT, "--text", "title=headphones", "--output", "table"]);
  assert.match(table.split("\n")[0]!, /^key\s+score/);
  assert.match(table, /\np[13]\s+\d/);
});

test("a flag combination that cannot be a request exits 2 before sending; the service's refusals exit 1 with their code", async () => {
  const usage = [
    [],
    ["--rrf", "--text", "title=headphones"],
    ["--knn", "embedding"],
    ["--knn", "embedding", "--vector", "[1,0,0]", "--vector-file", "x.json"],
    ["--vector", "[1,0,0]"],
    ["--text", "title"],
    ["--query", "[1]"],
    ["--request", join(dir, "query.json"), "--limit", "3"],
    ["--knn", "embedding", "--vector", "[]"],
  ];
  for (const args of usage) {
    const result = await run(["vectors", "query-fusion", ...AT, ...args]);
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, /^ossv vectors query-fusion: /);
  }
  const unknownField = await run(["vectors", "query-fusion", ...AT, "--knn", "nosuch", "--vector", "[1,0,0]"]);
  assert.equal(unknownField.code, 1, unknownField.stderr);
  assert.match(unknownField.stderr, /VectorIndexParameterInvalid|InvalidArgument|InvalidParameter/);
  assert.match(unknownField.stderr, /request id/);
  const badSchema = join(dir, "bad-schema.json");
  await writeFile(badSchema, JSON.stringify({ fields: [{ name: "v", type: "vector", dataType: "float32", dimension: 0, distanceMetric: "cosine" }] }));
  const refused = await run(["index", "create-fusion", "shop", "broken", "--schema", badSchema]);
  assert.equal(refused.code, 1, refused.stderr);
  const notSchema = await run(["index", "create-fusion", "shop", "broken", "--schema", join(dir, "documents.json")]);
  assert.equal(notSchema.code, 2, notSchema.stderr);
});
