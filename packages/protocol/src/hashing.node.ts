// The protocol's hashes through node:crypto (OpenSSL): several times faster than JavaScript for the
// small strings a signature hashes, and for request bodies. See hashing.ts for the portable twin.
import { createHash, createHmac } from "node:crypto";

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** HMAC-SHA256 of UTF-8 `text` under a raw key. */
export function hmacSha256(key: Uint8Array, text: string): Uint8Array {
  return createHmac("sha256", key).update(text, "utf8").digest();
}

export function hmacSha256Hex(key: Uint8Array, text: string): string {
  return createHmac("sha256", key).update(text, "utf8").digest("hex");
}

export function md5Base64(bytes: Uint8Array): string {
  return createHash("md5").update(bytes).digest("base64");
}
