// Who is calling (docs/architecture.md#authentication): OSS4-HMAC-SHA256 in the Authorization header or
// in the query (presigned), temporary credentials through x-oss-security-token, or nobody (anonymous).
// The signature covers the request line and headers only, so it is checked before any body is read.
import { createHash } from "node:crypto";
import {
  ALGORITHM, ApiError, canonicalRequest, credentialScope, computeSignature, normaliseAdditionalHeaders,
  parseAuthorization, parseCredential, parseOssDate, signaturesEqual, signingKey, stringToSign, UNSIGNED_PAYLOAD,
  type HeaderMap, type ParsedAuthorization, type SigningTarget,
} from "@ossv/protocol";
import type { AccessKeyRecord, Catalog } from "@ossv/engine";
import { queryParams } from "./addressing.ts";

export type Principal =
  | { kind: "anonymous" }
  | { kind: "key"; key: AccessKeyRecord; accountId: string; userName?: string };

export interface AuthInput {
  method: string;
  headers: HeaderMap;
  rawQuery: string;
  /** Bucket name and, for virtual-hosted requests, its account (docs/protocol.md#verification). */
  bucket?: string;
  accountId?: string;
  /** Filled in once the key is known: path-style requests sign with the caller's own account. */
  callerAccountId?: string;
  /** The admin API signs its path as the canonical URI's key part. */
  objectKey?: string;
}

export interface AuthSettings {
  catalog: Catalog;
  /** Recovers a key's plain secret from its stored (sealed) form. */
  openSecret: (stored: string) => string;
  region: string;
  maxSkewMs: number;
  now: () => number;
}

interface SignedClaim {
  auth: ParsedAuthorization;
  ossDate: string;
  token?: string;
  /** Raw query the signature covers (presigned: without x-oss-signature). */
  signedQuery: string;
  expiresSeconds?: number;
}

export function authenticate(input: AuthInput, settings: AuthSettings): Principal {
  const claim = input.headers["authorization"] !== undefined
    ? headerClaim(input)
    : presignedClaim(input.rawQuery);
  if (!claim) return { kind: "anonymous" };
  const key = lookUpKey(claim, settings);
  checkScope(claim, settings);
  checkTime(claim, settings);
  verifySignature(claim, { ...input, callerAccountId: key.accountId }, settings.openSecret(key.accessKeySecret), settings.region);
  return key.userName === undefined
    ? { kind: "key", key, accountId: key.accountId }
    : { kind: "key", key, accountId: key.accountId, userName: key.userName };
}

function headerClaim(input: AuthInput): SignedClaim {
  const auth = parseAuthorization(input.headers["authorization"] ?? "");
  if (!auth) {
    throw new ApiError("InvalidArgument", `Authorization header is invalid; vector buckets accept only ${ALGORITHM} signatures.`);
  }
  const ossDate = input.headers["x-oss-date"];
  if (!ossDate) throw new ApiError("AccessDenied", "A signed request must carry an x-oss-date header.");
  const token = input.headers["x-oss-security-token"];
  return { auth, ossDate, signedQuery: input.rawQuery, ...(token ? { token } : {}) };
}

function presignedClaim(rawQuery: string): SignedClaim | undefined {
  const params = queryParams(rawQuery);
  if (!params.has("x-oss-signature") && !params.has("x-oss-credential")) return undefined;
  if (params.get("x-oss-signature-version") !== ALGORITHM) {
    throw new ApiError("InvalidArgument", `x-oss-signature-version must be ${ALGORITHM}.`);
  }
  const credential = parseCredential(params.get("x-oss-credential") ?? "");
  const signature = params.get("x-oss-signature");
  const ossDate = params.get("x-oss-date");
  const expires = Number(params.get("x-oss-expires"));
  if (!credential || !signature || !ossDate || !Number.isInteger(expires) || expires < 1 || expires > 604800) {
    throw new ApiError("InvalidArgument", "A presigned URL needs x-oss-credential, x-oss-date, x-oss-expires (1-604800) and x-oss-signature.");
  }
  const additional = (params.get("x-oss-additional-headers") ?? "").split(";").filter(Boolean);
  const signedQuery = rawQuery.split("&").filter((item) => item.split("=")[0] !== "x-oss-signature").join("&");
  const token = params.get("x-oss-security-token");
  return {
    auth: { ...credential, signature, additionalHeaders: additional },
    ossDate, signedQuery, expiresSeconds: expires, ...(token ? { token } : {}),
  };
}

