// How the nodes of a shared store pass writes to an index's writer (docs/scale-out.md#writes-on-every-node):
// the node that received a write checks and encodes it, then POSTs the encoded WAL record to
// `/-/cluster/append?index=<storage id>` on the writer's node, which appends it and answers with the
// number of the WAL object that holds it. Like the operator endpoints it lives under `/-/`, where no
// bucket can be, and is answered before the request pipeline.
//
// The nodes share the master key (they open the same sealed secrets), so the bearer token is derived
// from it: no setting of its own, and a node without the right key cannot forward or accept writes.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { EngineError, NotWriterError } from "@ossv/engine";
import { parseRequestUrl } from "./addressing.ts";

export const CLUSTER_APPEND_PATH = "/-/cluster/append";
/** A forwarded record is one request's write; the API's own body limit bounds it. */
const FORWARD_TIMEOUT_MS = 60_000;

export function clusterToken(masterKey: Buffer): string {
  return createHmac("sha256", masterKey).update("ossv cluster append v1").digest("hex");
}

export interface ClusterAppender {
  appendForwarded(indexId: string, record: Uint8Array): Promise<number>;
}

function send(res: ServerResponse, status: number, body: string): void {
  const bytes = Buffer.from(body, "utf8");
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "content-length": bytes.length, "cache-control": "no-store" });
  res.end(bytes);
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return header !== undefined && timingSafeEqual(digest(header), digest(`Bearer ${token}`));
}

async function readAll(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Answers `req` when it is the cluster endpoint and returns true; false for every other request. */
export function answerClusterRequest(
  req: IncomingMessage, res: ServerResponse, engine: ClusterAppender | undefined, token: () => string | undefined, maxBytes: number,
): boolean {
  const url = parseRequestUrl(req.url ?? "/", req.headers.host);
  if (url.path !== CLUSTER_APPEND_PATH) return false;
  void appendRequest(req, res, new URLSearchParams(url.rawQuery).get("index") ?? "", engine, token(), maxBytes);
  return true;
}

async function appendRequest(
  req: IncomingMessage, res: ServerResponse, indexId: string, engine: ClusterAppender | undefined, token: string | undefined, maxBytes: number,
): Promise<void> {
  if (engine === undefined || token === undefined) return send(res, 404, "this server is not a node of a shared store\n");
  if (req.method !== "POST") return send(res, 405, "POST only\n");
  if (!tokenMatches(req.headers.authorization, token)) return send(res, 401, "the cluster token is required\n");
  try {
    const record = await readAll(req, maxBytes);
    if (record === undefined) return send(res, 413, "record too large\n");
    const seq = await engine.appendForwarded(indexId, record);
    send(res, 200, JSON.stringify({ seq }));
  } catch (error) {
    if (error instanceof NotWriterError) return send(res, 409, `${error.message}\n`);
    if (error instanceof EngineError && error.code === "INVALID_ARGUMENT") return send(res, 400, `${error.message}\n`);
    if (error instanceof EngineError) return send(res, 503, `${error.message}\n`);
    send(res, 500, `${error instanceof Error ? error.message : String(error)}\n`);
  }
}

/** The engine's ClusterOptions.forward: POSTs the record to the writer's node. */
export function clusterForwarder(token: () => string | undefined) {
  return async (url: string, indexId: string, record: Uint8Array): Promise<number> => {
    const secret = token();
    if (secret === undefined) throw new EngineError("UNAVAILABLE", "this node is still starting");
    let response: Response;
    try {
      response = await fetch(`${url}${CLUSTER_APPEND_PATH}?index=${encodeURIComponent(indexId)}`, {
        method: "POST", body: record as Uint8Array<ArrayBuffer>, headers: { authorization: `Bearer ${secret}`, "content-type": "application/octet-stream" },
        signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
      });
    } catch (error) {
      throw new EngineError("UNAVAILABLE", `the index's writer at ${url} did not answer (${(error as Error).message})`);
    }
    const text = await response.text().catch(() => "");
    if (response.status === 409) throw new NotWriterError(text.trim());
    if (response.status !== 200) throw new EngineError("UNAVAILABLE", `the index's writer at ${url} answered ${response.status}: ${text.trim()}`);
    const { seq } = JSON.parse(text) as { seq: number };
    return seq;
  };
}
