// ossv on an S3-compatible object store (`--store s3://`, a one-node Ceph RGW on loopback) against ossv
// on a local data directory, in the same run and on the same data: ingest vectors/s with 8 writers,
// warm unfiltered query QPS at 1 and 8 clients, and the start of a fresh node (nothing local but
// master.key) on the built index to its first answered query. Figures are ratios to the local mode.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { measureQueries, warmUpSystem } from "../lib/measure.ts";
import { notAvailable, type Measurement, type SystemReport } from "../lib/report-types.ts";
import { planFor, rowRange, timedIngest, type BenchContext } from "../lib/suite.ts";
import { buildIndex, clientFor, createBenchIndex, describeShape, putRows, searchWith } from "./ossv-calls.ts";
import { startOssvServer, type RunningServer, type ServerOptions } from "./ossv-server.ts";

const CEPH_SCRIPTS = fileURLToPath(new URL("../../scripts/ceph/", import.meta.url));
/** Ports of the bench's own Ceph, apart from the ones CI and tests use (7480 / 3300). */
const RGW_PORT = "7680";
const MON_PORT = "3500";
/** Writers of the ingest: the issue's figure is for 8 (a store's latency per object wants many). */
const WRITERS = 8;
/** The same master key on every node of the store: a fresh node must open the catalog's secrets. */
const MASTER_KEY = Buffer.alloc(32, 7).toString("base64");

interface ObjectStore {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  stop(): void;
}

/** The store named by OSSV_BENCH_S3_* if set, else a Ceph started for this run (undefined: none here). */
function startStore(workDir: string): ObjectStore | undefined {
  const given = process.env["OSSV_BENCH_S3_ENDPOINT"];
  if (given) {
    return { endpoint: given, accessKeyId: process.env["OSSV_BENCH_S3_ACCESS_KEY_ID"] ?? "", secretAccessKey: process.env["OSSV_BENCH_S3_SECRET_ACCESS_KEY"] ?? "", stop: () => undefined };
  }
  if (!existsSync("/usr/bin/radosgw")) return undefined;
  const dir = join(workDir, "ceph");
  const printed = execFileSync(join(CEPH_SCRIPTS, "start.sh"), [dir, RGW_PORT, MON_PORT], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const value = (name: string) => new RegExp(`^${name}=(.*)$`, "m").exec(printed)?.[1] ?? "";
  return {
    endpoint: value("S3_ENDPOINT"), accessKeyId: value("AWS_ACCESS_KEY_ID"), secretAccessKey: value("AWS_SECRET_ACCESS_KEY"),
    stop: () => execFileSync(join(CEPH_SCRIPTS, "stop.sh"), [dir], { stdio: "ignore" }),
  };
}

async function createBucket(store: ObjectStore, bucket: string): Promise<void> {
  // The AWS SDK's notice that its 2027 releases need Node 22 (the pinned one runs on 20) is noise here.
  process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
  const s3 = new S3Client({
    endpoint: store.endpoint, region: "us-east-1", forcePathStyle: true,
    credentials: { accessKeyId: store.accessKeyId, secretAccessKey: store.secretAccessKey },
  });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    s3.destroy();
  }
}

