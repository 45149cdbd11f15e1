// The send step: one HTTP exchange through the platform's fetch, with the attempt's timeout and the
// caller's AbortSignal covering both the headers and the whole body.
import { runAttempt } from "./attempt.ts";
import { toServiceError } from "./error-response.ts";
import { requestUrl, sendableBody, type Handler, type HttpResponse, type Middleware } from "./http.ts";

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** Headers a browser's fetch refuses to set; sending them there would only be dropped silently. */
const TRANSPORT_OWNED = new Set(["host", "content-length", "connection"]);

export function fetchHandler(fetchImpl: FetchLike): Handler {
  return (request, context) => runAttempt(context, async (signal) => {
    const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => !TRANSPORT_OWNED.has(name)));
    const body = sendableBody(request) as Uint8Array<ArrayBuffer> | undefined;
    const response = await fetchImpl(requestUrl(request), { method: request.method, headers, body, signal });
    return toHttpResponse(response, new Uint8Array(await response.arrayBuffer()));
  });
}

function toHttpResponse(response: Response, body: Uint8Array): HttpResponse {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value;
  });
  return { statusCode: response.status, statusText: response.statusText, headers, body };
}

/** Turns non-2xx responses into ServiceError, so the retry step can judge them by status and code. */
export function serviceErrorMiddleware(): Middleware {
  return (next) => async (request, context) => {
    const response = await next(request, context);
    if (response.statusCode >= 200 && response.statusCode < 300) return response;
    throw toServiceError(response, { operation: context.operation, requestTarget: `${request.method} ${requestUrl(request)}` });
  };
}
