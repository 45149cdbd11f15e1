// AWS Signature Version 4 as the S3 Vectors SDKs sign (docs/s3-vectors.md#signatures): parsing the
// Authorization header and building the canonical request, string to sign and signature. Pure, like
// the OSS signer beside it, so a test can sign requests the way botocore and the JS SDK do and the
// server can verify them with the very same canonicalisation.
//
// Written by hand rather than taken from a library: the server side of SigV4 (parse, check scope,
// rebuild the canonical request from what arrived) is not what the signing libraries expose, and the
// algorithm is a few dozen lines over the hashes this package already carries.
import { hmacSha256, hmacSha256Hex, sha256Hex } from "#hashing";
import { uriEncode } from "../signer.ts";

export const AWS_ALGORITHM = "AWS4-HMAC-SHA256";
export const AWS_SERVICE = "s3vectors";
export const AWS_TERMINATOR = "aws4_request";
export const AWS_UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
export const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

export interface AwsAuthorization {
  accessKeyId: string;
  day: string;
  region: string;
  service: string;
  terminator: string;
  /** Lower-case header names, in the order the client listed them. */
  signedHeaders: string[];
  signature: string;
}

/**
 * `AWS4-HMAC-SHA256 Credential=AK/20250715/us-east-1/s3vectors/aws4_request, SignedHeaders=a;b,
 * Signature=hex`; any whitespace around the parts. Undefined when it is not of that form.
 */
export function parseAwsAuthorization(value: string): AwsAuthorization | undefined {
  const trimmed = value.trim();
  if (!trimmed.startsWith(`${AWS_ALGORITHM} `)) return undefined;
  const fields = new Map<string, string>();
  for (const part of trimmed.slice(AWS_ALGORITHM.length).split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) return undefined;
    const name = part.slice(0, eq).trim();
    if (fields.has(name)) return undefined;
    fields.set(name, part.slice(eq + 1).trim());
  }
  const credential = fields.get("Credential")?.split("/");
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (fields.size !== 3 || credential?.length !== 5 || !signedHeaders || !signature) return undefined;
  const [accessKeyId, day, region, service, terminator] = credential as [string, string, string, string, string];
  if (!accessKeyId || !/^\d{8}$/.test(day) || !region || !service || !/^[0-9a-f]{64}$/i.test(signature)) return undefined;
  return {
    accessKeyId, day, region, service, terminator,
    signedHeaders: signedHeaders.split(";").map((name) => name.trim().toLowerCase()),
    signature: signature.toLowerCase(),
  };
}

/**
 * The canonical URI: the path as sent (still percent-encoded), with empty and `.` segments removed
 * and `..` resolved, then encoded once more with `/` kept, so `%3A` signs as `%253A`. Both SDKs
 * encode the path twice this way for every service but S3.
 */
export function awsCanonicalPath(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  const trailing = rawPath.endsWith("/") && segments.length > 0 ? "/" : "";
  return uriEncode(`/${segments.join("/")}${trailing}`, true);
}

function decodeQueryPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** Query items decoded and encoded again the SigV4 way, sorted by name then value, `k=` when valueless. */
export function awsCanonicalQuery(rawQuery: string): string {
  const pairs = rawQuery.split("&").filter((item) => item !== "").map((item): [string, string] => {
    const eq = item.indexOf("=");
    const name = eq < 0 ? item : item.slice(0, eq);
    const value = eq < 0 ? "" : item.slice(eq + 1);
    return [uriEncode(decodeQueryPart(name)), uriEncode(decodeQueryPart(value))];
  });
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join("&");
}

/** One `name:value\n` per signed header, sorted; values trimmed and inner runs of spaces collapsed. */
export function awsCanonicalHeaders(headers: Readonly<Record<string, string>>, signedHeaders: readonly string[]): string {
  return [...signedHeaders].sort().map((name) => `${name}:${(headers[name] ?? "").trim().replace(/\s+/g, " ")}\n`).join("");
}

export interface AwsCanonicalInput {
  method: string;
  rawPath: string;
  rawQuery: string;
  /** Lower-case names; a repeated header's values joined with ",". */
  headers: Readonly<Record<string, string>>;
  signedHeaders: readonly string[];
  /** Hex SHA-256 of the body, or the value of x-amz-content-sha256. */
  payloadHash: string;
}

export function awsCanonicalRequest(input: AwsCanonicalInput): string {
  const signed = [...input.signedHeaders].sort();
  return [
    input.method.toUpperCase(),
    awsCanonicalPath(input.rawPath),
    awsCanonicalQuery(input.rawQuery),
    awsCanonicalHeaders(input.headers, signed),
    signed.join(";"),
    input.payloadHash,
  ].join("\n");
}

export function awsCredentialScope(day: string, region: string, service = AWS_SERVICE): string {
  return `${day}/${region}/${service}/${AWS_TERMINATOR}`;
}

export function awsStringToSign(amzDate: string, scope: string, canonicalRequest: string): string {
  return [AWS_ALGORITHM, amzDate, scope, sha256Hex(canonicalRequest)].join("\n");
}

export function awsSigningKey(secret: string, day: string, region: string, service = AWS_SERVICE): Uint8Array {
  const kDate = hmacSha256(new TextEncoder().encode(`AWS4${secret}`), day);
  return hmacSha256(hmacSha256(hmacSha256(kDate, region), service), AWS_TERMINATOR);
}

export function awsSignature(signingKey: Uint8Array, stringToSign: string): string {
  return hmacSha256Hex(signingKey, stringToSign);
}

export interface AwsSignInput extends Omit<AwsCanonicalInput, "signedHeaders" | "payloadHash"> {
  accessKeyId: string;
  secret: string;
  region: string;
  /** `20250715T120000Z`; also written to the headers as x-amz-date. */
  amzDate: string;
  /** Headers to sign (lower case); default: every header given. */
  signedHeaders?: string[];
  payloadHash: string;
}

/** The Authorization header value for a request; tests use it to sign as either SDK does. */
export function awsAuthorization(input: AwsSignInput): string {
  const signedHeaders = [...(input.signedHeaders ?? Object.keys(input.headers))].sort();
  const day = input.amzDate.slice(0, 8);
  const scope = awsCredentialScope(day, input.region);
  const canonical = awsCanonicalRequest({ ...input, signedHeaders });
  const signature = awsSignature(awsSigningKey(input.secret, day, input.region), awsStringToSign(input.amzDate, scope, canonical));
  return `${AWS_ALGORITHM} Credential=${input.accessKeyId}/${scope}, SignedHeaders=${signedHeaders.join(";")}, Signature=${signature}`;
}
