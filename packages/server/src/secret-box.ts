// Access key secrets at rest. OSS4 signatures are HMACs, so the server must be able to recover each
// secret; the next best thing to not storing it is storing it sealed (AES-256-GCM) under a master key
// kept apart from the catalog: OSSV_MASTER_KEY, or a `master.key` file that can be moved out of the
// data directory. A copy of the catalog alone then hands out no usable key.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

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

/** The master key from a base64 value, else from `<dataDir>/master.key`, created on first start. */
export async function loadMasterKey(dataDir: string, configured?: string): Promise<Buffer> {
  if (configured) {
    const key = Buffer.from(configured, "base64");
    if (key.length !== 32) throw new Error("OSSV_MASTER_KEY must be 32 bytes, base64-encoded");
    return key;
  }
  const path = join(dataDir, "master.key");
  try {
    return Buffer.from((await readFile(path, "utf8")).trim(), "base64");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const key = randomBytes(32);
  await writeFile(path, key.toString("base64") + "\n", { mode: 0o600, flag: "wx" });
  await chmod(path, 0o600);
  return key;
}
