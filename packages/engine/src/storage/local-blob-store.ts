// The blob store on a local POSIX file system. Everything file-system specific lives here: temp files,
// fsync of files and directories, link(2) as the atomic create-if-absent.
//
// createIfAbsent writes the bytes to a temp file under `<root>/.tmp`, fsyncs it, then hard-links it to
// the final name. link fails with EEXIST atomically when the name is taken, and the final name only
// ever points at a complete, synced file, so a reader never sees half an object. The directory is
// fsynced afterwards so the new entry itself survives a power cut.
import { randomBytes } from "node:crypto";
import { link, mkdir, open, readdir, rm, stat, unlink } from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import { BlobNotCreatedError, type BlobBody, type BlobStore, type LocalFile } from "./blob-store.ts";
import { blobNameSegments, isNameSegment } from "./blob-name.ts";
import { readWholeFile } from "./read-whole.ts";

/** Not a valid name segment (it starts with '.'), so no listing ever returns what is in it. */
const TEMP_DIR = ".tmp";

function errorCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined;
}

/** Directories cannot be fsynced on Windows; there the rename/link durability is the OS's business. */
async function fsyncDir(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, "r");
    await handle.sync();
  } catch (error) {
    if (process.platform !== "win32") throw error;
  } finally {
    await handle?.close();
  }
}

export class LocalBlobStore implements BlobStore {
  /** Directories known to exist durably, so hot paths skip mkdir. */
  private readonly knownDirs = new Set<string>();

  constructor(readonly root: string) {}

  /** The file holding object `name`: a backup links or copies it from there. */
  localFile(name: string): string {
    return this.pathOf(name);
  }

  /** The object's own file (a segment of int8 codes reads its vectors there); nothing to release. */
  openLocalFile(name: string): LocalFile {
    return { path: this.pathOf(name), release: () => undefined };
  }

  private pathOf(name: string): string {
    return join(this.root, ...blobNameSegments(name));
  }

  /** Creates `dir` and any missing parents, fsyncing each parent so the new entries are durable. */
  private async ensureDir(dir: string): Promise<void> {
    if (this.knownDirs.has(dir)) return;
    const firstCreated = await mkdir(dir, { recursive: true });
    if (firstCreated !== undefined) {
      for (let created = dir; ; created = dirname(created)) {
        await fsyncDir(dirname(created));
        if (created === firstCreated || dirname(created) === created) break;
      }
    }
    this.knownDirs.add(dir);
  }

  private async writeTemp(bytes: BlobBody): Promise<string> {
    const tempDir = join(this.root, TEMP_DIR);
    await this.ensureDir(tempDir);
    const path = join(tempDir, randomBytes(12).toString("hex"));
    const handle = await open(path, "wx");
    try {
      // writeFile writes from the handle's position and finishes partial writes, so parts land in order.
      for (const part of bytes instanceof Uint8Array ? [bytes] : bytes) await handle.writeFile(part);
      await handle.sync();
    } catch (error) {
      await handle.close();
      await unlink(path).catch(() => undefined);
      throw error;
    }
    await handle.close();
    return path;
  }

  async createIfAbsent(name: string, bytes: BlobBody): Promise<boolean> {
    const finalPath = this.pathOf(name);
    let tempPath: string | undefined;
    try {
      tempPath = await this.writeTemp(bytes);
      await this.ensureDir(dirname(finalPath));
      try {
        await link(tempPath, finalPath);
      } catch (error) {
        if (errorCode(error) === "EEXIST") return false;
        throw new BlobNotCreatedError(name, error);
      }
      await this.syncNewEntry(name, finalPath);
      return true;
    } catch (error) {
      // Nothing was linked into place before these steps failed: the name is still free.
      if (error instanceof BlobNotCreatedError) throw error;
      if (!(await this.exists(finalPath))) throw new BlobNotCreatedError(name, error);
      throw error;
    } finally {
      if (tempPath !== undefined) await unlink(tempPath).catch(() => undefined);
    }
  }

  /**
   * Makes a just-linked entry durable. If that fails the object was never acknowledged, so it is
   * unlinked again, leaving the name free to try once more (a crash meanwhile may still bring it
   * back whole, which is fine for writes nobody was told had succeeded).
   */
  private async syncNewEntry(name: string, finalPath: string): Promise<void> {
    try {
      await fsyncDir(dirname(finalPath));
    } catch (error) {
      await unlink(finalPath);
      throw new BlobNotCreatedError(name, error);
    }
  }

  private async exists(path: string): Promise<boolean> {
    try {
      await stat(path);
      return true;
    } catch (error) {
      if (errorCode(error) === "ENOENT") return false;
      throw error;
    }
  }

  async get(name: string): Promise<Uint8Array | undefined> {
    try {
      return await readWholeFile(this.pathOf(name));
    } catch (error) {
      if (errorCode(error) === "ENOENT") return undefined;
      throw error;
    }
  }

  async delete(name: string): Promise<void> {
    const path = this.pathOf(name);
    try {
      await unlink(path);
    } catch (error) {
      if (errorCode(error) === "ENOENT") return;
      throw error;
    }
    // Durable removal matters: a discarded torn object must not reappear after its number was reused.
    await fsyncDir(dirname(path));
  }

  async deletePrefix(prefix: string): Promise<void> {
    if (prefix.endsWith("/")) {
      const dir = this.pathOf(prefix.slice(0, -1));
      await rm(dir, { recursive: true, force: true });
      for (const known of this.knownDirs) {
        if (known === dir || known.startsWith(dir + sep)) this.knownDirs.delete(known);
      }
      await fsyncDir(dirname(dir)).catch((error: unknown) => {
        if (errorCode(error) !== "ENOENT") throw error; // nothing was ever stored under the prefix
      });
      return;
    }
    for (const name of await this.list(prefix)) await this.delete(name);
  }

  async list(prefix: string): Promise<string[]> {
    const slash = prefix.lastIndexOf("/");
    const dirName = slash < 0 ? "" : prefix.slice(0, slash);
    const names: string[] = [];
    await this.walk(dirName, names);
    return names.filter((name) => name.startsWith(prefix)).sort();
  }

  private async walk(dirName: string, out: string[]): Promise<void> {
    const path = dirName === "" ? this.root : this.pathOf(dirName);
    let entries;
    try {
      entries = await readdir(path, { withFileTypes: true });
    } catch (error) {
      if (errorCode(error) === "ENOENT" || errorCode(error) === "ENOTDIR") return;
      throw error;
    }
    for (const entry of entries) {
      if (!isNameSegment(entry.name)) continue; // .tmp and anything else that is not ours
      const name = dirName === "" ? entry.name : `${dirName}/${entry.name}`;
      if (entry.isDirectory()) await this.walk(name, out);
      else if (entry.isFile()) out.push(name);
    }
  }

  /** Removes temp files left by a crash between writing and linking; they were never committed. */
  async sweepTemp(): Promise<void> {
    await rm(join(this.root, TEMP_DIR), { recursive: true, force: true });
    this.knownDirs.delete(join(this.root, TEMP_DIR));
  }
}
