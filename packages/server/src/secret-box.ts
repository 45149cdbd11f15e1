// Access key secrets at rest. OSS4 signatures are HMACs, so the server must be able to recover each
// secret; the next best thing to not storing it is storing it sealed (AES-256-GCM) under a master key
// kept apart from the catalog: OSSV_MASTER_KEY, or a `master.key` file that can be moved out of the
// data directory. A copy of the catalog alone then hands out no usable key.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { link, open, readFile, rename, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";

const PREFIX = "enc:v1:";

/** True for a secret stored sealed (which only the master key opens). */
export function isSealed(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

export class SecretBox {
  private readonly opened = new Map<string, string>();

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error("the master key must be 32 bytes");
  }

  seal(secret: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    const body = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
  }

  /** The plain secret; values stored before sealing existed are returned as they are. */
  open(stored: string): string {
    if (!stored.startsWith(PREFIX)) return stored;
    let secret = this.opened.get(stored);
    if (secret === undefined) {
      const raw = Buffer.from(stored.slice(PREFIX.length), "base64");
      const decipher = createDecipheriv("aes-256-gcm", this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      secret = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
      if (this.opened.size > 10_000) this.opened.clear();
      this.opened.set(stored, secret);
    }
    return secret;
  }
}

/** Does this key open `sealed` (a stored secret)? A wrong key fails GCM's authentication. */
export function keyOpens(key: Buffer, sealed: string): boolean {
  try {
    new SecretBox(key).open(sealed);
    return true;
  } catch {
    return false;
  }
}

function parseKey(base64: string, source: string): Buffer {
  const key = Buffer.from(base64.trim(), "base64");
  if (key.length !== 32) throw new Error(`${source} must hold 32 bytes, base64-encoded; it holds ${key.length}`);
  return key;
}

/** Creates `path` with `text` durably: written and synced under a temp name, then linked into place. */
async function createDurably(path: string, text: string): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  const handle = await open(temp, "wx", 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, path); // fails if another start created it meanwhile: never replace a key
  } finally {
    await unlink(temp);
  }
  const dir = await open(dirname(path), "r");
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/**
 * Offline, when the master key is lost: a new `<dataDir>/master.key`, the old file (if any) kept
 * beside it as `master.key.replaced-<time>`. Secrets sealed with the old key no longer open.
 */
export async function replaceMasterKey(dataDir: string): Promise<Buffer> {
  const path = join(dataDir, "master.key");
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  await rename(path, `${path}.replaced-${stamp}`).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "ENOENT") throw error;
  });
  const fresh = randomBytes(32);
  await createDurably(path, fresh.toString("base64") + "\n");
  return fresh;
}

/**
 * The master key: OSSV_MASTER_KEY (`configured`) when set, else `<dataDir>/master.key`, created
 * durably on a first start. `sealedSample` is any secret the catalog stores sealed: the key must open
 * it, so a wrong, damaged or replaced key stops the start with a message instead of failing every
 * request later; and a missing file is recreated only while no secret depends on it.
 */
export async function loadMasterKey(dataDir: string, configured?: string, sealedSample?: string): Promise<Buffer> {
  const path = join(dataDir, "master.key");
  let key: Buffer | undefined;
  if (configured) key = parseKey(configured, "OSSV_MASTER_KEY");
  else {
    const text = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return undefined;
      throw error;
    });
    if (text !== undefined) key = parseKey(text, path);
  }
  const source = configured ? "OSSV_MASTER_KEY" : path;
  if (key !== undefined) {
    if (sealedSample !== undefined && !keyOpens(key, sealedSample)) {
      throw new Error(`${source} does not open the access key secrets stored in ${dataDir}: it is not the key they were sealed with`);
    }
    return key;
  }
  if (sealedSample !== undefined) {
    throw new Error(`${path} is missing, but ${dataDir} holds access key secrets sealed with it: put the file back from where `
      + "you keep it, or set OSSV_MASTER_KEY to its contents");
  }
  const fresh = randomBytes(32);
  await createDurably(path, fresh.toString("base64") + "\n");
  return fresh;
}
