// Where the API commands connect and with which key: flags, then a profile of ~/.ossv/config, then
// the defaults; credentials from the environment (the names @ossv/sdk reads) or the profile.
//
// ~/.ossv/config is INI, as cloud CLIs' profile files usually are, so one file can hold a local ossv
// server and an Alibaba Cloud account side by side:
//
//   [default]
//   endpoint = http://localhost:9000
//   account_id = 1234567890123456
//   access_key_id = ...
//   access_key_secret = ...
//
//   [profile prod]        ("[prod]" works as well)
//   region = cn-shanghai
//   account_id = ...
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import {
  ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET, ENV_SESSION_TOKEN, type AdminClientConfig, type Credentials, type VectorsClientConfig,
} from "@ossv/sdk";

/** The command line cannot be run as given; printed as one line, exit code 2. */
export class UsageError extends Error {}

export interface ConnectionFlags {
  endpoint?: string;
  region?: string;
  accountId?: string;
  pathStyle?: boolean;
  profile?: string;
}

export const DEFAULT_REGION = "cn-hangzhou";
/** Where `ossv admin` looks for a server when neither a flag nor the profile says: ossv serve's default. */
export const DEFAULT_ADMIN_ENDPOINT = "http://localhost:9000";
const PROFILE_KEYS = ["endpoint", "region", "account_id", "path_style", "access_key_id", "access_key_secret", "session_token"] as const;
type ProfileKey = (typeof PROFILE_KEYS)[number];
export type Profile = Partial<Record<ProfileKey, string>>;

export function profileFilePath(home = homedir()): string {
  return join(home, ".ossv", "config");
}

/**
 * The profiles of an INI text. Unknown keys are errors, so a misspelt `acount_id` is reported rather
 * than silently ignored; dashes count as underscores (`account-id`, like the flag).
 */
export function parseProfiles(text: string, file: string): Map<string, Profile> {
  const profiles = new Map<string, Profile>();
  let current: Profile | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    const where = `${file} line ${index + 1}`;
    if (line === "" || line.startsWith("#") || line.startsWith(";")) return;
    const section = /^\[\s*(?:profile\s+)?([^\]\s]+)\s*\]$/.exec(line);
    if (section) {
      const name = section[1]!;
      current = profiles.get(name) ?? {};
      profiles.set(name, current);
      return;
    }
    const pair = /^([A-Za-z_-]+)\s*=\s*(.*)$/.exec(line);
    if (!pair) throw new UsageError(`${where}: expected [profile] or key = value`);
    if (!current) throw new UsageError(`${where}: a key before the first [profile]`);
    const key = pair[1]!.toLowerCase().replace(/-/g, "_");
    if (!(PROFILE_KEYS as readonly string[]).includes(key)) {
      throw new UsageError(`${where}: unknown key "${pair[1]}" (known: ${PROFILE_KEYS.join(", ")})`);
    }
    current[key as ProfileKey] = pair[2]!.trim();
  });
  return profiles;
}

/** The profile to use: the one named by --profile (which must exist), else "default" if present. */
export function loadProfile(name: string | undefined, file = profileFilePath()): Profile {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" && name === undefined) return {};
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const profiles = parseProfiles(text, file);
  const profile = profiles.get(name ?? "default");
  if (profile) return profile;
  if (name === undefined) return {};
  throw new UsageError(`no profile "${name}" in ${file} (it has: ${[...profiles.keys()].join(", ") || "none"})`);
}

function onOff(value: string | undefined, what: string): boolean | undefined {
  if (value === undefined || value === "") return undefined;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new UsageError(`${what} must be true or false, not "${value}"`);
}

/**
 * Keys from a profile named on the command line win, since naming it is asking for it; otherwise the
 * environment's, as the SDK itself would read them; otherwise the default profile's.
 */
function chooseCredentials(profile: Profile, profileNamed: boolean, env: NodeJS.ProcessEnv): Credentials | undefined {
  const fromProfile = profile.access_key_id && profile.access_key_secret
    ? { accessKeyId: profile.access_key_id, accessKeySecret: profile.access_key_secret, ...(profile.session_token ? { securityToken: profile.session_token } : {}) }
    : undefined;
  const id = env[ENV_ACCESS_KEY_ID];
  const secret = env[ENV_ACCESS_KEY_SECRET];
  const token = env[ENV_SESSION_TOKEN];
  const fromEnv = id && secret ? { accessKeyId: id, accessKeySecret: secret, ...(token ? { securityToken: token } : {}) } : undefined;
  return profileNamed ? fromProfile ?? fromEnv : fromEnv ?? fromProfile;
}

function requireCredentials(profile: Profile, flags: ConnectionFlags, env: NodeJS.ProcessEnv, file: string): Credentials {
  const credentials = chooseCredentials(profile, flags.profile !== undefined, env);
  if (!credentials) {
    throw new UsageError(`no credentials: set ${ENV_ACCESS_KEY_ID} and ${ENV_ACCESS_KEY_SECRET}, or access_key_id and access_key_secret in a profile of ${file}`);
  }
  return credentials;
}

/** The client's configuration for these flags, or a UsageError saying what is missing. */
export function resolveConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env, file = profileFilePath()): VectorsClientConfig {
  const profile = loadProfile(flags.profile, file);
  const accountId = flags.accountId ?? profile.account_id;
  if (!accountId) throw new UsageError(`no account id: pass --account-id, or set account_id in a profile of ${file}`);
  if (!/^\d+$/.test(accountId)) throw new UsageError(`the account id must be all digits, not "${accountId}"`);
  const credentials = requireCredentials(profile, flags, env, file);
  const endpoint = flags.endpoint ?? profile.endpoint;
  const usePathStyle = flags.pathStyle ?? onOff(profile.path_style, `path_style in ${file}`);
  return {
    region: flags.region ?? profile.region ?? DEFAULT_REGION,
    accountId,
    credentials,
    ...(endpoint ? { endpoint } : {}),
    ...(usePathStyle !== undefined ? { usePathStyle } : {}),
  };
}

/**
 * The admin client's configuration: the same flags, profile and credentials as the API commands, but
 * no account id or bucket addressing (the admin API is one path on the server, and the root key
 * names the account), and an ossv server on this machine when no endpoint is given.
 */
export function resolveAdminConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env, file = profileFilePath()): AdminClientConfig {
  const profile = loadProfile(flags.profile, file);
  return {
    endpoint: flags.endpoint ?? profile.endpoint ?? DEFAULT_ADMIN_ENDPOINT,
    region: flags.region ?? profile.region ?? DEFAULT_REGION,
    credentials: requireCredentials(profile, flags, env, file),
  };
}
