// @ossv/sdk: a TypeScript client for the OSS Vectors API (Alibaba Cloud's service and ossv), and for
// ossv's own admin API.
export { VectorsClient } from "./client.ts";
export type { BaseClientConfig, VectorsClientConfig, ResolvedBaseConfig, ResolvedClientConfig } from "./client-config.ts";
export { AdminClient, type AdminClientConfig, type AdminCallResult, type ResolvedAdminClientConfig } from "./admin/client.ts";
export type * from "./admin/types.ts";
export { ADMIN_OPERATION_NAMES, type AdminOperationName, type RequestOperation } from "./admin/operations.ts";
export * from "./commands.ts";
export * from "./types.ts";
export {
  AbortError, ClientError, CredentialsError, InvalidParamError, NetworkError, ParamRequiredError, ServiceError,
  TimeoutError, isRetryableError,
} from "./errors.ts";
export {
  AnonymousCredentialsProvider, EnvironmentCredentialsProvider, RefreshingCredentialsProvider,
  StaticCredentialsProvider, ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET, ENV_SESSION_TOKEN,
  type Credentials, type CredentialsOption, type CredentialsProvider, type RefreshingCredentialsOptions,
} from "./credentials.ts";
export { resolveEndpoint, type ResolvedEndpoint, type EndpointOptions } from "./endpoint.ts";
export { surelyNotApplied, type RetryOptions } from "./retry.ts";
export type { FetchLike } from "./fetch-handler.ts";
export { MiddlewareStack, type MiddlewarePlacement } from "./middleware-stack.ts";
export type { Handler, HandlerContext, HttpRequest, HttpResponse, Middleware } from "./http.ts";
export type { PresignedRequest, PresignOptions } from "./presign.ts";
export { paginateListVectorBuckets, paginateListVectorIndexes, paginateListVectors } from "./paginators.ts";
export { listVectorsParallel, type ListVectorsParallelRequest } from "./parallel-list.ts";
export * from "./batch-helpers.ts";
export { SDK_VERSION } from "./version.ts";
export type { OperationName } from "@ossv/protocol";
export {
  deleteVectorsByFilter, type DeleteVectorsByFilterOptions, type DeleteVectorsByFilterRequest,
  type DeleteVectorsByFilterResult,
} from "./delete-by-filter.ts";
export type * from "./fusion/schema-types.ts";
export { fusionField, fusionSchema, fusionText } from "./fusion/schema-builders.ts";
export type * from "./fusion/query-types.ts";
export { fq, fr } from "./fusion/query-builders.ts";
