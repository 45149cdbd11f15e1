// Before a server trusts an object store with its commits, it checks the one thing every commit
// rests on: that a conditional PUT (`If-None-Match: *`, or OSS's `x-oss-forbid-overwrite: true`,
// conditional-write.ts) on a key that exists is refused. Some S3 look-alikes accept the header and
// ignore it (s3rver, older gateways; every store but OSS ignores OSS's), and some refuse it outright
// (Swift's s3api answers 501). On such a store two writers could both "create" the same WAL number
// and neither would notice, so the server refuses to start on it.
//
// The probe creates a fresh key twice, under `<prefix>.probe/`: a name no listing of the store
// returns. It also proves early that the bucket exists and the credentials may write to it.
import { randomBytes } from "node:crypto";
import { PutObjectCommand, DeleteObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { describeS3Error, statusOf } from "./s3-errors.ts";
import { conditionalInput, describeConditionalWrite, takenStatus, type ConditionalWrite } from "./conditional-write.ts";

const PROBE_DIR = ".probe";

/** Why a store cannot hold ossv's objects; the message says what was seen and what to do. */
export class UnsuitableStoreError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UnsuitableStoreError";
  }
}

export interface ProbeTarget {
  client: S3Client;
  bucket: string;
  prefix: string;
  /** How messages name the store: `s3://bucket/prefix at http://host:port`. */
  location: string;
  /** The condition the store's creates use (the client adds OSS's header itself). */
  conditionalWrite: ConditionalWrite;
}

function conditionalPut(target: ProbeTarget, key: string, body: string): Promise<unknown> {
  return target.client.send(new PutObjectCommand({ Bucket: target.bucket, Key: key, Body: Buffer.from(body), ...conditionalInput(target.conditionalWrite) }));
}

/**
 * Resolves when `target` refuses to overwrite an existing key under `If-None-Match: *`; throws
 * UnsuitableStoreError when it overwrites it or rejects the condition, and the store's own error
 * when it cannot be written at all (no such bucket, bad credentials, unreachable).
 */
export async function probeConditionalCreate(target: ProbeTarget): Promise<void> {
  const key = `${target.prefix}${PROBE_DIR}/${randomBytes(12).toString("hex")}`;
  const condition = describeConditionalWrite(target.conditionalWrite);
  try {
    await conditionalPut(target, key, "first");
  } catch (error) {
    const status = statusOf(error);
    if (status === 501 || status === 400) {
      throw new UnsuitableStoreError(`${target.location} does not accept conditional writes (a PUT with ${condition} `
        + `was answered ${describeS3Error(error)}); ossv commits by create-if-absent and needs a store that has it `
        + "(AWS S3, Ceph RGW, MinIO with If-None-Match; Alibaba OSS with x-oss-forbid-overwrite)", { cause: error });
    }
    throw new Error(`cannot write to ${target.location}: ${describeS3Error(error)}`, { cause: error });
  }
  try {
    let overwritten = false;
    try {
      await conditionalPut(target, key, "second");
      overwritten = true;
    } catch (error) {
      // 412 (OSS: 409) is the answer wanted; no other write to this key is under way.
      if (statusOf(error) !== takenStatus(target.conditionalWrite)) {
        throw new Error(`probing ${target.location} for conditional writes failed: ${describeS3Error(error)}`, { cause: error });
      }
    }
    if (overwritten) {
      const other = target.conditionalWrite === "if-none-match" ? "oss-forbid-overwrite" : "if-none-match";
      throw new UnsuitableStoreError(`${target.location} ignores ${condition} (a second conditional PUT of the same key `
        + "replaced it); ossv commits by create-if-absent and cannot keep its data safe on this store"
        + ` (if the store takes the other condition, start with --s3-conditional-write ${other})`);
    }
  } finally {
    await target.client.send(new DeleteObjectCommand({ Bucket: target.bucket, Key: key })).catch(() => undefined);
  }
}
