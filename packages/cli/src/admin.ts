// `ossv admin ...`: users, keys, policies and temporary credentials, printed as JSON. The endpoint
// comes from --endpoint, the root credentials from OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET.
import { readFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { parseArgs } from "node:util";
import { replaceRootKey } from "@ossv/server";
import { AdminApiError, AdminClient } from "./admin-client.ts";
import { fsckCommand } from "./fsck.ts";
import { configuredAccount } from "./serve.ts";

export const ADMIN_USAGE = `usage: ossv admin <command> [--endpoint URL] [--region ID]

  user create NAME                 create a RAM user        -> {"userId", "userName"}
  user list                        list users with their attached policies
  user delete NAME                 delete a user, its keys and policies
  key create NAME                  new access key for a user -> {"accessKeyId", "accessKeySecret"}
  key disable KEYID | key enable KEYID | key delete KEYID
  role create NAME | role list | role delete NAME
                                   RAM roles: policies, but only temporary credentials
  policy attach NAME --file F [--name POLICY] [--role]
                                   attach an identity policy (name: the file's base name)
  policy detach NAME POLICY [--role]
  sts issue NAME [--role] [--policy-file F] [--duration-seconds N]
                                   temporary credentials    -> {..., "securityToken", "expiration"}
  index describe BUCKET INDEX      rows, segments, graph state and background work of an index
  index compact BUCKET INDEX       merge segments and drop deleted rows now
  snapshot create --dest DIR [--without-master-key]
                                   a consistent copy of the server's whole data directory in DIR
                                   (new or empty, on the server's machine), taken while it keeps
                                   serving; with master.key unless told not to. Only the root
                                   key of the server's first account. Restore: ossv restore
  root-key reset --data-dir DIR    offline (server stopped): a new root key for the directory's
                                   account, printed once; every other root key is deleted. With
                                   OSSV_ACCOUNT_ID, OSSV_ROOT_ACCESS_KEY_ID and _SECRET set, that
                                   key is installed instead of a generated one.
                                   --new-master-key: the master key is lost; write a new
                                   master.key (the old file is kept beside it) and delete every
                                   key sealed with the old one (listed as deletedKeys)
  fsck --data-dir DIR [--repair]   offline (server stopped): read every stored object and report
                                   each damaged one with the acknowledged data it holds (JSON; exit
                                   1 when problems are found). --repair moves what cannot be read
                                   to DIR/quarantine/ (never deletes), rebuilds what can be, and
                                   writes a state the server opens; it loses what the report lists

Credentials: OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET (the account's root key).
--endpoint defaults to http://localhost:9000, --region to cn-hangzhou.
`;

type Args = ReturnType<typeof parse>;

function parse(argv: string[]) {
  return parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: {
      endpoint: { type: "string", default: "http://localhost:9000" },
      region: { type: "string", default: "cn-hangzhou" },
      file: { type: "string" },
      name: { type: "string" },
      "policy-file": { type: "string" },
      "duration-seconds": { type: "string" },
      role: { type: "boolean", default: false },
      repair: { type: "boolean", default: false },
      "data-dir": { type: "string" },
      "new-master-key": { type: "boolean", default: false },
      dest: { type: "string" },
      "without-master-key": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
}

function client(args: Args): AdminClient {
  const accessKeyId = process.env["OSS_ACCESS_KEY_ID"];
  const accessKeySecret = process.env["OSS_ACCESS_KEY_SECRET"];
  if (!accessKeyId || !accessKeySecret) throw new UsageError("set OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET to the root key");
  return new AdminClient({ endpoint: args.values.endpoint, region: args.values.region, credentials: { accessKeyId, accessKeySecret } });
}

class UsageError extends Error {}

function need(value: string | undefined, what: string): string {
  if (!value) throw new UsageError(`missing ${what}`);
  return value;
}

async function dispatch(args: Args): Promise<unknown> {
  const [group, action, first, second] = args.positionals;
  if (`${group} ${action}` === "root-key reset") return resetRootKey(args);
  const api = client(args);
  switch (`${group} ${action}`) {
    case "user create": return api.createUser(need(first, "NAME"));
    case "user list": return api.listUsers();
    case "user delete": return api.deleteUser(need(first, "NAME")).then(() => ({ deleted: first }));
    case "key create": return api.createKey(need(first, "NAME"));
    case "key disable": return api.setKeyStatus(need(first, "KEYID"), "disabled");
    case "key enable": return api.setKeyStatus(need(first, "KEYID"), "active");
    case "key delete": return api.deleteKey(need(first, "KEYID")).then(() => ({ deleted: first }));
    case "role create": return api.createRole(need(first, "NAME"));
    case "role list": return api.listRoles();
    case "role delete": return api.deleteRole(need(first, "NAME")).then(() => ({ deleted: first }));
    case "policy attach": return attach(api, need(first, "NAME"), args);
    case "policy detach": return detach(api, need(first, "NAME"), need(second, "POLICY"), args.values.role).then(() => ({ detached: second }));
    case "sts issue": return issue(api, need(first, "NAME"), args);
    case "index describe": return api.describeIndex(need(first, "BUCKET"), need(second, "INDEX"));
    case "index compact": return api.compactIndex(need(first, "BUCKET"), need(second, "INDEX"));
    case "snapshot create": return api.createSnapshot(resolve(need(args.values.dest, "--dest")), !args.values["without-master-key"]);
    default: throw new UsageError(`unknown admin command "${[group, action].filter(Boolean).join(" ")}"`);
  }
}

/** Needs no server: it works on the data directory itself, which must not be in use. */
async function resetRootKey(args: Args): Promise<unknown> {
  const dataDir = need(args.values["data-dir"], "--data-dir");
  const account = configuredAccount(process.env);
  const masterKey = process.env["OSSV_MASTER_KEY"];
  const newMasterKey = args.values["new-master-key"] === true;
  const { root, deletedKeys } = await replaceRootKey(dataDir, { ...(account && { account }), ...(masterKey && { masterKey }), newMasterKey });
  return {
    accountId: root.accountId, accessKeyId: root.accessKeyId, accessKeySecret: root.accessKeySecret,
    ...(newMasterKey && { deletedKeys }),
  };
}

function attach(api: AdminClient, name: string, args: Args): Promise<unknown> {
  const file = need(args.values.file, "--file");
  const policyName = args.values.name ?? basename(file).replace(/\.json$/i, "");
  const document = readFileSync(file, "utf8");
  return args.values.role ? api.attachRolePolicy(name, policyName, document) : api.attachPolicy(name, policyName, document);
}

function detach(api: AdminClient, name: string, policyName: string, role: boolean): Promise<unknown> {
  return role ? api.detachRolePolicy(name, policyName) : api.detachPolicy(name, policyName);
}

function issue(api: AdminClient, userName: string, args: Args): Promise<unknown> {
  const policyFile = args.values["policy-file"];
  const duration = args.values["duration-seconds"];
  return api.issueTemporaryCredentials(userName, {
    role: args.values.role,
    ...(policyFile ? { policy: readFileSync(policyFile, "utf8") } : {}),
    ...(duration ? { durationSeconds: Number(duration) } : {}),
  });
}

export async function adminCommand(argv: string[]): Promise<number> {
  try {
    const args = parse(argv);
    if (args.values.help || args.positionals.length === 0) {
      process.stdout.write(ADMIN_USAGE);
      return args.values.help ? 0 : 2;
    }
    if (args.positionals[0] === "fsck") return await fsckCommand(need(args.values["data-dir"], "--data-dir"), args.values.repair);
    process.stdout.write(JSON.stringify(await dispatch(args), null, 2) + "\n");
    return 0;
  } catch (error) {
    if (error instanceof AdminApiError) process.stderr.write(`ossv admin: ${error.message}\n`);
    else if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`ossv admin: ${(error as Error).message}\n${ADMIN_USAGE}`);
      return 2;
    } else process.stderr.write(`ossv admin: ${(error as Error).message}\n`);
    return 1;
  }
}
