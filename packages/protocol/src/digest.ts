// Content-MD5 (base64 of the body's MD5), which every official SDK sends and the server checks.
import { md5Base64 } from "#hashing";

export { base64FromBytes } from "./base64.ts";

export function contentMd5(body: Uint8Array): string {
  return md5Base64(body);
}
