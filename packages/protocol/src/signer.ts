// OSS4-HMAC-SHA256 for vector buckets (docs/protocol.md#signatures): canonicalisation, signing and the
// pieces a server needs to verify. Pure and synchronous so the server and the SDK (browsers included)
// share one implementation and can never disagree.
import { hmacSha256, hmacSha256Hex, sha256Hex } from "#hashing";

export const ALGORITHM = "OSS4-HMAC-SHA256";
export const PRODUCT = "oss";
export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

/** Headers keyed by lower-case name. */
export type HeaderMap = Record<string, string>;

export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

/** What the signature covers besides the headers. */
export interface SigningTarget {
  method: string;
  region: string;
  /** Required whenever `bucket` is set; the canonical URI names the bucket's owner. */
  accountId?: string;
  bucket?: string;
  /**
   * Object key; never used by vector operations, kept for the presign examples of
   * docs/protocol.md#test-vectors.
   */
  key?: string;
  /** The query string exactly as sent, without the leading `?`. */
  rawQuery: string;
}

/** `20231216T162057Z` */
export function formatAmzDate(date: Date): string {
  const iso = date.toISOString(); // 2023-12-16T16:20:57.000Z, or a six-digit signed year
  if (iso.length !== 24) return iso.replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

/** Parses `20231216T162057Z`; undefined when malformed. */
export function parseOssDate(value: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number);
  const date = new Date(Date.UTC(y!, mo! - 1, d, h, mi, s));
  // Date.UTC carries overflow over (month 13, 25 o'clock) and maps years 0-99 to 1900-1999: refuse both.
  const exact = date.getUTCFullYear() === y && date.getUTCMonth() === mo! - 1 && date.getUTCDate() === d
    && date.getUTCHours() === h && date.getUTCMinutes() === mi && date.getUTCSeconds() === s;
  return exact ? date : undefined;
}

/** Percent-encodes every byte except RFC 3986 unreserved characters (and `/` when asked). */
export function uriEncode(value: string, keepSlash = false): string {
  let encoded: string;
  try {
    // encodeURIComponent leaves only !'()* of the reserved set unescaped, and writes upper-case hex.
    encoded = encodeURIComponent(value).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
  } catch {
    return uriEncodeBytes(value, keepSlash); // a lone surrogate: encode its UTF-8 replacement, as TextEncoder does
  }
  return keepSlash ? encoded.replace(/%2F/g, "/") : encoded;
}

function uriEncodeBytes(value: string, keepSlash: boolean): string {
  let out = "";
  for (const byte of new TextEncoder().encode(value)) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(ch) || (keepSlash && ch === "/")) out += ch;
    else out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/**
 * The ARN-shaped canonical URI of docs/protocol.md#canonical-uri; independent of the URL style actually
 * used.
 */
export function canonicalUri(target: Pick<SigningTarget, "region" | "accountId" | "bucket" | "key">): string {
  let uri = `/acs:ossvector:${target.region}:`;
  uri += target.bucket ? `${target.accountId ?? ""}:${target.bucket}/` : ":/";
  if (target.key) uri += target.key;
  return uriEncode(uri, true);
}

/**
 * docs/protocol.md#canonical-query-string: raw items, not decoded, `+` as `%20`, sorted by key,
 * valueless items as the bare key.
 */
export function canonicalQuery(rawQuery: string): string {
  if (rawQuery === "") return "";
  const items = rawQuery.replace(/\+/g, "%20").split("&").filter((item) => item !== "");
  const pairs = items.map((item): [string, string] => {
    const eq = item.indexOf("=");
    return eq < 0 ? [item, ""] : [item.slice(0, eq), item.slice(eq + 1)];
  });
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return pairs.map(([k, v]) => (v === "" ? k : `${k}=${v}`)).join("&");
}

function isDefaultSigned(name: string): boolean {
  return name.startsWith("x-oss-") || name === "content-type" || name === "content-md5";
}

