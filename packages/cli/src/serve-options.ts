// The options of `ossv serve`, declared once in SERVE_OPTIONS. The flag parser, the usage text, the
// environment variables and the config file keys are all derived from that table, so an option is
// one row, and every option can be set in all three places with the same checks.
//
// Precedence: a flag beats its environment variable, which beats the config file, which beats the
// default. A value that does not parse is an OptionError naming where it came from.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { corsPolicy, parseCorsOriginList, parseMemorySize } from "@ossv/server";
import { CONDITIONAL_WRITES, GRAPHS_ON_DISK, parseS3Location, QUANTIZATIONS, type S3Location } from "@ossv/engine";

/** A config value as JSON gives it; flags and environment variables always give strings. */
type RawValue = unknown;

/** Thrown by a row's parser: what the value must be, e.g. "a whole number from 0 to 65535". */
class Expected extends Error {}

/** A bad option value or option source: printed as one line, exit code 2. */
export class OptionError extends Error {}

interface Row<T> {
  /** Flag (`--name`); also the config file key. The environment variable is derived: see envName. */
  readonly name: string;
  /** Placeholder in the usage text; absent for on/off switches. */
  readonly placeholder?: string;
  readonly description: string;
  readonly parse: (raw: RawValue) => T;
  /** A function for defaults that depend on where ossv runs (the log format on a terminal). */
  readonly default?: T | (() => T);
  /** How the usage text shows the default, when printing the value itself would not do. */
  readonly defaultText?: string;
  /** Takes no value on the command line: `--quiet`, not `--quiet true`. */
  readonly switch?: boolean;
  /** Not read from the config file (the file's own path). */
  readonly notInFile?: boolean;
  /** Never echoed in an error message. */
  readonly secret?: boolean;
}

/** Rows with a default always resolve to a value; the others may be unset. */
type WithDefault<T> = Row<T> & { readonly default: T | (() => T) };

// The parser alone decides T: a default of "info" must not widen a row of log levels to string.
function row<T>(spec: Omit<Row<T>, "default"> & { default: NoInfer<T> | (() => NoInfer<T>) }): WithDefault<T>;
function row<T>(spec: Omit<Row<T>, "default">): Row<T>;
function row<T>(spec: Row<T>): Row<T> {
  return spec;
}

// ---- value kinds ----

function text(raw: RawValue): string {
  if (typeof raw !== "string" || raw === "") throw new Expected("a non-empty string");
  return raw;
}

function wholeNumber(raw: RawValue, min: number, max: number, what: string): number {
  const value = typeof raw === "number" ? raw : typeof raw === "string" && /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new Expected(what);
  return value;
}

const port = (raw: RawValue): number => wholeNumber(raw, 0, 65535, "a whole number from 0 to 65535");
const byteCount = (raw: RawValue): number => wholeNumber(raw, 1, Number.MAX_SAFE_INTEGER, "a positive whole number of bytes");

function memorySize(raw: RawValue): number {
  const bytes = typeof raw === "string" || typeof raw === "number" ? parseMemorySize(String(raw)) : undefined;
  if (bytes === undefined) throw new Expected("a size of at least 1 MiB, such as 8GiB, 512MiB or 50%");
  return bytes;
}

/** A size in bytes as --memory-budget takes it, but not a share of memory: a disk is not the RAM. */
function diskSize(raw: RawValue): number {
  const bytes = typeof raw === "string" || typeof raw === "number" ? parseMemorySize(String(raw)) : undefined;
  if (bytes === undefined || String(raw).includes("%")) throw new Expected("a size of at least 1 MiB, such as 20GiB or 512MiB");
  return bytes;
}

function onOff(raw: RawValue): boolean {
  if (typeof raw === "boolean") return raw;
  if (typeof raw === "string") {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
  }
  throw new Expected("true or false (also 1/0, yes/no, on/off)");
}

function oneOf<const V extends string>(values: readonly V[]): (raw: RawValue) => V {
  return (raw) => {
    if (typeof raw === "string" && (values as readonly string[]).includes(raw)) return raw as V;
    throw new Expected(`one of ${values.join(", ")}`);
  };
}

/** An AWS region name as SigV4 credential scopes and ARNs carry it (us-east-1, eu-central-2, ...). */
function awsRegion(raw: RawValue): string {
  if (typeof raw !== "string" || !/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/.test(raw)) throw new Expected("a region name of a-z, 0-9 and - such as us-east-1");
  return raw;
}

