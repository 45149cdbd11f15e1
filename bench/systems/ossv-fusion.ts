// The hybrid cell of issue #23: a Fusion index of up to 100,000 documents (the data set's vectors as
// an `embedding` field, a generated `title` full-text field, the `category` string), written through
// @ossv/sdk, then QueryVectorsFusion measured as an application sends it: an RRF of a knn route on the
// embedding and a $textMatch on the title, at 1 and 8 clients, with the text-only and knn-only routes
// at 1 client beside it. Queries are measured once the documents are merged into one segment and its
// per-field graph is built (the time that takes is reported apart, as the other systems' index builds
// are). There is no exact answer to a hybrid query to measure recall against; the knn-only cell reports
// recall@10 against the data set's exact neighbours when every row is a document, the rest speed only
// (relevance is docs/fusion.md's).
import { fq, fr, fusionField, fusionSchema, fusionText, type QueryVectorsFusionRequest, type VectorsClient } from "@ossv/sdk";
import { CATEGORY_VALUE, metadataOf, queryVector, rowOfKey, rowVector, TENANT_VALUE, vectorKey, type FilterKind } from "../lib/dataset.ts";
import { measureQueries, warmUpSystem, type QueryFigures, type QueryPlan } from "../lib/measure.ts";
import { SeededRandom } from "../lib/rng.ts";
import type { Measurement, SystemReport } from "../lib/report-types.ts";
import { planFor, rowRange, timedIngest, type BenchContext } from "../lib/suite.ts";
import { adminFor, BUCKET, clientFor, waitForGraphs } from "./ossv-calls.ts";
import { startOssvServer, type RunningServer } from "./ossv-server.ts";

const FUSION_INDEX = "hybrid";
const MAX_DOCUMENTS = 100_000;
const WRITERS = 4;
/** Words in the title vocabulary; drawn with a skew, so a few are common and most are rare. */
const VOCABULARY = 5_000;
const TITLE_WORDS = 8;
const QUERY_WORDS = 2;
const SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "zu", "pe", "do", "ga", "bi", "fo", "hu", "je"];

function word(n: number): string {
  return SYLLABLES[n % 16]! + SYLLABLES[(n >> 4) % 16]! + SYLLABLES[(n >> 8) % 16]! + (n >= 4096 ? "x" : "");
}

/** `count` words for `seed`, the square of a uniform draw skewing them towards the frequent end. */
function words(seed: number, count: number): string {
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, () => word(Math.floor(VOCABULARY * random.next() ** 2))).join(" ");
}

const titleOf = (row: number) => words(1_000_003 * (row + 1), TITLE_WORDS);
const queryTextOf = (query: number) => words(7_000_019 * (query + 1), QUERY_WORDS);

type Shape = "hybrid_rrf" | "text_only" | "knn_only" | "knn_category" | "knn_tenant";

/** The filter kind a knn shape is scored against (the data set's truth for it). */
const knnFilterOf: Partial<Record<Shape, FilterKind>> = { knn_only: "none", knn_category: "category", knn_tenant: "tenant" };

function requestFor(ctx: BenchContext, shape: Shape, query: number): QueryVectorsFusionRequest {
  const knn = { field: "embedding", queryVector: queryVector(ctx.data, query), topK: 10, numCandidates: 100 };
  const text = fq.text("title", queryTextOf(query));
  const at = { bucket: BUCKET, indexName: FUSION_INDEX, limit: 10 };
  if (shape === "text_only") return { ...at, query: text };
  if (shape === "knn_only") return { ...at, knn: [knn] };
  if (shape === "knn_category") return { ...at, knn: [{ ...knn, filter: fq.eq("category", `c${CATEGORY_VALUE}`) }] };
  if (shape === "knn_tenant") return { ...at, knn: [{ ...knn, filter: fq.eq("tenant", `t${TENANT_VALUE}`) }] };
  return { ...at, retriever: fr.rrf([fr.knn(knn), fr.simple(text)]) };
}

/** The measurement loop of every other cell (planFor's), without a truth to score (see the file's comment). */
function timingPlan(ctx: BenchContext, concurrency: number): QueryPlan {
  return { ...planFor(ctx, "none", concurrency, false), truth: Array.from({ length: ctx.data.spec.queries }, () => []), matching: 0 };
}

/** A knn cell's plan: scored against the exact neighbours of its filter (the index holds the whole data set). */
function knnPlan(ctx: BenchContext, concurrency: number, kind: FilterKind): QueryPlan {
  return planFor(ctx, kind, concurrency, false);
}

function speedOnly({ qps, p50_ms, p99_ms, queries, repeats, concurrency }: QueryFigures): Measurement {
  return { qps, p50_ms, p99_ms, queries, repeats, concurrency };
}

interface FusionShape { segments: Array<{ rows: number; fieldGraphs?: number; fieldGraphsPending?: boolean }> }

