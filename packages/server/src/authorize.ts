// May this principal run this operation here? (design §2 step 5). The bucket owner's root key may do
// anything in its account. RAM users and anonymous callers have nothing until a policy grants it:
// identity and bucket-policy evaluation plug in here (issue #6), so for now they are refused.
import { ApiError, type OperationSpec } from "@ossv/protocol";
import type { Principal } from "./authenticate.ts";

export interface AccessRequest {
  principal: Principal;
  operation: OperationSpec;
  /** The account that owns the addressed resource. */
  resourceAccountId: string;
  bucket?: string;
  indexName?: string;
}

export function authorize(request: AccessRequest): void {
  const { principal, operation } = request;
  if (principal.kind === "anonymous") {
    throw new ApiError("AccessDenied", `Anonymous access to ${operation.name} is not allowed; sign the request.`);
  }
  if (principal.accountId !== request.resourceAccountId) {
    throw new ApiError("AccessDenied", `The caller's account does not own this resource and no policy grants oss:${operation.name}.`);
  }
  if (principal.userName !== undefined) {
    throw new ApiError("AccessDenied", `RAM user ${principal.userName} has no policy that allows oss:${operation.name}.`);
  }
}
