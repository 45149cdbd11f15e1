// The first account and its root key (docs/architecture.md#accounts-and-keys): taken from the operator
// (OSSV_* variables via the CLI) or created on an empty data directory, so a fresh `ossv serve` is
// usable at once.
import { randomInt } from "node:crypto";
import { EngineError, openEngine, type AccessKeyRecord, type Catalog } from "@ossv/engine";
import { isSealed, loadMasterKey, replaceMasterKey, SecretBox } from "./secret-box.ts";

export interface RootAccount {
  accountId: string;
  accessKeyId: string;
  accessKeySecret: string;
}

const BASE62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function randomBase62(length: number): string {
  return Array.from({ length }, () => BASE62[randomInt(BASE62.length)]).join("");
}

/** Alibaba-shaped identifiers: 16-digit account ids, `LTAI…` key ids, 30-character secrets. */
export function newAccountId(): string {
  return String(randomInt(1, 10)) + Array.from({ length: 15 }, () => randomInt(0, 10)).join("");
}

export function newAccessKey(): { accessKeyId: string; accessKeySecret: string } {
  return { accessKeyId: "LTAI" + randomBase62(20), accessKeySecret: randomBase62(30) };
}

function ignoreAccountExists(error: unknown): void {
  if (!(error instanceof EngineError && error.code === "ACCOUNT_EXISTS")) throw error;
}

export interface BootstrapResult {
  root: RootAccount;
  /** True when this call generated the root key: the only time its secret should be shown. */
  generated: boolean;
}

async function ensureRootKey(catalog: Catalog, secrets: SecretBox, root: RootAccount): Promise<void> {
  const existing = catalog.getAccessKey(root.accessKeyId);
  const sealed = existing !== undefined && isSealed(existing.accessKeySecret);
  if (existing && sealed && existing.accountId === root.accountId && secrets.open(existing.accessKeySecret) === root.accessKeySecret) return;
  const key: AccessKeyRecord = {
    ...root, accessKeySecret: secrets.seal(root.accessKeySecret), status: "active", createdAt: new Date().toISOString(),
  };
  await catalog.putAccessKey(key);
}

/** Any secret the catalog stores sealed, to check a master key against; undefined when there is none. */
export function sealedSecretSample(catalog: Catalog): string | undefined {
  for (const account of catalog.listAccounts()) {
    const sealed = catalog.listAccessKeys(account.accountId).find((key) => isSealed(key.accessKeySecret));
    if (sealed) return sealed.accessKeySecret;
  }
  return undefined;
}

/** The account's long-term keys of its own (not a RAM user's, not temporary credentials). */
function isRootKey(key: AccessKeyRecord): boolean {
  return key.userName === undefined && key.securityToken === undefined;
}

export interface ReplaceRootKeyOptions {
  /** The key to install (its accountId must exist); default: a new key for the first account. */
  account?: RootAccount;
  /** As ServerOptions.masterKey. */
  masterKey?: string;
  /**
   * The master key is lost: write a new master.key first. Every access key sealed with the old one
   * can never sign again, so those keys are deleted (they are listed in the result).
   */
  newMasterKey?: boolean;
}

export interface ReplacedRootKey {
  root: RootAccount;
  /** Keys deleted because their sealed secrets no longer open (only with newMasterKey). */
  deletedKeys: string[];
}

/**
 * Offline, on a data directory no server holds: gives the account a new root key and deletes its
 * other root keys, so a root key that was lost, never shown or leaked stops working. Opening the
 * engine takes the directory's lock, so this refuses to run beside a server.
 */
export async function replaceRootKey(dataDir: string, options: ReplaceRootKeyOptions = {}): Promise<ReplacedRootKey> {
  if (options.newMasterKey && options.masterKey) throw new Error("a new master key is written to master.key: unset OSSV_MASTER_KEY");
  const engine = await openEngine({ dataDir });
  try {
    const { catalog } = engine;
    const accountId = options.account?.accountId ?? catalog.listAccounts()[0]?.accountId;
    if (accountId === undefined) throw new Error(`${dataDir} has no account yet: start ossv serve on it once`);
    if (!catalog.getAccount(accountId)) throw new Error(`${dataDir} has no account ${accountId}`);
    const deletedKeys = options.newMasterKey ? await deleteSealedKeys(catalog) : [];
    const masterKey = options.newMasterKey
      ? await replaceMasterKey(dataDir)
      : await loadMasterKey(dataDir, options.masterKey, sealedSecretSample(catalog));
    const secrets = new SecretBox(masterKey);
    const root = options.account ?? { accountId, ...newAccessKey() };
    await ensureRootKey(catalog, secrets, root);
    for (const key of catalog.listAccessKeys(accountId)) {
      if (isRootKey(key) && key.accessKeyId !== root.accessKeyId) await catalog.deleteAccessKey(key.accessKeyId);
    }
    return { root, deletedKeys };
  } finally {
    await engine.close();
  }
}

/** Deletes every key whose secret is sealed (before the master key that sealed it is replaced). */
async function deleteSealedKeys(catalog: Catalog): Promise<string[]> {
  const deleted: string[] = [];
  for (const account of catalog.listAccounts()) {
    for (const key of catalog.listAccessKeys(account.accountId)) {
      if (!isSealed(key.accessKeySecret)) continue;
      await catalog.deleteAccessKey(key.accessKeyId);
      deleted.push(key.accessKeyId);
    }
  }
  return deleted;
}

export async function bootstrapAccount(catalog: Catalog, secrets: SecretBox, configured?: RootAccount): Promise<BootstrapResult> {
  if (configured) {
    // Nodes of a shared store start together: another may have created the account meanwhile.
    if (!catalog.getAccount(configured.accountId)) await catalog.createAccount(configured.accountId).catch(ignoreAccountExists);
    await ensureRootKey(catalog, secrets, configured);
    return { root: configured, generated: false };
  }
  const first = catalog.listAccounts()[0];
  if (first) {
    const key = catalog.listAccessKeys(first.accountId).find(isRootKey);
    if (key) {
      const root = { accountId: first.accountId, accessKeyId: key.accessKeyId, accessKeySecret: secrets.open(key.accessKeySecret) };
      await ensureRootKey(catalog, secrets, root); // seals a secret stored before sealing existed
      return { root, generated: false };
    }
  }
  const root: RootAccount = { accountId: first?.accountId ?? newAccountId(), ...newAccessKey() };
  if (!first) await catalog.createAccount(root.accountId);
  await ensureRootKey(catalog, secrets, root);
  return { root, generated: true };
}
