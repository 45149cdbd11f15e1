// The option table of `ossv serve`: precedence, value checks and their messages, without starting a
// server (tests/e2e/serve-config.test.ts checks the same through the real command).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { envName, OptionError, optionsUsage, resolveServeOptions, SERVE_OPTIONS } from "./serve-options.ts";
import { settingsFrom } from "./serve.ts";

async function withFile(text: string, fn: (path: string) => void): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "ossv-options-"));
  try {
    const path = join(dir, "ossv.json");
    await writeFile(path, text);
    fn(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("environment variables are OSSV_ and the flag name in capitals, and the usage shows each", () => {
  assert.equal(envName("data-dir"), "OSSV_DATA_DIR");
  assert.equal(envName("max-list-response-bytes"), "OSSV_MAX_LIST_RESPONSE_BYTES");
  const usage = optionsUsage();
  for (const option of Object.values(SERVE_OPTIONS)) {
    assert.ok(usage.includes(`--${option.name}`) && usage.includes(envName(option.name)), option.name);
  }
});

test("flag beats environment beats file beats default, option by option", async () => {
  await withFile(JSON.stringify({ port: 1001, region: "from-file", host: "::1", quiet: true, "max-list-response-bytes": "4096" }), (file) => {
    const { config } = resolveServeOptions(["--config", file, "--port", "1003"], { OSSV_PORT: "1002", OSSV_REGION: "from-env", OSSV_HOST: "" });
    assert.equal(config.port, 1003);
    assert.equal(config.region, "from-env");
    assert.equal(config.host, "::1", "an empty variable is unset");
    assert.equal(config.quiet, true);
    assert.equal(config["max-list-response-bytes"], 4096);
    assert.equal(config["data-dir"], "./ossv-data");
    assert.equal(config["log-level"], "info");
    assert.equal(config["max-body-bytes-in-flight"], undefined);
    assert.equal(config.config, file);
  });
  const { config } = resolveServeOptions(["--quiet"], { OSSV_QUIET: "false", OSSV_LOG_FORMAT: "text" });
  assert.equal(config.quiet, true);
  assert.equal(config["log-format"], "text");
  assert.equal(resolveServeOptions([], { OSSV_QUIET: "yes" }).config.quiet, true);
});

test("each bad value is an OptionError naming where it came from", async () => {
  const refused = (argv: string[], env: NodeJS.ProcessEnv, message: RegExp) =>
    assert.throws(() => settingsFrom(argv, env), (error) => error instanceof OptionError && message.test(error.message), `${argv.join(" ")} ${JSON.stringify(env)}`);
  refused(["--port", "nope"], {}, /^--port must be a whole number from 0 to 65535, not "nope"$/);
  refused(["--port", "70000"], {}, /^--port must be a whole number from 0 to 65535, not "70000"$/);
  refused([], { OSSV_PORT: "80a" }, /^OSSV_PORT \(environment\) must be a whole number from 0 to 65535, not "80a"$/);
  refused(["--log-level", "loud"], {}, /^--log-level must be one of trace, debug, info, warn, error, fatal, silent, not "loud"$/);
  refused([], { OSSV_LOG_FORMAT: "xml" }, /^OSSV_LOG_FORMAT \(environment\) must be one of json, text, not "xml"$/);
  refused([], { OSSV_QUIET: "maybe" }, /^OSSV_QUIET \(environment\) must be true or false/);
  refused(["--max-body-bytes-in-flight=-1"], {}, /^--max-body-bytes-in-flight must be a positive whole number of bytes, not "-1"$/);
  refused(["--max-list-response-bytes", "0"], {}, /^--max-list-response-bytes must be a positive whole number of bytes, not "0"$/);
  refused(["--region="], {}, /^--region must be a non-empty string, not ""$/);
  refused(["--tls-cert", "cert.pem"], {}, /^--tls-cert and --tls-key go together$/);
  refused(["--no-such-flag"], {}, /Unknown option '--no-such-flag'/);
  refused(["--config", "/no/such/ossv.json"], {}, /^--config: cannot read the config file: ENOENT/);
  refused([], { OSSV_CONFIG: "/no/such/ossv.json" }, /^OSSV_CONFIG \(environment\): cannot read the config file: ENOENT/);
  refused([], { OSSV_CHECKPOINT_POLICY: "{segmentRows" }, /^OSSV_CHECKPOINT_POLICY is not JSON/);
  refused([], { OSSV_ACCOUNT_ID: "123" }, /^set all of OSSV_ACCOUNT_ID, OSSV_ROOT_ACCESS_KEY_ID and OSSV_ROOT_ACCESS_KEY_SECRET, or none$/);
  await withFile('{"port": 9000, "prot": 9001}', (file) => refused(["--config", file], {}, /ossv\.json: unknown option "prot" \(known: port, /));
  await withFile('{"config": "other.json"}', (file) => refused(["--config", file], {}, /unknown option "config"/));
  await withFile('{"port": "ninety"}', (file) => refused(["--config", file], {}, /^"port" in \S+ossv\.json must be a whole number from 0 to 65535, not "ninety"$/));
  await withFile('{"port": 9000.5}', (file) => refused(["--config", file], {}, /"port" in \S+ must be a whole number from 0 to 65535, not 9000\.5$/));
  await withFile('{"quiet": "sometimes"}', (file) => refused(["--config", file], {}, /"quiet" in \S+ must be true or false/));
  await withFile('{"region": ["a"]}', (file) => refused(["--config", file], {}, /"region" in \S+ must be a non-empty string, not \["a"\]$/));
  await withFile('{"port": 9000,', (file) => refused(["--config", file], {}, /ossv\.json is not valid JSON/));
  await withFile("[9000]", (file) => refused(["--config", file], {}, /ossv\.json must hold a JSON object of options$/));
});

test("--store and the s3 options come from flags, the environment or the file, with the AWS variables as credentials", async () => {
  const keys = { AWS_ACCESS_KEY_ID: "id", AWS_SECRET_ACCESS_KEY: "secret" };
  const fromFlags = settingsFrom(["--store", "s3://vectors/ossv/prod", "--s3-endpoint", "http://127.0.0.1:7480", "--s3-path-style"], keys);
  assert.ok(!("help" in fromFlags));
  assert.deepEqual(fromFlags.objectStore, {
    bucket: "vectors", prefix: "ossv/prod/", endpoint: "http://127.0.0.1:7480", region: "us-east-1", forcePathStyle: true,
    credentials: { accessKeyId: "id", secretAccessKey: "secret" },
  });
  const fromEnv = settingsFrom([], { ...keys, AWS_SESSION_TOKEN: "token", OSSV_STORE: "s3://vectors", OSSV_S3_REGION: "eu-west-3", OSSV_S3_PATH_STYLE: "no" });
  assert.ok(!("help" in fromEnv));
  assert.deepEqual(fromEnv.objectStore, {
    bucket: "vectors", prefix: "", region: "eu-west-3", forcePathStyle: false,
    credentials: { accessKeyId: "id", secretAccessKey: "secret", sessionToken: "token" },
  });
  await withFile(JSON.stringify({ store: "s3://from-file/p", "s3-endpoint": "https://minio.example.com", "s3-path-style": true }), (file) => {
    const fromFile = settingsFrom(["--config", file], keys);
    assert.ok(!("help" in fromFile));
    assert.equal(fromFile.objectStore?.bucket, "from-file");
    assert.equal(fromFile.objectStore?.endpoint, "https://minio.example.com");
    assert.equal(fromFile.objectStore?.forcePathStyle, true);
  });
  const oss = settingsFrom(["--store", "s3://vectors", "--s3-endpoint", "https://oss-cn-hangzhou.aliyuncs.com", "--s3-conditional-write", "oss-forbid-overwrite"], keys);
  assert.ok(!("help" in oss));
  assert.equal(oss.objectStore?.conditionalWrite, "oss-forbid-overwrite");
  const byEndpoint = settingsFrom(["--store", "s3://vectors"], keys);
  assert.ok(!("help" in byEndpoint));
  assert.equal(byEndpoint.objectStore?.conditionalWrite, undefined, "left to the store to pick by its endpoint");
  const local = settingsFrom([], keys);
  assert.ok(!("help" in local));
  assert.equal(local.objectStore, undefined, "without --store the data directory holds the data");
});

test("bad store settings are OptionErrors that say what is wrong", () => {
  const keys = { AWS_ACCESS_KEY_ID: "id", AWS_SECRET_ACCESS_KEY: "secret" };
  const refused = (argv: string[], env: NodeJS.ProcessEnv, message: RegExp) =>
    assert.throws(() => settingsFrom(argv, env), (error) => error instanceof OptionError && message.test(error.message), `${argv.join(" ")} ${JSON.stringify(env)}`);
  refused(["--store", "/var/lib/ossv"], keys, /^--store must be an s3:\/\/BUCKET\/PREFIX URL \("\/var\/lib\/ossv" is not an s3:\/\/BUCKET\/PREFIX URL\)/);
  refused(["--store", "s3://Vectors/p"], keys, /^--store must be an s3:\/\/BUCKET\/PREFIX URL \(bucket "Vectors" must be 3 to 63 characters/);
  refused(["--store", "s3://vectors/a/../b"], keys, /prefix "a\/..\/b" must be '\/'-separated parts/);
  refused([], { ...keys, OSSV_S3_ENDPOINT: "127.0.0.1:7480", OSSV_STORE: "s3://vectors" }, /^OSSV_S3_ENDPOINT \(environment\) must be an http:\/\/ or https:\/\/ URL/);
  refused(["--store", "s3://vectors", "--s3-endpoint", "http://key:secret@host"], keys, /without query or credentials/);
  refused(["--store", "s3://vectors", "--s3-region", "EU West"], keys, /^--s3-region must be a region name/);
  refused(["--s3-endpoint", "http://127.0.0.1:7480"], keys, /^--s3-endpoint, --s3-path-style and --s3-conditional-write go with --store s3:\/\/BUCKET\/PREFIX$/);
  refused(["--s3-conditional-write", "if-none-match"], keys, /go with --store s3:\/\/BUCKET\/PREFIX$/);
  refused(["--store", "s3://vectors", "--s3-conditional-write", "always"], keys, /^--s3-conditional-write must be one of if-none-match, oss-forbid-overwrite/);
  refused(["--store", "s3://vectors"], { AWS_ACCESS_KEY_ID: "id" }, /^--store needs the object store's credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  refused(["--cache-dir", "/var/cache/ossv"], keys, /^--cache-dir goes with --store s3:\/\/BUCKET\/PREFIX/);
  refused(["--store", "s3://vectors", "--cache-dir", "/c", "--cache-size", "50%"], keys, /^--cache-size must be a size of at least 1 MiB/);
  refused(["--store", "s3://vectors", "--cache-dir", "/c", "--cache-size", "1000"], keys, /^--cache-size must be a size of at least 1 MiB/);
});

test("--cache-dir puts a disk cache of --cache-size (10 GiB unless given) in front of the store", () => {
  const keys = { AWS_ACCESS_KEY_ID: "id", AWS_SECRET_ACCESS_KEY: "secret" };
  const cached = (argv: string[]) => {
    const settings = settingsFrom(["--store", "s3://vectors/p", ...argv], keys);
    assert.ok(!("help" in settings));
    return settings.objectStore?.cache;
  };
  assert.deepEqual(cached(["--cache-dir", "/var/cache/ossv"]), { dir: "/var/cache/ossv", maxBytes: 10 * 2 ** 30 });
  assert.deepEqual(cached(["--cache-dir", "/c", "--cache-size", "512MiB"]), { dir: "/c", maxBytes: 512 * 2 ** 20 });
  assert.equal(cached([]), undefined);
});

test("--quantization takes auto, int8 or off, defaulting to auto", () => {
  assert.equal(resolveServeOptions([], {}).config.quantization, "auto");
  assert.equal(resolveServeOptions(["--quantization", "int8"], {}).config.quantization, "int8");
  assert.equal(resolveServeOptions([], { OSSV_QUANTIZATION: "off" }).config.quantization, "off");
  assert.throws(() => resolveServeOptions(["--quantization", "int4"], {}), (error) => error instanceof OptionError && /^--quantization must be one of auto, int8, off/.test(error.message));
});

test("--graphs-on-disk takes auto, always or never, defaulting to auto", () => {
  assert.equal(resolveServeOptions([], {}).config["graphs-on-disk"], "auto");
  assert.equal(resolveServeOptions(["--graphs-on-disk", "always"], {}).config["graphs-on-disk"], "always");
  assert.equal(resolveServeOptions([], { OSSV_GRAPHS_ON_DISK: "never" }).config["graphs-on-disk"], "never");
  assert.throws(() => resolveServeOptions(["--graphs-on-disk", "mapped"], {}), (error) => error instanceof OptionError && /^--graphs-on-disk must be one of auto, always, never/.test(error.message));
});
