// Crash torture on a Fusion index (load/crash-torture.ts with load/fusion-kind.ts): the Standard
// torture's kill loop, load and guarantees, on documents with two vector fields of different
// dimensions and metrics (one left out of some documents) and a full-text field, put, overwritten and
// deleted on overlapping keys. After every restart, besides the ledger check: every field of every
// present document bit-exact and its metadata exact; each present key's own word finding it and only
// it, the words of overwritten and deleted documents finding nothing (a stale text hit is the bug this
// guards against); sampled documents their own nearest neighbours by k-NN on each vector field.
import { test } from "node:test";
import { crashTorture, KILLS, TORTURE_TIMEOUT_MS } from "./load/crash-torture.ts";
import { fusionKind } from "./load/fusion-kind.ts";

test(`SIGKILL of ossv serve under a 16-client load on a Fusion index, ${KILLS} times: no document, vector or text is lost, stale or undone`, { timeout: TORTURE_TIMEOUT_MS }, async () => {
  await crashTorture(fusionKind, "fusion crash torture");
});
