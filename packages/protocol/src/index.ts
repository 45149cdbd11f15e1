export * from "./operations.ts";
export * from "./errors.ts";
export * from "./signer.ts";
export * from "./digest.ts";
export * from "./wire.ts";
