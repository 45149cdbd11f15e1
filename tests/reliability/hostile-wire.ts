// A raw HTTP/1.1 client over node:net for the hostile-input test. node:http would repair or refuse
// what this test exists to send (duplicate Content-Length, bodies that do not match their framing,
// absolute-form targets, pauses between pieces), so requests are written byte for byte here and the
// answers are parsed by hand: every answer on the connection, not only the first, is returned.
import { connect } from "node:net";

export interface WireRequest {
  method: string;
  /** The request target exactly as written on the request line. */
  target: string;
  /** Written in this order, duplicates and odd casing kept. */
  headers: Array<[string, string]>;
  /** The bytes after the header block, framing (chunk sizes) included. */
  body: Buffer;
  /** Write the body in this many pieces with a pause between them (a slow client). */
  pieces?: number;
  /**
   * The body is incomplete by design (a client that gives up): after writing, wait this long for an
   * early answer, then hang up. Without it the client waits for the server to close.
   */
  hangUpAfterMs?: number;
}

export interface WireResponse {
  status: number;
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
}

export interface Exchange {
  responses: WireResponse[];
  /** True when the client hung up before the server closed (only for hangUpAfterMs requests). */
  hungUp: boolean;
}

/** Long enough for a loaded machine, short enough that a server that never answers fails the test. */
const ANSWER_DEADLINE_MS = 20_000;
const PIECE_PAUSE_MS = 5;

export function headBytes(req: WireRequest): Buffer {
  const lines = [`${req.method} ${req.target} HTTP/1.1`, ...req.headers.map(([name, value]) => `${name}: ${value}`)];
  return Buffer.from(lines.join("\r\n") + "\r\n\r\n", "latin1");
}

/** Sends one request on a fresh connection and collects every answer until the server closes. */
export function exchange(port: number, req: WireRequest): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    const received: Buffer[] = [];
    let hungUp = false;
    const deadline = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${ANSWER_DEADLINE_MS} ms to ${req.method} ${req.target}`));
    }, ANSWER_DEADLINE_MS);
    socket.on("data", (chunk: Buffer) => received.push(chunk));
    // The server may answer and close while the client is still writing (an early refusal): a write
    // error then is expected, and what was received still counts.
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(deadline);
      try {
        resolve({ responses: parseResponses(Buffer.concat(received), req.method === "HEAD"), hungUp });
      } catch (error) {
        reject(error);
      }
    });
    socket.on("connect", () => {
      void writeRequest(socket, req).then(() => {
        if (req.hangUpAfterMs === undefined) return;
        setTimeout(() => {
          if (socket.destroyed) return;
          hungUp = true;
          socket.destroy();
        }, req.hangUpAfterMs);
      });
    });
  });
}

async function writeRequest(socket: ReturnType<typeof connect>, req: WireRequest): Promise<void> {
  const pieces = Math.max(1, Math.min(req.pieces ?? 1, req.body.length || 1));
  socket.write(headBytes(req));
  if (pieces === 1) {
    socket.write(req.body);
    return;
  }
  const size = Math.ceil(req.body.length / pieces);
  for (let at = 0; at < req.body.length && !socket.destroyed; at += size) {
    await new Promise((r) => setTimeout(r, PIECE_PAUSE_MS));
    socket.write(req.body.subarray(at, at + size));
  }
}

/** Splits a byte stream into HTTP/1.1 responses (Content-Length, chunked, or read-to-close bodies). */
export function parseResponses(bytes: Buffer, firstIsHead = false): WireResponse[] {
  const responses: WireResponse[] = [];
  let at = 0;
  while (at < bytes.length) {
    const headEnd = bytes.indexOf("\r\n\r\n", at, "latin1");
    if (headEnd < 0) throw new Error(`an answer ends inside its header block: ${JSON.stringify(bytes.subarray(at).toString("latin1"))}`);
    const [statusLine, ...lines] = bytes.subarray(at, headEnd).toString("latin1").split("\r\n");
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? "");
    if (!match) throw new Error(`not an HTTP status line: ${JSON.stringify(statusLine)}`);
    const headers = parseHeaderLines(lines);
    // The answer to HEAD declares the length of a body it does not carry.
    const bodiless = match[1]!.startsWith("1") || (firstIsHead && responses.length === 0);
    const { body, end } = bodiless ? { body: Buffer.alloc(0), end: headEnd + 4 } : readBody(bytes, headEnd + 4, headers);
    // An interim answer (100 Continue to `Expect: 100-continue`) precedes the real one.
    if (!match[1]!.startsWith("1")) responses.push({ status: Number(match[1]), headers, body });
    at = end;
  }
  return responses;
}

function parseHeaderLines(lines: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return headers;
}

function readBody(bytes: Buffer, start: number, headers: Record<string, string>): { body: Buffer; end: number } {
  if (headers["transfer-encoding"]?.toLowerCase() === "chunked") return readChunked(bytes, start);
  const length = headers["content-length"];
  if (length === undefined) return { body: bytes.subarray(start), end: bytes.length };
  const end = start + Number(length);
  if (!Number.isSafeInteger(Number(length)) || end > bytes.length) {
    throw new Error(`an answer declares Content-Length ${length} but ${bytes.length - start} bytes arrived`);
  }
  return { body: bytes.subarray(start, end), end };
}

function readChunked(bytes: Buffer, start: number): { body: Buffer; end: number } {
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const lineEnd = bytes.indexOf("\r\n", at, "latin1");
    if (lineEnd < 0) throw new Error("a chunked answer ends inside a chunk header");
    const size = parseInt(bytes.subarray(at, lineEnd).toString("latin1"), 16);
    at = lineEnd + 2;
    if (size === 0) return { body: Buffer.concat(parts), end: bytes.indexOf("\r\n", at, "latin1") + 2 };
    parts.push(bytes.subarray(at, at + size));
    at += size + 2;
  }
}
