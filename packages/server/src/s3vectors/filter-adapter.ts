// The one place the S3 Vectors API turns a request's `filter` into the engine's filter tree. Until the
// S3 filter dialect lands in @ossv/protocol (parseS3VectorsFilter), the OSS parser stands in: the
// operators are the same, `$startsWith` is refused, and the ENHANCED constraint count is not applied.
import { ApiError, parseFilter, type FilterNode, type LimitsProfile } from "@ossv/protocol";
import { validation, type IndexMode } from "@ossv/protocol/s3vectors";

export interface S3FilterOptions {
  mode: IndexMode;
  nonFilterableKeys: readonly string[];
  limits: LimitsProfile;
}

export type S3FilterAdapter = (filter: unknown, options: S3FilterOptions) => FilterNode;

export const parseS3Filter: S3FilterAdapter = (filter, options) => {
  try {
    return parseFilter(filter, { nonFilterableKeys: options.nonFilterableKeys, limits: options.limits });
  } catch (error) {
    if (error instanceof ApiError) throw validation(error.message, "/filter");
    throw error;
  }
};