function serverOptions(store: ObjectStore | undefined, location: string): ServerOptions {
  const env = { OSSV_MASTER_KEY: MASTER_KEY };
  if (!store) return { env };
  return {
    args: ["--store", location, "--s3-endpoint", store.endpoint, "--s3-path-style"],
    env: { ...env, AWS_ACCESS_KEY_ID: store.accessKeyId, AWS_SECRET_ACCESS_KEY: store.secretAccessKey, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  };
}

/** Ingest, build, warm queries; then, for the store, a fresh node's start to its first answer. */
async function measureMode(ctx: BenchContext, mode: "local" | "s3", store: ObjectStore | undefined, into: Record<string, Measurement>): Promise<void> {
  const location = `s3://ossv-bench-${Date.now().toString(36)}/run`;
  if (store) await createBucket(store, location.slice(5, location.indexOf("/", 5)));
  const options = serverOptions(store, location);
  const dataDir = join(ctx.workDir, `ossv-${mode}`);
  let server: RunningServer = await startOssvServer(dataDir, options);
  try {
    const client = clientFor(server);
    await createBenchIndex(ctx, client);
    into[`${mode}_ingest`] = await timedIngest(ctx, rowRange(0, ctx.data.spec.count), WRITERS, putRows(ctx, client));
    const built = await buildIndex(server);
    ctx.log(`    ${mode}: index built ${built.seconds.toFixed(1)} s after ingest: ${describeShape(built.shape)}`);
    into[`${mode}_index_build`] = { seconds: built.seconds };
    const search = searchWith(ctx, client)("none");
    await warmUpSystem(search, planFor(ctx, "none", 1, false), ctx.profile.systemWarmupSeconds);
    for (const clients of [1, ctx.profile.highConcurrency]) {
      const figures = await measureQueries(search, planFor(ctx, "none", clients, false));
      into[`${mode}_query_none_c${clients}`] = figures;
      ctx.log(`    ${mode}: query, ${clients} client(s): ${figures.qps.toFixed(1)} q/s, p99 ${figures.p99_ms.toFixed(2)} ms, recall ${figures.recall_at_10.toFixed(3)}`);
    }
    await server.stop();
    // A fresh node: an empty local directory (master key from the environment), the same store.
    const freshDir = join(ctx.workDir, `ossv-${mode}-fresh`);
    if (store) mkdirSync(freshDir, { recursive: true });
    server = await startOssvServer(store ? freshDir : dataDir, options);
    await searchWith(ctx, clientFor(server))("none")(0);
    const seconds = (performance.now() - server.spawnedAt) / 1000;
    into[`${mode}_start_to_first_query`] = {
      seconds, note: store ? "a new process with an empty data directory on the same store" : "a restart on the same data directory",
    };
    ctx.log(`    ${mode}: ${store ? "fresh node" : "restart"} to first answered query ${seconds.toFixed(2)} s`);
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function ratios(m: Record<string, Measurement>, highClients: number): Measurement {
  const figure = (name: string, field: string) => (m[name] as Record<string, number>)[field] as number;
  return {
    ingest_vectors_per_s: figure("s3_ingest", "vectors_per_s") / figure("local_ingest", "vectors_per_s"),
    query_qps_c1: figure("s3_query_none_c1", "qps") / figure("local_query_none_c1", "qps"),
    [`query_qps_c${highClients}`]: figure(`s3_query_none_c${highClients}`, "qps") / figure(`local_query_none_c${highClients}`, "qps"),
    start_to_first_query: figure("s3_start_to_first_query", "seconds") / figure("local_start_to_first_query", "seconds"),
    note: "s3 / local; targets (issue #22): warm queries >= 0.8, ingest with 8 writers >= 0.5",
  };
}

export async function benchOssvObjectStore(ctx: BenchContext): Promise<SystemReport> {
  const m: Record<string, Measurement> = {};
  const settings = { store: "one-node Ceph RGW on loopback (memstore OSD), scripts/ceph/start.sh, against a local data directory", writers: String(WRITERS) };
  const store = startStore(ctx.workDir);
  if (!store) {
    ctx.log("    skipped: Ceph is not installed (apt-get install ceph-mon ceph-osd radosgw ceph-common) and OSSV_BENCH_S3_ENDPOINT is not set");
    return { system: "ossv-s3", settings, measurements: { skipped: notAvailable("no object store: Ceph not installed and OSSV_BENCH_S3_ENDPOINT not set") }, sweeps: {} };
  }
  try {
    await measureMode(ctx, "local", undefined, m);
    await measureMode(ctx, "s3", store, m);
  } finally {
    store.stop();
  }
  m.s3_to_local = ratios(m, ctx.profile.highConcurrency);
  ctx.log(`    s3 / local: ${Object.entries(m.s3_to_local).filter(([, v]) => typeof v === "number").map(([k, v]) => `${k} ${(v as number).toFixed(2)}`).join(", ")}`);
  return { system: "ossv-s3", settings, measurements: m, sweeps: {} };
}
