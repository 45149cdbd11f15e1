// Continuation tokens of the S3 Vectors API. List tokens name where their listing stopped and carry
// nothing a caller could gain by forging (it lists what it may list either way), so they are not
// sealed; each starts with a tag of the listing it continues (account, bucket, index, prefix), so a
// token handed to another listing is refused instead of silently resuming it at a foreign position.
// QueryVectors tokens bind the query they continue and expire, so they are sealed with a key of this
// process (docs/s3-vectors.md#pagination).
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { validation } from "@ossv/protocol/s3vectors";

export function afterToken(name: string): string {
  return Buffer.from(JSON.stringify({ after: name }), "utf8").toString("base64url");
}

/** The name a list token continues after; a token that is not ours is a ValidationException. */
export function readAfterToken(token: string): string {
  try {
    const value = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { after?: unknown };
    if (typeof value.after === "string") return value.after;
  } catch {
    // fall through to the refusal
  }
  throw validation("The nextToken is not valid", "/nextToken");
}

/** base64url of 8 bytes of SHA-256: 11 characters, enough to tell listings apart. */
export const SCOPE_TAG_CHARS = 11;

/** The tag of a listing; `scope` names everything that defines it. Computed once per request. */
export function listingTag(scope: string): string {
  return createHash("sha256").update(scope, "utf8").digest().subarray(0, 8).toString("base64url");
}

/** A list token bound to its listing. */
export function taggedToken(tag: string, token: string): string {
  return tag + token;
}

/** The token inside a tagged one; a token of another listing (or none of ours) is a ValidationException. */
export function untaggedToken(tag: string, token: string): string {
  if (!token.startsWith(tag)) throw validation("The nextToken belongs to another listing: repeat the request that returned it", "/nextToken");
  return token.slice(tag.length);
}

const MAC_BYTES = 16;

export class TokenSealer {
  private readonly key = randomBytes(32);

  constructor(private readonly now: () => number, private readonly lifetimeMs: number) {}

  seal(payload: Record<string, unknown>): string {
    const body = Buffer.from(JSON.stringify({ ...payload, exp: this.now() + this.lifetimeMs }), "utf8");
    return `${body.toString("base64url")}.${this.mac(body).toString("base64url")}`;
  }

  /** The payload of a token this process sealed and that has not expired; else a ValidationException. */
  open(token: string): Record<string, unknown> {
    const [bodyPart, macPart, extra] = token.split(".");
    if (bodyPart !== undefined && macPart !== undefined && extra === undefined) {
      const body = Buffer.from(bodyPart, "base64url");
      const mac = Buffer.from(macPart, "base64url");
      if (mac.length === MAC_BYTES && timingSafeEqual(mac, this.mac(body))) {
        const payload = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
        if (typeof payload["exp"] === "number" && payload["exp"] >= this.now()) return payload;
        throw validation("The nextToken has expired; run the query again from its first page", "/nextToken");
      }
    }
    throw validation("The nextToken is not valid", "/nextToken");
  }

  private mac(body: Buffer): Buffer {
    return createHmac("sha256", this.key).update(body).digest().subarray(0, MAC_BYTES);
  }
}
