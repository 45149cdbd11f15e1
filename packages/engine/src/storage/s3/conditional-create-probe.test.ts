// The start-up probe against stand-ins for the stores it must turn away: one that accepts
// If-None-Match and ignores it (as s3rver does), one that rejects it with 501 (as Swift's s3api
// does), and one that honours it. Each is a loopback HTTP server that answers only what the probe
// sends; the real store's side is tested against Ceph in tests/object-store/.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { openS3BlobStore, UnsuitableStoreError } from "./index.ts";

type Behaviour = "ignores" | "rejects" | "honours";

async function withStandIn(behaviour: Behaviour, run: (endpoint: string, seen: string[]) => Promise<void>): Promise<void> {
  const keys = new Set<string>();
  const seen: string[] = [];
  const answer = (req: IncomingMessage, res: ServerResponse) => {
    seen.push(`${req.method} ${req.url?.split("?")[0]}`);
    const key = req.url ?? "";
    if (req.method === "DELETE") {
      keys.delete(key);
      return void res.writeHead(204).end();
    }
    const conditional = req.headers["if-none-match"] === "*";
    if (conditional && behaviour === "rejects") {
      return void res.writeHead(501, { "content-type": "application/xml" })
        .end("<Error><Code>NotImplemented</Code><Message>conditional PUT</Message></Error>");
    }
    if (conditional && behaviour === "honours" && keys.has(key)) {
      return void res.writeHead(412, { "content-type": "application/xml" })
        .end("<Error><Code>PreconditionFailed</Code><Message>exists</Message></Error>");
    }
    keys.add(key);
    res.writeHead(200, { etag: '"0"' }).end();
  };
  const server = createServer((req, res) => void req.resume().on("end", () => answer(req, res)));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

const options = (endpoint: string) => ({
  bucket: "probe-bucket", prefix: "ossv/", endpoint, region: "us-east-1", forcePathStyle: true,
  credentials: { accessKeyId: "id", secretAccessKey: "secret" },
});

test("a store that ignores If-None-Match is refused, and the message says so", async () => {
  await withStandIn("ignores", async (endpoint, seen) => {
    await assert.rejects(openS3BlobStore(options(endpoint)), (error: Error) =>
      error instanceof UnsuitableStoreError && /ignores If-None-Match/.test(error.message) && error.message.includes("s3://probe-bucket/ossv/"));
    assert.deepEqual(seen.map((line) => line.replace(/[0-9a-f]{24}$/, "ID")),
      ["PUT /probe-bucket/ossv/.probe/ID", "PUT /probe-bucket/ossv/.probe/ID", "DELETE /probe-bucket/ossv/.probe/ID"]);
  });
});

test("a store that rejects If-None-Match (501) is refused, and the message says so", async () => {
  await withStandIn("rejects", async (endpoint) => {
    await assert.rejects(openS3BlobStore(options(endpoint)), (error: Error) =>
      error instanceof UnsuitableStoreError && /does not accept conditional writes/.test(error.message) && /501/.test(error.message));
  });
});

test("a store that honours If-None-Match passes, and the probe object is deleted", async () => {
  await withStandIn("honours", async (endpoint, seen) => {
    const store = await openS3BlobStore(options(endpoint));
    store.destroy();
    assert.equal(seen.length, 3);
    assert.match(seen[2]!, /^DELETE /);
  });
});
