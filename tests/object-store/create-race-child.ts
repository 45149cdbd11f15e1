// One writer of create-race.test.ts, in a process of its own. It connects and says "ready"; then
// for each line "go R" on stdin it tries to create all of round R's names at once (in one order, a
// writer that got going first would win every name) and prints the names it won as one JSON line.
// Usage: node --import tsx create-race-child.ts WRITER NAMES (store options as JSON in OSSV_RACE_STORE).
import { createInterface } from "node:readline";
import { S3BlobStore, type S3StoreOptions } from "@ossv/engine/s3";

const [writer, count] = process.argv.slice(2);
const store = new S3BlobStore(JSON.parse(process.env["OSSV_RACE_STORE"]!) as S3StoreOptions);
process.stdout.write("ready\n");
for await (const line of createInterface({ input: process.stdin })) {
  const round = /^go (\d+)$/.exec(line)?.[1];
  if (round === undefined) break;
  const names = Array.from({ length: Number(count) }, (_, i) => `round-${round}/${String(i).padStart(4, "0")}`);
  const created = await Promise.all(names.map((name) => store.createIfAbsent(name, Buffer.from(`writer ${writer}`))));
  process.stdout.write(`${JSON.stringify(names.filter((_, i) => created[i]))}\n`);
}
store.destroy();
