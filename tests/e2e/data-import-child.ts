// A child process for data-resume.test.ts: imports a JSON Lines file with a checkpoint (resuming if
// there is one) until its parent kills it. Each request is held back a little so the parent can catch
// the import half-way; the kill itself is a real SIGKILL.
import { VectorsClient } from "@ossv/sdk";
import { importVectors, readJsonl } from "../../packages/cli/src/data/index.ts";

const config = JSON.parse(process.env.OSSV_IMPORT_CHILD ?? "{}") as {
  endpoint: string; accountId: string; credentials: { accessKeyId: string; accessKeySecret: string };
  bucket: string; index: string; file: string; checkpoint: string; delayMs: number;
};
const client = new VectorsClient({ region: "cn-hangzhou", accountId: config.accountId, endpoint: config.endpoint, credentials: config.credentials });
client.middlewareStack.add((next) => async (request, context) => {
  await new Promise((resolve) => setTimeout(resolve, config.delayMs));
  return next(request, context);
}, { name: "slowDown", after: "retry" });
await importVectors({
  client, bucket: config.bucket, index: config.index, records: readJsonl(config.file), batchSize: 100, concurrency: 4,
  checkpointFile: config.checkpoint, resume: true, source: config.file, checkpointIntervalMs: 0,
});
