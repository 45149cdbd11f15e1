// Alibaba Cloud OSS's conditional write (`x-oss-forbid-overwrite: true`, refused with 409
// FileAlreadyExists) on a real store: Ceph's gateway behind a proxy that answers as OSS documents
// (oss-dialect-proxy.ts). The blob-store conformance suite passes that way, creates send OSS's
// header and not If-None-Match, and a store that ignores the header (Ceph itself) is refused at
// start, with the option that fits it named.
import assert from "node:assert/strict";
import { test } from "node:test";
import { openS3BlobStore, S3BlobStore, UnsuitableStoreError } from "@ossv/engine/s3";
import { blobStoreConformance } from "../../packages/engine/src/testing/blob-store-conformance.ts";
import { OssDialectProxy } from "./oss-dialect-proxy.ts";
import { newBucket, storeOptions, useTestS3 } from "./test-s3.ts";

const { skip, s3 } = useTestS3();

async function behindOssProxy(prefix: string): Promise<{ store: S3BlobStore; proxy: OssDialectProxy; cleanup: () => Promise<void> }> {
  const endpoint = await s3();
  const bucket = await newBucket(endpoint);
  const proxy = new OssDialectProxy(new URL(endpoint.endpoint));
  const url = await proxy.start();
  const store = new S3BlobStore({ ...storeOptions(endpoint, bucket, prefix), endpoint: url, conditionalWrite: "oss-forbid-overwrite" });
  return { store, proxy, cleanup: async () => { store.destroy(); await proxy.stop(); } };
}

blobStoreConformance("S3 with OSS's x-oss-forbid-overwrite (Ceph behind an OSS-answering proxy)", async () => {
  const { store, cleanup } = await behindOssProxy("oss/");
  return { store, cleanup };
}, { skip, propertyRuns: 10 });

test("creates send x-oss-forbid-overwrite and no If-None-Match; a taken name is refused as OSS refuses it", { skip }, async () => {
  const { store, proxy, cleanup } = await behindOssProxy("p/");
  try {
    assert.equal(store.conditionalWrite, "oss-forbid-overwrite");
    await store.probe();
    assert.equal(await store.createIfAbsent("a/1", Buffer.from("first")), true);
    assert.equal(await store.createIfAbsent("a/1", Buffer.from("second")), false);
    assert.equal(Buffer.from((await store.get("a/1"))!).toString(), "first", "the first create stays");
    assert.ok(proxy.forbidOverwritePuts >= 4, `every create and probe PUT carried the header (${proxy.forbidOverwritePuts})`);
    assert.equal(proxy.ifNoneMatchPuts, 0, "no If-None-Match was sent");
  } finally {
    await cleanup();
  }
});

test("a store that ignores x-oss-forbid-overwrite (Ceph itself) is refused at start, naming the other condition", { skip }, async () => {
  const endpoint = await s3();
  const options = { ...storeOptions(endpoint, await newBucket(endpoint), "p/"), conditionalWrite: "oss-forbid-overwrite" as const };
  await assert.rejects(openS3BlobStore(options), (error: Error) => error instanceof UnsuitableStoreError
    && /ignores x-oss-forbid-overwrite: true/.test(error.message) && /--s3-conditional-write if-none-match/.test(error.message));
});