function s3Location(raw: RawValue): S3Location {
  try {
    return parseS3Location(text(raw));
  } catch (error) {
    throw new Expected(`an s3://BUCKET/PREFIX URL (${(error as Error).message})`);
  }
}

/** An http or https URL with nothing after the host but an optional path (an S3 endpoint). */
function endpointUrl(raw: RawValue): string {
  const value = text(raw);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Expected("an http:// or https:// URL such as http://127.0.0.1:7480");
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.search !== "" || url.hash !== "" || url.username !== "") {
    throw new Expected("an http:// or https:// URL such as http://127.0.0.1:7480, without query or credentials");
  }
  return value;
}

/** A comma-separated list of origins, or * (the server checks each origin's form at start). */
function originList(raw: RawValue): string[] {
  const value = text(raw);
  try {
    const origins = parseCorsOriginList(value);
    corsPolicy({ origins }); // the server's own check of each origin's form, so a bad one is an option error
    return origins;
  } catch (error) {
    throw new Expected(`a comma-separated list of origins, or * alone (${(error as Error).message})`);
  }
}

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export const LOG_FORMATS = ["json", "text"] as const;

// ---- the table ----

/**
 * Every option of `ossv serve`. Adding one is adding a row: its flag, environment variable, config
 * key and usage line follow. Descriptions are single sentences; the usage text wraps them.
 */
