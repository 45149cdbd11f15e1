// Nodes of a cluster in one process, for the engine's tests of shared indexes: each has its own
// heartbeat, its own view of the others' liveness on a clock the test moves, and its own
// SharedCollection per index, all on one real store. Forwarding a write calls the writer node's
// appendForwarded, as the server's POST /-/cluster/append does over HTTP.
import type { BlobStore } from "../storage/blob-store.ts";
import { Heartbeat, Liveness } from "../cluster/heartbeat.ts";
import { NotWriterError, SharedCollection, type ClusterContext } from "../cluster/shared-collection.ts";
import { DEFAULT_CHECKPOINT_POLICY, type CheckpointPolicy } from "../maintenance/policy.ts";
import type { BackgroundFailureEvent } from "../base/background-failures.ts";
import type { IndexRecord } from "../base/types.ts";

export const DEAD_AFTER_MS = 5000;
/** A test node's readers stop polling an index this long (on its clock) after its last use. */
export const IDLE_AFTER_MS = 60_000;
/** Never reached in a test: readers look at the store only when a test makes them. */
const NEVER_MS = 3_600_000;

/** Background work only when a test asks for it: no size- or time-triggered flushes, merges or checkpoints. */
export const MANUAL_POLICY: CheckpointPolicy = {
  ...DEFAULT_CHECKPOINT_POLICY,
  maxWalObjects: Number.MAX_SAFE_INTEGER,
  maxWalBytes: Number.MAX_SAFE_INTEGER,
  segmentRows: Number.MAX_SAFE_INTEGER,
  segmentBytes: Number.MAX_SAFE_INTEGER,
  idleFlushMs: NEVER_MS,
  idleMergeMs: NEVER_MS,
  maxSegments: Number.MAX_SAFE_INTEGER,
  maxDeletedFraction: 1,
};

export const testIndex = (id: string, dimension = 3): IndexRecord => ({
  accountId: "1000000000000001", bucket: "bucket-a", name: `index-${id}`, id, dimension,
  distanceMetric: "euclidean", dataType: "float32", nonFilterableMetadataKeys: [], createdAt: "2026-01-01T00:00:00.000Z",
});

export class TestCluster {
  readonly nodes = new Map<string, TestNode>();

  constructor(readonly store: BlobStore, readonly policy: CheckpointPolicy = MANUAL_POLICY) {}

  /** A node that has beaten once and seen every node that has. */
  async join(name: string): Promise<TestNode> {
    const node = new TestNode(this, name);
    this.nodes.set(node.url, node);
    await node.beat();
    for (const other of this.nodes.values()) await other.look();
    return node;
  }

  async close(): Promise<void> {
    for (const node of this.nodes.values()) for (const collection of node.collections.values()) await collection.close();
  }
}

export class TestNode {
  /** This node's own clock, in ms; only the test moves it. */
  clock = 0;
  readonly url: string;
  readonly liveness = new Liveness(DEAD_AFTER_MS, () => this.clock);
  readonly collections = new Map<string, SharedCollection>();
  /** Background failures reported by this node's collections. */
  readonly failures: BackgroundFailureEvent[] = [];
  readonly context: ClusterContext;
  private readonly heartbeat: Heartbeat;

  constructor(private readonly cluster: TestCluster, readonly name: string) {
    this.url = `http://${name}.test`;
    this.heartbeat = new Heartbeat(cluster.store, name);
    this.context = {
      store: cluster.store, me: { node: name, url: this.url }, liveness: this.liveness, policy: cluster.policy,
      hooks: { report: (failure) => void this.failures.push(failure) }, pollMs: NEVER_MS,
      idleAfterMs: IDLE_AFTER_MS, now: () => this.clock,
      forward: (url, indexId, record) => {
        const writer = cluster.nodes.get(url)?.collections.get(indexId);
        if (writer === undefined) throw new NotWriterError(`no node at ${url} has index ${indexId}`);
        return writer.appendForwarded(record);
      },
    };
  }

  async beat(): Promise<void> {
    await this.heartbeat.next();
  }

  /** Stops as a cleanly stopped server does: its beats are deleted. */
  async leave(): Promise<void> {
    await this.heartbeat.stop();
  }

  async look(): Promise<void> {
    await this.liveness.look(this.cluster.store);
  }

  /** Moves this node's clock on and looks at the store: nodes that did not beat meanwhile are dead to it. */
  async later(ms: number): Promise<void> {
    this.clock += ms;
    await this.look();
  }

  /** Opens the index as a reader (as at start, or when another node's catalog adds it). */
  async open(index: IndexRecord, options: { takeOver?: boolean } = {}): Promise<SharedCollection> {
    const collection = await SharedCollection.open(this.context, index, options);
    this.collections.set(index.id, collection);
    return collection;
  }
}

/** Node `to` takes the index from `from`: `from` stops beating and `to`'s clock passes the dead bound. */
export async function takeOver(from: TestNode, to: TestNode, collection: SharedCollection): Promise<void> {
  await to.beat();
  await to.later(DEAD_AFTER_MS);
  if (to.liveness.isAlive(from.name)) throw new Error(`${from.name} is still alive to ${to.name}`);
  await collection.maintain();
  if (!collection.isWriter) throw new Error(`${to.name} did not take the index`);
}
