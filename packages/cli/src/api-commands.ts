// The commands that call the OSS Vectors API through @ossv/sdk: bucket, index, policy, logging and
// vectors. This module only declares them (names, arguments, flags, help); what they do is in
// api-run.ts, loaded when one runs, so the SDK costs nothing to `ossv --help` or `ossv serve`.
import { Command, InvalidArgumentError, Option } from "commander";
import type { ApiCommandName } from "./api-run.ts";
import type { DataCommandName, DataFlags } from "./data-run.ts";

type SetCode = (code: number) => void;

const CONNECTION_HELP = `
Connection (flags beat the profile):
  --endpoint, --region, --account-id, --path-style as flags, or endpoint, region, account_id,
  path_style in a profile of ~/.ossv/config (an INI file; --profile NAME, default "default").
  Credentials: OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET and OSS_SESSION_TOKEN in the environment, or
  access_key_id, access_key_secret, session_token in the profile. A profile named with --profile
  wins over the environment; otherwise the environment wins over the default profile.
  Without --endpoint (or endpoint in the profile), the region's Alibaba Cloud endpoint is used.`;

function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError("must be a positive whole number");
  }
  return Number(value);
}

function batchSize(value: string): number {
  const n = positiveInteger(value);
  if (n > 500) throw new InvalidArgumentError("at most 500 (the service's limit per request)");
  return n;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(",").filter((key) => key !== "")];
}

/** A leaf command with the connection and output flags every API command takes. */
function leaf(parent: Command, name: string, description: string): Command {
  return parent.command(name)
    .description(description)
    .option("--endpoint <url>", "the server: http://host:port, or a host name (https)")
    .option("--region <id>", "region id, e.g. cn-hangzhou (default: the profile's, else cn-hangzhou)")
    .option("--account-id <id>", "the numeric id of the account that owns the buckets")
    .option("--path-style", "address buckets as {endpoint}/{bucket}/ rather than {bucket}-{account}.{endpoint}")
    .option("--profile <name>", "the profile of ~/.ossv/config to use")
    .addOption(new Option("-o, --output <format>", "how results are printed").choices(["json", "table"]).default("json"))
    .addHelpText("after", CONNECTION_HELP);
}

function group(program: Command, name: string, description: string): Command {
  return program.command(name).description(description);
}

