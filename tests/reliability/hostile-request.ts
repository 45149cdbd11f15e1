// Turns what a hostile case means to send (an operation's intent, how it is signed, how it is framed
// on the wire) into the exact bytes of one request. Signing uses the protocol's own signer, so a
// correctly signed request is what the official SDKs would send; each case then breaks one thing.
import { contentMd5, presignQuery, signRequest, type Credentials, type HeaderMap } from "@ossv/protocol";
import type { WireRequest } from "./hostile-wire.ts";

export interface World {
  port: number;
  region: string;
  accountId: string;
  credentials: Credentials;
}

/** What is asked for, before signing. */
export interface Intent {
  method: string;
  /** The bucket as the server will see it (decoded); omitted for ListVectorBuckets. */
  bucket?: string;
  /** The bucket's path segment as written, when it differs from `bucket` (percent-escapes). */
  rawBucket?: string;
  style?: "path" | "virtual";
  /** Raw query string without `?`. */
  query: string;
  body: Buffer;
  /** Extra headers, lower-case, present when signing (so x-oss-* ones are signed). */
  headers?: HeaderMap;
}

export interface Signing {
  mode: "header" | "presign" | "none";
  /** Replace parts of the world's root key (a wrong secret, an unknown key id, a stray token). */
  accessKeyId?: string;
  accessKeySecret?: string;
  securityToken?: string;
  /** Added to the current time when signing. */
  timeOffsetMs?: number;
  /** The region named in the credential scope; default: the server's. */
  region?: string;
  /** The account in the canonical URI; default: the world's. */
  accountId?: string;
  expiresSeconds?: number;
}

export interface Framing {
  /** "correct" (what the SDKs send), "none", or a literal header value. */
  md5?: "correct" | "none" | { value: string };
  /** "correct", "none", or literal values (several = duplicate headers). */
  contentLength?: "correct" | "none" | { values: string[] };
  /** Send the body chunked, in chunks of this size. */
  chunkSize?: number;
  /** Host header: default the addressing's; null leaves it out. */
  host?: string | null;
  /** Request target replacing the one addressing gives (absolute-form, odd paths). */
  target?: string;
  /** Appended after signing, unsigned (duplicates and tricks). */
  extraHeaders?: Array<[string, string]>;
  /** Applied to the request target once signed (tampering with a signed or presigned query). */
  editTarget?: (target: string) => string;
  /** Applied to the signed header list (tampering after signing). */
  editHeaders?: (headers: Array<[string, string]>) => Array<[string, string]>;
  /** Bytes to send as the body instead of the intent's (broken chunk framing). */
  rawBody?: Buffer;
  pieces?: number;
  hangUpAfterMs?: number;
}

function hostAndPath(world: World, intent: Intent): { host: string; path: string } {
  if (intent.bucket === undefined) return { host: `127.0.0.1:${world.port}`, path: "/" };
  if (intent.style === "virtual") return { host: `${intent.rawBucket ?? intent.bucket}-${world.accountId}.localhost:${world.port}`, path: "/" };
  return { host: `127.0.0.1:${world.port}`, path: `/${intent.rawBucket ?? intent.bucket}/` };
}

function sign(world: World, intent: Intent, signing: Signing, headers: HeaderMap): string {
  if (signing.mode === "none") return intent.query;
  const region = signing.region ?? world.region;
  const target = {
    method: intent.method, region, rawQuery: intent.query,
    ...(intent.bucket !== undefined ? { bucket: intent.bucket, accountId: signing.accountId ?? world.accountId } : {}),
  };
  const credentials: Credentials = {
    accessKeyId: signing.accessKeyId ?? world.credentials.accessKeyId,
    accessKeySecret: signing.accessKeySecret ?? world.credentials.accessKeySecret,
    ...(signing.securityToken !== undefined ? { securityToken: signing.securityToken } : {}),
  };
  const options = { credentials, time: new Date(Date.now() + (signing.timeOffsetMs ?? 0)) };
  if (signing.mode === "presign") return presignQuery(target, headers, { ...options, expiresSeconds: signing.expiresSeconds ?? 900 });
  signRequest(target, headers, options);
  return intent.query;
}

export function chunked(body: Buffer, size: number): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length; at += size) {
    const piece = body.subarray(at, at + size);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from("\r\n"));
  }
  parts.push(Buffer.from("0\r\n\r\n"));
  return Buffer.concat(parts);
}

function lengthHeaders(body: Buffer, framing: Framing): Array<[string, string]> {
  if (framing.chunkSize !== undefined) return [["Transfer-Encoding", "chunked"]];
  const length = framing.contentLength ?? "correct";
  if (length === "none") return [];
  if (length === "correct") return [["Content-Length", String(body.length)]];
  return length.values.map((value) => ["Content-Length", value]);
}

export function buildRequest(world: World, intent: Intent, signing: Signing, framing: Framing = {}): WireRequest {
  const headers: HeaderMap = { ...(intent.headers ?? {}) };
  const md5 = framing.md5 ?? "correct";
  if (md5 === "correct") headers["content-md5"] = contentMd5(intent.body);
  else if (md5 !== "none") headers["content-md5"] = md5.value;
  const query = sign(world, intent, signing, headers);
  const { host, path } = hostAndPath(world, intent);
  let list: Array<[string, string]> = [
    ...(framing.host === null ? [] : [["Host", framing.host ?? host] as [string, string]]),
    ...Object.entries(headers),
    ...lengthHeaders(intent.body, framing),
    ["Connection", "close"],
    ...(framing.extraHeaders ?? []),
  ];
  if (framing.editHeaders) list = framing.editHeaders(list);
  return {
    method: intent.method,
    target: (framing.editTarget ?? ((t: string) => t))(framing.target ?? (query ? `${path}?${query}` : path)),
    headers: list,
    body: framing.rawBody ?? (framing.chunkSize !== undefined ? chunked(intent.body, framing.chunkSize) : intent.body),
    ...(framing.pieces !== undefined ? { pieces: framing.pieces } : {}),
    ...(framing.hangUpAfterMs !== undefined ? { hangUpAfterMs: framing.hangUpAfterMs } : {}),
  };
}
