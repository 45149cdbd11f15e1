// Whole files read in parts give back exactly the bytes of fs.readFile, whatever the part size; a file
// over 2 GiB, which readFile refuses, is the case the parts exist for (checked by hand: too large to
// allocate in every test run).
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readWholeFile } from "./read-whole.ts";
import { withTempDir } from "../testing/test-support.ts";

test("a file read in parts of any size is the file", async () => {
  await withTempDir(async (dir) => {
    for (const size of [0, 1, 7, 8, 10_001]) {
      const path = join(dir, `f${size}`);
      await writeFile(path, randomBytes(size));
      const expected = await readFile(path);
      assert.deepEqual(await readWholeFile(path), expected, `${size} bytes whole`);
      for (const part of [1, 3, 7, 4096]) assert.deepEqual(await readWholeFile(path, 0, part), expected, `${size} bytes in parts of ${part}`);
    }
  });
});

test("a missing file is ENOENT, as readFile says it", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(readWholeFile(join(dir, "absent")), { code: "ENOENT" });
  });
});
