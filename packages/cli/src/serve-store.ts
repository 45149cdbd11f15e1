// Where `ossv serve` keeps its data: the data directory, or with --store an S3-compatible object
// store. The object store's code and the AWS SDK are loaded only when --store is given.
import { CachedBlobStore, type BlobStore, type ConditionalWrite, type S3Location } from "@ossv/engine";
import type { S3BlobStore } from "@ossv/engine/s3";
import { resolveServeOptions, type ServeConfig } from "./serve-options.ts";

/** The options that say where the store is: serve's, and the offline tools' (admin fsck, restore). */
export type StoreConfig = Pick<ServeConfig, "store" | "s3-endpoint" | "s3-region" | "s3-path-style" | "s3-conditional-write">
  & Partial<Pick<ServeConfig, "cache-dir" | "cache-size">>;

export interface ObjectStoreSettings extends S3Location {
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  conditionalWrite?: ConditionalWrite;
  /** --cache-dir and --cache-size: the local disk cache in front of the store. */
  cache?: { dir: string; maxBytes: number };
}

/**
 * The object store the options name, with credentials from the standard AWS variables; undefined
 * without --store. Throws a message for options that make no sense without it, or missing keys.
 */
export function objectStoreSettings(config: StoreConfig, env: NodeJS.ProcessEnv): ObjectStoreSettings | undefined {
  if (!config.store) {
    if (config["s3-endpoint"] || config["s3-path-style"] || config["s3-conditional-write"]) {
      throw new Error("--s3-endpoint, --s3-path-style and --s3-conditional-write go with --store s3://BUCKET/PREFIX");
    }
    if (config["cache-dir"]) throw new Error("--cache-dir goes with --store s3://BUCKET/PREFIX (a data directory is on local disk already)");
    return undefined;
  }
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env;
  if (!accessKeyId || !secretAccessKey) {
    throw new Error("--store needs the object store's credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones)");
  }
  return {
    ...config.store,
    ...(config["s3-endpoint"] && { endpoint: config["s3-endpoint"] }),
    region: config["s3-region"],
    forcePathStyle: config["s3-path-style"],
    ...(config["s3-conditional-write"] && { conditionalWrite: config["s3-conditional-write"] }),
    credentials: { accessKeyId, secretAccessKey, ...(sessionToken && { sessionToken }) },
    ...(config["cache-dir"] && { cache: { dir: config["cache-dir"], maxBytes: config["cache-size"] ?? 0 } }),
  };
}

/**
 * Connects to the object store and checks that it honours conditional creates (or throws why not).
 * `probe: false` skips the check, which writes: for tools that only read (ossv admin fsck).
 */
export async function openObjectStore(settings: ObjectStoreSettings, { probe = true } = {}): Promise<S3BlobStore> {
  const { openS3BlobStore, S3BlobStore } = await import("@ossv/engine/s3");
  return probe ? await openS3BlobStore(settings) : new S3BlobStore(settings);
}

/**
 * The store named by an offline tool's flags, parsed and checked as `ossv serve` parses its own
 * (serve-options.ts), with credentials from the environment; undefined without --store.
 */
export function storeFromFlags(flags: StoreFlags, env: NodeJS.ProcessEnv): ObjectStoreSettings | undefined {
  const argv: string[] = [];
  const given = [
    ["store", flags.store], ["s3-endpoint", flags.s3Endpoint], ["s3-region", flags.s3Region], ["s3-conditional-write", flags.s3ConditionalWrite],
  ] as const;
  for (const [name, value] of given) if (value !== undefined) argv.push(`--${name}`, value);
  if (flags.s3PathStyle === true) argv.push("--s3-path-style");
  return objectStoreSettings(resolveServeOptions(argv, {}).config, env);
}

/** The store flags as commander hands them over. */
export interface StoreFlags {
  store?: string;
  s3Endpoint?: string;
  s3Region?: string;
  s3PathStyle?: boolean;
  s3ConditionalWrite?: string;
}

/** The store the engine uses: `store`, behind the disk cache when --cache-dir names one. */
export async function withDiskCache(
  store: S3BlobStore, settings: ObjectStoreSettings, onProblem: (message: string, error?: unknown) => void,
): Promise<BlobStore> {
  if (!settings.cache) return store;
  return await CachedBlobStore.open(store, { ...settings.cache, onProblem });
}
