// A raw HTTP client for wire-level tests: it signs with the protocol's signer but lets a test send
// exactly the bytes, headers and host it wants (malformed ones included), which the SDK never would.
import { request } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { contentMd5, presignQuery, signRequest, type Credentials, type HeaderMap } from "@ossv/protocol";
import { startServer, type RunningServer, type ServerOptions } from "@ossv/server";
import { storeOptionsFor } from "./test-store.ts";

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface RawRequest {
  method: string;
  /** Bucket for signing and addressing; omitted for ListVectorBuckets. */
  bucket?: string;
  /** Account id in the signature's canonical URI (and the virtual host). */
  accountId?: string;
  style?: "path" | "virtual";
  /** Raw query, without `?`. */
  query?: string;
  body?: string | Buffer;
  headers?: HeaderMap;
  credentials?: Credentials | null;
  time?: Date;
  /** Skip the Content-MD5 header the official SDKs always send. */
  noMd5?: boolean;
  presign?: { expiresSeconds: number };
  /** Replaces the request target entirely (absolute-form tests). */
  target?: string;
  hostHeader?: string;
}

export interface TestServer {
  server: RunningServer;
  dataDir: string;
  credentials: Credentials;
  send: (req: RawRequest) => Promise<RawResponse>;
  stop(): Promise<void>;
}

export async function startTestServer(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), "ossv-e2e-"));
  const store = await storeOptionsFor(dataDir);
  const server = await startServer({ dataDir, port: 0, host: "127.0.0.1", region: "cn-hangzhou", ...store.options, ...options });
  const credentials = server.rootCredentials;
  return {
    server, dataDir, credentials,
    send: (req) => sendRaw(server, { credentials, accountId: server.accountId, ...req }),
    stop: async () => {
      await server.close();
      store.release();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function hostFor(server: RunningServer, req: RawRequest): { host: string; path: string } {
  if (req.bucket === undefined) return { host: `localhost:${server.port}`, path: "/" };
  if (req.style === "virtual") return { host: `${req.bucket}-${req.accountId}.localhost:${server.port}`, path: "/" };
  return { host: `127.0.0.1:${server.port}`, path: `/${req.bucket}/` };
}

export async function sendRaw(server: RunningServer, req: RawRequest): Promise<RawResponse> {
  const body = typeof req.body === "string" ? Buffer.from(req.body) : req.body ?? Buffer.alloc(0);
  const { host, path } = hostFor(server, req);
  const headers: HeaderMap = { ...(req.headers ?? {}) };
  if (!req.noMd5 && headers["content-md5"] === undefined) headers["content-md5"] = contentMd5(body);
  let query = req.query ?? "";
  if (req.credentials) {
    const target = { method: req.method, region: server.region, rawQuery: query, ...(req.bucket ? { bucket: req.bucket, accountId: req.accountId! } : {}) };
    const options = { credentials: req.credentials, time: req.time ?? new Date() };
    if (req.presign) query = presignQuery(target, headers, { ...options, expiresSeconds: req.presign.expiresSeconds });
    else signRequest(target, headers, options);
  }
  headers["host"] = req.hostHeader ?? host;
  const targetPath = req.target ?? (query ? `${path}?${query}` : path);
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: "127.0.0.1", port: server.port, method: req.method, path: targetPath, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
      res.on("error", reject);
    });
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}
