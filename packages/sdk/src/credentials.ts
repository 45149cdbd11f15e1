// Where the access key comes from (docs/protocol.md#credentials). A provider is asked before every
// signing, so a refreshing provider can swap temporary credentials between attempts.
import type { Credentials as SigningCredentials } from "@ossv/protocol";
import { CredentialsError } from "./errors.ts";

export interface Credentials extends SigningCredentials {
  /** When temporary credentials stop working; absent for long-term keys. */
  expiration?: Date;
}

export interface CredentialsProvider {
  /** Resolves to the credentials to sign with, or `undefined` to send the request unsigned. */
  getCredentials(): Promise<Credentials | undefined>;
}

export const ENV_ACCESS_KEY_ID = "OSS_ACCESS_KEY_ID";
export const ENV_ACCESS_KEY_SECRET = "OSS_ACCESS_KEY_SECRET";
export const ENV_SESSION_TOKEN = "OSS_SESSION_TOKEN";

interface DenoEnvLike {
  Deno?: { env?: { get(name: string): string | undefined } };
}
interface ProcessLike {
  process?: { env?: Record<string, string | undefined> };
}

/**
 * Reads an environment variable on Deno, Node and Bun; undefined in browsers. Deno (also through its
 * `process` shim) throws when the env permission is missing, which counts as "not set".
 */
export function readEnv(name: string): string | undefined {
  try {
    const deno = (globalThis as DenoEnvLike).Deno;
    if (deno?.env) return deno.env.get(name);
    return (globalThis as ProcessLike).process?.env?.[name];
  } catch {
    return undefined;
  }
}

/** Long-term keys given in code. */
export class StaticCredentialsProvider implements CredentialsProvider {
  readonly #credentials: Credentials;

  constructor(credentials: Credentials) {
    if (!credentials.accessKeyId || !credentials.accessKeySecret) {
      throw new CredentialsError("static credentials need both accessKeyId and accessKeySecret");
    }
    this.#credentials = { ...credentials };
  }

  async getCredentials(): Promise<Credentials> {
    return this.#credentials;
  }
}

/** `OSS_ACCESS_KEY_ID`, `OSS_ACCESS_KEY_SECRET` and optionally `OSS_SESSION_TOKEN`; read on each call. */
export class EnvironmentCredentialsProvider implements CredentialsProvider {
  async getCredentials(): Promise<Credentials> {
    const accessKeyId = readEnv(ENV_ACCESS_KEY_ID);
    const accessKeySecret = readEnv(ENV_ACCESS_KEY_SECRET);
    if (!accessKeyId || !accessKeySecret) {
      throw new CredentialsError(
        `no credentials: set ${ENV_ACCESS_KEY_ID} and ${ENV_ACCESS_KEY_SECRET}, or pass \`credentials\` to the client`,
      );
    }
    const securityToken = readEnv(ENV_SESSION_TOKEN);
    return securityToken ? { accessKeyId, accessKeySecret, securityToken } : { accessKeyId, accessKeySecret };
  }
}

/** Sends requests unsigned, for buckets whose policy grants access to `*`. */
export class AnonymousCredentialsProvider implements CredentialsProvider {
  async getCredentials(): Promise<undefined> {
    return undefined;
  }
}

export interface RefreshingCredentialsOptions {
  /** Refresh this long before `expiration` so no request is signed with nearly-expired keys. Default 5 min. */
  refreshMarginMs?: number;
  /** Clock, for tests. */
  now?: () => Date;
}

/**
 * Temporary (STS) credentials from a function of the caller's, cached until `refreshMarginMs` before
 * they expire. Concurrent callers share one refresh; a failed refresh is not cached.
 */
export class RefreshingCredentialsProvider implements CredentialsProvider {
  readonly #fetchCredentials: () => Promise<Credentials>;
  readonly #marginMs: number;
  readonly #now: () => Date;
  #cached: Credentials | undefined;
  #inFlight: Promise<Credentials> | undefined;

  constructor(fetchCredentials: () => Promise<Credentials>, options: RefreshingCredentialsOptions = {}) {
    this.#fetchCredentials = fetchCredentials;
    this.#marginMs = options.refreshMarginMs ?? 5 * 60_000;
    this.#now = options.now ?? (() => new Date());
  }

  async getCredentials(): Promise<Credentials> {
    if (this.#cached && this.#isFresh(this.#cached)) return this.#cached;
    this.#inFlight ??= this.#refresh();
    return this.#inFlight;
  }

  #isFresh(credentials: Credentials): boolean {
    if (!credentials.expiration) return true;
    return credentials.expiration.getTime() - this.#marginMs > this.#now().getTime();
  }

  async #refresh(): Promise<Credentials> {
    try {
      const fresh = await this.#fetchCredentials();
      if (!fresh?.accessKeyId || !fresh.accessKeySecret) {
        throw new CredentialsError("the credentials function returned no accessKeyId/accessKeySecret");
      }
      this.#cached = fresh;
      return fresh;
    } catch (error) {
      if (error instanceof CredentialsError) throw error;
      throw new CredentialsError("refreshing credentials failed", { cause: error });
    } finally {
      this.#inFlight = undefined;
    }
  }
}

/** What the client accepts as `credentials`: a provider, or plain keys (treated as static). */
export type CredentialsOption = CredentialsProvider | Credentials;

export function toCredentialsProvider(option: CredentialsOption | undefined): CredentialsProvider {
  if (option === undefined) return new EnvironmentCredentialsProvider();
  if ("getCredentials" in option && typeof option.getCredentials === "function") return option;
  return new StaticCredentialsProvider(option as Credentials);
}
