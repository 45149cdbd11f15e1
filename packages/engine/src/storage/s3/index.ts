// @ossv/engine/s3: the blob store on S3-compatible object storage. A separate entry point so that a
// server on a local data directory never loads the AWS SDK.
import { S3BlobStore, type S3StoreOptions } from "./s3-blob-store.ts";

export { S3BlobStore, type S3StoreOptions } from "./s3-blob-store.ts";
export { formatS3Location, parseS3Location, type S3Location } from "./s3-location.ts";
export { UnsuitableStoreError } from "./conditional-create-probe.ts";

/** A store on `options`, checked by the probe first (its error is thrown, the connections closed). */
export async function openS3BlobStore(options: S3StoreOptions): Promise<S3BlobStore> {
  const store = new S3BlobStore(options);
  try {
    await store.probe();
  } catch (error) {
    store.destroy();
    throw error;
  }
  return store;
}
