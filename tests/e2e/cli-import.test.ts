// `ossv vectors import`, `export` and `copy` run as a user runs them, against `ossv serve` on free
// ports: a bad line skipped and reported by its line number (exit 1), an export that gives back the
// good records bit for bit, a Parquet round trip, a copy between two servers, and an import stopped
// with Ctrl-C (SIGINT) and finished with --resume.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { encodeNpy } from "../../packages/cli/src/data/index.ts";
import { OSSV_CLI, spawnServe, TEST_ACCOUNT, type ServeProcess } from "./serve-process.ts";
import { cliEnv, runCli, type CliRun } from "./cli-run.ts";

let server: ServeProcess;
let other: ServeProcess;
let dir: string;
let home: string;
let endpoint: string;
let otherEndpoint: string;

const userEnv = (): NodeJS.ProcessEnv => cliEnv(home);

const connection = () => ["--endpoint", endpoint, "--account-id", TEST_ACCOUNT.OSSV_ACCOUNT_ID];

function run(args: string[], at = connection()): Promise<CliRun> {
  return runCli([...args, ...at], userEnv(), 64 << 20);
}

async function ok(args: string[], at = connection()): Promise<CliRun> {
  const result = await run(args, at);
  assert.equal(result.code, 0, `ossv ${args.join(" ")}: ${result.stderr}`);
  return result;
}

interface Line { key: string; data: number[]; metadata?: Record<string, unknown> }

async function readLines(file: string): Promise<Line[]> {
  const text = await readFile(file, "utf8");
  return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as Line).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Same keys, the same float32 bits, the same metadata. */
function assertSameRecords(actual: Line[], expected: Line[]): void {
  assert.deepEqual(actual.map((l) => l.key), expected.map((l) => l.key));
  actual.forEach((line, i) => {
    const want = expected[i]!;
    assert.deepEqual(new Uint32Array(Float32Array.from(line.data).buffer), new Uint32Array(Float32Array.from(want.data).buffer), line.key);
    assert.deepEqual(line.metadata, want.metadata, line.key);
  });
}

const good: Line[] = [
  { key: "a", data: [0.1, -2.5, 3.14159], metadata: { genre: "jazz", year: 1959 } },
  { key: "b", data: [1e-7, 123456.789, -0.3333333] },
  { key: "d", data: [0, 1, 2], metadata: { tags: ["x", "y"], ok: true } },
  { key: "e", data: [7.25, -7.25, 1 / 3], metadata: { genre: "rock" } },
];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "ossv-cli-import-"));
  home = join(dir, "home");
  await mkdir(home);
  [server, other] = await Promise.all([
    spawnServe(["--data-dir", join(dir, "data"), "--quiet"], TEST_ACCOUNT),
    spawnServe(["--data-dir", join(dir, "data2"), "--quiet"], TEST_ACCOUNT),
  ]);
  endpoint = `http://127.0.0.1:${server.port}`;
  otherEndpoint = `http://127.0.0.1:${other.port}`;
  await ok(["bucket", "create", "books"]);
  for (const index of ["titles", "fromparquet", "fromcsv", "fromnpy", "fromnpy64"]) await ok(["index", "create", "books", index, "--dimension", "3", "--metric", "euclidean"]);
});

after(async () => {
  for (const s of [server, other]) s.child.kill("SIGTERM");
  await Promise.all([server.exited, other.exited]);
  await rm(dir, { recursive: true, force: true });
});

test("import skips a bad line and reports its line number (exit 1); export gives the good records back bit for bit", async () => {
  const file = join(dir, "titles.jsonl");
  const lines = [good[0], good[1], { key: "c", data: "not a vector" }, good[2], good[3]].map((l) => JSON.stringify(l));
  await writeFile(file, lines.join("\n") + "\n");
  const imported = await run(["vectors", "import", file, "--bucket", "books", "--index", "titles", "--on-error", "skip"]);
  assert.equal(imported.code, 1, imported.stderr);
  assert.match(imported.stderr, /^line 3: c: the vector must be an array of numbers$/m);
  assert.match(imported.stderr, /import: 5 rows in .* 1 errors/);
  assert.match(imported.stderr, /1 bad record\(s\) skipped/);
  assert.equal(existsSync(`${file}.ossv-checkpoint`), false, "a finished import leaves no checkpoint");

  // The default, --on-error abort, stops at the bad line and keeps the checkpoint.
  const aborted = await run(["vectors", "import", file, "--bucket", "books", "--index", "titles"]);
  assert.equal(aborted.code, 1);
  assert.match(aborted.stderr, /line 3: c: the vector must be an array of numbers/);
  assert.match(aborted.stderr, /--resume/);
  await rm(`${file}.ossv-checkpoint`, { force: true });

  const out = join(dir, "export.jsonl");
  await ok(["vectors", "export", "--bucket", "books", "--index", "titles", "--format", "jsonl", "--out", out]);
  assertSameRecords(await readLines(out), good);
});

test("a Parquet export imports back into another index unchanged", async () => {
  const parquet = join(dir, "titles.parquet");
  await ok(["vectors", "export", "--bucket", "books", "--index", "titles", "--format", "parquet", "--out", parquet, "--segments", "2"]);
  const imported = await ok(["vectors", "import", parquet, "--bucket", "books", "--index", "fromparquet"]);
  assert.match(imported.stderr, /import: 4 rows in .* 0 errors/);
  const out = join(dir, "fromparquet.jsonl");
  await ok(["vectors", "export", "--bucket", "books", "--index", "fromparquet", "--format", "jsonl", "--out", out]);
  assertSameRecords(await readLines(out), good);
});

