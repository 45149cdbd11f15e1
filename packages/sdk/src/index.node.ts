/// <reference types="node" />
// @ossv/sdk on Node (the package's "node" export condition): everything of the portable entry, with a
// VectorsClient and an AdminClient whose send step defaults to undici's dispatcher API with
// keep-alive. Explicit `fetch` or `requestHandler` options win. (Hashing is native on Node without
// help from here: @ossv/protocol loads its node:crypto hashes under the "node" condition.)
import { AdminClient as PortableAdminClient, type AdminClientConfig } from "./admin/client.ts";
import { VectorsClient as PortableVectorsClient } from "./client.ts";
import type { BaseClientConfig, VectorsClientConfig } from "./client-config.ts";
import { undiciHandler } from "./node/undici-handler.ts";

export * from "./index.ts";
export { nodeHttpHandler, type NodeHttpHandlerOptions } from "./node/node-http-handler.ts";
export { undiciHandler, type UndiciHandlerOptions } from "./node/undici-handler.ts";

export class VectorsClient extends PortableVectorsClient {
  constructor(config: VectorsClientConfig) {
    super(withNodeDefaults(config));
  }
}

export class AdminClient extends PortableAdminClient {
  constructor(config: AdminClientConfig) {
    super(withNodeDefaults(config));
  }
}

function withNodeDefaults<C extends BaseClientConfig>(config: C): C {
  if (!config) return config; // let the portable constructor report the missing options
  const transport = config.fetch || config.requestHandler ? {} : { requestHandler: undiciHandler() };
  return { ...transport, ...config };
}
