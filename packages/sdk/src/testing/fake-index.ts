// Test support: a scripted-server responder that keeps one in-memory vector index and answers the
// vector operations and the list operations with real pagination and segments, so helpers can be
// exercised page by page. (The real server is exercised in tests/e2e.)
import type { ServerResponse } from "node:http";
import { requestIdHeader, type RecordedRequest, type Responder } from "./scripted-server.ts";

export interface FakeVector {
  key: string;
  data?: { float32: number[] };
  metadata?: Record<string, unknown>;
}

export interface FakeIndex {
  vectors: Map<string, FakeVector>;
  /** Requests for which this returns an error code get a 400 with it instead of being served. */
  failWhen?: (operation: string, body: Record<string, unknown>) => string | undefined;
  responder: Responder;
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  const headers: Record<string, string> = { ...requestIdHeader() };
  if (body !== undefined) headers["content-type"] = "application/json";
  res.writeHead(status, headers).end(body === undefined ? undefined : JSON.stringify(body));
}

function segmentOf(key: string, count: number): number {
  let hash = 0;
  for (const ch of key) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return hash % count;
}

function page<T>(items: T[], body: Record<string, unknown>, defaultSize: number): { items: T[]; nextToken?: string } {
  const offset = Number(body["nextToken"] ?? 0);
  const size = Number(body["maxResults"] ?? defaultSize);
  const slice = items.slice(offset, offset + size);
  return offset + size < items.length ? { items: slice, nextToken: String(offset + size) } : { items: slice };
}

function listVectors(index: FakeIndex, body: Record<string, unknown>) {
  const count = Number(body["segmentCount"] ?? 1);
  const segment = Number(body["segmentIndex"] ?? 0);
  const keys = [...index.vectors.keys()].sort().filter((key) => segmentOf(key, count) === segment);
  const { items, nextToken } = page(keys, body, 500);
  const vectors = items.map((key) => {
    const { data, metadata } = index.vectors.get(key)!;
    return { key, ...(body["returnData"] ? { data } : {}), ...(body["returnMetadata"] ? { metadata } : {}) };
  });
  return nextToken ? { vectors, nextToken } : { vectors };
}

function serve(index: FakeIndex, operation: string, body: Record<string, unknown>, res: ServerResponse): void {
  const keys = (body["keys"] ?? []) as string[];
  switch (operation) {
    case "putVectors":
      for (const vector of body["vectors"] as FakeVector[]) index.vectors.set(vector.key, vector);
      return send(res, 200);
    case "getVectors":
      return send(res, 200, { vectors: keys.filter((key) => index.vectors.has(key)).map((key) => index.vectors.get(key)) });
    case "deleteVectors":
      for (const key of keys) index.vectors.delete(key);
      return send(res, 204);
    case "listVectors":
      return send(res, 200, listVectors(index, body));
    default:
      return send(res, 400, { Error: { Code: "InvalidRequest", Message: `fake index does not serve ${operation}` } });
  }
}

export function createFakeIndex(): FakeIndex {
  const index: FakeIndex = {
    vectors: new Map(),
    responder: (request: RecordedRequest, res) => {
      const operation = request.rawQuery.split("&")[0] ?? "";
      const body = (request.body.length ? request.json() : {}) as Record<string, unknown>;
      const failure = index.failWhen?.(operation, body);
      if (failure) return send(res, 400, { Error: { Code: failure, Message: "refused on purpose" } });
      serve(index, operation, body, res);
    },
  };
  return index;
}
