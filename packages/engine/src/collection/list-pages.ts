// ListVectors paging. Keys come in byte order; a page holds at most `limit` keys of the requested
// segment, and `nextToken` is present only when at least one more matching key exists (we look one
// key ahead, so there is never a trailing empty page). The token is opaque to clients: base64url of
// JSON naming the last key returned and the segment parameters it is valid for.
import { crc32 } from "node:zlib";
import { EngineError, type ListKeysPage, type ListVectorsOptions } from "../base/types.ts";
import type { CollectionState } from "../state/collection-state.ts";

const TOKEN_VERSION = 1;

interface TokenBody {
  v: number;
  /** The last key of the previous page. */
  k: string;
  /** segmentCount and segmentIndex, 0 when unsegmented. */
  n: number;
  i: number;
}

/** The list segment a key belongs to: crc32 of its UTF-8 bytes modulo the segment count. */
export function segmentOf(key: string, segmentCount: number): number {
  return (crc32(key) >>> 0) % segmentCount;
}

function encodeListToken(lastKey: string, segmentCount = 0, segmentIndex = 0): string {
  const body: TokenBody = { v: TOKEN_VERSION, k: lastKey, n: segmentCount, i: segmentIndex };
  return Buffer.from(JSON.stringify(body), "utf8").toString("base64url");
}

/**
 * The longest token encodeListToken can return for keys of at most `maxKeyCodePoints` code points: a
 * control character costs 6 bytes in JSON (\u00XX), more than any other code point, and base64 makes
 * 4 characters of every 3 bytes. Callers that bound incoming tokens must admit this many.
 */
export function maxListTokenLength(maxKeyCodePoints: number): number {
  const frame = JSON.stringify({ v: TOKEN_VERSION, k: "", n: Number.MAX_SAFE_INTEGER, i: Number.MAX_SAFE_INTEGER }).length;
  return Math.ceil((frame + 6 * maxKeyCodePoints) / 3) * 4;
}

function invalidToken(): EngineError {
  return new EngineError("INVALID_TOKEN", "the continuation token is not valid for this request");
}

/** The last key named by `token`; throws INVALID_TOKEN when it is malformed or for other segments. */
function decodeListToken(token: string, segmentCount = 0, segmentIndex = 0): string {
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw invalidToken();
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw invalidToken();
  }
  if (typeof body !== "object" || body === null) throw invalidToken();
  const { v, k, n, i } = body as Partial<TokenBody>;
  if (v !== TOKEN_VERSION || typeof k !== "string" || n !== segmentCount || i !== segmentIndex) throw invalidToken();
  return k;
}

function checkOptions(options: ListVectorsOptions): void {
  if (!Number.isInteger(options.limit) || options.limit < 1) throw new RangeError("limit must be a positive integer");
  const { segmentCount, segmentIndex } = options;
  if (segmentCount === undefined && segmentIndex === undefined) return;
  if (segmentCount === undefined || !Number.isInteger(segmentCount) || segmentCount < 1) {
    throw new RangeError("segmentCount must be a positive integer");
  }
  if (segmentIndex === undefined || !Number.isInteger(segmentIndex) || segmentIndex < 0 || segmentIndex >= segmentCount) {
    throw new RangeError("segmentIndex must be in [0, segmentCount)");
  }
}

/** One page of the collection's live keys, in byte order (the caller turns keys into records). */
export function listKeys(state: CollectionState, options: ListVectorsOptions): ListKeysPage {
  checkOptions(options);
  const segmentCount = options.segmentCount ?? 0;
  const segmentIndex = options.segmentIndex ?? 0;
  const after = options.token === undefined ? undefined : decodeListToken(options.token, segmentCount, segmentIndex);
  const tokenAfter = (key: string) => encodeListToken(key, segmentCount, segmentIndex);
  const keys: string[] = [];
  for (const key of state.keysAfter(after)) {
    if (segmentCount > 0 && segmentOf(key, segmentCount) !== segmentIndex) continue;
    if (keys.length === options.limit) return { keys, nextToken: tokenAfter(keys[keys.length - 1] as string), tokenAfter };
    keys.push(key);
  }
  return { keys, tokenAfter };
}
