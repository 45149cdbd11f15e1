// `ossv admin ...`: ossv's own admin API (users, keys, roles, identity policies, temporary
// credentials, index upkeep, snapshots) through @ossv/sdk's AdminClient, and two offline commands on a
// stopped server's data directory (root-key reset, fsck; fsck also on a shared object store). This
// module only declares the commands; admin-run.ts and admin-offline.ts do them, loaded when one runs.
import { Command, InvalidArgumentError, Option } from "commander";
import type { AdminCommandName, AdminFlags } from "./admin-run.ts";
import type { OfflineCommandName, OfflineFlags } from "./admin-offline.ts";

type SetCode = (code: number) => void;

const ADMIN_CONNECTION_HELP = `
Connection (flags beat the profile):
  --endpoint and --region as flags, or endpoint and region in a profile of ~/.ossv/config (--profile
  NAME, default "default"); the endpoint defaults to http://localhost:9000, the region to cn-hangzhou.
  Credentials: the account's root key, from OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET in the
  environment or access_key_id and access_key_secret in the profile (a profile named with --profile
  wins over the environment; otherwise the environment wins over the default profile). Only a root
  key may use the admin API; the account is the key's, so no --account-id is needed.
Output: JSON by default (scripts parse it), or --output table.`;

function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError("must be a whole number of seconds");
  return Number(value);
}

/** A leaf command that calls the server: connection flags and the output format. */
function online(parent: Command, name: string, description: string): Command {
  return parent.command(name)
    .description(description)
    .option("--endpoint <url>", "the ossv server, http://host:port (default: the profile's, else http://localhost:9000)")
    .option("--region <id>", "region id the request is signed for (default: the profile's, else cn-hangzhou)")
    .option("--profile <name>", "the profile of ~/.ossv/config to use")
    .addOption(new Option("-o, --output <format>", "how the result is printed").choices(["json", "table"]).default("json"))
    .addHelpText("after", ADMIN_CONNECTION_HELP);
}

function group(parent: Command, name: string, description: string): Command {
  return parent.command(name).description(description);
}

