// How large a merge may make a segment. An index opens by reading each segment object whole, and
// Node reads no file over 2 GiB in one piece (fs.readFile refuses it), so a merge that wrote a larger
// object would leave an index that cannot be opened again: at 768 dimensions one object of about
// 340,000 rows. Merges therefore keep what they write below `maxSegmentBytes`, packing the segments
// they would merge into groups that fit; an index larger than that is several segments, each searched
// through its own graph. A freeze keeps to the same limit (CollectionState.freeze), leaving out the
// full-text postings of a Fusion index, which are made only after it splits the memtable's rows: at a
// memtable's size (FlushPolicy) they are a few megabytes; merges, which make the large segments,
// count them.
import { segmentRowBytes } from "../format/segment-format.ts";
import type { Segment } from "../search/segment.ts";

export interface SegmentSizePolicy {
  /** No merge writes a segment object larger than this (estimated before the merge: segmentBytesOf). */
  maxSegmentBytes: number;
}

/**
 * The estimated size of the object a merge of `segments` writes: each live row's vector twice (the
 * object's block and the graph's copy), its graph links, its key and metadata as the input holds
 * them (an input's mean row, deleted rows included), and its share of the input's full-text postings.
 */
export function segmentBytesOf(segments: readonly Segment[]): number {
  let bytes = 0;
  for (const segment of segments) {
    if (segment.rows === 0) continue;
    bytes += segment.liveCount * segmentRowBytes(segment.dimension, segment.records.bytes.length / segment.rows);
    if (segment.text) bytes += (segment.liveCount / segment.rows) * segment.text.sectionBytes();
  }
  return bytes;
}

/**
 * `segments` packed into merges that each fit the limit: smallest first, each group growing while the
 * next one still fits. A group of one segment is kept only when merging it alone gives something back
 * (deleted rows); so an empty list means no merge would.
 */
export function mergeGroups(segments: readonly Segment[], policy: SegmentSizePolicy): Segment[][] {
  const bySize = segments.map((segment) => ({ segment, bytes: segmentBytesOf([segment]) })).sort((a, b) => a.bytes - b.bytes);
  const groups: Segment[][] = [];
  let group: Segment[] = [];
  let groupBytes = 0;
  for (const { segment, bytes } of bySize) {
    if (group.length > 0 && groupBytes + bytes > policy.maxSegmentBytes) {
      groups.push(group);
      group = [];
      groupBytes = 0;
    }
    group.push(segment);
    groupBytes += bytes;
  }
  if (group.length > 0) groups.push(group);
  return groups.filter((members) => members.length > 1 || (members[0] as Segment).liveCount < (members[0] as Segment).rows);
}
