/// <reference types="node" />
// The default send step on Node: undici's dispatcher API, the HTTP/1.1 client Node's own fetch is built
// on, without fetch's Request/Response/stream layers. Measured against a local ossv server (a small
// QueryVectors, one client), the SDK spent about 0.22 ms of CPU per call through it against 0.29 ms
// through node:http, and answered 12 % more calls per second (bench/README.md, "Transport").
import { STATUS_CODES } from "node:http";
import { Agent, type Dispatcher } from "undici";
import { runAttempt } from "../attempt.ts";
import { headersWithLength, requestTarget, sendableBody, type Handler, type HttpRequest, type HttpResponse } from "../http.ts";
import { joinedHeaders } from "./response-headers.ts";

export interface UndiciHandlerOptions {
  /**
   * The undici dispatcher (an `Agent`, `Pool`, `ProxyAgent`, ...) to send through; default a keep-alive
   * `Agent` owned by the handler. Give one for TLS options, proxies or connection limits.
   */
  dispatcher?: Dispatcher;
}

/** A send step over undici; each handler keeps its own connections unless given a dispatcher. */
export function undiciHandler(options: UndiciHandlerOptions = {}): Handler {
  const dispatcher = options.dispatcher ?? new Agent();
  return (request, context) => runAttempt(context, (signal) => exchange(dispatcher, request, signal));
}

async function exchange(dispatcher: Dispatcher, request: HttpRequest, signal: AbortSignal): Promise<HttpResponse> {
  const body = sendableBody(request);
  const response = await dispatcher.request({
    origin: `${request.protocol}//${request.host}`,
    path: requestTarget(request),
    method: request.method,
    headers: headersWithLength(request, body),
    body: body ?? null,
    signal,
  });
  const bytes = new Uint8Array(await response.body.arrayBuffer());
  return {
    statusCode: response.statusCode,
    statusText: STATUS_CODES[response.statusCode] ?? "", // HTTP/1.1 reason phrases are not kept by undici
    headers: joinedHeaders(response.headers),
    body: bytes,
  };
}
