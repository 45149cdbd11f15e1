// The hybrid cell of issue #23: a Fusion index of up to 100,000 documents (the data set's vectors as
// an `embedding` field, a generated `title` full-text field, the `category` string), written through
// @ossv/sdk, then QueryVectorsFusion measured as an application sends it: an RRF of a knn route on the
// embedding and a $textMatch on the title, at 1 and 8 clients, with the text-only and knn-only routes
// at 1 client beside it. There is no exact answer to a hybrid query to measure recall against; these
// cells report speed only (recall of the knn route is the main ossv figures' business, relevance is
// docs/fusion.md's).
import { fq, fr, fusionField, fusionSchema, fusionText, type QueryVectorsFusionRequest, type VectorsClient } from "@ossv/sdk";
import { metadataOf, queryVector, rowOfKey, rowVector, vectorKey } from "../lib/dataset.ts";
import { measureQueries, warmUpSystem, type QueryFigures, type QueryPlan } from "../lib/measure.ts";
import { SeededRandom } from "../lib/rng.ts";
import type { Measurement, SystemReport } from "../lib/report-types.ts";
import { planFor, rowRange, timedIngest, type BenchContext } from "../lib/suite.ts";
import { BUCKET, clientFor } from "./ossv-calls.ts";
import { startOssvServer } from "./ossv-server.ts";

const INDEX = "hybrid";
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

type Shape = "hybrid_rrf" | "text_only" | "knn_only";

function requestFor(ctx: BenchContext, shape: Shape, query: number): QueryVectorsFusionRequest {
  const knn = { field: "embedding", queryVector: queryVector(ctx.data, query), topK: 10, numCandidates: 100 };
  const text = fq.text("title", queryTextOf(query));
  const at = { bucket: BUCKET, indexName: INDEX, limit: 10 };
  if (shape === "text_only") return { ...at, query: text };
  if (shape === "knn_only") return { ...at, knn: [knn] };
  return { ...at, retriever: fr.rrf([fr.knn(knn), fr.simple(text)]) };
}

/** The measurement loop of every other cell (planFor's), without a truth to score (see the file's comment). */
function timingPlan(ctx: BenchContext, concurrency: number): QueryPlan {
  return { ...planFor(ctx, "none", concurrency, false), truth: Array.from({ length: ctx.data.spec.queries }, () => []), matching: 0 };
}

function speedOnly({ qps, p50_ms, p99_ms, queries, repeats, concurrency }: QueryFigures): Measurement {
  return { qps, p50_ms, p99_ms, queries, repeats, concurrency };
}

async function ingestDocuments(ctx: BenchContext, client: VectorsClient, documents: number): Promise<Measurement> {
  await client.putVectorBucket({ bucket: BUCKET });
  await client.putVectorIndexFusion({
    bucket: BUCKET, indexName: INDEX,
    schemaConfiguration: fusionSchema(
      fusionField.vector("embedding", ctx.data.spec.dimension, "cosine"),
      fusionField.string("title", { text: fusionText.standard() }),
      fusionField.string("category"),
    ),
  });
  return await timedIngest(ctx, rowRange(0, documents), WRITERS, async (rows) => {
    await client.putVectors({
      bucket: BUCKET, indexName: INDEX,
      vectors: rows.map((row) => ({
        key: vectorKey(row), data: { embedding: rowVector(ctx.data, row) },
        metadata: { title: titleOf(row), category: metadataOf(ctx.data, row).category },
      })),
    });
  });
}

export async function benchOssvFusion(ctx: BenchContext): Promise<SystemReport> {
  const documents = Math.min(ctx.data.spec.count, MAX_DOCUMENTS);
  const m: Record<string, Measurement> = {};
  const server = await startOssvServer(`${ctx.workDir}/ossv-fusion`);
  try {
    const client = clientFor(server);
    m.fusion_ingest = await ingestDocuments(ctx, client, documents);
    const search = (shape: Shape) => async (query: number) => {
      const answer = await client.queryVectorsFusion(requestFor(ctx, shape, query));
      return answer.vectors.map((hit) => rowOfKey(hit.key));
    };
    // The first query builds the text index from the stored documents (docs/fusion.md); time it apart.
    const started = performance.now();
    await search("text_only")(0);
    m.fusion_first_text_query = { seconds: (performance.now() - started) / 1000, note: "builds the title's inverted index from the stored documents" };
    await warmUpSystem(search("hybrid_rrf"), timingPlan(ctx, 1), ctx.profile.systemWarmupSeconds);
    const cells: Array<[Shape, number]> = [["hybrid_rrf", 1], ["hybrid_rrf", ctx.profile.highConcurrency], ["text_only", 1], ["knn_only", 1]];
    for (const [shape, clients] of cells) {
      const figures = await measureQueries(search(shape), timingPlan(ctx, clients));
      m[`fusion_${shape}_c${clients}`] = speedOnly(figures);
      ctx.log(`    fusion ${shape}, ${clients} client(s), ${documents} documents: ${figures.qps.toFixed(1)} q/s, p50 ${figures.p50_ms.toFixed(1)} ms, p99 ${figures.p99_ms.toFixed(1)} ms`);
    }
  } finally {
    await server.stop();
  }
  return {
    system: "ossv-fusion",
    settings: {
      documents: String(documents), writers: String(WRITERS),
      fields: `embedding (the data set's vectors, cosine), title (${TITLE_WORDS} generated words of a ${VOCABULARY}-word vocabulary, standard analyzer), category`,
      queries: `RRF of knn (topK 10, numCandidates 100) and $textMatch on title (${QUERY_WORDS} words), limit 10`,
    },
    measurements: m,
    sweeps: {},
  };
}
