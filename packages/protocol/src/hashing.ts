// The hashes the protocol needs, in portable JavaScript (@noble/hashes): what browsers and other
// runtimes without node:crypto load. Node loads hashing.node.ts instead (package.json "imports",
// condition "node"); both must give the same bytes, which hashing.test.ts checks.
import { hmac } from "@noble/hashes/hmac";
import { md5 } from "@noble/hashes/legacy";
import { sha256 } from "@noble/hashes/sha2";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils";
import { base64FromBytes } from "./base64.ts";

export function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/** HMAC-SHA256 of UTF-8 `text` under a raw key. */
export function hmacSha256(key: Uint8Array, text: string): Uint8Array {
  return hmac(sha256, key, utf8ToBytes(text));
}

export function hmacSha256Hex(key: Uint8Array, text: string): string {
  return bytesToHex(hmacSha256(key, text));
}

export function md5Base64(bytes: Uint8Array): string {
  return base64FromBytes(md5(bytes));
}
