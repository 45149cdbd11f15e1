// The documents one QueryVectorsFusion request may see: the index's live documents, narrowed by the
// request's partition keys (a hard pre-filter). Nothing is gathered up front. A route that must look
// at every document scans the engine's rows in place (Collection.forEachLive); a route driven by full
// text looks up only the documents its terms hit; a document's metadata is decoded only when a
// filter, a partition key, a sort or the response reads it. Gathering every document into an object
// and a map first had cost more than the query: at 100,000 documents, most of a text-only query's
// 140 ms (docs/fusion.md#querying).
//
// Everything here is for one synchronous step: the rows and metadata readers handed out are the
// engine's own, valid until the next write.
import type { Collection, FieldSearch, LiveRowVisitor, Metadata, TextMatch } from "@ossv/engine";
import type { FilterNode } from "@ossv/protocol";

/** Reads a document's metadata (decoding it the first time). */
export type MetadataReader = () => Readonly<Metadata>;

export interface Partition {
  /** The schema's partition key field. */
  field: string;
  /** The values the request allows. */
  values: ReadonlySet<string>;
}

/** Decodes once, however often it is asked. */
export function readOnce(read: MetadataReader): MetadataReader {
  let metadata: Readonly<Metadata> | undefined;
  return () => (metadata ??= read());
}

export class VisibleDocuments {
  /** Metadata readers of documents already met, by key; undefined for a key not visible. */
  private readonly known = new Map<string, MetadataReader | undefined>();

  constructor(
    private readonly collection: Collection,
    private readonly partition?: Partition,
  ) {}

  /** Visits every visible document: its key, its engine row, and a reader of its metadata. */
  scan(visit: LiveRowVisitor): void {
    const partition = this.partition;
    if (!partition) {
      this.collection.forEachLive(visit);
      return;
    }
    this.collection.forEachLive(withinPartition(partition, visit));
  }

  /** Live documents in the index (before partition keys). */
  get count(): number {
    return this.collection.count();
  }

  /**
   * Visits, as scan does, the visible documents among `keys` (each looked up, so for a few of them);
   * keys that are not visible documents are skipped.
   */
  visitEach(keys: Iterable<string>, visit: LiveRowVisitor): void {
    for (const record of this.collection.get([...keys])) {
      if (this.partition && !allows(this.partition, record.metadata)) continue;
      visit(record.key, record.data, () => record.metadata);
    }
  }

  /**
   * Visits, as scan does, the visible documents among which the best `k` on a vector field that
   * `accept` lets through lie: the engine's field graphs pick them where it has built them
   * (Collection.forEachFieldCandidate). The visitor still applies `accept` to what it ranks.
   */
  scanNear(search: FieldSearch, visit: LiveRowVisitor): void {
    const partition = this.partition;
    if (!partition) {
      this.collection.forEachFieldCandidate(search, visit);
      return;
    }
    const { accept, prefilter } = search;
    const inPartition = (metadata: MetadataReader) => allows(partition, metadata());
    const allowed: FieldSearch["accept"] = accept ? (key, metadata) => inPartition(metadata) && accept(key, metadata) : (_key, metadata) => inPartition(metadata);
    // The partition key is a string field that is never an array: `$in` of the engine means the same.
    const inValues: FilterNode = { op: "in", key: partition.field, values: [...partition.values] };
    const node: FilterNode = prefilter ? { op: "and", children: [prefilter.node, inValues] } : inValues;
    const narrowed = { ...search, accept: allowed, prefilter: { node, key: JSON.stringify(node) } };
    this.collection.forEachFieldCandidate(narrowed, withinPartition(partition, visit));
  }

  /**
   * BM25 scores of the visible documents matching on text field `field`, by key (the engine's
   * full-text postings, which hold exactly its live documents: only partition keys narrow them).
   */
  textSearch(field: string, match: TextMatch): Map<string, number> {
    const visible = this.partition && ((key: string) => this.metadataOf(key) !== undefined);
    return this.collection.textSearch(field, match, visible);
  }

  /** A reader of a visible document's metadata, or undefined when the key is not a visible document. */
  metadataOf(key: string): MetadataReader | undefined {
    if (this.known.has(key)) return this.known.get(key);
    const record = this.collection.get([key])[0];
    const reader = record && (!this.partition || allows(this.partition, record.metadata)) ? () => record.metadata : undefined;
    this.known.set(key, reader);
    return reader;
  }

  /**
   * A reader of the metadata of a full-text hit, which the caller knows to be a live document: looked
   * up only when read. A common word hits tens of thousands of documents, and a query whose expression
   * reads no metadata (a $textMatch alone) ranks them all without looking any of them up; only those
   * that reach the answer, a sort or a scalar clause are. With partition keys every hit is looked up
   * at once, to hold it to the partition.
   */
  metadataOfHit(key: string): MetadataReader | undefined {
    if (this.partition) return this.metadataOf(key);
    const known = this.known.get(key);
    if (known) return known;
    // Read from the engine directly, not through `known`: once remembered, this very reader is there.
    return readOnce(() => {
      const record = this.collection.get([key])[0];
      if (!record) throw new Error(`full-text hit ${JSON.stringify(key)} is not a live document`);
      return record.metadata;
    });
  }

  /**
   * Notes the metadata reader of a document a route met while scanning, so that sorting and the
   * response read it from there instead of looking the document up again.
   */
  remember(key: string, metadata: MetadataReader): void {
    this.known.set(key, metadata);
  }
}

/** `visit`, for the rows of the partition only; each row's metadata decoded once. */
function withinPartition(partition: Partition, visit: LiveRowVisitor): LiveRowVisitor {
  return (key, row, metadataOf) => {
    const metadata = readOnce(metadataOf);
    if (allows(partition, metadata())) visit(key, row, metadata);
  };
}

function allows(partition: Partition, metadata: Readonly<Metadata>): boolean {
  const value = metadata[partition.field];
  return typeof value === "string" && partition.values.has(value);
}
