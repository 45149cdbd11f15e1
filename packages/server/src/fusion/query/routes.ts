// Evaluating a Fusion query over the live documents (docs/fusion.md#scores-and-fusion): each route
// (a knn entry, a `query`, a retriever leaf) gives a ranked list of (key, score); compound retrievers
// fuse their components' lists by reciprocal rank or by weighted, normalised scores.
import { analyze, type VectorRecord } from "@ossv/engine";
import { nearest } from "../knn.ts";
import type { FieldIndexes } from "../text-indexes.ts";
import { evaluate, type ParsedExpression, type TextLeaf } from "./expression.ts";
import type { KnnRoute, Normalizer, RetrieverNode } from "./request.ts";

export interface Ranked {
  key: string;
  score: number;
}

export interface Documents {
  /** The live documents a query may see (partition keys already applied), in no particular order. */
  list: readonly VectorRecord[];
  /** The same documents by key: also what the text indexes' hits are held to. */
  byKey: ReadonlyMap<string, VectorRecord>;
  textIndexes: FieldIndexes;
}

/** Best first; equal scores in key order, so every ranking is total. */
export function byScore(a: Ranked, b: Ranked): number {
  return b.score - a.score || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
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

function textScores(expression: ParsedExpression, docs: Documents): Map<string, number>[] {
  return expression.texts.map((leaf) => {
    const terms = [...new Set(analyze(leaf.value, leaf.field.text!))];
    const index = docs.textIndexes.get(leaf.field.name);
    if (terms.length === 0 || !index) return new Map<string, number>();
    return index.search({ terms, minimumMatch: minimumMatchOf(leaf, terms.length) }, (key) => docs.byKey.has(key));
  });
}

/** A compiled expression: does a document match, and with what score. */
export type Matcher = (record: VectorRecord) => { match: boolean; score: number };

export function matcherOf(expression: ParsedExpression, docs: Documents): Matcher {
  const scores = textScores(expression, docs);
  return (record) => evaluate(expression.root, record.key, record.metadata, scores);
}

/** Every document the expression matches, best first. */
export function queryRoute(expression: ParsedExpression, docs: Documents): Ranked[] {
  const match = matcherOf(expression, docs);
  const out: Ranked[] = [];
  for (const record of docs.list) {
    const result = match(record);
    if (result.match) out.push({ key: record.key, score: result.score });
  }
  return out.sort(byScore);
}

/** The route's topK nearest documents that pass its filter, scored boost × similarity. */
export function knnRoute(route: KnnRoute, docs: Documents): Ranked[] {
  const filter = route.filter && matcherOf(route.filter, docs);
  const hits = nearest(docs.list, route.slot, route.vector, route.topK, filter && ((record) => filter(record).match));
  return hits.map((hit) => ({ key: hit.record.key, score: route.boost * hit.score })).sort(byScore);
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

/** A retriever's ranked list, best first. */
export function retrieve(node: RetrieverNode, docs: Documents): Ranked[] {
  if (node.kind === "simple") return queryRoute(node.query, docs);
  if (node.kind === "knn") return knnRoute(node.knn, docs);
  const fused = new Map<string, number>();
  for (const component of node.components) {
    const window = retrieve(component.node, docs).slice(0, node.windowSize);
    if (node.kind === "rrf") {
      window.forEach((item, rank) => fused.set(item.key, (fused.get(item.key) ?? 0) + component.weight / (node.k + rank + 1)));
    } else {
      for (const item of normalize(window, component.normalizer)) fused.set(item.key, (fused.get(item.key) ?? 0) + component.weight * item.score);
    }
  }
  return [...fused].map(([key, score]) => ({ key, score })).sort(byScore);
}
