// Graphs of a Fusion index's vector fields, one per field and segment.
//
// A Fusion index keeps each document's vector fields side by side in one engine row (fieldSpans
// below), so the segment's own graph, built over whole rows, cannot answer a k-NN on one field. Each
// segment large enough to be worth it therefore gets one more graph per field, over the rows that
// have the field (a document may leave a field out), built in the graph worker like any other
// (hnsw-graph.ts) after the segment is written. Labels are positions in the field's row list, not
// segment rows, so a graph holds only the rows it can return.
//
// These graphs are held in memory only and built again after a restart (requested when the index
// opens and when a query meets a segment without them): they follow the segment's rows and
// deletions, which are durable already, so nothing about them needs recovering. Until a segment has
// them, its rows are scanned exactly, so a query never depends on a build having finished.
//
// A query with a filter asks a graph for more rows until K of them pass (or scans the segment when
// that would take most of it), so a filtered k-NN never comes up short.
import { buildGraph, HnswGraph, type GraphMetric } from "./hnsw-graph.ts";
import { runInSteps } from "../base/event-loop-steps.ts";
import type { Segment } from "./segment.ts";
import type { RowBitmap } from "./metadata-index.ts";
import type { TaskFailureReporter } from "../base/background-failures.ts";
import type { FieldSearch, FusionSchemaRecord } from "../base/types.ts";

/** Tuning of field graphs (mutable for tests and benchmarks). */
export const FIELD_GRAPH_TUNING = {
  /**
   * Segments with fewer rows having a field are scanned exactly on it: a plain scan of a few
   * thousand rows takes well under a millisecond, and a graph would cost a build and memory.
   */
  minRows: 4096,
  /** A filtered search stops widening and scans the segment once it would ask for this share of the field's rows. */
  maxShareBeforeScan: 0.25,
  /** A widened search (more rows asked for than K) keeps a beam this many times the rows it asks for. */
  widenedEfFactor: 2,
  /**
   * Under this share of a segment's rows (or minRows), the rows a prefilter allows are all ranked
   * exactly rather than searched in the graph: as the Standard path does below its 5 %
   * (search/segment.ts minGraphSelectivity), where a filtered graph search spends its beam on
   * rejected rows.
   */
  rankAllowedShare: 0.05,
};

/** Where a vector field lies in a Fusion index's rows, and how it is compared. */
export interface FieldSpan {
  /** Row position of the field's presence slot (1 when the document has the field); the values follow it. */
  offset: number;
  dimension: number;
  metric: GraphMetric;
}

/**
 * The vector fields of a Fusion schema in schema order, laid out one after another: each a presence
 * slot and then its values. This is the layout of every row of such an index, so it never changes
 * for an index that exists.
 */
export function fieldSpans(schema: FusionSchemaRecord): FieldSpan[] {
  const spans: FieldSpan[] = [];
  let offset = 0;
  for (const field of schema.fields) {
    if (field["type"] !== "vector") continue;
    const dimension = Number(field["dimension"]);
    spans.push({ offset, dimension, metric: field["distanceMetric"] as GraphMetric });
    offset += 1 + dimension;
  }
  return spans;
}

/** One field's graph in one segment. */
export class FieldGraph {
  /** Live rows among `rows`. */
  private live: number;

  constructor(
    /** The segment rows that have the field, ascending; graph label i is rows[i]. */
    readonly rows: Int32Array,
    readonly graph: HnswGraph,
  ) {
    this.live = rows.length;
  }

  get liveCount(): number {
    return this.live;
  }

  /** Called once for each row of the segment that is deleted. */
  markDeleted(row: number): void {
    const label = labelOf(this.rows, row);
    if (label < 0) return;
    this.graph.markDeleted(label);
    this.live--;
  }
}

/** Position of `row` in the ascending `rows`, or -1. */
function labelOf(rows: Int32Array, row: number): number {
  let low = 0;
  let high = rows.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const value = rows[middle] as number;
    if (value === row) return middle;
    if (value < row) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}

/** Rows read per step while gathering a field (event-loop-steps.ts): a few milliseconds even when read from disk. */
const ROWS_PER_STEP = 4096;

/**
 * The segment rows that have the field (deleted ones too: a graph is built over all of them) and
 * their values back to back, gathered in steps: a segment of a million rows must not hold up requests.
 */
function* fieldRows(segment: Segment, span: FieldSpan): Generator<void, { rows: Int32Array; values: Float32Array } | undefined> {
  if (segment.retired) return undefined;
  const { offset, dimension } = span;
  let rows = new Int32Array(segment.rows);
  let values = new Float32Array(segment.rows * dimension);
  let count = 0;
  for (let row = 0; row < segment.rows; row++) {
    if (row % ROWS_PER_STEP === ROWS_PER_STEP - 1) {
      yield;
      if (segment.retired) return undefined; // merged away meanwhile: its file may be closed already
    }
    const vector = segment.rowVector(row);
    if (vector[offset] !== 1) continue;
    values.set(vector.subarray(offset + 1, offset + 1 + dimension), count * dimension);
    rows[count++] = row;
  }
  if (count < segment.rows) {
    rows = rows.slice(0, count);
    values = values.slice(0, count * dimension);
  }
  return { rows, values };
}

/** Builds the graph of one field of `segment`, or undefined when too few rows have the field. */
async function buildFieldGraph(segment: Segment, span: FieldSpan, signal?: AbortSignal): Promise<FieldGraph | undefined> {
  const gathered = await runInSteps(fieldRows(segment, span));
  if (!gathered || gathered.rows.length < FIELD_GRAPH_TUNING.minRows) return undefined;
  const { rows, values: vectors } = gathered;
  const { metric, dimension } = span;
  const built = await buildGraph({ metric, dimension, rows: rows.length, vectors, ...(signal && { signal }) });
  return new FieldGraph(rows, await HnswGraph.load(built, metric, dimension, rows.length, vectors));
}

