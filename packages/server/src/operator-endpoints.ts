// The endpoints an operator's tooling calls rather than an OSS client: liveness, readiness and
// metrics, under `/-/` where no bucket can be (a bucket name never is "-"). They are answered first
// thing, before addressing and authentication, and while the server is still starting or already
// stopping, so a probe always gets an answer that says which. Plain text, small, and cheap: none of
// them reads the disk or scans an index.
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { parseRequestUrl } from "./addressing.ts";
import type { ServerMetrics } from "./metrics.ts";

export const HEALTHZ_PATH = "/-/healthz";
export const READYZ_PATH = "/-/readyz";
export const METRICS_PATH = "/-/metrics";

/** starting: the port is bound but requests get 503; ready: requests are served; stopping: close() began. */
export type ServerPhase = "starting" | "ready" | "stopping";

export interface OperatorState {
  phase: ServerPhase;
  metrics: ServerMetrics;
  /** When set, /-/metrics wants `Authorization: Bearer <token>`; otherwise it is open. */
  metricsToken?: string;
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  const bytes = Buffer.from(body, "utf8");
  res.writeHead(status, {
    "content-type": "text/plain; charset=utf-8", "content-length": bytes.length, "cache-control": "no-store", ...headers,
  });
  // Node leaves the body out of a HEAD response by itself; the headers stay those of the GET.
  res.end(bytes);
}

/** Compared as digests so that neither the token's length nor its prefix can be timed. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return header !== undefined && timingSafeEqual(digest(header), digest(`Bearer ${token}`));
}

async function sendMetrics(req: IncomingMessage, res: ServerResponse, state: OperatorState): Promise<void> {
  if (state.metricsToken !== undefined && !bearerMatches(req.headers.authorization, state.metricsToken)) {
    send(res, 401, "a bearer token is required\n", { "www-authenticate": 'Bearer realm="ossv metrics"' });
    return;
  }
  try {
    const text = await state.metrics.scrape();
    send(res, 200, text, { "content-type": state.metrics.contentType });
  } catch (error) {
    console.error("ossv: metrics scrape failed:", error);
    send(res, 500, "metrics are unavailable\n");
  }
}

/**
 * Answers `req` when it is one of the operator endpoints and returns true; returns false for every
 * other request, which goes on to the request pipeline untouched.
 */
export function answerOperatorRequest(req: IncomingMessage, res: ServerResponse, state: OperatorState): boolean {
  const path = parseRequestUrl(req.url ?? "/", req.headers.host).path;
  if (path !== HEALTHZ_PATH && path !== READYZ_PATH && path !== METRICS_PATH) return false;
  req.resume(); // none of them takes a body
  if (req.method !== "GET" && req.method !== "HEAD") {
    send(res, 405, "only GET and HEAD\n", { allow: "GET, HEAD" });
  } else if (path === HEALTHZ_PATH) {
    send(res, 200, "ok\n");
  } else if (path === READYZ_PATH) {
    if (state.phase === "ready") send(res, 200, "ready\n");
    else send(res, 503, `${state.phase}\n`, { "retry-after": "1" });
  } else {
    void sendMetrics(req, res, state);
  }
  return true;
}