export function addAdminCommands(program: Command, setCode: SetCode): void {
  const run = (name: AdminCommandName) => async (...args: unknown[]) => {
    const command = args.at(-1) as Command;
    const { runAdminCommand } = await import("./admin-run.ts");
    setCode(await runAdminCommand(name, command.processedArgs as string[], command.opts<AdminFlags>()));
  };
  const runOffline = (name: OfflineCommandName) => async (...args: unknown[]) => {
    const command = args.at(-1) as Command;
    const { runOfflineCommand } = await import("./admin-offline.ts");
    setCode(await runOfflineCommand(name, command.opts<OfflineFlags>()));
  };

  const admin = group(program, "admin", "manage RAM users, keys, policies, temporary credentials; index and snapshot upkeep");

  const user = group(admin, "user", "RAM users: create, list, delete");
  online(user, "create", "create a RAM user (it may do nothing until a policy allows it)").argument("<name>").action(run("user create"));
  online(user, "list", "list the account's users with their attached policies").action(run("user list"));
  online(user, "delete", "delete a user with its access keys and policies").argument("<name>").action(run("user delete"));

  const key = group(admin, "key", "access keys of users: create, disable, enable, delete");
  online(key, "create", "a new access key for a user (at most two); the secret is printed only now").argument("<name>").action(run("key create"));
  online(key, "disable", "disable an access key: requests signed with it are refused").argument("<keyId>").action(run("key disable"));
  online(key, "enable", "enable a disabled access key again").argument("<keyId>").action(run("key enable"));
  online(key, "delete", "delete an access key").argument("<keyId>").action(run("key delete"));

  const role = group(admin, "role", "RAM roles (policies, but only temporary credentials): create, list, delete");
  online(role, "create", "create a RAM role").argument("<name>").action(run("role create"));
  online(role, "list", "list the account's roles with their attached policies").action(run("role list"));
  online(role, "delete", "delete a role and its policies").argument("<name>").action(run("role delete"));

  const policy = group(admin, "policy", "identity policies of users and roles: attach, detach");
  online(policy, "attach", "attach an identity policy to a user (or a role with --role), replacing one of the same name")
    .argument("<name>", "the user (or role)")
    .requiredOption("--file <f>", "the policy document (JSON), sent as it is in the file")
    .option("--name <policy>", "the policy's name (default: the file's base name without .json)")
    .option("--role", "<name> is a role")
    .action(run("policy attach"));
  online(policy, "detach", "detach an identity policy from a user (or a role with --role)")
    .argument("<name>", "the user (or role)").argument("<policy>", "the policy's name")
    .option("--role", "<name> is a role")
    .action(run("policy detach"));

  const sts = group(admin, "sts", "temporary credentials: issue");
  online(sts, "issue", "temporary credentials of a user (or a role with --role), used with OSS_SESSION_TOKEN")
    .argument("<name>", "the user (or role)")
    .option("--role", "<name> is a role")
    .option("--policy-file <f>", "a session policy (JSON): the credentials may do only what it and the identity allow")
    .option("--duration-seconds <n>", "how long they are valid, 900 to 43200 (the server's default: 3600)", wholeNumber)
    .action(run("sts issue"));

  const index = group(admin, "index", "storage upkeep of a vector index: describe, compact");
  online(index, "describe", "rows, segments, graph state and background work of an index")
    .argument("<bucket>").argument("<index>").action(run("index describe"));
  online(index, "compact", "merge segments and drop deleted rows now (it also happens on its own); waits until done")
    .argument("<bucket>").argument("<index>").action(run("index compact"));

  const snapshot = group(admin, "snapshot", "consistent copies of a running server's data directory: create");
  online(snapshot, "create", "copy the server's whole data directory while it keeps serving (restore: ossv restore)")
    .requiredOption("--dest <dir>", "a new or empty directory on the server's machine (made absolute here)")
    .option("--without-master-key", "leave master.key out of the copy")
    .addHelpText("after", "\nOnly the root key of the server's first account may take a snapshot.")
    .action(run("snapshot create"));

  const rootKey = group(admin, "root-key", "offline: replace a data directory's root key");
  rootKey.command("reset")
    .description("offline (server stopped): a new root key for the directory's account, printed once; every other root key is deleted")
    .requiredOption("--data-dir <dir>", "the server's data directory")
    .option("--new-master-key", "the master key is lost: write a new master.key (the old file is kept beside it) and delete every key sealed with the old one")
    .addHelpText("after", `
With OSSV_ACCOUNT_ID, OSSV_ROOT_ACCESS_KEY_ID and OSSV_ROOT_ACCESS_KEY_SECRET set, that key is
installed instead of a generated one. Prints JSON: accountId, accessKeyId, accessKeySecret (and
deletedKeys with --new-master-key).`)
    .action(runOffline("root-key reset"));

  admin.command("fsck")
    .description("offline: check every stored object and report each damaged one with the acknowledged data it holds (a data directory: server stopped; a shared store: nodes may serve)")
    .option("--data-dir <dir>", "the server's data directory (with --store: the node's, which holds master.key)")
    .option("--store <s3://BUCKET/PREFIX>", "check the object store that ossv serve --store uses instead (a shared store)")
    .option("--s3-endpoint <url>", "with --store: the object store's URL, as ossv serve takes it")
    .option("--s3-region <id>", "with --store: region the store's requests are signed for (default: us-east-1)")
    .option("--s3-path-style", "with --store: the bucket in the URL's path (Ceph, MinIO)")
    .option("--s3-conditional-write <kind>", "with --store: if-none-match or oss-forbid-overwrite (default: by the endpoint)")
    .option("--repair", "move what cannot be read to quarantine/ (never deletes), rebuild what can be, and leave a state the server opens")
    .addHelpText("after", `
Prints the report as JSON. Exit code 0 when clean (or fully repaired), 1 when a problem is left.
--repair loses what the report lists, and only that.

With --store, credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, as for ossv serve.
A check only reads and may run while nodes serve from the store: work in flight is not damage.
--repair is refused while any node's heartbeat is alive (stop the nodes first). The master key is
checked from OSSV_MASTER_KEY or the --data-dir's master.key (docs/scale-out.md).`)
    .action(runOffline("fsck"));
}
