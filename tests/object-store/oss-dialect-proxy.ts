// A proxy in front of a real S3 store (Ceph's gateway) that answers conditional PUTs as Alibaba Cloud
// OSS does, so that the OSS way of creating an object only if its name is free is tested against a
// real store here, where no OSS is reachable. OSS's documented behaviour: a PUT with
// `x-oss-forbid-overwrite: true` on a name that exists is refused with HTTP 409 and the error code
// FileAlreadyExists; without the header (or with false) it overwrites. The proxy forwards such a PUT
// with `If-None-Match: *` added, an unsigned header the gateway honours without breaking the
// request's signature, and turns the gateway's 412 into OSS's 409. Everything else passes untouched.
import { request, createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { closeServer, listenOnLoopback, readBody } from "./fault-proxy.ts";

const FILE_ALREADY_EXISTS = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>FileAlreadyExists</Code>'
  + "<Message>the name is taken and x-oss-forbid-overwrite is true (answered by the test's OSS proxy)</Message></Error>";

export class OssDialectProxy {
  /** PUTs that carried x-oss-forbid-overwrite: true, and PUTs that carried If-None-Match from the client. */
  forbidOverwritePuts = 0;
  ifNoneMatchPuts = 0;
  private server: Server | undefined;

  constructor(private readonly target: URL) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    return await listenOnLoopback(this.server);
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const headers = { ...req.headers };
    const forbid = req.method === "PUT" && String(headers["x-oss-forbid-overwrite"]).toLowerCase() === "true";
    if (req.method === "PUT" && headers["if-none-match"] !== undefined) this.ifNoneMatchPuts++;
    if (forbid) {
      this.forbidOverwritePuts++;
      headers["if-none-match"] = "*";
    }
    const upstream = request({ host: this.target.hostname, port: this.target.port, method: req.method, path: req.url, headers }, (answer) => {
      void readBody(answer).then((bytes) => {
        if (forbid && answer.statusCode === 412) {
          res.writeHead(409, { "content-type": "application/xml", "content-length": Buffer.byteLength(FILE_ALREADY_EXISTS) });
          res.end(FILE_ALREADY_EXISTS);
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.end(bytes);
      });
    });
    upstream.on("error", () => req.socket.destroy());
    upstream.end(body);
  }
}
