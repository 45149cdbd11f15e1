// One node of many on a shared store (docs/scale-out.md): its heartbeat, what it knows of the other
// nodes' heartbeats, and the tick that keeps its view current: every `tickMs` it beats, looks at the
// other nodes, reads a newer catalog if there is one, and lets each index take over from a dead
// writer or step down from a lost one.
import { randomBytes } from "node:crypto";
import type { BlobStore } from "../storage/blob-store.ts";
import { Heartbeat, Liveness } from "./heartbeat.ts";
import type { NodeIdentity } from "./lease.ts";

export interface ClusterOptions {
  /**
   * Where the other nodes reach this one (its --node-url); a function when that is known only once
   * the server listens (port 0). Read when the node claims a lease.
   */
  url: string | (() => string);
  /** Leave the tick to a later OssvEngine.startCluster() (a server that has not bound its port yet). */
  deferStart?: boolean;
  /** Sends a write to the writer's node; see ClusterContext.forward. */
  forward(url: string, indexId: string, record: Uint8Array): Promise<number>;
  /**
   * Take every index present at start at the first look, without waiting for its writer's heartbeat
   * to go stale: for a node that knows the previous writer is gone, such as a single node restarted
   * after a crash. A writer that is alive after all is fenced and steps down, so nothing is lost;
   * it only costs a takeover.
   */
  takeover?: boolean;
  /** This node's id; default a random one (each process is a new node). */
  node?: string;
  /** How often the node beats, looks at the others and at its indexes' leases (default 1000 ms). */
  tickMs?: number;
  /** A node whose beat has not changed for this long is dead (default 5000 ms). */
  deadAfterMs?: number;
  /** How often a reader looks for new WAL objects (default 250 ms). */
  pollMs?: number;
  /**
   * A reader stops polling an index no request has used through this node for this long (default
   * 60 s); the next read of it looks at the store once before it answers (docs/scale-out.md).
   */
  idleAfterMs?: number;
}

export const CLUSTER_DEFAULTS = { tickMs: 1000, deadAfterMs: 5000, pollMs: 250, idleAfterMs: 60_000 } as const;

/** What the cluster asks of the engine each tick. */
export interface ClusterMember {
  refreshCatalog(): Promise<void>;
  maintainIndexes(): Promise<void>;
}

export class Cluster {
  readonly node: string;
  readonly liveness: Liveness;
  readonly pollMs: number;
  readonly idleAfterMs: number;
  private readonly heartbeat: Heartbeat;
  private readonly tickMs: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;
  private started = false;

  constructor(private readonly store: BlobStore, readonly options: ClusterOptions, private readonly onTickFailure: (error: unknown) => void) {
    this.node = options.node ?? randomBytes(8).toString("hex");
    this.liveness = new Liveness(options.deadAfterMs ?? CLUSTER_DEFAULTS.deadAfterMs);
    this.heartbeat = new Heartbeat(store, this.node);
    this.tickMs = options.tickMs ?? CLUSTER_DEFAULTS.tickMs;
    this.pollMs = options.pollMs ?? CLUSTER_DEFAULTS.pollMs;
    this.idleAfterMs = options.idleAfterMs ?? CLUSTER_DEFAULTS.idleAfterMs;
  }

  get me(): NodeIdentity {
    const { url } = this.options;
    return { node: this.node, url: typeof url === "function" ? url() : url };
  }

  /** The first beat and look, so the node counts as alive (to itself too) before it serves. */
  async join(): Promise<void> {
    await this.heartbeat.next();
    await this.liveness.look(this.store);
  }

  /** Starts ticking for `member`: the first tick at once, then every tickMs after the last ended. */
  start(member: ClusterMember): void {
    if (this.started) return;
    this.started = true;
    const tick = async () => {
      try {
        await this.heartbeat.next();
        await this.liveness.look(this.store);
        await member.refreshCatalog();
        await member.maintainIndexes();
      } catch (error) {
        this.onTickFailure(error);
      }
    };
    const loop = () => {
      if (this.stopped) return;
      this.ticking = tick().finally(() => {
        this.ticking = undefined;
        if (this.stopped) return;
        this.timer = setTimeout(loop, this.tickMs);
        this.timer.unref();
      });
    };
    loop();
  }

  /** Stops ticking; resolves once a tick under way has ended. */
  async stopTicking(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.ticking;
  }

  /** Removes the heartbeat, so that the other nodes take this node's indexes at their next look. */
  async leave(): Promise<void> {
    await this.stopTicking();
    await this.heartbeat.stop();
  }
}