function lookUpKey(claim: SignedClaim, settings: AuthSettings): AccessKeyRecord {
  const key = settings.catalog.getAccessKey(claim.auth.accessKeyId);
  if (!key) throw new ApiError("InvalidAccessKeyId");
  if (key.status !== "active") {
    throw new ApiError("InvalidAccessKeyId", "The OSS Access Key Id you provided is disabled.");
  }
  if (key.securityToken !== undefined) {
    if (claim.token !== key.securityToken) throw new ApiError("InvalidSecurityToken");
    if (key.expiresAt && Date.parse(key.expiresAt) <= settings.now()) throw new ApiError("SecurityTokenExpired");
  } else if (claim.token !== undefined) {
    throw new ApiError("InvalidSecurityToken", "A security token was sent with a long-term access key.");
  }
  return key;
}

function checkScope(claim: SignedClaim, settings: AuthSettings): void {
  const { auth, ossDate } = claim;
  if (auth.product !== "oss" || auth.terminator !== "aliyun_v4_request" || auth.day !== ossDate.slice(0, 8)) {
    throw new ApiError("InvalidArgument", `The credential scope must be ${ossDate.slice(0, 8)}/<region>/oss/aliyun_v4_request.`);
  }
  if (auth.region !== settings.region) {
    throw new ApiError("InvalidArgument", `Invalid signing region "${auth.region}": this endpoint serves ${settings.region}.`);
  }
}

function checkTime(claim: SignedClaim, settings: AuthSettings): void {
  const date = parseOssDate(claim.ossDate);
  if (!date) throw new ApiError("AccessDenied", `x-oss-date "${claim.ossDate}" is not of the form 20231216T162057Z.`);
  const now = settings.now();
  if (claim.expiresSeconds !== undefined) {
    if (date.getTime() - now > settings.maxSkewMs) throw skewed(date, now);
    if (now > date.getTime() + claim.expiresSeconds * 1000) throw new ApiError("AccessDenied", "Request has expired.");
    return;
  }
  if (Math.abs(date.getTime() - now) > settings.maxSkewMs) throw skewed(date, now);
}

function skewed(date: Date, now: number): ApiError {
  return new ApiError("RequestTimeTooSkewed", undefined, {
    RequestTime: date.toISOString(), ServerTime: new Date(now).toISOString(),
  });
}

/**
 * A client may sign the real body hash instead of UNSIGNED-PAYLOAD; then the body, read once the
 * signature over the headers has checked out, must match it.
 */
export function checkPayloadHash(headers: HeaderMap, rawBody: Buffer): void {
  const declared = headers["x-oss-content-sha256"];
  if (declared === undefined || declared === UNSIGNED_PAYLOAD) return;
  const actual = createHash("sha256").update(rawBody).digest("hex");
  if (declared.toLowerCase() !== actual) {
    throw new ApiError("InvalidDigest", "x-oss-content-sha256 does not match the SHA-256 of the body.");
  }
}

function verifySignature(claim: SignedClaim, input: AuthInput, secret: string, region: string): void {
  const target: SigningTarget = { method: input.method, region, rawQuery: claim.signedQuery };
  if (input.bucket !== undefined) {
    target.bucket = input.bucket;
    target.accountId = input.accountId ?? input.callerAccountId;
  }
  if (input.objectKey) target.key = input.objectKey;
  const additional = normaliseAdditionalHeaders(claim.auth.additionalHeaders, input.headers);
  const canonical = canonicalRequest(target, input.headers, additional);
  const toSign = stringToSign(claim.ossDate, credentialScope(claim.ossDate, region), canonical);
  const expected = computeSignature(signingKey(secret, claim.auth.day, region), toSign);
  if (!signaturesEqual(expected, claim.auth.signature)) {
    throw new ApiError("SignatureDoesNotMatch", undefined, {
      SignatureProvided: claim.auth.signature, StringToSign: toSign, CanonicalRequest: canonical,
    });
  }
}
