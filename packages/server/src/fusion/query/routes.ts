// Evaluating a Fusion query over the documents it may see (docs/fusion.md#scores-and-fusion): each
// route (a knn entry, a `query`, a retriever leaf) gives a ranked list of (key, score); compound
// retrievers fuse their components' lists by reciprocal rank or by weighted, normalised scores.
import { analyze } from "@ossv/engine";
import { nearest, type DocumentScan } from "../knn.ts";
import { evaluate, prefilterOf, type Expression, type ParsedExpression, type TextLeaf } from "./expression.ts";
import type { FieldSearch } from "@ossv/engine";
import type { KnnRoute, Normalizer, RetrieverNode } from "./request.ts";
import { readOnce, type MetadataReader, type VisibleDocuments } from "./visible.ts";

export interface Ranked {
  key: string;
  score: number;
}

/** Best first; equal scores in key order, so every ranking is total. */
export function byScore(a: Ranked, b: Ranked): number {
  return b.score - a.score || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/**
 * The best `count` of `list` in byScore order (all of them when `count` is undefined). A common word
 * matches tens of thousands of documents of which an answer wants ten: the count-th best score is
 * found in a typed array (a numeric sort, several times faster than sorting the objects), and only
 * the items that reach it are sorted by byScore.
 */
export function bestOf<T extends Ranked>(list: T[], count?: number): T[] {
  if (count === undefined || list.length <= count * 4) return list.sort(byScore).slice(0, count);
  if (count <= 0) return [];
  const scores = Float64Array.from(list, (item) => item.score).sort();
  const threshold = scores[scores.length - count] as number;
  return list.filter((item) => item.score >= threshold).sort(byScore).slice(0, count);
}

/**
 * How many distinct query terms a document needs: all of them for operator "and"; else
 * minShouldMatch as a count or a percentage of the terms (rounded down, at least 1), 1 by default.
 * More than the query has matches nothing, as in Elasticsearch.
 */
export function minimumMatchOf(leaf: TextLeaf, termCount: number): number {
  if (leaf.operator === "and") return termCount;
  const raw = leaf.minShouldMatch;
  if (raw === undefined) return 1;
  const text = String(raw);
  const count = text.endsWith("%") ? Math.floor((termCount * Number(text.slice(0, -1))) / 100) : Number(text);
  return Math.max(1, count);
}

type TextScores = Map<string, number>[];

function textScores(expression: ParsedExpression, docs: VisibleDocuments): TextScores {
  return expression.texts.map((leaf) => {
    const terms = [...new Set(analyze(leaf.value, leaf.field.text!))];
    if (terms.length === 0) return new Map<string, number>();
    return docs.textSearch(leaf.field.name, { terms, minimumMatch: minimumMatchOf(leaf, terms.length) });
  });
}

/**
 * The keys a document must be among to match `node`, when full text decides that: a $textMatch
 * matches only its hits, $and only what any one of its clauses allows, $or only what all of its
 * clauses together allow. Undefined when any document might match (a scalar leaf, a $not-like $ne).
 */
function candidatesOf(node: Expression, scores: TextScores): ReadonlySet<string> | ReadonlyMap<string, number> | undefined {
  if (node.kind === "text") return scores[node.id]!;
  if (node.kind === "and") {
    let smallest: ReadonlySet<string> | ReadonlyMap<string, number> | undefined;
    for (const clause of node.clauses) {
      const candidates = candidatesOf(clause, scores);
      if (candidates && (!smallest || candidates.size < smallest.size)) smallest = candidates;
    }
    return smallest;
  }
  if (node.kind === "or") {
    const union = new Set<string>();
    for (const clause of node.clauses) {
      const candidates = candidatesOf(clause, scores);
      if (!candidates) return undefined;
      for (const key of candidates.keys()) union.add(key);
    }
    return union;
  }
  return undefined;
}

/**
 * Every document the expression matches, best first. When full text decides the candidates, only
 * they are evaluated; otherwise every visible document is.
 */
export function queryRoute(expression: ParsedExpression, docs: VisibleDocuments, count?: number): Ranked[] {
  const scores = textScores(expression, docs);
  const out: Array<Ranked & { metadata: MetadataReader }> = [];
  const consider = (key: string, metadata: MetadataReader) => {
    const result = evaluate(expression.root, key, metadata, scores);
    if (result.match) out.push({ key, score: result.score, metadata });
  };
  const candidates = candidatesOf(expression.root, scores);
  if (candidates) {
    for (const key of candidates.keys()) {
      const metadata = docs.metadataOfHit(key);
      if (metadata) consider(key, metadata);
    }
  } else {
    docs.scan((key, _row, metadata) => consider(key, readOnce(metadata)));
  }
  const best = bestOf(out, count);
  // Only what is kept is noted for sorting and the answer: a common word's other hits are not.
  return best.map(({ key, score, metadata }) => {
    docs.remember(key, metadata);
    return { key, score };
  });
}

/**
 * Full-text candidates of a knn filter at most this share of the documents (or this many) are ranked
 * exactly, each looked up: a graph asked for K documents that pass a rare word's filter would widen
 * its search until it scans the segment. Looking a document up costs a few microseconds.
 */
const LOOKUP_SHARE = 0.01;
const LOOKUP_MIN = 1024;

/** The route's topK nearest documents that pass its filter, scored boost × similarity. */
export function knnRoute(route: KnnRoute, docs: VisibleDocuments): Ranked[] {
  const scores = route.filter && textScores(route.filter, docs);
  const root = route.filter?.root;
  const accept = root && ((key: string, metadata: MetadataReader) => evaluate(root, key, metadata, scores!).match);
  const { slot, vector: query, topK: k, numCandidates: minEf } = route;
  const prefilter = root && prefilterOf(root);
  const search: FieldSearch = {
    field: slot.position, query, k, minEf, ...(accept && { accept }), ...(prefilter && { prefilter: { node: prefilter, key: JSON.stringify(prefilter) } }),
  };
  const candidates = root && candidatesOf(root, scores!);
  const few = candidates !== undefined && candidates.size <= Math.max(LOOKUP_MIN, docs.count * LOOKUP_SHARE);
  const scan: DocumentScan = few ? (visit) => docs.visitEach(candidates.keys(), visit) : (visit) => docs.scanNear(search, visit);
  const hits = nearest(scan, slot, query, k, accept);
  return hits.map((hit) => {
    docs.remember(hit.key, hit.metadata);
    return { key: hit.key, score: route.boost * hit.score };
  }).sort(byScore);
}

function normalize(list: Ranked[], normalizer: Normalizer): Ranked[] {
  if (normalizer === "none" || list.length === 0) return list;
  if (normalizer === "l2") {
    const norm = Math.sqrt(list.reduce((sum, item) => sum + item.score * item.score, 0));
    return list.map((item) => ({ key: item.key, score: norm === 0 ? 0 : item.score / norm }));
  }
  const scores = list.map((item) => item.score);
  const min = Math.min(...scores);
  const max = Math.max(...scores);
  return list.map((item) => ({ key: item.key, score: max === min ? 1 : (item.score - min) / (max - min) }));
}

/** A retriever's ranked list, best first: its best `count` when given, else all of it. */
export function retrieve(node: RetrieverNode, docs: VisibleDocuments, count?: number): Ranked[] {
  if (node.kind === "simple") return queryRoute(node.query, docs, count);
  if (node.kind === "knn") return knnRoute(node.knn, docs).slice(0, count);
  const fused = new Map<string, number>();
  for (const component of node.components) {
    const window = retrieve(component.node, docs, node.windowSize);
    if (node.kind === "rrf") {
      window.forEach((item, rank) => fused.set(item.key, (fused.get(item.key) ?? 0) + component.weight / (node.k + rank + 1)));
    } else {
      for (const item of normalize(window, component.normalizer)) fused.set(item.key, (fused.get(item.key) ?? 0) + component.weight * item.score);
    }
  }
  return bestOf([...fused].map(([key, score]) => ({ key, score })), count);
}
