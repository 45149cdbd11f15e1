// Which conditional write a store gets: the operator's choice, else what its endpoint implies.
import { test } from "node:test";
import assert from "node:assert/strict";
import { conditionalWriteFor } from "./conditional-write.ts";

test("an *.aliyuncs.com endpoint gets OSS's header, every other endpoint If-None-Match, unless the operator says", () => {
  for (const endpoint of ["https://oss-cn-hangzhou.aliyuncs.com", "https://bucket.oss-cn-beijing-internal.aliyuncs.com", "https://OSS-AP-SOUTHEAST-1.ALIYUNCS.COM:443"]) {
    assert.equal(conditionalWriteFor(endpoint), "oss-forbid-overwrite", endpoint);
  }
  for (const endpoint of [undefined, "http://127.0.0.1:7480", "https://s3.amazonaws.com", "https://aliyuncs.com.example.org", "https://notaliyuncs.com"]) {
    assert.equal(conditionalWriteFor(endpoint), "if-none-match", String(endpoint));
  }
  assert.equal(conditionalWriteFor("https://oss-cn-hangzhou.aliyuncs.com", "if-none-match"), "if-none-match");
  assert.equal(conditionalWriteFor("http://127.0.0.1:7480", "oss-forbid-overwrite"), "oss-forbid-overwrite");
});