/**
 * docs/protocol.md#signed-headers: the caller's extra signed headers, lower-cased, present, not
 * default-signed, sorted.
 */
export function normaliseAdditionalHeaders(additional: readonly string[], headers: HeaderMap): string[] {
  const names = new Set<string>();
  for (const raw of additional) {
    const name = raw.trim().toLowerCase();
    if (name && !isDefaultSigned(name) && (headers[name] ?? "").trim() !== "") names.add(name);
  }
  return [...names].sort();
}

/** The canonical header block: one `name:value\n` per signed header, sorted by name. */
export function canonicalHeaders(headers: HeaderMap, additional: readonly string[]): string {
  const extra = new Set(additional);
  return Object.keys(headers)
    .map((name) => name.toLowerCase())
    .filter((name) => isDefaultSigned(name) || extra.has(name))
    .sort()
    .map((name) => `${name}:${(headers[name] ?? "").trim()}\n`)
    .join("");
}

export function canonicalRequest(target: SigningTarget, headers: HeaderMap, additional: readonly string[]): string {
  return [
    target.method.toUpperCase(),
    canonicalUri(target),
    canonicalQuery(target.rawQuery),
    canonicalHeaders(headers, additional),
    additional.join(";"),
    headers["x-oss-content-sha256"] ?? UNSIGNED_PAYLOAD,
  ].join("\n");
}

export function credentialScope(ossDate: string, region: string): string {
  return `${ossDate.slice(0, 8)}/${region}/${PRODUCT}/aliyun_v4_request`;
}

export function stringToSign(ossDate: string, scope: string, canonical: string): string {
  return `${ALGORITHM}\n${ossDate}\n${scope}\n${sha256Hex(canonical)}`;
}

/**
 * Derived keys of recent (secret, day, region) triples: deriving one is four HMACs, as much hashing
 * as the rest of a small request's signature, and a client or server sees few distinct triples.
 */
const recentSigningKeys = new Map<string, Uint8Array>();
const RECENT_SIGNING_KEYS = 256;

/**
 * kSigning of docs/protocol.md#signing-key-and-authorization-header, remembered for the triple's next
 * request.
 */
export function signingKey(secret: string, day: string, region: string): Uint8Array {
  const id = `${day.length}:${day}${region.length}:${region}${secret}`; // length-prefixed: unambiguous
  let key = recentSigningKeys.get(id);
  if (!key) {
    key = deriveSigningKey(secret, day, region);
    if (recentSigningKeys.size >= RECENT_SIGNING_KEYS) recentSigningKeys.clear();
    recentSigningKeys.set(id, key);
  }
  return key;
}

function deriveSigningKey(secret: string, day: string, region: string): Uint8Array {
  const kDate = hmacSha256(new TextEncoder().encode("aliyun_v4" + secret), day);
  const kRegion = hmacSha256(kDate, region);
  const kProduct = hmacSha256(kRegion, PRODUCT);
  return hmacSha256(kProduct, "aliyun_v4_request");
}

/** A request's signature: the hex HMAC-SHA256 of its string to sign under the signing key. */
export { hmacSha256Hex as computeSignature };

/** The signature of a request whose x-oss-date (and any token) headers are already in `headers`. */
export function signatureFor(
  target: SigningTarget, headers: HeaderMap, additional: readonly string[], ossDate: string, secret: string,
): string {
  const canonical = canonicalRequest(target, headers, additional);
  const toSign = stringToSign(ossDate, credentialScope(ossDate, target.region), canonical);
  return hmacSha256Hex(signingKey(secret, ossDate.slice(0, 8), target.region), toSign);
}

export interface SignOptions {
  credentials: Credentials;
  time: Date;
  additionalHeaders?: readonly string[];
}

/**
 * Signs a request in place for header authentication: sets x-oss-date, Date, x-oss-content-sha256,
 * x-oss-security-token (with temporary credentials) and Authorization. `headers` must use
 * lower-case names.
 */
