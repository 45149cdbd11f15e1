/// <reference types="node" />
// @ossv/sdk on Node (the package's "node" export condition): everything of the portable entry, with a
// VectorsClient whose defaults use what Node has natively: node:http with keep-alive for the send step
// and node:crypto's MD5 for Content-MD5. Explicit `fetch`, `requestHandler` or `contentMd5` options win.
import { createHash } from "node:crypto";
import { VectorsClient as PortableVectorsClient } from "./client.ts";
import type { VectorsClientConfig } from "./client-config.ts";
import { nodeHttpHandler } from "./node/node-http-handler.ts";

export * from "./index.ts";
export { nodeHttpHandler, type NodeHttpHandlerOptions } from "./node/node-http-handler.ts";

const nativeMd5 = (body: Uint8Array): string => createHash("md5").update(body).digest("base64");

export class VectorsClient extends PortableVectorsClient {
  constructor(config: VectorsClientConfig) {
    super(withNodeDefaults(config));
  }
}

function withNodeDefaults(config: VectorsClientConfig): VectorsClientConfig {
  if (!config) return config; // let the portable constructor report the missing options
  const transport = config.fetch || config.requestHandler ? {} : { requestHandler: nodeHttpHandler() };
  return { ...transport, contentMd5: nativeMd5, ...config };
}
