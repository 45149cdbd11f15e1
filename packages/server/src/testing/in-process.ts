// Test support (not exported from the package): runs a request through the server's own pipeline
// (handleRequest, with the settings startServer would use) without a socket or a listening server.
// The request is a stand-in IncomingMessage with the fields the pipeline reads, and the answer is
// captured from a stand-in ServerResponse. Real HTTP framing stays the e2e suite's job (tests/e2e).
import { EventEmitter } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { contentMd5, presignQuery, signRequest, type Credentials, type HeaderMap } from "@ossv/protocol";
import { openEngine, type Engine } from "@ossv/engine";
import { bootstrapAccount, newAccessKey, newAccountId, sealedSecretSample } from "../accounts.ts";
import { handleRequest, type PipelineSettings } from "../pipeline.ts";
import { loadMasterKey, SecretBox } from "../secret-box.ts";
import { pipelineSettings, type ServerOptions } from "../server.ts";

export interface InProcessRequest {
  method: string;
  /** The request target as on the request line: `/bucket/?query`, or absolute-form. */
  target: string;
  /** Header name/value pairs in order; a name may repeat. Host is one of them (absent: no Host). */
  headers: [string, string][];
  body?: Buffer;
  remoteAddress?: string;
  /** As if the request came over TLS (acs:SecureTransport). */
  secure?: boolean;
  /** Default "1.1"; "1.0" may leave out Host. */
  httpVersion?: string;
}

export interface InProcessResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  text: string;
  /** The OSS error code of an error answer, else undefined. */
  errorCode: string | undefined;
  json(): unknown;
}

/** What a test needs of a signed request; it is built the way the SDK builds and signs one. */
export interface SignedRequestSpec {
  method: string;
  /** Omitted for the service level (ListVectorBuckets). */
  bucket?: string;
  /** The bucket's account: in the signature's canonical URI, and in the host when virtual-hosted. */
  accountId?: string;
  style?: "path" | "virtual";
  /** Raw query without `?`, e.g. "putVectorIndex". */
  query?: string;
  body?: string;
  headers?: HeaderMap;
  /** null: an anonymous request. */
  credentials: Credentials | null;
  /** When the client signed; default: the test server's clock. */
  time?: Date;
  /** Query-string signing instead of the Authorization header. */
  presign?: { expiresSeconds: number };
  /** The region the client signs for; default the server's. */
  region?: string;
}

export interface InProcessServer {
  engine: Engine;
  settings: PipelineSettings;
  secrets: SecretBox;
  region: string;
  accountId: string;
  root: Credentials;
  /** The service endpoint requests are addressed to. */
  endpoint: string;
  request(req: InProcessRequest): Promise<InProcessResponse>;
  /** Builds, signs and sends a request as the SDK would. */
  send(spec: SignedRequestSpec): Promise<InProcessResponse>;
  /** The request `send` would make, for a test to alter before sending. */
  build(spec: SignedRequestSpec): InProcessRequest;
  /** A RAM user of the root account with a long-term key and, if given, identity policies by name. */
  addUser(userName: string, policies?: Record<string, object>): Promise<Credentials & { userId: string }>;
  close(): Promise<void>;
}

const ENDPOINT = "oss-vectors.test";

