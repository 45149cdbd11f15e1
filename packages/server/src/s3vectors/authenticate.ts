// Who signed an S3 Vectors request (docs/s3-vectors.md#signatures): SigV4 for the service `s3vectors`
// in the server's AWS region, with the same access keys (and temporary keys with their token) the
// OSS API takes. The header checks run before the body is read; the signature needs the body's hash
// unless the client signed it in x-amz-content-sha256 (the JS SDK does, botocore does not).
import { timingSafeEqual } from "node:crypto";
import { parseOssDate, type HeaderMap } from "@ossv/protocol";
import {
  AWS_ALGORITHM, AWS_SERVICE, AWS_TERMINATOR, AWS_UNSIGNED_PAYLOAD, awsCanonicalRequest, awsCredentialScope, awsSignature,
  awsSigningKey, awsStringToSign, parseAwsAuthorization, S3VectorsError, type AwsAuthorization,
} from "@ossv/protocol/s3vectors";
import type { AccessKeyRecord, Catalog } from "@ossv/engine";
import type { Principal } from "../authenticate.ts";
import { formatAmzDate } from "@ossv/protocol";

export interface S3vAuthSettings {
  catalog: Catalog;
  openSecret: (stored: string) => string;
  awsRegion: string;
  maxSkewMs: number;
  now: () => number;
}

/** A request whose headers checked out; its signature is verified once the payload hash is known. */
export interface SignedClaim {
  auth: AwsAuthorization;
  amzDate: string;
  key: AccessKeyRecord;
  /** The hash the client signed in x-amz-content-sha256, if it sent one (UNSIGNED-PAYLOAD included). */
  declaredPayloadHash?: string;
}

const denied = (type: "InvalidSignatureException" | "UnrecognizedClientException" | "ExpiredTokenException", message: string) =>
  new S3VectorsError(type, message);

/** Checks everything but the signature: form, scope, key, token, time. */
export function checkSignedHeaders(headers: HeaderMap, settings: S3vAuthSettings): SignedClaim {
  const header = headers["authorization"];
  if (header === undefined) throw new S3VectorsError("MissingAuthenticationTokenException", "Missing Authentication Token");
  const auth = parseAwsAuthorization(header);
  if (!auth) {
    throw new S3VectorsError("IncompleteSignatureException",
      `Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters of ${AWS_ALGORITHM}; got "${header.slice(0, 200)}"`);
  }
  const amzDate = headers["x-amz-date"];
  if (amzDate === undefined) throw new S3VectorsError("IncompleteSignatureException", "Authorization header requires existence of an 'X-Amz-Date' header");
  const date = parseOssDate(amzDate);
  if (!date) throw new S3VectorsError("IncompleteSignatureException", `X-Amz-Date "${amzDate.slice(0, 40)}" is not of the form 20250715T120000Z`);
  checkScope(auth, amzDate, settings.awsRegion);
  for (const required of ["host", "x-amz-date"]) {
    if (!auth.signedHeaders.includes(required)) throw denied("InvalidSignatureException", `The ${required} header must be signed`);
  }
  const key = lookUpKey(auth, headers, settings);
  checkTime(date, settings);
  const declared = headers["x-amz-content-sha256"];
  return { auth, amzDate, key, ...(declared !== undefined && { declaredPayloadHash: declared.toLowerCase() === "unsigned-payload" ? AWS_UNSIGNED_PAYLOAD : declared.toLowerCase() }) };
}

function checkScope(auth: AwsAuthorization, amzDate: string, region: string): void {
  const expected = awsCredentialScope(amzDate.slice(0, 8), region);
  const given = `${auth.day}/${auth.region}/${auth.service}/${auth.terminator}`;
  if (auth.service !== AWS_SERVICE || auth.region !== region || auth.terminator !== AWS_TERMINATOR || auth.day !== amzDate.slice(0, 8)) {
    throw denied("InvalidSignatureException", `Credential should be scoped to ${expected}, not ${given}`);
  }
}

function lookUpKey(auth: AwsAuthorization, headers: HeaderMap, settings: S3vAuthSettings): AccessKeyRecord {
  const key = settings.catalog.getAccessKey(auth.accessKeyId);
  const token = headers["x-amz-security-token"];
  if (!key || key.status !== "active") throw denied("UnrecognizedClientException", "The security token included in the request is invalid.");
  if (key.securityToken !== undefined) {
    if (token !== key.securityToken) throw denied("UnrecognizedClientException", "The security token included in the request is invalid.");
    if (!auth.signedHeaders.includes("x-amz-security-token")) throw denied("InvalidSignatureException", "The x-amz-security-token header must be signed");
    if (key.expiresAt && Date.parse(key.expiresAt) <= settings.now()) throw denied("ExpiredTokenException", "The security token included in the request is expired");
  } else if (token !== undefined) {
    throw denied("UnrecognizedClientException", "The security token included in the request is invalid: a security token was sent with a long-term access key.");
  }
  return key;
}

function checkTime(date: Date, settings: S3vAuthSettings): void {
  const now = settings.now();
  const limitMinutes = Math.round(settings.maxSkewMs / 60_000);
  const shown = formatAmzDate(date);
  if (now - date.getTime() > settings.maxSkewMs) {
    throw denied("InvalidSignatureException", `Signature expired: ${shown} is now earlier than ${formatAmzDate(new Date(now - settings.maxSkewMs))} (${formatAmzDate(new Date(now))} - ${limitMinutes} min.)`);
  }
  if (date.getTime() - now > settings.maxSkewMs) {
    throw denied("InvalidSignatureException", `Signature not yet current: ${shown} is still later than ${formatAmzDate(new Date(now + settings.maxSkewMs))} (${formatAmzDate(new Date(now))} + ${limitMinutes} min.)`);
  }
}

export interface SignedRequestLine {
  method: string;
  rawPath: string;
  rawQuery: string;
  headers: HeaderMap;
}

/** Verifies the signature over the request line, the signed headers and `payloadHash`. */
export function verifySignature(claim: SignedClaim, request: SignedRequestLine, payloadHash: string, settings: S3vAuthSettings): Principal {
  const canonical = awsCanonicalRequest({ ...request, signedHeaders: claim.auth.signedHeaders, payloadHash });
  const scope = awsCredentialScope(claim.auth.day, settings.awsRegion);
  const toSign = awsStringToSign(claim.amzDate, scope, canonical);
  const secret = settings.openSecret(claim.key.accessKeySecret);
  const expected = awsSignature(awsSigningKey(secret, claim.auth.day, settings.awsRegion), toSign);
  if (!timingSafeEqual(Buffer.from(expected), Buffer.from(claim.auth.signature))) {
    throw denied("InvalidSignatureException",
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. "
      + `The canonical request was:\n${canonical}\nThe string to sign was:\n${toSign}`);
  }
  const { key } = claim;
  return key.userName === undefined
    ? { kind: "key", key, accountId: key.accountId }
    : { kind: "key", key, accountId: key.accountId, userName: key.userName };
}