/** A CSV cell, quoted (its JSON holds commas and quotes). */
const csvCell = (text: string) => `"${text.replaceAll('"', '""')}"`;

async function exported(index: string): Promise<Line[]> {
  const out = join(dir, `${index}.export.jsonl`);
  await ok(["vectors", "export", "--bucket", "books", "--index", index, "--format", "jsonl", "--out", out]);
  return readLines(out);
}

test("a CSV file (JSON-array and space-separated vector cells, a JSON metadata column) imports bit for bit", async () => {
  const file = join(dir, "titles.csv");
  const rows = good.map((line, i) => [
    line.key, i % 2 === 0 ? csvCell(JSON.stringify(line.data)) : line.data.join(" "), line.metadata ? csvCell(JSON.stringify(line.metadata)) : "",
  ].join(","));
  await writeFile(file, ["key,vector,metadata", ...rows].join("\r\n") + "\r\n");
  const imported = await ok(["vectors", "import", file, "--bucket", "books", "--index", "fromcsv"]);
  assert.match(imported.stderr, /import: 4 rows in .* 0 errors/);
  assertSameRecords(await exported("fromcsv"), good);
});

test(".npy files import bit for bit: float32 with --keys-file, float64 with --key-prefix", async () => {
  const vectors = good.map((line) => line.data);
  await writeFile(join(dir, "v32.npy"), encodeNpy(vectors, 3));
  await writeFile(join(dir, "keys.txt"), good.map((line) => line.key).join("\n") + "\n");
  await ok(["vectors", "import", join(dir, "v32.npy"), "--bucket", "books", "--index", "fromnpy", "--keys-file", join(dir, "keys.txt")]);
  assertSameRecords(await exported("fromnpy"), good.map(({ key, data }) => ({ key, data })));
  // float64 cells are rounded to float32 once, as the server stores them.
  await writeFile(join(dir, "v64.npy"), encodeNpy(vectors, 3, "float64"));
  await ok(["vectors", "import", join(dir, "v64.npy"), "--bucket", "books", "--index", "fromnpy64", "--key-prefix", "row-"]);
  assertSameRecords(await exported("fromnpy64"), good.map(({ data }, i) => ({ key: `row-${i}`, data })));
});

test("copy between two servers, the target's connection from --to-* flags", async () => {
  const there = ["--endpoint", otherEndpoint, "--account-id", TEST_ACCOUNT.OSSV_ACCOUNT_ID];
  await ok(["bucket", "create", "shelf"], there);
  await ok(["index", "create", "shelf", "copied", "--dimension", "3", "--metric", "euclidean"], there);
  const copied = await ok(["vectors", "copy", "--bucket", "books", "--index", "titles", "--to-bucket", "shelf", "--to-index", "copied",
    "--to-endpoint", otherEndpoint, "--to-account-id", TEST_ACCOUNT.OSSV_ACCOUNT_ID]);
  assert.match(copied.stderr, /copy: 4 rows/);
  const out = join(dir, "copied.jsonl");
  await ok(["vectors", "export", "--bucket", "shelf", "--index", "copied", "--format", "jsonl", "--out", out], there);
  assertSameRecords(await readLines(out), good);
});

test("an import stopped with SIGINT keeps its checkpoint; --resume finishes it with exactly the file's keys", async () => {
  await ok(["index", "create", "books", "big", "--dimension", "4", "--metric", "euclidean"]);
  const rows = 30_000;
  const file = join(dir, "big.jsonl");
  const text: string[] = [];
  for (let i = 0; i < rows; i++) text.push(JSON.stringify({ key: `k${i}`, data: [i, i / 2, -i, 1], metadata: { n: i } }));
  await writeFile(file, text.join("\n") + "\n");
  const checkpoint = `${file}.ossv-checkpoint`;
  const args = [...OSSV_CLI, "vectors", "import", file, "--bucket", "books", "--index", "big", "--batch-size", "20", "--concurrency", "1", ...connection()];
  const child = spawn(process.execPath, args, { env: userEnv(), stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => { stderr += chunk.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  // Wait until the checkpoint shows progress, then interrupt.
  for (let waited = 0; ; waited += 20) {
    assert.ok(waited < 60_000, `no checkpoint with progress: ${stderr}`);
    if (existsSync(checkpoint)) {
      const saved = JSON.parse(await readFile(checkpoint, "utf8").catch(() => "{}")) as { position?: number };
      if ((saved.position ?? 0) > 0) break;
    }
    await delay(20);
  }
  child.kill("SIGINT");
  assert.equal(await exited, 1, stderr);
  assert.match(stderr, /interrupted/);
  const stopped = JSON.parse(await readFile(checkpoint, "utf8")) as { position: number; complete: boolean };
  assert.equal(stopped.complete, false);
  assert.ok(stopped.position > 0 && stopped.position < rows, `stopped at ${stopped.position}`);

  const resumed = await ok(["vectors", "import", file, "--bucket", "books", "--index", "big", "--resume"]);
  assert.match(resumed.stderr, new RegExp(`resumed at record ${stopped.position}; ${rows - stopped.position} written in this run`));
  assert.equal(existsSync(checkpoint), false);
  const out = join(dir, "big-export.jsonl");
  await ok(["vectors", "export", "--bucket", "books", "--index", "big", "--format", "jsonl", "--out", out]);
  const keys = (await readLines(out)).map((l) => l.key);
  assert.equal(keys.length, rows);
  assert.deepEqual(new Set(keys), new Set(Array.from({ length: rows }, (_, i) => `k${i}`)));
});
