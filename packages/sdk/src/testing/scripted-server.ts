// Test support (not part of the published SDK): a real HTTP server on 127.0.0.1, port 0, that records
// every request and answers from a script — including on purpose badly (5xx, throttling, skewed
// clocks, dropped sockets, bodies that never finish). Tests talk to it over real sockets.
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parseAuthorization, signatureFor } from "@ossv/protocol";

export interface RecordedRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  path: string;
  rawQuery: string;
  headers: Record<string, string>;
  body: Buffer;
  text: string;
  json(): unknown;
}

export type Responder = (request: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export interface ScriptedServer {
  port: number;
  /** `http://127.0.0.1:PORT` */
  url: string;
  requests: RecordedRequest[];
  /** Responders used once each, in order, before the fallback. */
  enqueue(...responders: Responder[]): void;
  /** The responder for requests once the queue is empty (default: 200, empty body). */
  fallback: Responder;
  close(): Promise<void>;
}

async function record(req: IncomingMessage): Promise<RecordedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  const text = body.toString("utf8");
  return {
    method: req.method ?? "", url, path: q < 0 ? url : url.slice(0, q), rawQuery: q < 0 ? "" : url.slice(q + 1),
    headers, body, text, json: () => JSON.parse(text),
  };
}

export async function startScriptedServer(): Promise<ScriptedServer> {
  const queue: Responder[] = [];
  const state: ScriptedServer = {
    port: 0, url: "", requests: [], fallback: (_req, res) => void res.writeHead(200, requestIdHeader()).end(),
    enqueue: (...responders) => void queue.push(...responders),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  // Node does not await a request listener, so serve() settles every failure itself: a client that
  // left mid-body has nobody to answer, and a responder that throws is reported and its socket
  // dropped (the client then sees the failure) rather than left to crash the test process.
  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    let recorded: RecordedRequest;
    try {
      recorded = await record(req);
    } catch {
      res.destroy();
      return;
    }
    state.requests.push(recorded);
    try {
      await (queue.shift() ?? state.fallback)(recorded, res);
    } catch (error) {
      console.error("scripted server: a responder failed:", error);
      res.destroy();
    }
  };
  const server = createServer((req, res) => void serve(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.port = (server.address() as AddressInfo).port;
  state.url = `http://127.0.0.1:${state.port}`;
  return state;
}

let requestCounter = 0;

export function requestIdHeader(): Record<string, string> {
  requestCounter += 1;
  return { "x-oss-request-id": `5C3D9175B6FC2012${String(requestCounter).padStart(8, "0")}` };
}

// ---- responders ---------------------------------------------------------------------------------

export function respondJson(status: number, body: unknown, headers: Record<string, string> = {}): Responder {
  return (_req, res) => {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", ...requestIdHeader(), ...headers }).end(text);
  };
}

export function respondEmpty(status: number, headers: Record<string, string> = {}): Responder {
  return (_req, res) => void res.writeHead(status, { ...requestIdHeader(), ...headers }).end();
}

export function respondRaw(status: number, contentType: string, body: string, headers: Record<string, string> = {}): Responder {
  return (_req, res) => void res.writeHead(status, { "content-type": contentType, ...requestIdHeader(), ...headers }).end(body);
}

/** The OSS JSON error body of docs/protocol.md#error-body. */
export function respondError(status: number, code: string, headers: Record<string, string> = {}): Responder {
  const ids = requestIdHeader();
  const body = { Error: { Code: code, Message: `${code} happened`, RequestId: ids["x-oss-request-id"], EC: "0015-00000101", HostId: "h" } };
  return respondJson(status, body, { ...ids, "x-oss-ec": "0015-00000101", ...headers });
}

/** Kills the TCP connection without any response. */
export function dropConnection(): Responder {
  return (req, res) => void res.socket?.destroy();
}

/** Sends status and headers, a first byte of body, then stalls for `holdMs` before finishing. */
export function stallBody(holdMs: number): Responder {
  return (_req, res) => {
    res.writeHead(200, { "content-type": "application/json", ...requestIdHeader() });
    res.write("{");
    const timer = setTimeout(() => res.end('"vectors":[]}'), holdMs);
    // The client gives up long before; closing the server destroys the socket and ends the wait.
    res.on("close", () => clearTimeout(timer));
  };
}

// ---- signature check ----------------------------------------------------------------------------

export interface SignatureCheck {
  region: string;
  accountId: string;
  bucket?: string;
  /** The canonical URI's key part (ossv's admin API signs its path there). */
  key?: string;
  secret: string;
}

/** Recomputes the request's signature with protocol's signatureFor; true when it matches. */
export function signatureVerifies(request: RecordedRequest, check: SignatureCheck): boolean {
  const parsed = parseAuthorization(request.headers["authorization"] ?? "");
  const ossDate = request.headers["x-oss-date"];
  if (!parsed || !ossDate) return false;
  const target = { method: request.method, region: check.region, accountId: check.accountId, bucket: check.bucket, key: check.key, rawQuery: request.rawQuery };
  return signatureFor(target, request.headers, parsed.additionalHeaders, ossDate, check.secret) === parsed.signature;
}

// ---- a fetch for virtual-hosted names ------------------------------------------------------------

/**
 * A fetch that sends every request to 127.0.0.1:`port` but keeps the URL's host in the Host header,
 * so `{bucket}-{account}.localhost` works without DNS (Node's fetch will not let us set Host).
 */
export function loopbackFetch(port: number): (input: string, init: RequestInit) => Promise<Response> {
  return (input, init) => new Promise((resolve, reject) => {
    const url = new URL(input);
    const headers = { ...(init.headers as Record<string, string>), host: url.host };
    const req = httpRequest({ host: "127.0.0.1", port, method: init.method, path: url.pathname + url.search, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const body = [204, 304].includes(res.statusCode ?? 0) ? null : Buffer.concat(chunks);
        const responseHeaders = Object.entries(res.headers).map(([k, v]) => [k, String(v)] as [string, string]);
        resolve(new Response(body, { status: res.statusCode, statusText: res.statusMessage, headers: responseHeaders }));
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    init.signal?.addEventListener("abort", () => req.destroy(new Error("aborted")), { once: true });
    req.end(init.body ? Buffer.from(init.body as Uint8Array) : undefined);
  });
}
