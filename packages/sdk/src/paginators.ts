// Async iterators over every page of the three list operations. They stop when the service sends no
// (or an empty) continuation token, which is how the real service marks the last page
// (docs/protocol.md#listvectorindexes).
import { ClientError } from "./errors.ts";
import type { VectorsClient } from "./client.ts";
import type {
  ListVectorBucketsRequest, ListVectorBucketsResult, ListVectorIndexesRequest, ListVectorIndexesResult,
  ListVectorsRequest, ListVectorsResult, RequestOptions,
} from "./types.ts";

/** Guards against a server that hands back the token it was given, which would loop forever. */
function assertProgress(previous: string | undefined, next: string, operation: string): void {
  if (previous !== undefined && previous === next) {
    throw new ClientError("PaginationStalled", `${operation} returned the same continuation token twice: ${next}`);
  }
}

export async function* paginateListVectorBuckets(
  client: Pick<VectorsClient, "listVectorBuckets">, input: ListVectorBucketsRequest = {}, options?: RequestOptions,
): AsyncGenerator<ListVectorBucketsResult, void, undefined> {
  let marker = input.marker;
  for (;;) {
    const page = await client.listVectorBuckets({ ...input, marker }, options);
    yield page;
    // A missing IsTruncated means "not truncated" (docs/protocol.md#listvectorbuckets).
    if (!page.isTruncated || !page.nextMarker) return;
    assertProgress(marker, page.nextMarker, "ListVectorBuckets");
    marker = page.nextMarker;
  }
}

export async function* paginateListVectorIndexes(
  client: Pick<VectorsClient, "listVectorIndexes">, input: ListVectorIndexesRequest, options?: RequestOptions,
): AsyncGenerator<ListVectorIndexesResult, void, undefined> {
  let nextToken = input.nextToken;
  for (;;) {
    const page = await client.listVectorIndexes({ ...input, nextToken }, options);
    yield page;
    if (!page.nextToken) return;
    assertProgress(nextToken, page.nextToken, "ListVectorIndexes");
    nextToken = page.nextToken;
  }
}

export async function* paginateListVectors(
  client: Pick<VectorsClient, "listVectors">, input: ListVectorsRequest, options?: RequestOptions,
): AsyncGenerator<ListVectorsResult, void, undefined> {
  let nextToken = input.nextToken;
  for (;;) {
    const page = await client.listVectors({ ...input, nextToken }, options);
    yield page;
    if (!page.nextToken) return;
    assertProgress(nextToken, page.nextToken, "ListVectors");
    nextToken = page.nextToken;
  }
}
