// One contender of fence-race.test.ts, in a process of its own. Round after round it takes the index
// the way a node does (claims the next lease, fences the WAL, recovers with leftovers removed; a round
// whose lease was overtaken before its fence was made ends there) and then writes one put at a time
// until another contender fences it, printing each step as a JSON line:
// {"fence":F,"epoch":E} after its fence, {"ack":KEY,"seq":S,"epoch":E} per acknowledged put, and
// {"lost":KEY} for a put whose outcome is unknown (any failure but the fence).
// Usage: node --import tsx fence-race-child.ts CONTENDER ROUNDS WRITES (store options and index as
// JSON in OSSV_RACE_STORE and OSSV_RACE_INDEX).
import { setTimeout as sleep } from "node:timers/promises";
import { S3BlobStore, type S3StoreOptions } from "@ossv/engine/s3";
import type { IndexRecord } from "@ossv/engine";
import { FencedError } from "../../packages/engine/src/base/errors.ts";
import { DurableCollection } from "../../packages/engine/src/collection/collection.ts";
import { fenceAndRecover } from "../../packages/engine/src/cluster/fence.ts";
import { claimLease, newestLease } from "../../packages/engine/src/cluster/lease.ts";
import { SEGMENT_IDS_PER_EPOCH } from "../../packages/engine/src/cluster/shared-collection.ts";
import { CollectionLayout } from "../../packages/engine/src/storage/collection-layout.ts";
import { DEFAULT_CHECKPOINT_POLICY } from "../../packages/engine/src/maintenance/policy.ts";
import { encodeWalRecord } from "../../packages/engine/src/format/wal-format.ts";

const [contender, rounds, writes] = process.argv.slice(2).map(Number) as [number, number, number];
const store = new S3BlobStore(JSON.parse(process.env["OSSV_RACE_STORE"]!) as S3StoreOptions);
const index = JSON.parse(process.env["OSSV_RACE_INDEX"]!) as IndexRecord;
const layout = new CollectionLayout(index.id);
// Checkpoints every few WAL objects and small segments, so contenders prune under each other's reads.
const policy = { ...DEFAULT_CHECKPOINT_POLICY, maxWalObjects: 3, segmentRows: 20, idleFlushMs: 100, idleFlushRows: 1, idleMergeMs: 0 };
const say = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

for (let round = 0; round < rounds; round++) {
  // A pause of its own between rounds, so that writers get to write before the next one fences them
  // (with none, each takeover fences the one before it during its recovery and nobody writes).
  await sleep(150 + ((contender * 7919 + round * 104729) % 400));
  const lease = await claimLease(store, layout, (await newestLease(store, layout))?.epoch ?? 0, { node: `c${contender}`, url: "" });
  if (lease === undefined) {
    round--;
    continue;
  }
  const { fence, recovered } = await fenceAndRecover(store, layout, lease, index);
  say({ fence, epoch: lease.epoch });
  // A newer lease was claimed before this fence was made (and may have fenced first): no writes.
  if (recovered === undefined) continue;
  recovered.nextSegmentId = lease.epoch * SEGMENT_IDS_PER_EPOCH + 1;
  const writer = DurableCollection.sharedWriter(store, index, recovered, policy, { report: () => undefined }, { onFenced: () => undefined });
  for (let n = 0; n < writes; n++) {
    const key = `c${contender}-e${lease.epoch}-${n}`;
    const data = Float32Array.from({ length: index.dimension }, (_, i) => Math.sin(lease.epoch * 1000 + n + i));
    try {
      const seq = await writer.appendRecord(encodeWalRecord({ type: "put", vectors: [{ key, data, metadata: { n } }] }, index.dimension));
      say({ ack: key, seq, epoch: lease.epoch });
    } catch (error) {
      if (!(error instanceof FencedError)) say({ lost: key, error: String(error) });
      break;
    }
  }
  writer.abandonBackground();
  await writer.close().catch(() => undefined);
}
store.destroy();
