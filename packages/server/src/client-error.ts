// Requests node's HTTP parser refuses (a Content-Length that is not a number or is sent twice,
// broken chunk framing, an unknown method, bytes not allowed in a header, headers too large, a
// missing Host) never reach the pipeline. Node's own answer is a bare `400 Bad Request` with no body
// and no request id, which an OSS client cannot read as an error; these answer the same JSON error,
// with x-oss-request-id and x-oss-ec, as every other refusal.
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { ApiError } from "@ossv/protocol";
import { errorBody, sendError } from "./respond.ts";
import { newRequestId } from "./request-id.ts";
import { corsResponseHeaders, type CorsPolicy } from "./cors.ts";

/** Sockets whose current request is still being answered, with that request and its answer. */
export type InFlight = WeakMap<Duplex, { req: IncomingMessage; res: ServerResponse }>;

/** Remembers a request and its answer on their socket until the answer is done. */
export function trackInFlight(inFlight: InFlight, req: IncomingMessage, res: ServerResponse): void {
  inFlight.set(req.socket, { req, res });
  res.once("close", () => {
    if (inFlight.get(req.socket)?.res === res) inFlight.delete(req.socket);
  });
}

function refusal(error: NodeJS.ErrnoException): ApiError {
  if (error.code === "HPE_HEADER_OVERFLOW") return new ApiError("BadRequest", "The request headers are too large.");
  return new ApiError("BadRequest", `The request is not valid HTTP/1.1: ${error.message.replace(/[\r\n]+/g, " ")}.`);
}

/**
 * The Origin of a request the parser refused, read from the bytes it kept (node attaches them to
 * parse errors), so a page on an allowed origin can still read the refusal. Best effort: a header
 * past the bytes kept is not found, and the answer then carries no CORS headers.
 */
function originOfRefused(error: NodeJS.ErrnoException): string | undefined {
  const raw = (error as { rawPacket?: unknown }).rawPacket;
  if (!Buffer.isBuffer(raw)) return undefined;
  return /\r\norigin:[ \t]*([^\r\n]*)/i.exec(raw.toString("latin1"))?.[1]?.trim();
}

/** The whole HTTP message of a JSON error, written straight to a socket that has no response object. */
function rawErrorResponse(error: ApiError, cors: Record<string, string> = {}): Buffer {
  const requestId = newRequestId();
  const body = Buffer.from(JSON.stringify({ Error: errorBody(error, { requestId, host: "" }) }), "utf8");
  const head = [
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? "Error"}`,
    `x-oss-request-id: ${requestId}`,
    `date: ${new Date().toUTCString()}`,
    "server: ossv",
    "content-type: application/json",
    `content-length: ${body.length}`,
    `x-oss-ec: ${error.ec}`,
    ...Object.entries(cors).map(([name, value]) => `${name}: ${value}`),
    "connection: close",
  ];
  return Buffer.concat([Buffer.from(head.join("\r\n") + "\r\n\r\n", "latin1"), body]);
}

/**
 * The server's 'clientError' listener. When the bad bytes follow a complete request that is still
 * being answered (a body longer than its Content-Length, data after `Connection: close`), that answer
 * is let finish and the connection closed after it: a second answer written into the middle of the
 * first would garble both. When they are inside the request's own body (broken chunk framing, or a
 * client that stops sending mid-body), that request can never complete, so it is answered with the
 * refusal.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex, inFlight: InFlight, cors?: CorsPolicy): void {
  // The client went away (reset, or ended its side mid-request): nobody is left to read an answer,
  // and the pipeline logs the request as closed by the client.
  if (!socket.writable || error.code === "ECONNRESET" || error.code === "HPE_INVALID_EOF_STATE") {
    socket.destroy();
    return;
  }
  const pending = inFlight.get(socket);
  if (pending?.res.headersSent) return void pending.res.once("finish", () => socket.end());
  if (pending && pending.req.complete) return void pending.res.once("finish", () => socket.end());
  if (pending) {
    const info = { requestId: newRequestId(), host: "", cors: corsResponseHeaders(cors, pending.req.headers.origin) };
    sendError(pending.res, info, refusal(error), { connection: "close" });
    pending.res.once("finish", () => socket.end());
    // The body will never complete, and node no longer aborts an answered request when its
    // connection closes: end it here, or whatever is still reading the body waits forever.
    socket.once("close", () => pending.req.destroy());
    return;
  }
  socket.end(rawErrorResponse(refusal(error), corsResponseHeaders(cors, originOfRefused(error))));
}

/** CONNECT (a proxy tunnel) is no vector operation: 405, as for any other method none takes. */
export function refuseConnect(socket: Duplex): void {
  socket.end(rawErrorResponse(new ApiError("MethodNotAllowed", "CONNECT is not a vector operation.")));
}
