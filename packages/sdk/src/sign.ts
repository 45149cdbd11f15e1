// The signing step: asks the credentials provider, then signs with OSS4-HMAC-SHA256 from
// @ossv/protocol (docs/protocol.md#signatures). Anonymous providers leave the request unsigned.
import { signRequest } from "@ossv/protocol";
import type { SigningClock } from "./clock.ts";
import type { CredentialsProvider } from "./credentials.ts";
import { ClientError, CredentialsError } from "./errors.ts";
import type { Middleware } from "./http.ts";

export interface SignerSettings {
  region: string;
  /** The bucket owner's id; needed whenever a request addresses a bucket. */
  accountId?: string;
  credentials: CredentialsProvider;
  clock: SigningClock;
  /** Extra headers to cover with the signature (docs/protocol.md#signed-headers), e.g. `host`. */
  additionalHeaders?: readonly string[];
  /**
   * Sign the request's path (without its leading `/`) as the canonical URI's key part: ossv's admin
   * API does, so that a signature for one admin call cannot be replayed against another path.
   */
  signPathAsKey?: boolean;
}

export function signMiddleware(settings: SignerSettings): Middleware {
  return (next) => async (request, context) => {
    const credentials = await settings.credentials.getCredentials().catch((error: unknown) => {
      if (error instanceof ClientError) throw error;
      throw new CredentialsError("the credentials provider failed", { cause: error, operation: context.operation });
    });
    if (credentials) {
      const target = {
        method: request.method, region: settings.region, accountId: settings.accountId,
        bucket: context.bucket, rawQuery: request.rawQuery, ...(settings.signPathAsKey ? { key: request.path.slice(1) } : {}),
      };
      const additionalHeaders = settings.additionalHeaders ?? [];
      if (additionalHeaders.includes("host")) request.headers["host"] ??= request.host;
      signRequest(target, request.headers, { credentials, time: settings.clock.now(), additionalHeaders });
    }
    return next(request, context);
  };
}