export const SERVE_OPTIONS = {
  config: row({
    name: "config", placeholder: "FILE", parse: text, notInFile: true,
    description: "read options from this JSON file, an object whose keys are the option names without their leading dashes (\"port\", \"data-dir\")",
  }),
  port: row({ name: "port", placeholder: "N", parse: port, default: 9000, description: "port to listen on; 0 picks a free one" }),
  host: row({
    name: "host", placeholder: "ADDR", parse: text, defaultText: "every interface, IPv4 and IPv6",
    description: "address to bind",
  }),
  "data-dir": row({ name: "data-dir", placeholder: "DIR", parse: text, default: "./ossv-data", description: "where data is kept" }),
  store: row({
    name: "store", placeholder: "s3://BUCKET/PREFIX", parse: s3Location, defaultText: "the data directory",
    description: "keep the data in this bucket of an S3-compatible object store, under the prefix; credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN; --data-dir then holds only master.key",
  }),
  "s3-endpoint": row({
    name: "s3-endpoint", placeholder: "URL", parse: endpointUrl, defaultText: "AWS S3 in --s3-region",
    description: "the object store's URL, such as http://127.0.0.1:7480 for Ceph's gateway or https://minio.example.com",
  }),
  "s3-region": row({
    name: "s3-region", placeholder: "ID", parse: awsRegion, default: "us-east-1",
    description: "region the object store's requests are signed for",
  }),
  "s3-path-style": row({
    name: "s3-path-style", switch: true, parse: onOff, default: false,
    description: "name the bucket in the URL's path, not its host name (Ceph, MinIO and most stores on an IP address want it)",
  }),
  "s3-conditional-write": row({
    name: "s3-conditional-write", placeholder: "KIND", parse: oneOf(CONDITIONAL_WRITES), defaultText: "oss-forbid-overwrite for an *.aliyuncs.com endpoint, else if-none-match",
    description: "how the store is told to create an object only if its name is free: if-none-match (AWS S3, Ceph, MinIO) or oss-forbid-overwrite (Alibaba Cloud OSS)",
  }),
  "cache-dir": row({
    name: "cache-dir", placeholder: "DIR", parse: text, defaultText: "none, every read goes to the store",
    description: "with --store: keep local copies of segments here, so that a restart or a reopened index reads them from this disk",
  }),
  "cache-size": row({
    name: "cache-size", placeholder: "SIZE", parse: diskSize, default: 10 * 2 ** 30, defaultText: "10GiB",
    description: "bytes --cache-dir may hold (20GiB, 512MiB); the least recently used copies go first",
  }),
  "node-url": row({
    name: "node-url", placeholder: "URL", parse: endpointUrl, defaultText: "http://127.0.0.1:PORT",
    description: "with --store: where the other ossv nodes on the same store reach this one, to send it writes of the indexes it writes (docs/scale-out.md)",
  }),
  takeover: row({
    name: "takeover", switch: true, parse: onOff, default: false,
    description: "with --store: take every index at start without waiting about 5 s for the previous writer's heartbeat to go stale (a single node restarted after a crash; docs/scale-out.md)",
  }),
  region: row({ name: "region", placeholder: "ID", parse: text, default: "cn-hangzhou", description: "region this endpoint serves" }),
  "aws-region": row({
    name: "aws-region", placeholder: "ID", parse: awsRegion, default: "us-east-1",
    description: "region the S3 Vectors API serves: AWS SDK clients must sign for it, and its ARNs name it",
  }),
  "tls-cert": row({ name: "tls-cert", placeholder: "FILE", parse: text, description: "serve HTTPS with this certificate (PEM) ..." }),
  "tls-key": row({ name: "tls-key", placeholder: "FILE", parse: text, description: "... and this private key (PEM)" }),
  "public-endpoint": row({
    name: "public-endpoint", placeholder: "HOST[:PORT]", parse: text, defaultText: "the one each request reached",
    description: "endpoint to report in bucket info",
  }),
  "cors-origin": row({
    name: "cors-origin", placeholder: "ORIGINS", parse: originList, defaultText: "none, no CORS",
    description: "let browser pages on these origins call the server: a comma-separated list such as https://app.example.com, or * for every origin",
  }),
  "memory-budget": row({
    name: "memory-budget", placeholder: "SIZE", parse: memorySize, defaultText: "half the machine's memory",
    description: "bytes the indexes may hold in memory (8GiB, 512MiB, 50%); reported beside what they hold in metrics and ossv admin index describe",
  }),
  quantization: row({
    name: "quantization", placeholder: "MODE", parse: oneOf(QUANTIZATIONS), default: "auto",
    description: "int8: large segments keep 1-byte codes in memory and read their float32 vectors from disk to re-rank; off: float32 in memory; auto: int8 once memory would pass the budget",
  }),
  "graphs-on-disk": row({
    name: "graphs-on-disk", placeholder: "MODE", parse: oneOf(GRAPHS_ON_DISK), default: "auto",
    description: "auto: once even int8 codes would pass the budget, large segments' graphs are mapped from their files and served through the page cache; always: every large segment; never",
  }),
  "metrics-token": row({
    name: "metrics-token", placeholder: "TOKEN", parse: text, secret: true, defaultText: "none, open",
    description: "GET /-/metrics then wants \"Authorization: Bearer TOKEN\" (the environment variable keeps it out of the process list)",
  }),
  "log-format": row({
    name: "log-format", placeholder: "FORMAT", parse: oneOf(LOG_FORMATS),
    default: () => (process.stdout.isTTY ? "text" : "json"), defaultText: "text on a terminal, else json",
    description: "json: one JSON object a line; text: one readable line a record, with the same fields",
  }),
  "log-level": row({
    name: "log-level", placeholder: "LEVEL", parse: oneOf(LOG_LEVELS), default: "info",
    description: `least severe records logged: ${LOG_LEVELS.join(", ")}`,
  }),
  quiet: row({ name: "quiet", switch: true, parse: onOff, default: false, description: "no per-request log records" }),
  "max-body-bytes-in-flight": row({
    name: "max-body-bytes-in-flight", placeholder: "N", parse: byteCount, defaultText: "256 MiB",
    description: "request-body bytes held at once across all requests; past it, requests get 503",
  }),
  "max-list-response-bytes": row({
    name: "max-list-response-bytes", placeholder: "N", parse: byteCount, defaultText: "1 MiB",
    description: "most bytes in a ListVectors response body; a page that would pass it returns fewer vectors and a nextToken (a page always holds at least one)",
  }),
};

type Options = typeof SERVE_OPTIONS;
export type OptionName = keyof Options;

/** The resolved options: a value for every row with a default, possibly none for the others. */
export type ServeConfig = {
  [K in OptionName]: Options[K] extends WithDefault<infer T> ? T : Options[K] extends Row<infer T> ? T | undefined : never;
};

/** OSSV_ and the flag name in upper case, dashes as underscores: --data-dir is OSSV_DATA_DIR. */
export function envName(name: string): string {
  return `OSSV_${name.toUpperCase().replace(/-/g, "_")}`;
}

const rows = (): Row<unknown>[] => Object.values(SERVE_OPTIONS);

// ---- usage ----

/** Lines of at most `width` characters, broken only at `separator`. */
function wrap(words: string, width: number, separator = " "): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of words.split(separator)) {
    if (line !== "" && line.length + separator.length + word.length > width) {
      lines.push(line + separator.trimEnd());
      line = word;
    } else {
      line = line === "" ? word : `${line}${separator}${word}`;
    }
  }
  if (line !== "") lines.push(line);
  return lines;
}

