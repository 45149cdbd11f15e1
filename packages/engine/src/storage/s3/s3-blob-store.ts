// The blob store on S3-compatible object storage (AWS S3, Ceph RGW, MinIO), one bucket and a key
// prefix. Each object is one key, `<prefix><name>`; a PUT is atomic, so a reader never sees part
// of an object, and an object acknowledged by the store is durable there (no fsync of our own).
//
// createIfAbsent is a PUT with `If-None-Match: *` (on Alibaba OSS, `x-oss-forbid-overwrite: true`:
// conditional-write.ts): the store creates the key only if it does not exist, and answers 412 (OSS:
// 409) otherwise. A PUT that failed without a clear answer (a 5xx, a lost
// connection) may still have created the object, and a PUT sent again after one that did lands on
// a taken name. So each call marks its object with a random token in the object's metadata, and
// whenever the outcome is unclear it reads the token back: its own token means this call created the
// object, another means another writer did, none means the name is still free.
//
// Nothing else of the local data directory has a counterpart here: there are no temp files (a PUT
// is whole or absent), no directories to fsync, and no LOCK file (see docs/object-storage.md for what
// keeps two servers off one prefix).
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import {
  DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand,
  S3Client, type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { BlobNotCreatedError, type BlobBody, type BlobStore, type CountsRequests } from "../blob-store.ts";
import { blobNameSegments, isBlobName } from "../blob-name.ts";
import { classifyPutFailure, describeS3Error, isMissing } from "./s3-errors.ts";
import { probeConditionalCreate } from "./conditional-create-probe.ts";
import { addConditionalHeader, conditionalInput, conditionalWriteFor, type ConditionalWrite } from "./conditional-write.ts";
import { formatS3Location, type S3Location } from "./s3-location.ts";

/** User metadata key (x-amz-meta-ossv-create) holding the token of the call that created an object. */
const TOKEN_KEY = "ossv-create";
/** PUTs one createIfAbsent makes before giving up, while the name keeps turning out free. */
const PUT_ATTEMPTS = 4;
const RETRY_DELAY_MS = 100;
/** DeleteObjects takes at most this many keys a request. */
const DELETE_BATCH = 1000;

export interface S3StoreOptions extends S3Location {
  /** The store's URL, such as http://127.0.0.1:7480; omitted: AWS S3 in `region`. */
  endpoint?: string;
  region: string;
  /** Bucket in the path (http://host/bucket/key) rather than the host name; Ceph and MinIO want it. */
  forcePathStyle: boolean;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** How creates are made conditional; by default what the endpoint implies (conditional-write.ts). */
  conditionalWrite?: ConditionalWrite;
}

function clientConfig(options: S3StoreOptions): S3ClientConfig {
  return {
    region: options.region,
    ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
    forcePathStyle: options.forcePathStyle,
    credentials: options.credentials,
    // The SDK's default sends bodies aws-chunked with a trailing checksum, which Ceph RGW 16 refuses
    // (411); checksums are sent only where the API demands one (DeleteObjects).
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
  };
}

function bodyLength(body: BlobBody): number {
  if (body instanceof Uint8Array) return body.length;
  let total = 0;
  for (const part of body) total += part.length;
  return total;
}

/** A fresh request body for each attempt: a stream of parts can be read only once. */
function requestBody(body: BlobBody): Uint8Array | Readable {
  return body instanceof Uint8Array ? body : Readable.from(body);
}

/** The operation label of each S3 command the store sends. */
const OPERATION_OF_COMMAND: Record<string, string> = {
  GetObjectCommand: "get", ListObjectsV2Command: "list", PutObjectCommand: "put", HeadObjectCommand: "head",
  DeleteObjectCommand: "delete", DeleteObjectsCommand: "delete_batch",
};

export class S3BlobStore implements BlobStore, CountsRequests {
  readonly location: string;
  /** Reads, lists and deletes: the SDK's own retries are safe for them. */
  private readonly client: S3Client;
  /** Conditional PUTs: one attempt per send, since createIfAbsent settles each failure itself. */
  private readonly putClient: S3Client;

  /** Commands sent, by operation (blob-store.ts CountsRequests); an SDK retry is not counted again. */
  private readonly counts: Record<string, number> = {};
  readonly conditionalWrite: ConditionalWrite;

  constructor(private readonly options: S3StoreOptions) {
    this.location = `${formatS3Location(options)}${options.endpoint ? ` at ${options.endpoint}` : ""}`;
    this.conditionalWrite = conditionalWriteFor(options.endpoint, options.conditionalWrite);
    this.client = new S3Client(clientConfig(options));
    this.putClient = new S3Client({ ...clientConfig(options), maxAttempts: 1 });
    addConditionalHeader(this.putClient, this.conditionalWrite);
    for (const client of [this.client, this.putClient]) {
      client.middlewareStack.add((next, context) => (args) => {
        const operation = OPERATION_OF_COMMAND[context.commandName ?? ""] ?? "other";
        this.counts[operation] = (this.counts[operation] ?? 0) + 1;
        return next(args);
      }, { step: "initialize", name: "ossvRequestCount" });
    }
  }

  requestCounts(): Readonly<Record<string, number>> {
    return { ...this.counts };
  }

  get bucket(): string {
    return this.options.bucket;
  }

  /** The key of object `name`; throws RangeError for a name outside the blob-name rule. */
  private keyOf(name: string): string {
    blobNameSegments(name);
    return this.options.prefix + name;
  }

  async get(name: string): Promise<Uint8Array | undefined> {
    const key = this.keyOf(name);
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return answer.Body ? await answer.Body.transformToByteArray() : new Uint8Array(0);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw new Error(`reading ${name} from ${this.location} failed: ${describeS3Error(error)}`, { cause: error });
    }
  }

  async list(prefix: string): Promise<string[]> {
    const names: string[] = [];
    for await (const key of this.keysUnder(this.options.prefix + prefix)) {
      const name = key.slice(this.options.prefix.length);
      // Keys other tools left under the prefix (and the probe's) are not objects of ours.
      if (isBlobName(name)) names.push(name);
    }
    return names.sort();
  }

  private async *keysUnder(keyPrefix: string): AsyncGenerator<string> {
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: keyPrefix, ContinuationToken: token }));
      } catch (error) {
        throw new Error(`listing ${keyPrefix} in ${this.location} failed: ${describeS3Error(error)}`, { cause: error });
      }
      for (const entry of page.Contents ?? []) if (entry.Key !== undefined) yield entry.Key;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async delete(name: string): Promise<void> {
    const key = this.keyOf(name);
    try {
      // S3 answers 204 for a key that is not there, so a missing object needs no case of its own.
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      throw new Error(`deleting ${name} from ${this.location} failed: ${describeS3Error(error)}`, { cause: error });
    }
  }

  async deletePrefix(prefix: string): Promise<void> {
    let batch: string[] = [];
    for await (const key of this.keysUnder(this.options.prefix + prefix)) {
      batch.push(key);
      if (batch.length === DELETE_BATCH) {
        await this.deleteKeys(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await this.deleteKeys(batch);
  }

  private async deleteKeys(keys: string[]): Promise<void> {
    let answer;
    try {
      answer = await this.client.send(new DeleteObjectsCommand({
        Bucket: this.bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
      }));
    } catch (error) {
      throw new Error(`deleting ${keys.length} objects from ${this.location} failed: ${describeS3Error(error)}`, { cause: error });
    }
    const failed = answer.Errors ?? [];
    if (failed.length > 0) {
      const first = failed[0]!;
      throw new Error(`deleting ${failed.length} of ${keys.length} objects from ${this.location} failed, `
        + `the first ${first.Key}: ${first.Code} ${first.Message ?? ""}`.trimEnd());
    }
  }

  async createIfAbsent(name: string, bytes: BlobBody): Promise<boolean> {
    const key = this.keyOf(name);
    const token = randomBytes(16).toString("hex");
    /** Set once a PUT may have gone out without an answer: from then on, "not created" cannot be said. */
    let lostOne = false;
    let lastError: unknown;
    for (let attempt = 0; attempt < PUT_ATTEMPTS; attempt++) {
      if (attempt > 0) await sleep(RETRY_DELAY_MS * 4 ** (attempt - 1));
      try {
        await this.putClient.send(new PutObjectCommand({
          Bucket: this.bucket, Key: key, Body: requestBody(bytes), ContentLength: bodyLength(bytes),
          ...conditionalInput(this.conditionalWrite), Metadata: { [TOKEN_KEY]: token },
        }));
        return true;
      } catch (error) {
        lastError = error;
        const failure = classifyPutFailure(error);
        if (failure === "refused" && !lostOne) throw new BlobNotCreatedError(name, new Error(describeS3Error(error), { cause: error }));
        if (failure === "lost") lostOne = true;
        const holder = await this.creatorToken(name, key, error);
        if (holder !== undefined) return holder === token;
        // Still free (a 412 whose object was deleted since, a 409, a failed request): try again.
      }
    }
    const reason = new Error(describeS3Error(lastError), { cause: lastError });
    if (!lostOne) throw new BlobNotCreatedError(name, reason);
    throw new Error(`creating ${name} in ${this.location}: unknown whether it was created (a request went unanswered): ${reason.message}`,
      { cause: lastError });
  }

  /**
   * The token of whoever created `key`: "" for an object without one (another tool's), undefined when
   * there is no object. A failure here leaves the create's outcome unknown, and says so.
   */
  private async creatorToken(name: string, key: string, putError: unknown): Promise<string | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return head.Metadata?.[TOKEN_KEY] ?? "";
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw new Error(`creating ${name} in ${this.location}: unknown whether it was created: the PUT failed `
        + `(${describeS3Error(putError)}) and reading the object back failed too (${describeS3Error(error)})`, { cause: putError });
    }
  }

  /** Checks that the store honours its conditional write (conditional-create-probe.ts); throws if not. */
  probe(): Promise<void> {
    return probeConditionalCreate({
      client: this.putClient, bucket: this.bucket, prefix: this.options.prefix, location: this.location, conditionalWrite: this.conditionalWrite,
    });
  }

  /** Closes the store's connections; the store is unusable afterwards. */
  destroy(): void {
    this.client.destroy();
    this.putClient.destroy();
  }
}