/** An engine on a fresh temporary directory with one account, and its request pipeline. */
export async function startInProcess(options: Omit<ServerOptions, "dataDir"> = {}): Promise<InProcessServer> {
  const dataDir = await mkdtemp(join(tmpdir(), "ossv-in-process-"));
  const engine = await openEngine({ dataDir });
  const region = options.region ?? "cn-hangzhou";
  const secrets = new SecretBox(await loadMasterKey(dataDir, options.masterKey, sealedSecretSample(engine.catalog)));
  const { root } = await bootstrapAccount(engine.catalog, secrets, options.account);
  const settings = pipelineSettings(engine, region, secrets, { ...options, onInternalError: options.onInternalError ?? ((error) => { throw error; }) });
  const server: InProcessServer = {
    engine, settings, secrets, region, accountId: root.accountId, endpoint: ENDPOINT,
    root: { accessKeyId: root.accessKeyId, accessKeySecret: root.accessKeySecret },
    request: (req) => run(req, settings),
    build: (spec) => buildSigned(spec, server),
    send: (spec) => run(buildSigned(spec, server), settings),
    addUser: async (userName, policies = {}) => {
      const user = await engine.catalog.createUser(root.accountId, userName, newAccountId());
      for (const [name, document] of Object.entries(policies)) {
        await engine.catalog.putUserPolicy(root.accountId, userName, name, JSON.stringify(document));
      }
      const key = newAccessKey();
      await engine.catalog.putAccessKey({
        accessKeyId: key.accessKeyId, accessKeySecret: secrets.seal(key.accessKeySecret), accountId: root.accountId,
        userName, status: "active", createdAt: new Date(settings.now()).toISOString(),
      });
      return { ...key, userId: user.userId };
    },
    close: async () => {
      await engine.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}

function buildSigned(spec: SignedRequestSpec, server: InProcessServer): InProcessRequest {
  const body = Buffer.from(spec.body ?? "");
  const accountId = spec.accountId ?? server.accountId;
  const virtual = spec.bucket !== undefined && spec.style === "virtual";
  const host = virtual ? `${spec.bucket}-${accountId}.${server.endpoint}` : server.endpoint;
  const path = spec.bucket === undefined || virtual ? "/" : `/${spec.bucket}/`;
  // Like the SDK: lower-case names, Content-MD5 on every request, then the signature.
  const headers: HeaderMap = { ...spec.headers, "content-md5": contentMd5(body) };
  let query = spec.query ?? "";
  if (spec.credentials) {
    const target = {
      method: spec.method, region: spec.region ?? server.region, rawQuery: query,
      ...(spec.bucket !== undefined ? { bucket: spec.bucket, accountId } : {}),
    };
    const options = { credentials: spec.credentials, time: spec.time ?? new Date(server.settings.now()) };
    if (spec.presign) query = presignQuery(target, headers, { ...options, expiresSeconds: spec.presign.expiresSeconds });
    else signRequest(target, headers, options);
  }
  return {
    method: spec.method,
    target: query ? `${path}?${query}` : path,
    headers: [["host", host], ...Object.entries(headers)],
    body,
  };
}

/** Folds header pairs as node does for the fields the pipeline reads from req.headers. */
function nodeHeaders(pairs: [string, string][]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [rawName, value] of pairs) {
    const name = rawName.toLowerCase();
    // Node keeps the first of a repeated Host, Authorization, User-Agent, Content-Length...; joins others.
    if (headers[name] === undefined) headers[name] = value;
    else if (!["host", "authorization", "user-agent", "content-length", "content-type"].includes(name)) headers[name] += `, ${value}`;
  }
  return headers;
}

class CapturedResponse extends EventEmitter {
  statusCode = 200;
  headersSent = false;
  destroyed = false;
  headers: Record<string, string> = {};
  chunks: Buffer[] = [];
  finished = false;

  writeHead(status: number, headers: Record<string, string | number> = {}): this {
    this.statusCode = status;
    for (const [name, value] of Object.entries(headers)) this.headers[name.toLowerCase()] = String(value);
    this.headersSent = true;
    return this;
  }

  write(chunk: string | Buffer): boolean {
    this.chunks.push(Buffer.from(chunk));
    return true;
  }

  end(chunk?: string | Buffer): this {
    if (chunk !== undefined) this.write(chunk);
    this.finished = true;
    this.emit("finish");
    return this;
  }

  destroy(): this {
    this.destroyed = true;
    this.emit("close");
    return this;
  }
}

async function run(req: InProcessRequest, settings: PipelineSettings): Promise<InProcessResponse> {
  const body = req.body ?? Buffer.alloc(0);
  const pairs: [string, string][] = body.length > 0 && !req.headers.some(([name]) => name.toLowerCase() === "content-length")
    ? [...req.headers, ["content-length", String(body.length)]]
    : req.headers;
  const incoming = Object.assign(Readable.from(body.length > 0 ? [body] : []), {
    method: req.method,
    url: req.target,
    httpVersion: req.httpVersion ?? "1.1",
    rawHeaders: pairs.flat(),
    headers: nodeHeaders(pairs),
    // The whole request has arrived: the pipeline never has to drain or cut a half-read body.
    complete: true,
    socket: { remoteAddress: req.remoteAddress ?? "127.0.0.1", encrypted: req.secure === true, destroy: () => {} },
  });
  const res = new CapturedResponse();
  await handleRequest(incoming as unknown as IncomingMessage, res as unknown as ServerResponse, settings);
  if (!res.finished && !res.destroyed) throw new Error("the pipeline returned without answering");
  const text = Buffer.concat(res.chunks).toString("utf8");
  const json = (): unknown => JSON.parse(text);
  const errorCode = res.statusCode >= 300 && text.startsWith("{") ? ((json() as { Error?: { Code?: string } }).Error?.Code) : undefined;
  return { status: res.destroyed && !res.finished ? 0 : res.statusCode, headers: res.headers, text, errorCode, json };
}
