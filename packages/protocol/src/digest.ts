// Content-MD5 (base64 of the body's MD5), which every official SDK sends and the server checks.
import { md5 } from "@noble/hashes/legacy";

export function base64FromBytes(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

export function contentMd5(body: Uint8Array): string {
  return base64FromBytes(md5(body));
}
