// What the `ossv admin` commands of admin-commands.ts that call a server do, on @ossv/sdk's
// AdminClient. JSON output is the admin API's answer without the SDK's response metadata; deletes
// and detaches, which the server answers with no body, print what they removed.
import { basename, resolve } from "node:path";
import { AdminClient, type AdminRole, type AdminUser, type DescribeIndexResult, type ResultMetadata } from "@ossv/sdk";
import { resolveAdminConnection, UsageError, type ConnectionFlags } from "./connection.ts";
import { EXIT } from "./exit-codes.ts";
import { describeFailure, fieldTable, table, type OutputFormat } from "./output.ts";
import { readText } from "./json-input.ts";

export type AdminCommandName =
  | "user create" | "user list" | "user delete"
  | "key create" | "key disable" | "key enable" | "key delete"
  | "role create" | "role list" | "role delete"
  | "policy attach" | "policy detach" | "sts issue"
  | "index describe" | "index compact" | "snapshot create";

/** The flags commander parsed, camel-cased; which ones are set depends on the command. */
export interface AdminFlags extends ConnectionFlags {
  output?: OutputFormat;
  file?: string;
  name?: string;
  role?: boolean;
  policyFile?: string;
  durationSeconds?: number;
  dest?: string;
  withoutMasterKey?: boolean;
}

/** What a command prints: JSON for scripts, and the same as a table for people. */
interface Printed {
  json: object;
  table: string;
}

/** The answer's own fields, without the status, request id and headers the SDK adds. */
function fields<T extends ResultMetadata>(result: T): Omit<T, keyof ResultMetadata> {
  const { statusCode: _status, requestId: _id, headers: _headers, ...rest } = result;
  return rest;
}

function one(json: object): Printed {
  return { json, table: fieldTable(json as Record<string, unknown>) };
}

function rows(json: object, list: ReadonlyArray<AdminUser | AdminRole>): Printed {
  return { json, table: table(list.map((row) => ({ ...row, policies: row.policies.join(",") }))) };
}

function indexState(result: DescribeIndexResult): Printed {
  const { segments, ...state } = fields(result);
  const json = { ...state, segments };
  const segmentRows = segments.map((segment) => ({ ...segment }));
  return { json, table: `${fieldTable(state)}\n${table(segmentRows) || "(no segments)\n"}` };
}

async function execute(admin: AdminClient, name: AdminCommandName, [first, second]: string[], flags: AdminFlags): Promise<Printed> {
  const target = first!; // commander has checked that every required argument is there
  switch (name) {
    case "user create": return one(fields(await admin.createUser(target)));
    case "user list": {
      const { users } = await admin.listUsers();
      return rows({ users }, users);
    }
    case "user delete": await admin.deleteUser(target); return one({ deleted: target });
    case "key create": return one(fields(await admin.createKey(target)));
    case "key disable": return one(fields(await admin.setKeyStatus(target, "disabled")));
    case "key enable": return one(fields(await admin.setKeyStatus(target, "active")));
    case "key delete": await admin.deleteKey(target); return one({ deleted: target });
    case "role create": return one(fields(await admin.createRole(target)));
    case "role list": {
      const { roles } = await admin.listRoles();
      return rows({ roles }, roles);
    }
    case "role delete": await admin.deleteRole(target); return one({ deleted: target });
    case "policy attach": {
      const file = flags.file!;
      const policyName = flags.name ?? basename(file).replace(/\.json$/i, "");
      const document = readText(file, "policy file");
      const attached = flags.role ? await admin.attachRolePolicy(target, policyName, document) : await admin.attachPolicy(target, policyName, document);
      return one(fields(attached));
    }
    case "policy detach": {
      const policyName = second!;
      await (flags.role ? admin.detachRolePolicy(target, policyName) : admin.detachPolicy(target, policyName));
      return one({ detached: policyName });
    }
    case "sts issue": {
      const policy = flags.policyFile !== undefined ? readText(flags.policyFile, "session policy file") : undefined;
      const options = { role: Boolean(flags.role), ...(policy !== undefined ? { policy } : {}), ...(flags.durationSeconds !== undefined ? { durationSeconds: flags.durationSeconds } : {}) };
      return one(fields(await admin.issueTemporaryCredentials(target, options)));
    }
    case "index describe": return indexState(await admin.describeIndex(target, second!));
    case "index compact": return indexState(await admin.compactIndex(target, second!));
    case "snapshot create": return one(fields(await admin.createSnapshot(resolve(flags.dest!), { withMasterKey: !flags.withoutMasterKey })));
    default: throw new UsageError(`unknown admin command "${name as string}"`);
  }
}

/** Runs one admin command and prints its result or its one-line error; returns the exit code. */
export async function runAdminCommand(name: AdminCommandName, args: string[], flags: AdminFlags): Promise<number> {
  try {
    const admin = new AdminClient(resolveAdminConnection(flags));
    const printed = await execute(admin, name, args, flags);
    process.stdout.write(flags.output === "table" ? printed.table : `${JSON.stringify(printed.json, null, 2)}\n`);
    return EXIT.ok;
  } catch (error) {
    const { line, code } = describeFailure(error);
    process.stderr.write(`ossv admin ${name}: ${line}\n`);
    return code;
  }
}
