// Segmented ListVectors (docs/protocol.md#listvectors): the index is split into `segmentCount` disjoint
// segments that are listed concurrently, and vectors are yielded in whatever order pages arrive. Each
// segment keeps at most one request in flight, so a slow consumer slows the listing down instead of
// buffering it.
import type { VectorsClient } from "./client.ts";
import { InvalidParamError } from "./errors.ts";
import { paginateListVectors } from "./paginators.ts";
import type { ListVectorsRequest, ListVectorsResult, RequestOptions, Vector } from "./types.ts";

export const MAX_SEGMENTS = 16;

export interface ListVectorsParallelRequest extends Omit<ListVectorsRequest, "segmentCount" | "segmentIndex" | "nextToken"> {
  /** 1–16 segments listed at once. */
  segmentCount: number;
}

type PageResult = IteratorResult<ListVectorsResult, void>;

/** Forwards the caller's abort and lets us cancel the other segments when one fails or we stop. */
function linkedController(signal: AbortSignal | undefined): { controller: AbortController; unlink: () => void } {
  const controller = new AbortController();
  const forward = () => controller.abort(signal?.reason);
  if (signal?.aborted) forward();
  else signal?.addEventListener("abort", forward, { once: true });
  return { controller, unlink: () => signal?.removeEventListener("abort", forward) };
}

export async function* listVectorsParallel(
  client: Pick<VectorsClient, "listVectors">, input: ListVectorsParallelRequest, options: RequestOptions = {},
): AsyncGenerator<Vector, void, undefined> {
  const { segmentCount } = input;
  if (!Number.isInteger(segmentCount) || segmentCount < 1 || segmentCount > MAX_SEGMENTS) {
    throw new InvalidParamError("segmentCount", `an integer from 1 to ${MAX_SEGMENTS}`, { operation: "ListVectors" });
  }
  const { controller, unlink } = linkedController(options.abortSignal);
  const segmentOptions = { ...options, abortSignal: controller.signal };
  const segments = Array.from({ length: segmentCount }, (_, segmentIndex) =>
    paginateListVectors(client, { ...input, segmentCount, segmentIndex }, segmentOptions));
  const pending = new Map<number, Promise<{ segment: number; page: PageResult }>>();
  const pull = (segment: number) =>
    pending.set(segment, segments[segment]!.next().then((page) => ({ segment, page })));
  segments.forEach((_, segment) => pull(segment));
  try {
    while (pending.size > 0) {
      const { segment, page } = await Promise.race(pending.values());
      pending.delete(segment);
      if (page.done) continue;
      pull(segment);
      yield* page.value.vectors;
    }
  } finally {
    controller.abort();
    unlink();
    // Settle the cancelled requests so none rejects unobserved, then close the generators.
    await Promise.allSettled(pending.values());
    await Promise.allSettled(segments.map((segment) => segment.return()));
  }
}
