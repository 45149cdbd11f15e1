// Many processes, not just many promises of one, create the same names at once on a real store:
// each name must have exactly one winner, and the object must hold the winner's bytes. Here the
// store's If-None-Match is all that decides, since no two processes share memory or sockets.
// Rounds start together: every writer has answered the last round before the next "go" is sent.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { S3BlobStore } from "@ossv/engine/s3";
import { newBucket, storeOptions, useTestS3 } from "./test-s3.ts";

const { skip, s3 } = useTestS3();
const CHILD = fileURLToPath(new URL("./create-race-child.ts", import.meta.url));
const WRITERS = 8;
const ROUNDS = 10;
const NAMES = 20;

/** A writer process and a way to await each line it prints. */
function startWriter(writer: number, options: unknown) {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, String(writer), String(NAMES)], {
    env: { ...process.env, OSSV_RACE_STORE: JSON.stringify(options), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const waiting: ((line: string) => void)[] = [];
  const exited = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`writer ${writer} exited with ${code}: ${stderr}`))));
  createInterface({ input: child.stdout }).on("line", (line) => waiting.shift()?.(line));
  const nextLine = () => Promise.race([new Promise<string>((resolve) => waiting.push(resolve)), exited]);
  exited.catch(() => undefined);
  return { child, nextLine };
}

test(`${WRITERS} processes creating the same names at once, ${ROUNDS} rounds of ${NAMES}: exactly one winner each`, { skip }, async () => {
  const endpoint = await s3();
  const options = storeOptions(endpoint, await newBucket(endpoint), "race/");
  const writers = Array.from({ length: WRITERS }, (_, writer) => startWriter(writer, options));
  const store = new S3BlobStore(options);
  try {
    assert.deepEqual(await Promise.all(writers.map((each) => each.nextLine())), writers.map(() => "ready"));
    const split: number[][] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const answers = writers.map((each) => each.nextLine());
      for (const { child } of writers) child.stdin.write(`go ${round}\n`);
      const won = (await Promise.all(answers)).map((line) => JSON.parse(line) as string[]);
      const names = await store.list(`round-${round}/`);
      assert.equal(names.length, NAMES);
      for (const name of names) {
        const winners = won.flatMap((wonNames, writer) => (wonNames.includes(name) ? [writer] : []));
        assert.equal(winners.length, 1, `${name}: winners ${winners.join(", ")}`);
        assert.equal(Buffer.from((await store.get(name))!).toString(), `writer ${winners[0]}`, name);
      }
      split.push(won.map((wonNames) => wonNames.length));
    }
    // How the wins fell, to show the writers did contend (all to one writer every round would not).
    console.log(`# names won per writer, each round: ${split.map((round) => round.join("/")).join("  ")}`);
  } finally {
    store.destroy();
    for (const { child } of writers) child.stdin.end();
  }
});