export function signRequest(target: SigningTarget, headers: HeaderMap, options: SignOptions): void {
  const ossDate = formatAmzDate(options.time);
  headers["x-oss-date"] = ossDate;
  headers["date"] = options.time.toUTCString();
  headers["x-oss-content-sha256"] = UNSIGNED_PAYLOAD;
  if (options.credentials.securityToken) headers["x-oss-security-token"] = options.credentials.securityToken;
  const additional = normaliseAdditionalHeaders(options.additionalHeaders ?? [], headers);
  const signature = signatureFor(target, headers, additional, ossDate, options.credentials.accessKeySecret);
  const scope = credentialScope(ossDate, target.region);
  const parts = [`Credential=${options.credentials.accessKeyId}/${scope}`];
  if (additional.length > 0) parts.push(`AdditionalHeaders=${additional.join(";")}`);
  parts.push(`Signature=${signature}`);
  headers["authorization"] = `${ALGORITHM} ${parts.join(",")}`;
}

export interface PresignOptions extends SignOptions {
  /** Seconds the URL stays valid; default 900 (docs/protocol.md#presigned-urls). */
  expiresSeconds?: number;
}

/**
 * Query-string authentication (docs/protocol.md#presigned-urls). Returns the raw query string to send
 * (the original query plus the x-oss-* parameters and x-oss-signature).
 */
export function presignQuery(target: SigningTarget, headers: HeaderMap, options: PresignOptions): string {
  const ossDate = formatAmzDate(options.time);
  const scope = credentialScope(ossDate, target.region);
  const additional = normaliseAdditionalHeaders(options.additionalHeaders ?? [], headers);
  const params: [string, string][] = [
    ["x-oss-signature-version", ALGORITHM],
    ["x-oss-date", ossDate],
    ["x-oss-expires", String(options.expiresSeconds ?? 900)],
    ["x-oss-credential", `${options.credentials.accessKeyId}/${scope}`],
  ];
  if (options.credentials.securityToken) params.push(["x-oss-security-token", options.credentials.securityToken]);
  if (additional.length > 0) params.push(["x-oss-additional-headers", additional.join(";")]);
  const added = params.map(([k, v]) => `${k}=${uriEncode(v)}`).join("&");
  const rawQuery = target.rawQuery ? `${target.rawQuery}&${added}` : added;
  const signature = signatureFor({ ...target, rawQuery }, headers, additional, ossDate, options.credentials.accessKeySecret);
  return `${rawQuery}&x-oss-signature=${signature}`;
}

export interface ParsedAuthorization {
  accessKeyId: string;
  day: string;
  region: string;
  product: string;
  terminator: string;
  additionalHeaders: string[];
  signature: string;
}

/**
 * Parses `OSS4-HMAC-SHA256 Credential=AK/scope,AdditionalHeaders=a;b,Signature=hex`, tolerating
 * spaces after the commas (docs/protocol.md#signing-key-and-authorization-header). Undefined when it is
 * not that shape.
 */
export function parseAuthorization(value: string): ParsedAuthorization | undefined {
  if (!value.startsWith(ALGORITHM + " ")) return undefined;
  const fields = new Map<string, string>();
  for (const part of value.slice(ALGORITHM.length + 1).split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = parseCredential(fields.get("Credential") ?? "");
  const signature = fields.get("Signature");
  if (!credential || !signature) return undefined;
  const additional = fields.get("AdditionalHeaders");
  return { ...credential, signature, additionalHeaders: additional ? additional.split(";").filter(Boolean) : [] };
}

/** Parses `AK/yyyymmdd/region/product/aliyun_v4_request`. */
export function parseCredential(value: string): Omit<ParsedAuthorization, "signature" | "additionalHeaders"> | undefined {
  const parts = value.split("/");
  if (parts.length !== 5 || parts.some((p) => p === "")) return undefined;
  const [accessKeyId, day, region, product, terminator] = parts as [string, string, string, string, string];
  return { accessKeyId, day, region, product, terminator };
}

/** Constant-time comparison of two hex signatures. */
export function signaturesEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