export function addApiCommands(program: Command, setCode: SetCode): void {
  /** Runs the named command with its positional arguments and flags, in api-run.ts. */
  const run = (name: ApiCommandName) => async (...args: unknown[]) => {
    const command = args.at(-1) as Command;
    const { runApiCommand } = await import("./api-run.ts");
    setCode(await runApiCommand(name, command.processedArgs as string[], command.opts()));
  };

  const bucket = group(program, "bucket", "vector buckets: create, get, list, delete");
  leaf(bucket, "create", "create a vector bucket").argument("<name>").action(run("bucket create"));
  leaf(bucket, "get", "describe a vector bucket").argument("<name>").action(run("bucket get"));
  leaf(bucket, "list", "list the account's vector buckets (every page)")
    .option("--prefix <p>", "only buckets whose names start with this").action(run("bucket list"));
  leaf(bucket, "delete", "delete an empty vector bucket").argument("<name>").action(run("bucket delete"));

  const index = group(program, "index", "vector indexes of a bucket: create, create-fusion, get, list, delete");
  leaf(index, "create", "create a vector index").argument("<bucket>").argument("<index>")
    .requiredOption("--dimension <n>", "components per vector", positiveInteger)
    .addOption(new Option("--metric <metric>", "distance metric").choices(["cosine", "euclidean"]).makeOptionMandatory())
    .option("--non-filterable <keys>", "metadata keys stored but not usable in filters (comma-separated; repeatable)", collect)
    .action(run("index create"));
  leaf(index, "create-fusion", "create a Fusion index (vector, scalar and full-text fields) from a schema file")
    .argument("<bucket>").argument("<index>")
    .requiredOption("--schema <file>", "the schema as JSON: {\"fields\": [...]} (docs/fusion.md), or a request holding it as schemaConfiguration")
    .action(run("index create-fusion"));
  leaf(index, "get", "describe a vector index").argument("<bucket>").argument("<index>").action(run("index get"));
  leaf(index, "list", "list a bucket's vector indexes (every page)").argument("<bucket>")
    .option("--prefix <p>", "only indexes whose names start with this").action(run("index list"));
  leaf(index, "delete", "delete a vector index and all its vectors").argument("<bucket>").argument("<index>").action(run("index delete"));

  const policy = group(program, "policy", "a bucket's access policy: get, put, delete");
  leaf(policy, "get", "print the bucket's policy document as stored").argument("<bucket>").action(run("policy get"));
  leaf(policy, "put", "set the bucket's policy from a JSON file").argument("<bucket>")
    .requiredOption("--file <f>", "the policy document (JSON), sent as it is in the file").action(run("policy put"));
  leaf(policy, "delete", "remove the bucket's policy").argument("<bucket>").action(run("policy delete"));

  const logging = group(program, "logging", "a bucket's access logging: get, put, delete");
  leaf(logging, "get", "print the bucket's logging status").argument("<bucket>").action(run("logging get"));
  leaf(logging, "put", "send the bucket's access logs to an OSS bucket").argument("<bucket>")
    .option("--target-bucket <b>", "the OSS bucket that receives the logs")
    .option("--target-prefix <p>", "prefix of the log objects")
    .option("--logging-role <r>", "the RAM role that writes them")
    .option("--file <f>", "instead of the flags: JSON as logging get prints it, or its loggingEnabled object")
    .action(run("logging put"));
  leaf(logging, "delete", "turn the bucket's access logging off").argument("<bucket>").action(run("logging delete"));

  const vectors = group(program, "vectors", "vectors of an index: put, get, list, delete, query, query-fusion, import, export, copy");
  const target = (command: Command) => command
    .requiredOption("--bucket <b>", "the vector bucket")
    .requiredOption("--index <i>", "the vector index");
  target(leaf(vectors, "put", "write (upsert) vectors: from --file, or one from --key and --vector"))
    .option("--file <f>", "a JSON array of {\"key\", \"data\": {\"float32\": [...]}, \"metadata\"?}; sent 500 at a time")
    .option("--key <k>", "the key of the one vector to write")
    .option("--vector <json>", "its components, a JSON array of numbers")
    .option("--metadata <json>", "its metadata, a JSON object")
    .action(run("vectors put"));
  target(leaf(vectors, "get", "read vectors by key (missing keys are left out)"))
    .requiredOption("--key <k>", "a key (comma-separated or repeated for several)", collect)
    .option("--data", "include the components")
    .option("--metadata", "include the metadata")
    .action(run("vectors get"));
  target(leaf(vectors, "list", "list vectors, one page unless --all"))
    .option("--max-results <n>", "vectors per page (the service's default: 500)", positiveInteger)
    .option("--next-token <t>", "continue from the nextToken of an earlier page")
    .option("--all", "follow nextToken to the end and print every vector")
    .option("--data", "include the components")
    .option("--metadata", "include the metadata")
    .action(run("vectors list"));
  target(leaf(vectors, "delete", "delete vectors by key (missing keys are ignored)"))
    .requiredOption("--key <k>", "a key (comma-separated or repeated for several)", collect)
    .action(run("vectors delete"));
  target(leaf(vectors, "query", "the nearest vectors to a query vector, most similar first"))
    .option("--vector <json>", "the query vector, a JSON array of numbers")
    .option("--vector-file <f>", "a file holding the query vector (a JSON array, or {\"float32\": [...]})")
    .option("--like <key>", "query with the stored vector of this key (it is among the results)")
    .option("--filter <json>", "a metadata filter, e.g. {\"genre\": {\"$eq\": \"jazz\"}}")
    .requiredOption("--top-k <k>", "how many vectors to return", positiveInteger)
    .option("--metadata", "include each vector's metadata")
    .option("--distance", "include each vector's distance")
    .action(run("vectors query"));

  target(leaf(vectors, "query-fusion", "search a Fusion index: k-NN on a vector field, full text, filters, fused; best first"))
    .option("--knn <field>", "a k-NN route on this vector field, with --vector or --vector-file")
    .option("--vector <json>", "the route's query vector, a JSON array of numbers")
    .option("--vector-file <f>", "a file holding the query vector (a JSON array, or {\"float32\": [...]})")
    .option("--top-k <k>", "the route's hits (the service's default: 10)", positiveInteger)
    .option("--num-candidates <n>", "the route's candidates, at least --top-k", positiveInteger)
    .option("--knn-filter <json>", "a pre-filter of the route, in the query language")
    .option("--text <field=words>", "a full-text match of the words on a text field ($textMatch)")
    .option("--query <json>", "an expression of the query language; with --text, both must match")
    .option("--rrf", "fuse the k-NN route and the text/query route by reciprocal rank (default: their scores are added)")
    .option("--limit <n>", "results, 1-1000 (the service's default: 10)", positiveInteger)
    .option("--metadata", "include each result's metadata")
    .option("--fields <names>", "include only these metadata fields (comma-separated; repeatable; implies --metadata)", collect)
    .option("--partition-key <k>", "search only these partitions (comma-separated; repeatable)", collect)
    .option("--next-token <t>", "the next page of a query-only search")
    .option("--request <file>", "instead of the flags above: the whole request as JSON (any QueryVectorsFusion member)")
    .addHelpText("after", `
Examples:
  ossv vectors query-fusion --bucket docs --index articles --text 'title=noise cancelling' --limit 5
  ossv vectors query-fusion --bucket docs --index articles --knn embedding --vector '[0.1, 0.2, 0.3]' \\
    --text 'title=headphones' --rrf --metadata`)
    .action(run("vectors query-fusion"));

  const runData = (name: DataCommandName) => async (...args: unknown[]) => {
    const command = args.at(-1) as Command;
    const { runDataCommand } = await import("./data-run.ts");
    setCode(await runDataCommand(name, command.processedArgs as string[], command.opts<DataFlags>()));
  };
  target(leaf(vectors, "import", "import vectors from a JSON Lines, CSV, .npy or Parquet file, resumably"))
    .argument("<file>")
    .addOption(new Option("--format <format>", "the file's format (default: from its extension)").choices(["jsonl", "csv", "npy", "parquet"]))
    .option("--keys-file <f>", ".npy only: a file of keys, one per line, line i naming row i")
    .option("--key-prefix <p>", ".npy only, without --keys-file: keys are <p><row>, rows from 0")
    .option("--batch-size <n>", "vectors per request, at most 500 (default 500)", batchSize)
    .option("--concurrency <n>", "requests in flight at once (default 4)", positiveInteger)
    .option("--resume", "continue from the checkpoint of an interrupted import of this file")
    .option("--checkpoint <file>", "where the checkpoint is kept (default: FILE.ossv-checkpoint)")
    .addOption(new Option("--on-error <mode>", "a bad record: skip it (reported by line) or abort the import").choices(["skip", "abort"]).default("abort"))
    .addHelpText("after", `
Progress goes to standard error: a bar on a terminal, a plain line every 5 s otherwise. Bad records
are printed there as "line N: reason". Ctrl-C stops after the requests in flight and keeps the
checkpoint; --resume continues from it. The checkpoint is removed when the import completes.
Exit code 0: every record imported; 1: records were skipped (--on-error skip), or the import stopped
(a bad record with --on-error abort, a failure, Ctrl-C), the checkpoint kept.`)
    .action(runData("vectors import"));
  target(leaf(vectors, "export", "write every vector of an index to a JSON Lines or Parquet file"))
    .addOption(new Option("--format <format>", "the file's format").choices(["jsonl", "parquet"]).makeOptionMandatory())
    .requiredOption("--out <file>", "the file to write (it appears only once complete)")
    .option("--segments <n>", "listings in parallel, 1-16 (default 4)", positiveInteger)
    .action(runData("vectors export"));
  target(leaf(vectors, "copy", "copy every vector of an index into another index, on this server or another"))
    .requiredOption("--to-bucket <b>", "the target bucket")
    .requiredOption("--to-index <i>", "the target index (it must exist, with the same dimension)")
    .option("--to-endpoint <url>", "the target's server (default: the source's connection, when no --to-* flag is given)")
    .option("--to-region <id>", "the target's region")
    .option("--to-account-id <id>", "the target's account id")
    .option("--to-path-style", "address the target's buckets path-style")
    .option("--to-profile <name>", "the profile of ~/.ossv/config for the target (credentials: that profile's, else the environment's)")
    .option("--segments <n>", "listings of the source in parallel, 1-16 (default 4)", positiveInteger)
    .option("--batch-size <n>", "vectors per request to the target, at most 500", batchSize)
    .option("--concurrency <n>", "requests to the target in flight at once (default 4)", positiveInteger)
    .action(runData("vectors copy"));
}
