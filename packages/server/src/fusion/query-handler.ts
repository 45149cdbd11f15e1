// QueryVectorsFusion (docs/fusion.md#status): not built yet..
import { ApiError } from "@ossv/protocol";
import type { Handler } from "../handlers/context.ts";

export const queryVectorsFusion: Handler = () => {
  throw new ApiError("InvalidArgument", "QueryVectorsFusion is not implemented yet.");
};
