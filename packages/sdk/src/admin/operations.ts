// The operations of ossv's admin API (`/-/admin/...`): ossv's own, not part of OSS Vectors, so they
// are named here rather than in @ossv/protocol's OPERATIONS table. Errors and middleware contexts name
// the admin call they belong to with one of these; `AdminCall` is a request sent with `call()`.
import type { OperationName } from "@ossv/protocol";

export const ADMIN_OPERATION_NAMES = [
  "AdminCreateUser", "AdminListUsers", "AdminDeleteUser",
  "AdminCreateAccessKey", "AdminListAccessKeys", "AdminUpdateAccessKey", "AdminDeleteAccessKey",
  "AdminListPolicies", "AdminAttachPolicy", "AdminDetachPolicy",
  "AdminCreateRole", "AdminListRoles", "AdminDeleteRole",
  "AdminIssueTemporaryCredentials", "AdminDescribeIndex", "AdminCompactIndex", "AdminCreateSnapshot",
  "AdminCall",
] as const;

export type AdminOperationName = (typeof ADMIN_OPERATION_NAMES)[number];

/** What a request of this SDK does: one of the 19 OSS Vectors operations, or an ossv admin call. */
export type RequestOperation = OperationName | AdminOperationName;
