// Delete every vector whose metadata matches a filter. The API has no such operation, so: list the
// index with metadata (segments in parallel), test each vector with the protocol's own filter
// evaluator (the one our server uses for QueryVectors), then delete the matches in batches.
import { compileFilter, parseFilter, type FilterPredicate } from "@ossv/protocol";
import type { VectorsClient } from "./client.ts";
import { deleteVectorsInBatches, type BatchFailure, type BatchOptions } from "./batch-helpers.ts";
import { InvalidParamError, ParamRequiredError } from "./errors.ts";
import { listVectorsParallel } from "./parallel-list.ts";
import type { VectorFilter } from "./types.ts";

export interface DeleteVectorsByFilterRequest {
  bucket: string;
  indexName: string;
  /** The QueryVectors filter language (docs/filters.md); `{}` matches every vector. */
  filter: VectorFilter;
}

export interface DeleteVectorsByFilterOptions extends BatchOptions {
  /** Segments listed in parallel while scanning, 1–16. Default 4. */
  segmentCount?: number;
  /** Vectors per ListVectors page. Default: the service's (500). */
  pageSize?: number;
  /** Find the matches but delete nothing. */
  dryRun?: boolean;
}

export interface DeleteVectorsByFilterResult {
  /** Vectors listed. */
  scannedCount: number;
  /** Keys whose metadata matched. */
  matchedKeys: string[];
  /** Matched keys whose delete batch succeeded (none on a dry run). */
  deletedKeys: string[];
  deletedCount: number;
  failures: BatchFailure[];
}

/** Parses the filter up front so a bad one fails before any request is sent. */
function compileOrThrow(filter: VectorFilter): FilterPredicate {
  try {
    // Every returned metadata key can be tested here, so no key is refused as non-filterable.
    return compileFilter(parseFilter(filter));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidParamError("filter", reason, { cause: error });
  }
}

export async function deleteVectorsByFilter(
  client: Pick<VectorsClient, "listVectors" | "deleteVectors">, input: DeleteVectorsByFilterRequest,
  options: DeleteVectorsByFilterOptions = {},
): Promise<DeleteVectorsByFilterResult> {
  if (input.filter === undefined || input.filter === null) throw new ParamRequiredError("filter");
  const matches = compileOrThrow(input.filter);
  const { bucket, indexName } = input;
  // Matches are collected before anything is deleted: deleting while a listing is under way could
  // shift what the remaining continuation tokens point at and skip vectors.
  const matchedKeys: string[] = [];
  let scannedCount = 0;
  const listing = listVectorsParallel(client, {
    bucket, indexName, segmentCount: options.segmentCount ?? 4, returnMetadata: true, maxResults: options.pageSize,
  }, options);
  for await (const vector of listing) {
    scannedCount += 1;
    if (matches(vector.metadata)) matchedKeys.push(vector.key);
  }
  if (options.dryRun || matchedKeys.length === 0) {
    return { scannedCount, matchedKeys, deletedKeys: [], deletedCount: 0, failures: [] };
  }
  const { deletedKeys, failures } = await deleteVectorsInBatches(client, { bucket, indexName, keys: matchedKeys }, options);
  return { scannedCount, matchedKeys, deletedKeys, deletedCount: deletedKeys.length, failures };
}
