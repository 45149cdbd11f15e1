// May the caller run this S3 Vectors request (docs/s3-vectors.md#permissions)? The same policy engine
// and the same rules as the OSS API (authorize.ts), asked with `s3vectors:` actions and AWS ARNs,
// once for the operation's own action and once for each action it implies.
import { ApiError, type RequestFacts } from "@ossv/protocol";
import { S3VectorsError } from "@ossv/protocol/s3vectors";
import type { Catalog } from "@ossv/engine";
import type { Principal } from "../authenticate.ts";
import { enforce } from "../authorize.ts";

export interface S3vAccess {
  principal: Principal;
  catalog: Catalog;
  /** The account that owns the resource (the caller's own for ListVectorBuckets). */
  resourceAccountId: string;
  bucket?: string;
  /** The resource's ARN; "*" for ListVectorBuckets, which names none. */
  arn: string;
  actions: readonly string[];
  facts: RequestFacts;
}

export function authorizeS3v(access: S3vAccess): void {
  const context = { principal: access.principal, catalog: access.catalog, resourceAccountId: access.resourceAccountId, bucket: access.bucket };
  for (const action of access.actions) {
    try {
      enforce(context, { action, resources: [access.arn], facts: access.facts });
    } catch (error) {
      if (error instanceof ApiError && error.code === "AccessDenied") throw new S3VectorsError("AccessDeniedException", error.message);
      throw error;
    }
  }
}
