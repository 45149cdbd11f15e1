// Long encodings (segments, memtable snapshots of tens of thousands of rows) are written as generators
// that yield between steps of a few milliseconds. Run in steps, they let requests in between; run to
// completion, the same code serves tests and small objects.

/** Runs the steps, giving the event loop a turn after each. */
export async function runInSteps<T>(steps: Generator<void, T>): Promise<T> {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Runs the steps in one go. */
export function runAtOnce<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}
