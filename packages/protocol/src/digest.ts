// Content-MD5 (base64 of the body's MD5), which every official SDK sends and the server checks.
export { md5Base64 as contentMd5 } from "#hashing";
export { base64FromBytes } from "./base64.ts";
