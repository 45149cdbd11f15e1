// The one place the S3 Vectors API turns a request's `filter` into the engine's filter tree: the S3
// dialect's parser (@ossv/protocol's parseS3VectorsFilter: `$startsWith` and the 100-constraint
// limit in ENHANCED mode, array semantics), its refusals as ValidationExceptions whose fieldList
// names the offending value's JSON pointer.
import { ApiError, parseS3VectorsFilter, S3VectorsFilterError, type FilterNode, type LimitsProfile } from "@ossv/protocol";
import { S3VectorsError, validation, type IndexMode } from "@ossv/protocol/s3vectors";

export interface S3FilterOptions {
  mode: IndexMode;
  nonFilterableKeys: readonly string[];
  limits: LimitsProfile;
}

export type S3FilterAdapter = (filter: unknown, options: S3FilterOptions) => FilterNode;

export const parseS3Filter: S3FilterAdapter = (filter, options) => {
  try {
    // The profile's instruction count bounds a CLASSIC filter as it bounds an OSS one; ENHANCED keeps AWS's 100.
    return parseS3VectorsFilter(filter, {
      mode: options.mode, nonFilterableKeys: options.nonFilterableKeys, limits: { maxClassicConstraints: options.limits.maxFilterInstructions },
    });
  } catch (error) {
    if (error instanceof S3VectorsFilterError) throw new S3VectorsError("ValidationException", error.message, [{ path: error.path, message: error.reason }]);
    if (error instanceof ApiError) throw validation(error.message, "/filter");
    throw error;
  }
};
