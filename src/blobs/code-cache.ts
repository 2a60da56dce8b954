import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { BlobStore } from './blob-store';
import { inspectZip, unpackZip } from './unzip';
import { exists } from '../fs-util';

const keyRe = /^[0-9a-f]{64}$/;

/**
 * Unpacked code trees, one per code blob key, under `<dataDir>/code/<key>/`.
 * A tree is unpacked into a temporary directory and renamed into place, so a
 * tree that exists is complete. Trees are shared by every function and
 * version with the same code and mounted read-only into EEs.
 */
export class CodeCache {
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(
    private readonly dir: string,
    private readonly blobs: BlobStore,
  ) {}

  async init(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o711 });
    // Temporary trees of an interrupted unpack are garbage.
    for (const e of await fs.readdir(this.dir)) {
      if (e.startsWith('.tmp-')) await fs.rm(path.join(this.dir, e), { recursive: true, force: true });
    }
  }

  pathOf(key: string): string {
    if (!keyRe.test(key)) throw new Error(`invalid code key ${key}`);
    return path.join(this.dir, key);
  }

  /** Validates a zip fully (streaming, with every limit) without writing anything. */
  async validate(zip: Buffer): Promise<void> {
    await inspectZip(zip);
  }

  /**
   * Makes sure the tree for `key` exists, unpacking `zip` (which must hash to
   * `key`); resolves to the unzipped size. Throws ZipError for bad zips.
   */
  async ensureFromZip(key: string, zip: Buffer): Promise<number> {
    let size: number | undefined;
    await this.once(key, async () => zip, (n) => (size = n));
    // The tree existed already: the zip was validated then; measure it again without writing.
    return size ?? (await inspectZip(zip)).unzippedBytes;
  }

  /** Makes sure the tree for `key` exists, reading the zip from the blob store if needed. */
  ensure(key: string): Promise<string> {
    return this.once(key, () => this.blobs.get(key));
  }

  private once(key: string, zip: () => Promise<Buffer>, onSize?: (bytes: number) => void): Promise<string> {
    const dest = this.pathOf(key);
    let p = this.inflight.get(key);
    if (!p) {
      p = (async () => {
        if (await exists(dest)) return dest;
        const tmp = path.join(this.dir, `.tmp-${randomBytes(8).toString('hex')}`);
        const r = await unpackZip(await zip(), tmp);
        onSize?.(r.unzippedBytes);
        try {
          await fs.rename(tmp, dest);
        } catch (e) {
          await fs.rm(tmp, { recursive: true, force: true });
          if (!(await exists(dest))) throw e;
        }
        return dest;
      })().finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  /** Removes trees whose key is not in `keep`. */
  async prune(keep: Set<string>): Promise<void> {
    for (const e of await fs.readdir(this.dir)) {
      if (keyRe.test(e) && !keep.has(e)) await fs.rm(path.join(this.dir, e), { recursive: true, force: true });
    }
  }
}
