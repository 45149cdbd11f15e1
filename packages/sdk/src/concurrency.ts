// A tiny bounded worker pool: `limit` tasks in flight, the next one started as soon as one settles.

/**
 * Runs `task(0) ... task(count - 1)` with at most `limit` running at once. A task's own failure is
 * its business (tasks here record errors instead of throwing); `shouldStop` ends the run early,
 * leaving later tasks unstarted. Resolves with the indices that were never started.
 */
export async function runBounded(
  count: number, limit: number, task: (index: number) => Promise<void>, shouldStop: () => boolean = () => false,
): Promise<number[]> {
  let next = 0;
  const worker = async () => {
    while (next < count && !shouldStop()) {
      const index = next++;
      await task(index);
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, count)) }, worker);
  await Promise.all(workers);
  return Array.from({ length: count - next }, (_, offset) => next + offset);
}

/** Splits `items` into consecutive chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}
