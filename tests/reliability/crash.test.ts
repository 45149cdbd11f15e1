// Crash torture on a Standard index (load/crash-torture.ts): a real `ossv serve` SIGKILLed again and
// again under a 16-client load on one data directory; after every restart the ledger is checked (nothing
// acknowledged lost, no acknowledged delete undone, vectors bit-exact, GetVectors and ListVectors in
// agreement, a query for a present vector finding it), and at the end every read for linearizability.
import { test } from "node:test";
import { crashTorture, KILLS, TORTURE_TIMEOUT_MS } from "./load/crash-torture.ts";
import { standardKind } from "./load/standard-kind.ts";

test(`SIGKILL of ossv serve under a 16-client load, ${KILLS} times: nothing acknowledged is lost or undone`, { timeout: TORTURE_TIMEOUT_MS }, async () => {
  await crashTorture(standardKind, "crash torture");
});
