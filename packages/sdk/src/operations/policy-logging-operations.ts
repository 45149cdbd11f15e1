// Put/Get/DeleteBucketPolicy and Put/Get/DeleteBucketLogging (docs/protocol.md#operations): plain-OSS
// bucket sub-resources. The policy travels as raw JSON text; logging as the PascalCase
// `BucketLoggingStatus`.
import { InvalidParamError } from "../errors.ts";
import { compact, isJsonObject, readField, readString } from "../json.ts";
import { readJsonBody, requireParam, type OperationDefinition } from "../operation.ts";
import type {
  DeleteBucketLoggingRequest, DeleteBucketLoggingResult, DeleteBucketPolicyRequest, DeleteBucketPolicyResult,
  GetBucketLoggingRequest, GetBucketLoggingResult, GetBucketPolicyRequest, GetBucketPolicyResult, LoggingEnabled,
  PutBucketLoggingRequest, PutBucketLoggingResult, PutBucketPolicyRequest, PutBucketPolicyResult,
} from "../types.ts";

export const putBucketPolicy: OperationDefinition<PutBucketPolicyRequest, PutBucketPolicyResult> = {
  name: "PutBucketPolicy",
  serialize(input) {
    requireParam(input, "bucket", this.name);
    requireParam(input, "policy", this.name);
    // A string is sent untouched because the service stores and returns the exact text
    // (docs/protocol.md#putbucketpolicy).
    const text = typeof input.policy === "string" ? input.policy : JSON.stringify(input.policy);
    return { bucket: input.bucket, text };
  },
  deserialize: () => ({}),
};

export const getBucketPolicy: OperationDefinition<GetBucketPolicyRequest, GetBucketPolicyResult> = {
  name: "GetBucketPolicy",
  serialize(input) {
    requireParam(input, "bucket", this.name);
    return { bucket: input.bucket };
  },
  deserialize(response) {
    return { policy: new TextDecoder().decode(response.body) };
  },
};

export const deleteBucketPolicy: OperationDefinition<DeleteBucketPolicyRequest, DeleteBucketPolicyResult> = {
  name: "DeleteBucketPolicy",
  serialize(input) {
    requireParam(input, "bucket", this.name);
    return { bucket: input.bucket };
  },
  deserialize: () => ({}),
};

export const putBucketLogging: OperationDefinition<PutBucketLoggingRequest, PutBucketLoggingResult> = {
  name: "PutBucketLogging",
  serialize(input) {
    requireParam(input, "bucket", this.name);
    requireParam(input, "bucketLoggingStatus", this.name);
    const enabled = input.bucketLoggingStatus.loggingEnabled;
    if (!enabled?.targetBucket) {
      throw new InvalidParamError("bucketLoggingStatus.loggingEnabled.targetBucket", "is required", { operation: this.name });
    }
    const LoggingEnabled = compact({
      TargetBucket: enabled.targetBucket, TargetPrefix: enabled.targetPrefix, LoggingRole: enabled.loggingRole,
    });
    return { bucket: input.bucket, json: { BucketLoggingStatus: { LoggingEnabled } } };
  },
  deserialize: () => ({}),
};

export const getBucketLogging: OperationDefinition<GetBucketLoggingRequest, GetBucketLoggingResult> = {
  name: "GetBucketLogging",
  serialize(input) {
    requireParam(input, "bucket", this.name);
    return { bucket: input.bucket };
  },
  deserialize(response) {
    const status = readField(readJsonBody(response, this.name), "BucketLoggingStatus");
    const enabled = readField(status, "LoggingEnabled");
    if (!isJsonObject(enabled)) return { bucketLoggingStatus: {} };
    const loggingEnabled: Partial<LoggingEnabled> = compact({
      targetBucket: readString(enabled, "TargetBucket"),
      targetPrefix: readString(enabled, "TargetPrefix"),
      loggingRole: readString(enabled, "LoggingRole"),
    });
    return { bucketLoggingStatus: { loggingEnabled } };
  },
};

export const deleteBucketLogging: OperationDefinition<DeleteBucketLoggingRequest, DeleteBucketLoggingResult> = {
  name: "DeleteBucketLogging",
  serialize(input) {
    requireParam(input, "bucket", this.name);
    return { bucket: input.bucket };
  },
  deserialize: () => ({}),
};
