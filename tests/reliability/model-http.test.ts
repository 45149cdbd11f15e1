// Model-based randomized test through HTTP: a real server on port 0 (tiny checkpoint policy, so
// segments, merges and compactions happen), driven by @ossv/sdk with the same command sequences as
// the engine's model test, restarts of the server on the same data directory included, plus requests
// just past each limit that must be refused with their 4xx error and change nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { dimensionArb, vectorKeyArb } from "./generators.ts";
import { HttpTarget } from "./http-target.ts";
import { ListCommand, modelRunArb, PutCommand, runModel, type RunSetup } from "./model-commands.ts";
import { everyRefusal, refusalCommands } from "./refusals.ts";
import { assertAsyncProperty, scaled } from "./scale.ts";
import { smallCheckpointPolicy, useSearchMode } from "./search-mode.ts";

test("server over HTTP: random command sequences agree with the in-memory model", { timeout: scaled(150_000, 4_000_000) }, async () => {
  let sequences = 0;
  const property = fc.asyncProperty(
    modelRunArb(vectorKeyArb, dimensionArb, scaled(20, 60), refusalCommands),
    fc.constantFrom(2, 5, 16),
    async ([setup, commands], segmentRows) => {
      const restoreSearch = useSearchMode(setup.exactSearch);
      const target = await HttpTarget.start(setup, smallCheckpointPolicy(segmentRows));
      sequences++;
      try {
        await runModel(setup, commands, target);
        assert.deepEqual(target.internalErrors, [], "the server had internal errors");
      } finally {
        await target.stop();
        restoreSearch();
      }
    },
  );
  await assertAsyncProperty("http model", property, { ci: 12, torture: 300 }, { ci: 120_000, torture: 900_000 });
  console.log(`# http model: ${sequences} sequences run`);
});

test("server over HTTP: a request just past each limit is refused with 400 and changes nothing", async () => {
  const setup: RunSetup = {
    dimension: 3, metric: "cosine", nonFilterable: ["body"], keys: ["a", "ключ", "😀".repeat(1024)], exactSearch: true,
  };
  // Rows exist before (two of the three keys), so "changes nothing" covers overwrites as well as new keys.
  const before = new PutCommand([0, 2], 2, { seed: 7, edgeShare: 0, scale: 1 }, [{ genre: "drama", body: "x" }]);
  const target = await HttpTarget.start(setup, smallCheckpointPolicy(2));
  try {
    await runModel(setup, [before, ...everyRefusal(), new ListCommand(2, undefined)], target);
  } finally {
    await target.stop();
  }
});
