// A small labelled relevance collection, generated deterministically (same seed, same collection on
// every machine): documents with a title and a 16-dimensional embedding, and queries with the keys
// relevant to each. It is built so that each signal alone is misleading in a known way, as real text
// and embeddings are:
//
// * Topics come in pairs that share their vocabulary, so a query's words match its topic and its twin
//   equally (text alone cannot tell them apart); a third of each topic's documents also miss the
//   query's words altogether (vocabulary mismatch).
// * Each topic's embedding centre lies close to that of a topic of another pair, and a query's vector is
//   its centre plus noise, so the nearest documents mix the topic with its vector neighbour.
//
// Relevant to a query: the documents of its topic (grade 2 when they use the query's words, else 1).
import { seededRandom } from "../../../../packages/engine/src/base/seeded-random.mjs";

export const DIMENSION = 16;
const TOPICS = 12;
const DOCS_PER_TOPIC = 25;
const WORDS_PER_PAIR = 6;

export interface LabelledDoc {
  key: string;
  topic: number;
  title: string;
  vector: number[];
}

export interface LabelledQuery {
  id: string;
  text: string;
  vector: number[];
  /** key → relevance grade (absent: 0). */
  grades: Map<string, number>;
}

export interface Collection {
  docs: LabelledDoc[];
  queries: LabelledQuery[];
}

const SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "zu", "pe", "do", "ga"];

function wordOf(n: number): string {
  return SYLLABLES[n % 12]! + SYLLABLES[Math.floor(n / 12) % 12]! + SYLLABLES[(n * 7 + 3) % 12]!;
}

function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

function around(center: number[], spread: number, random: () => number): number[] {
  return center.map((x) => Number((x + spread * gaussian(random)).toFixed(4)));
}

export function buildCollection(seed = 20261206): Collection {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const pairWords = Array.from({ length: TOPICS / 2 }, (_, pair) => Array.from({ length: WORDS_PER_PAIR }, (_, i) => wordOf(pair * WORDS_PER_PAIR + i)));
  const filler = Array.from({ length: 40 }, (_, i) => wordOf(500 + i));
  // Centres: topic t and its vector neighbour t + 6 (mod 12; always another pair) share a base direction.
  const bases = Array.from({ length: TOPICS / 2 }, () => Array.from({ length: DIMENSION }, () => gaussian(random)));
  const centers = Array.from({ length: TOPICS }, (_, t) => around(bases[t % (TOPICS / 2)]!, 0.45, random));
  const docs: LabelledDoc[] = [];
  const usesQueryWords = new Set<string>();
  for (let topic = 0; topic < TOPICS; topic++) {
    const words = pairWords[Math.floor(topic / 2)]!;
    for (let i = 0; i < DOCS_PER_TOPIC; i++) {
      const key = `t${String(topic).padStart(2, "0")}-d${String(i).padStart(2, "0")}`;
      const onTopic = i % 3 !== 0;
      const terms = [
        ...(onTopic ? [words[0]!, pick(words.slice(1))] : [pick(words.slice(2))]),
        pick(filler), pick(filler), pick(filler),
      ];
      if (onTopic) usesQueryWords.add(key);
      docs.push({ key, topic, title: terms.join(" "), vector: around(centers[topic]!, 0.5, random) });
    }
  }
  const queries: LabelledQuery[] = [];
  for (let topic = 0; topic < TOPICS; topic++) {
    const words = pairWords[Math.floor(topic / 2)]!;
    const grades = new Map<string, number>();
    for (const doc of docs) if (doc.topic === topic) grades.set(doc.key, usesQueryWords.has(doc.key) ? 2 : 1);
    queries.push({ id: `q${topic}`, text: `${words[0]!} ${words[1]!}`, vector: around(centers[topic]!, 0.5, random), grades });
  }
  return { docs, queries };
}

/** nDCG@k of a ranking, with gains 2^grade − 1 and log2 discounts. */
export function ndcgAt(k: number, ranking: readonly string[], grades: ReadonlyMap<string, number>): number {
  const dcg = (gradesInOrder: number[]) => gradesInOrder.slice(0, k).reduce((sum, grade, i) => sum + (2 ** grade - 1) / Math.log2(i + 2), 0);
  const ideal = dcg([...grades.values()].sort((a, b) => b - a));
  return ideal === 0 ? 0 : dcg(ranking.map((key) => grades.get(key) ?? 0)) / ideal;
}
