/**
 * Content-addressed, encrypted blob storage for code zips (and later layers).
 *
 * Keys are the lowercase hex SHA-256 of the plaintext, so equal content is
 * stored once and a key names its content forever. The interface says nothing
 * about where bytes live, so a PostgreSQL or S3 implementation can follow.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { Keyring } from '../keys/keyring';
import { exists, fsyncDir } from '../fs-util';

export interface BlobStore {
  /** Stores bytes; returns the key = lowercase hex SHA-256 of the plaintext. Durable (file + dir fsync) before resolving. Idempotent. */
  put(data: Buffer): Promise<string>;
  /** Returns the plaintext; throws `BlobNotFoundError` when absent. */
  get(key: string): Promise<Buffer>;
  has(key: string): Promise<boolean>;
  /** Idempotent: deleting an absent blob succeeds. */
  delete(key: string): Promise<void>;
  /** Every stored key, sorted; for garbage collection. */
  list(): Promise<string[]>;
}

export class BlobNotFoundError extends Error {
  constructor(public readonly key: string) {
    super(`blob ${key} not found`);
    this.name = 'BlobNotFoundError';
  }
}

/** Thrown for a key that is not 64 lowercase hex digits (a caller bug, never a path). */
export class InvalidBlobKeyError extends Error {
  constructor(key: unknown) {
    super(`invalid blob key ${JSON.stringify(String(key).slice(0, 80))}: expected 64 lowercase hex digits`);
    this.name = 'InvalidBlobKeyError';
  }
}

const KEY_RE = /^[0-9a-f]{64}$/;
const SHARD_RE = /^[0-9a-f]{2}$/;

export function isBlobKey(key: unknown): key is string {
  return typeof key === 'string' && KEY_RE.test(key);
}

/** The key `put` would return for `data`. */
export function blobKeyOf(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function assertKey(key: unknown): asserts key is string {
  if (!isBlobKey(key)) throw new InvalidBlobKeyError(key);
}

/**
 * Blobs at `<dir>/<first two hex digits>/<key>`, each sealed with
 * `keyring.sealBytes(data, key)`: the key is the aad, so a file moved or
 * copied under another key's name fails to decrypt.
 */
export class FsBlobStore implements BlobStore {
  private readonly dir: string;

  constructor(dir: string, private readonly keyring: Keyring) {
    this.dir = path.resolve(dir);
  }

  private pathOf(key: string): string {
    return path.join(this.dir, key.slice(0, 2), key);
  }

  async put(data: Buffer): Promise<string> {
    const key = blobKeyOf(data);
    const final = this.pathOf(key);
    if (await exists(final)) return key;

    const shardDir = path.dirname(final);
    const firstCreated = await fsp.mkdir(shardDir, { recursive: true, mode: 0o700 });
    const sealed = this.keyring.sealBytes(data, key);
    // Dot-prefixed, so list() never reports it.
    const tmp = path.join(shardDir, `.tmp-${key}-${randomBytes(6).toString('hex')}`);
    try {
      const fh = await fsp.open(tmp, 'wx', 0o600);
      try {
        await fh.writeFile(sealed);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fsp.rename(tmp, final);
    } catch (err) {
      await fsp.unlink(tmp).catch(() => {});
      throw err;
    }
    await fsyncDir(shardDir);
    if (firstCreated !== undefined) {
      // Newly created directories must themselves be durable in their parents.
      for (let d = shardDir; d !== path.dirname(firstCreated); ) {
        d = path.dirname(d);
        await fsyncDir(d);
      }
    }
    return key;
  }

  async get(key: string): Promise<Buffer> {
    assertKey(key);
    let sealed: Buffer;
    try {
      sealed = await fsp.readFile(this.pathOf(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFoundError(key);
      throw err;
    }
    return this.keyring.openBytes(sealed, key);
  }

  async has(key: string): Promise<boolean> {
    assertKey(key);
    return exists(this.pathOf(key));
  }

  async delete(key: string): Promise<void> {
    assertKey(key);
    try {
      await fsp.unlink(this.pathOf(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  async list(): Promise<string[]> {
    const out: string[] = [];
    for (const shard of await readdirOrEmpty(this.dir)) {
      if (!shard.isDirectory() || !SHARD_RE.test(shard.name)) continue;
      for (const f of await readdirOrEmpty(path.join(this.dir, shard.name))) {
        if (f.isFile() && KEY_RE.test(f.name) && f.name.startsWith(shard.name)) out.push(f.name);
      }
    }
    return out.sort();
  }
}


async function readdirOrEmpty(dir: string) {
  try {
    return await fsp.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