/** Whether a segment is worth graphs of its fields: whether some field could reach minRows in it. */
export function wantsFieldGraphs(segment: Segment): boolean {
  return segment.fieldGraphs === undefined && !segment.retired && segment.rows >= FIELD_GRAPH_TUNING.minRows;
}

/**
 * Builds field graphs for segments that lack them, one segment at a time, each segment once; a
 * segment merged away meanwhile is skipped, and graphs it got too late are freed. One per collection.
 */
export class FieldGraphBuilder {
  private readonly queued = new Set<Segment>();
  private running = false;
  private readonly abort = new AbortController();

  constructor(
    private readonly spans: readonly FieldSpan[],
    private readonly report: TaskFailureReporter,
  ) {}

  /** Builds, in the background, the graphs that `segments` lack. */
  request(segments: readonly Segment[]): void {
    if (this.spans.length === 0 || this.abort.signal.aborted) return;
    for (const segment of segments) if (wantsFieldGraphs(segment)) this.queued.add(segment);
    if (!this.running && this.queued.size > 0) void this.run();
  }

  /** No more builds; one running ends at once (the rows are durable: a later open builds again). */
  stop(): void {
    this.abort.abort(new Error("field graph builds stopped: the index is closing"));
    this.queued.clear();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      for (let next = this.first(); next; next = this.first()) {
        this.queued.delete(next);
        if (!wantsFieldGraphs(next)) continue;
        await this.buildFor(next);
      }
    } finally {
      this.running = false;
    }
  }

  private first(): Segment | undefined {
    return this.queued.values().next().value;
  }

  private async buildFor(segment: Segment): Promise<void> {
    const graphs: (FieldGraph | undefined)[] = [];
    try {
      for (const span of this.spans) graphs.push(await buildFieldGraph(segment, span, this.abort.signal));
    } catch (error) {
      for (const graph of graphs) graph?.graph.release();
      if (this.abort.signal.aborted) return;
      // Nothing is lost: the segment is scanned exactly instead, as it was until now, and has no
      // graphs from now on (not built again in this process, so a build that cannot work is not
      // repeated for every query).
      this.report({ task: "field graphs", error, attempts: 1, retryInMs: null });
      segment.attachFieldGraphs(this.spans.map(() => undefined));
      return;
    }
    segment.attachFieldGraphs(graphs);
  }
}

/**
 * The rows of `segment` among which its best `k` on the field that `search.accept` lets through lie
 * (live ones; rows without the field may be among them), or undefined for all of its rows. With a
 * prefilter, only rows it allows: all of them when they are few or the segment has no graph for the
 * field, else the graph's picks among them. Without one, the graph's picks, or every row when the
 * segment has no graph for the field or a scan is the better way.
 */
export function segmentCandidates(segment: Segment, search: FieldSearch): ArrayLike<number> | undefined {
  const fieldGraph = segment.fieldGraphs?.[search.field];
  const allowed = search.prefilter && segment.allowedRows(search.prefilter);
  const liveAllowed = () => allowed!.rows.filter((row) => segment.deleted[row] === 0);
  // Few rows pass: rank them all (exact, and a filtered graph search would wander among the others).
  if (allowed && (!fieldGraph || allowed.rows.length <= Math.max(FIELD_GRAPH_TUNING.minRows, segment.rows * FIELD_GRAPH_TUNING.rankAllowedShare))) {
    return liveAllowed();
  }
  if (!fieldGraph) return undefined;
  const live = fieldGraph.liveCount;
  if (live === 0) return [];
  // The graph skips the rows the prefilter refuses, when its labels are the segment's rows.
  const labelsAreRows = fieldGraph.rows.length === segment.rows;
  const picked = graphCandidates(segment, fieldGraph, search, live, labelsAreRows ? allowed?.bitmap() : undefined);
  return picked ?? (allowed ? liveAllowed() : undefined);
}

/**
 * Asks the field's graph for K rows that `search.accept` lets through, then four times as many, until
 * K pass; undefined once that would mean much of the field (a scan reads it more cheaply). `allowed`:
 * the rows the graph may return at all (its labels being the segment's rows).
 */
function graphCandidates(segment: Segment, fieldGraph: FieldGraph, search: FieldSearch, live: number, allowed?: RowBitmap): number[] | undefined {
  const { graph, rows } = fieldGraph;
  const { query, k, accept } = search;
  for (let wanted = Math.min(k, live); ; wanted = Math.min(live, wanted * 4)) {
    // Asked for many more rows than K, a graph returns fewer of the true nearest unless its beam is
    // wider still: at the 1 % filter of the bench's hybrid cell (2,560 rows asked for), a beam of
    // the rows asked for gave recall@10 0.954 (97 q/s), one twice as wide 0.990 (51 q/s).
    const ef = Math.max(graph.searchEf, search.minEf, wanted === k ? wanted : wanted * FIELD_GRAPH_TUNING.widenedEfFactor);
    const labels = graph.search(query, wanted, ef, allowed);
    const found: number[] = [];
    for (const label of labels) {
      const row = rows[label] as number;
      if (!accept || accept(segment.keyAt(row), () => segment.records.metadataAt(row))) found.push(row);
    }
    if (found.length >= Math.min(k, live)) return found;
    // Short of K: the beam ran dry (deleted rows crowd it) or the filter rejected too many. Ask for
    // more, unless that is much of the field already, which a scan reads more cheaply.
    if (wanted >= live || wanted * 4 > live * FIELD_GRAPH_TUNING.maxShareBeforeScan) return undefined;
  }
}