/** Merges the documents into one segment and waits for its graphs, the field graph included. */
async function buildGraphs(server: RunningServer): Promise<Measurement> {
  const started = performance.now();
  await adminFor(server).compactIndex(BUCKET, FUSION_INDEX);
  await waitForGraphs(server, FUSION_INDEX);
  const shape = await fieldGraphsBuilt(server);
  const note = `compaction into one segment, its graph, then the embedding field's graph: ${shape.segments.map((segment) => `${segment.rows} rows, ${segment.fieldGraphs} field graph(s)`).join("; ")}`;
  return { seconds: (performance.now() - started) / 1000, note };
}

/** Resolves once every segment has its field graphs (built in memory after each start: docs/fusion.md#k-nn). */
async function fieldGraphsBuilt(server: RunningServer): Promise<FusionShape> {
  for (;;) {
    const shape = await adminFor(server).describeIndex(BUCKET, FUSION_INDEX) as FusionShape;
    if (shape.segments.every((segment) => segment.fieldGraphsPending === false)) return shape;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function ingestDocuments(ctx: BenchContext, client: VectorsClient, documents: number): Promise<Measurement> {
  await client.putVectorBucket({ bucket: BUCKET });
  await client.putVectorIndexFusion({
    bucket: BUCKET, indexName: FUSION_INDEX,
    schemaConfiguration: fusionSchema(
      fusionField.vector("embedding", ctx.data.spec.dimension, "cosine"),
      fusionField.string("title", { text: fusionText.standard() }),
      fusionField.string("category"),
      fusionField.string("tenant"),
    ),
  });
  return await timedIngest(ctx, rowRange(0, documents), WRITERS, async (rows) => {
    await client.putVectors({
      bucket: BUCKET, indexName: FUSION_INDEX,
      vectors: rows.map((row) => ({
        key: vectorKey(row), data: { embedding: rowVector(ctx.data, row) },
        metadata: { title: titleOf(row), category: metadataOf(ctx.data, row).category, tenant: metadataOf(ctx.data, row).tenant },
      })),
    });
  });
}

function searchOf(ctx: BenchContext, client: VectorsClient) {
  return (shape: Shape) => async (query: number) => {
    const answer = await client.queryVectorsFusion(requestFor(ctx, shape, query));
    return answer.vectors.map((hit) => rowOfKey(hit.key));
  };
}

export async function benchOssvFusion(ctx: BenchContext): Promise<SystemReport> {
  const documents = Math.min(ctx.data.spec.count, MAX_DOCUMENTS);
  const m: Record<string, Measurement> = {};
  const dataDir = `${ctx.workDir}/ossv-fusion`;
  let server = await startOssvServer(dataDir);
  try {
    m.fusion_ingest = await ingestDocuments(ctx, clientFor(server), documents);
    m.fusion_index_build = await buildGraphs(server);
    const search = searchOf(ctx, clientFor(server));
    await warmUpSystem(search("hybrid_rrf"), timingPlan(ctx, 1), ctx.profile.systemWarmupSeconds);
    const cells: Array<[Shape, number]> = [
      ["hybrid_rrf", 1], ["hybrid_rrf", ctx.profile.highConcurrency], ["text_only", 1], ["knn_only", 1], ["knn_category", 1], ["knn_tenant", 1],
    ];
    for (const [shape, clients] of cells) {
      const kind = knnFilterOf[shape];
      const knn = kind !== undefined && documents === ctx.data.spec.count;
      const figures = await measureQueries(search(shape), knn ? knnPlan(ctx, clients, kind) : timingPlan(ctx, clients));
      m[`fusion_${shape}_c${clients}`] = knn ? { ...speedOnly(figures), recall_at_10: figures.recall_at_10 } : speedOnly(figures);
      const recall = knn ? `, recall@10 ${figures.recall_at_10.toFixed(3)}` : "";
      ctx.log(`    fusion ${shape}, ${clients} client(s), ${documents} documents: ${figures.qps.toFixed(1)} q/s, p50 ${figures.p50_ms.toFixed(1)} ms, p99 ${figures.p99_ms.toFixed(1)} ms${recall}`);
    }
    await server.stop();
    // Last, so that every cell above runs on the index as built: a restart reads the full-text
    // postings back from the segment (docs/fusion.md#full-text-search); timed to the first text query.
    server = await startOssvServer(dataDir);
    await searchOf(ctx, clientFor(server))("text_only")(0);
    const answeredAt = performance.now();
    m.fusion_restart_first_text_query = {
      seconds: (answeredAt - server.spawnedAt) / 1000, seconds_listening_to_first_query: (answeredAt - server.listeningAt) / 1000,
      note: "spawn of the server on the merged index to its first answered text-only query",
    };
    ctx.log(`    fusion restart to first text query: ${((answeredAt - server.spawnedAt) / 1000).toFixed(2)} s`);
  } finally {
    await server.stop();
  }
  return {
    system: "ossv-fusion",
    settings: {
      documents: String(documents), writers: String(WRITERS),
      fields: `embedding (the data set's vectors, cosine), title (${TITLE_WORDS} generated words of a ${VOCABULARY}-word vocabulary, standard analyzer), category, tenant`,
      queries: `RRF of knn (topK 10, numCandidates 100) and $textMatch on title (${QUERY_WORDS} words), limit 10; knn alone, unfiltered and filtered on category (10 %) and tenant (1 %)`,
    },
    measurements: m,
    sweeps: {},
  };
}
