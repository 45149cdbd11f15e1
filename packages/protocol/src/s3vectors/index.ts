export * from "./errors.ts";
export * from "./sigv4.ts";
export * from "./arn.ts";
export * from "./operations.ts";
export * from "./limits.ts";
export * from "./shapes.ts";
export * from "./addressing.ts";
