// The catalog on a shared store (docs/scale-out.md#the-catalog): several DurableCatalogs on one store,
// each committing optimistically, as the nodes of a cluster do. Random interleavings of bucket
// creations and deletions from all of them, checked against a model: each change succeeds or fails as
// it would have on one catalog taking the same changes in the order they landed, and a catalog opened
// afterwards holds exactly what succeeded. Includes nodes far enough behind that the number they try
// was taken and pruned meanwhile.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { LocalBlobStore } from "../storage/local-blob-store.ts";
import { DurableCatalog } from "./catalog.ts";
import { EngineError } from "../base/types.ts";
import { ACCOUNT, withTempDir } from "../testing/test-support.ts";

const NAMES = ["b-one", "b-two", "b-three"];
const noHooks = { dropIndexData: async () => undefined };

type Step = { node: number; op: "create" | "delete"; name: string };

const step = (nodes: number): fc.Arbitrary<Step> => fc.record({
  node: fc.nat({ max: nodes - 1 }),
  op: fc.constantFrom("create" as const, "delete" as const),
  name: fc.constantFrom(...NAMES),
});

test("catalogs of several nodes on one store: every change lands once, as on one catalog", async () => {
  const seed = Number(process.env["OSSV_SEED"] ?? Date.now() % 1_000_000);
  console.log(`# seed ${seed} (OSSV_SEED=${seed} repeats it)`);
  await fc.assert(fc.asyncProperty(fc.integer({ min: 2, max: 4 }).chain((nodes) => fc.tuple(
    fc.constant(nodes),
    // Batches of steps that run at once; between batches only some nodes look at the store.
    fc.array(fc.array(step(nodes), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }),
  )), async ([nodes, batches]) => {
    await withTempDir(async (dir) => {
      const store = new LocalBlobStore(dir);
      const first = await DurableCatalog.open(store, noHooks, { shared: true });
      await first.createAccount(ACCOUNT);
      const catalogs = [first];
      for (let i = 1; i < nodes; i++) catalogs.push(await DurableCatalog.open(store, noHooks, { shared: true }));
      const model = new Set<string>();
      for (const batch of batches) {
        // Every change of a batch is started at once; each settles against the catalog as it is
        // when its commit lands, which the model replays in the order they settled.
        const settled: { step: Step; ok: boolean; code?: string }[] = [];
        await Promise.all(batch.map(async (s) => {
          const catalog = catalogs[s.node]!;
          const change = s.op === "create"
            ? catalog.createBucket({ accountId: ACCOUNT, name: s.name, region: "r" })
            : catalog.deleteBucket(ACCOUNT, s.name);
          await change.then(
            () => settled.push({ step: s, ok: true }),
            (error: unknown) => {
              if (!(error instanceof EngineError)) throw error;
              settled.push({ step: s, ok: false, code: error.code });
            },
          );
        }));
        // Each success changed the model; a failure must be the refusal the model gives. Successes
        // are applied in the order of their catalog numbers, which the promises need not follow, so
        // the check is on the end state: what succeeded is consistent with some order.
        const creates = settled.filter((s) => s.ok && s.step.op === "create").map((s) => s.step.name);
        const deletes = settled.filter((s) => s.ok && s.step.op === "delete").map((s) => s.step.name);
        for (const name of NAMES) {
          const created = creates.filter((n) => n === name).length;
          const removed = deletes.filter((n) => n === name).length;
          // Alternating from the state before the batch: creates and deletes of one name interleave.
          const before = model.has(name) ? 1 : 0;
          const after = before + created - removed;
          assert.ok(after === 0 || after === 1, `${name}: ${created} creates and ${removed} deletes succeeded from ${before}`);
          if (after === 1) model.add(name);
          else model.delete(name);
        }
        for (const s of settled.filter((s) => !s.ok)) {
          assert.ok(s.code === "BUCKET_EXISTS" || s.code === "NO_SUCH_BUCKET", `unexpected refusal ${s.code}`);
        }
        // Only some nodes look at the store between batches: the others fall behind, some by more
        // than the three catalog objects that are kept.
        for (const [i, catalog] of catalogs.entries()) if (i % 2 === 0) await catalog.refresh();
      }
      const fresh = await DurableCatalog.open(store, noHooks);
      assert.deepEqual(fresh.listBuckets(ACCOUNT).map((b) => b.name).sort(), [...model].sort());
      for (const catalog of catalogs) {
        await catalog.refresh();
        assert.deepEqual(catalog.listBuckets(ACCOUNT).map((b) => b.name).sort(), [...model].sort());
        await catalog.close();
      }
    });
  }), { seed, numRuns: 60, includeErrorInReport: true });
});
