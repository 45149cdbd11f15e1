// Reading a request body: a size cap, Content-MD5 checked when sent, JSON parsed with an empty body
// meaning `{}` (spec §2.2).
import type { IncomingMessage } from "node:http";
import { createHash } from "node:crypto";
import { ApiError } from "@ossv/protocol";
import { parseVectorBody } from "./vector-body.ts";

export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > maxBytes) throw new ApiError("EntityTooLarge", `The request body exceeds ${maxBytes} bytes.`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new ApiError("EntityTooLarge", `The request body exceeds ${maxBytes} bytes.`);
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

/** Refuses a body whose Content-MD5 header is malformed or does not match (400 InvalidDigest). */
export function checkContentMd5(header: string | undefined, body: Buffer): void {
  if (header === undefined) return;
  const value = header.trim();
  if (!/^[A-Za-z0-9+/]{22}==$/.test(value)) {
    throw new ApiError("InvalidDigest", "The Content-MD5 you specified is not a base64-encoded 128-bit MD5.");
  }
  const actual = createHash("md5").update(body).digest("base64");
  if (actual !== value) {
    throw new ApiError("InvalidDigest", `The Content-MD5 you specified (${value}) does not match the body (${actual}).`);
  }
}

/**
 * The body as a JSON object; empty means `{}`. Anything else is 400 MalformedJson. Vector arrays come
 * back as Float32Arrays (vector-body.ts).
 */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  if (isBlank(body)) return {};
  let value: unknown;
  try {
    value = parseVectorBody(body);
  } catch (error) {
    throw new ApiError("MalformedJson", `The request body is not valid JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ApiError("MalformedJson", "The request body must be a JSON object.");
  }
  return value as Record<string, unknown>;
}

/** Nothing but JSON whitespace, checked on the bytes (a large body is not decoded twice). */
function isBlank(body: Buffer): boolean {
  for (const byte of body) if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) return false;
  return true;
}
