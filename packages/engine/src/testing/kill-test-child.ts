// The child process of kill.test.ts: opens the engine on a data directory and runs mixed puts, deletes,
// flushes and compactions until it is killed. It prints one line per write before issuing it
// ("issue put <key> <gen>" / "issue del <key>") and one once it was acknowledged ("ack ..."), so the
// parent knows which writes must have survived and which may or may not have. A key never has two
// writes in flight, so each key is in doubt between at most two states.
// Usage: node --import tsx kill-test-child.ts <dataDir> <round>
import { openEngine } from "../engine.ts";
import { seededRandom } from "./test-support.ts";
import type { IndexRecord } from "../base/types.ts";

export const KILL_TEST_KEYS = 1000;
export const KILL_TEST_DIMENSION = 4;
export const KILL_TEST_POLICY = { segmentRows: 150, maxSegments: 3, maxDeletedFraction: 0.2, maxWalObjects: 24 };

/** The vector a put of `key` with generation `gen` writes, so the parent can check data too. */
export function killTestVector(keyNumber: number, gen: number): Float32Array {
  return Float32Array.from([keyNumber, gen, keyNumber % 7, 1]);
}

async function ensureIndex(engine: Awaited<ReturnType<typeof openEngine>>): Promise<IndexRecord> {
  const { catalog } = engine;
  const existing = catalog.getIndex("1000000000000001", "bucket-a", "index1");
  if (existing) return existing;
  await catalog.createAccount("1000000000000001");
  await catalog.createBucket({ accountId: "1000000000000001", name: "bucket-a", region: "cn-hangzhou" });
  const spec = {
    name: "index1",
    dimension: KILL_TEST_DIMENSION,
    distanceMetric: "euclidean" as const,
    dataType: "float32" as const,
    nonFilterableMetadataKeys: [],
  };
  return await catalog.createIndex("1000000000000001", "bucket-a", spec, 100);
}

async function main(dataDir: string, round: number): Promise<void> {
  const engine = await openEngine({ dataDir, checkpoint: KILL_TEST_POLICY });
  const collection = engine.collection(await ensureIndex(engine));
  process.stdout.write("ready\n");
  const random = seededRandom(round * 7919);
  const inFlight = new Set<number>();
  for (let gen = round * 1_000_000; ; gen++) {
    const keyNumber = Math.floor(random() * KILL_TEST_KEYS);
    if (inFlight.has(keyNumber)) {
      await new Promise((resolve) => setImmediate(resolve));
      continue;
    }
    inFlight.add(keyNumber);
    const key = `key${keyNumber}`;
    const isDelete = random() < 0.3;
    const line = isDelete ? `del ${key}` : `put ${key} ${gen}`;
    process.stdout.write(`issue ${line}\n`);
    const write = isDelete
      ? collection.delete([key])
      : collection.put([{ key, data: killTestVector(keyNumber, gen), metadata: { gen } }]);
    void write.then(() => {
      process.stdout.write(`ack ${line}\n`);
      inFlight.delete(keyNumber);
    });
    if (random() < 0.01) void collection.flush().catch(() => undefined);
    if (random() < 0.005) void collection.compact().catch(() => undefined);
    if (inFlight.size >= 8) await write; // a few writes in flight: group commits of several records
  }
}

const [dataDir, round] = process.argv.slice(2);
if (dataDir !== undefined && import.meta.url === `file://${process.argv[1]}`) await main(dataDir, Number(round));