function defaultShown(option: Row<unknown>): string | undefined {
  if (option.defaultText !== undefined) return option.defaultText;
  if (option.default === undefined || typeof option.default === "function") return undefined;
  return typeof option.default === "string" ? option.default : JSON.stringify(option.default);
}

/** The options part of `ossv serve --help`, one entry a row. */
export function optionsUsage(): string {
  const indent = " ".repeat(6);
  return rows().map((option) => {
    const flag = `  --${option.name}${option.placeholder ? ` ${option.placeholder}` : ""}`;
    const shown = defaultShown(option);
    const where = `[${shown !== undefined ? `default: ${shown}; ` : ""}env ${envName(option.name)}${option.notInFile ? "" : `; file "${option.name}"`}]`;
    return [flag, ...[...wrap(option.description, 72), ...wrap(where, 72, "; ")].map((line) => indent + line)].join("\n");
  }).join("\n");
}

// ---- resolution ----

/** Where a value came from, as error messages name it. */
function describeSource(option: Row<unknown>, source: "flag" | "env" | "file", file?: string): string {
  if (source === "flag") return `--${option.name}`;
  if (source === "env") return `${envName(option.name)} (environment)`;
  return `"${option.name}" in ${file}`;
}

function parseFrom<T>(option: Row<T>, raw: RawValue, where: string): T {
  try {
    return option.parse(raw);
  } catch (error) {
    if (!(error instanceof Expected)) throw error;
    const shown = option.secret ? "" : `, not ${JSON.stringify(raw) ?? String(raw)}`;
    throw new OptionError(`${where} must be ${error.message}${shown}`);
  }
}

function readConfigFile(path: string, where: string): Record<string, RawValue> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new OptionError(`${where}: cannot read the config file: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new OptionError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new OptionError(`${path} must hold a JSON object of options`);
  }
  const fileKeys = new Set(rows().filter((option) => !option.notInFile).map((option) => option.name));
  for (const key of Object.keys(parsed)) {
    if (!fileKeys.has(key)) throw new OptionError(`${path}: unknown option "${key}" (known: ${[...fileKeys].join(", ")})`);
  }
  return parsed as Record<string, RawValue>;
}

export interface ParsedServeArgs {
  help: boolean;
  config: ServeConfig;
}

/**
 * Flags from `argv`, then the environment, then the config file (--config or OSSV_CONFIG), then the
 * defaults. An empty environment variable counts as unset, as shells and compose files often leave them.
 */
export function resolveServeOptions(argv: string[], env: NodeJS.ProcessEnv): ParsedServeArgs {
  let flags: Record<string, string | boolean | undefined>;
  try {
    flags = parseArgs({
      args: argv, strict: true, allowPositionals: false,
      options: {
        ...Object.fromEntries(rows().map((option) => [option.name, { type: option.switch ? "boolean" : "string" } as const])),
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (error) {
    throw new OptionError((error as Error).message);
  }
  if (flags["help"] === true) return { help: true, config: {} as ServeConfig };

  const fromEnv = (option: Row<unknown>): string | undefined => {
    const value = env[envName(option.name)];
    return value === "" ? undefined : value;
  };
  const configOption = SERVE_OPTIONS.config as Row<unknown>;
  let configPath: string | undefined;
  let file: Record<string, RawValue> = {};
  if (flags["config"] !== undefined) configPath = parseFrom(SERVE_OPTIONS.config, flags["config"], describeSource(configOption, "flag"));
  else if (fromEnv(configOption) !== undefined) configPath = parseFrom(SERVE_OPTIONS.config, fromEnv(configOption), describeSource(configOption, "env"));
  if (configPath !== undefined) {
    file = readConfigFile(configPath, flags["config"] !== undefined ? "--config" : describeSource(configOption, "env"));
  }

  const config: Record<string, unknown> = {};
  for (const option of rows()) {
    const flag = flags[option.name];
    const fromEnvironment = fromEnv(option);
    if (option === configOption) {
      config[option.name] = configPath;
    } else if (flag !== undefined) {
      config[option.name] = parseFrom(option, flag, describeSource(option, "flag"));
    } else if (fromEnvironment !== undefined) {
      config[option.name] = parseFrom(option, fromEnvironment, describeSource(option, "env"));
    } else if (option.name in file) {
      config[option.name] = parseFrom(option, file[option.name], describeSource(option, "file", configPath));
    } else {
      config[option.name] = typeof option.default === "function" ? (option.default as () => unknown)() : option.default;
    }
  }
  return { help: false, config: config as ServeConfig };
}
