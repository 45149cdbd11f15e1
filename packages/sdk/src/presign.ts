// Query-string signed requests (docs/protocol.md#presigned-urls): a URL someone without the keys can
// call until it expires. The signature covers Content-MD5 and Content-Type, so the body and those
// headers must be sent as returned.
import { presignQuery, type HttpMethod } from "@ossv/protocol";
import type { ResolvedClientConfig } from "./client-config.ts";
import type { Command } from "./commands.ts";
import { CredentialsError, InvalidParamError } from "./errors.ts";
import { requestUrl } from "./http.ts";
import { buildRequest } from "./request-builder.ts";
import type { ResultMetadata } from "./types.ts";

export interface PresignOptions {
  /** Seconds the URL stays valid: 1 to 604 800 (7 days). Default 900. */
  expiresSeconds?: number;
}

export interface PresignedRequest {
  method: HttpMethod;
  url: string;
  /** Send exactly these (they are signed). */
  headers: Record<string, string>;
  /** The body to send, for operations that have one. */
  body?: string;
  expiration: Date;
}

// Seven days is the ceiling of OSS V4 presigning; for vectors it is [inferred] (the documentation gives
// only the default; docs/protocol.md#presigned-urls).
const MAX_EXPIRES_SECONDS = 7 * 24 * 3600;

export async function presignCommand<I, R extends ResultMetadata>(
  command: Command<I, R>, config: ResolvedClientConfig, options: PresignOptions = {},
): Promise<PresignedRequest> {
  const expiresSeconds = options.expiresSeconds ?? 900;
  if (!Number.isInteger(expiresSeconds) || expiresSeconds < 1 || expiresSeconds > MAX_EXPIRES_SECONDS) {
    throw new InvalidParamError("expiresSeconds", `an integer from 1 to ${MAX_EXPIRES_SECONDS}`);
  }
  const { request, bucket } = buildRequest(command.definition, command.input, config);
  const credentials = await config.credentials.getCredentials();
  if (!credentials) throw new CredentialsError("presigning needs credentials; the provider is anonymous");
  const time = config.clock.now();
  const target = { method: request.method, region: config.region, accountId: config.accountId, bucket, rawQuery: request.rawQuery };
  const rawQuery = presignQuery(target, request.headers, {
    credentials, time, expiresSeconds, additionalHeaders: config.additionalHeaders,
  });
  const { "user-agent": _userAgent, ...headers } = request.headers;
  const presigned: PresignedRequest = {
    method: request.method, url: requestUrl({ ...request, rawQuery }), headers,
    expiration: new Date(time.getTime() + expiresSeconds * 1000),
  };
  if (request.body) presigned.body = new TextDecoder().decode(request.body);
  return presigned;
}
