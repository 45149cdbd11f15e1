// A forwarding HTTP proxy in front of a real S3 store that can spoil the answers to PUTs, to stage
// what a network or a gateway does to a conditional write: the write lands but its answer is a 500
// or a dropped connection, or it never arrives, or it arrives late. Requests are forwarded with
// their headers untouched (the Host too, so their SigV4 signatures still verify). Order, not time,
// decides every outcome: a held request is released by the next PUT.
import { request, createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * What happens to one PUT:
 * - pass: forwarded, answered as the store answers;
 * - land-then-500: forwarded, then answered 500 whatever the store said;
 * - land-then-drop: forwarded, then the connection is dropped without an answer;
 * - 500: answered 500 without being forwarded;
 * - drop: the connection is dropped without forwarding;
 * - hold-then-drop: the connection is dropped at once, and the request is forwarded just before
 *   the next PUT is (a write that lands after its sender gave up on it).
 */
export type PutFate = "pass" | "land-then-500" | "land-then-drop" | "500" | "drop" | "hold-then-drop";

interface Received {
  req: IncomingMessage;
  body: Buffer;
}

const INTERNAL_ERROR = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>staged by the test</Message></Error>';

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** What an S3 request is, in the words of S3BlobStore's request counts. */
function operationOf(req: IncomingMessage): string {
  const query = new URL(req.url ?? "/", "http://proxy").searchParams;
  if (req.method === "GET") return query.has("list-type") ? "list" : "get";
  if (req.method === "POST" && query.has("delete")) return "delete_batch";
  return (req.method ?? "other").toLowerCase();
}

/** Listens on a free loopback port; resolves with the server's URL. */
export async function listenOnLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes a proxy's server and every connection still open to it. */
export async function closeServer(server: Server | undefined): Promise<void> {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
}

export class FaultProxy {
  /** PUTs seen so far (other methods pass untouched). */
  puts = 0;
  /** Every request received, by operation (get, list, put, head, delete, delete_batch). */
  readonly received: Record<string, number> = {};
  private held: Received | undefined;
  private server: Server | undefined;

  /** `fateOf(n)` decides the n-th PUT (from 0). */
  constructor(private readonly target: URL, private readonly fateOf: (n: number) => PutFate) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    return await listenOnLoopback(this.server);
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }

  private forward({ req, body }: Received): Promise<{ status: number; headers: IncomingMessage["headers"]; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const upstream = request({
        host: this.target.hostname, port: this.target.port, method: req.method, path: req.url, headers: req.headers,
      }, (answer) => void readBody(answer).then((bytes) => resolve({ status: answer.statusCode ?? 0, headers: answer.headers, body: bytes }), reject));
      upstream.on("error", reject);
      upstream.end(body);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const operation = operationOf(req);
    this.received[operation] = (this.received[operation] ?? 0) + 1;
    const received = { req, body: await readBody(req) };
    const fate: PutFate = req.method === "PUT" ? this.fateOf(this.puts++) : "pass";
    if (req.method === "PUT" && this.held) {
      const late = this.held;
      this.held = undefined;
      await this.forward(late);
    }
    if (fate === "drop") return void req.socket.destroy();
    if (fate === "hold-then-drop") {
      this.held = received;
      return void req.socket.destroy();
    }
    if (fate === "500") return this.internalError(res);
    const answer = await this.forward(received);
    if (fate === "land-then-drop") return void req.socket.destroy();
    if (fate === "land-then-500") return this.internalError(res);
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  }

  private internalError(res: ServerResponse): void {
    res.writeHead(500, { "content-type": "application/xml", "content-length": Buffer.byteLength(INTERNAL_ERROR) });
    res.end(INTERNAL_ERROR);
  }
}
