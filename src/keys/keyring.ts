/**
 * Envelope encryption for data Kumo keeps at rest (code blobs, environment
 * variables, stored secrets).
 *
 * Every seal draws a fresh 32-byte data key, encrypts the payload with it
 * (AES-256-GCM) and wraps the data key with a named key-encryption key (also
 * AES-256-GCM). Today there is one key-encryption key, `default`, kept in
 * `<dataDir>/master.key`; the key id is recorded in every envelope so that
 * customer keys (by KMS-style ARN) can be added later without a format change.
 *
 * Envelope format, version 1 (all integers big-endian):
 *
 *   off  len  field
 *   0    1    magic 0x4B ('K')
 *   1    1    format version (1)
 *   2    1    key id length n (1..255)
 *   3    n    key id, printable ASCII
 *   3+n  12   IV of the key wrap
 *   ..   32   wrapped data key
 *   ..   16   GCM tag of the key wrap
 *   ..   12   IV of the payload
 *   ..   16   GCM tag of the payload
 *   ..   *    payload ciphertext
 *
 * Both GCM operations authenticate `header || purpose || u32(len(aad)) || aad`,
 * where header is bytes [0, 3+n) and purpose is 0x01 for the wrap and 0x02 for
 * the payload. So the key id, the version and the caller's aad are all bound:
 * changing any byte of the envelope, or opening with a different aad, fails.
 * An absent aad is the same as the empty string.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import fs, { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { fsyncDir } from '../fs-util';

/** Thrown when an envelope cannot be opened: wrong format, unknown key, tampering, or a different aad. */
export class SealedDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealedDataError';
  }
}

export const DEFAULT_KEY_ID = 'default';
/** Prefix of the textual form produced by `sealString`. */
export const SEALED_STRING_PREFIX = 'kumo:v1:';
export const MASTER_KEY_FILE = 'master.key';

const MAGIC = 0x4b;
const FORMAT_VERSION = 1;
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const PURPOSE_WRAP = 0x01;
const PURPOSE_DATA = 0x02;
const KEY_ID_RE = /^[\x21-\x7e]{1,255}$/;
/** Bytes after the header that every envelope has, before the ciphertext. */
const FIXED_BODY_BYTES = IV_BYTES + KEY_BYTES + TAG_BYTES + IV_BYTES + TAG_BYTES;

export class Keyring {
  private readonly keys: Map<string, Buffer>;
  private readonly defaultKeyId: string;
  private dataDir = '';

  private constructor(keys: Map<string, Buffer>, defaultKeyId: string) {
    this.keys = keys;
    this.defaultKeyId = defaultKeyId;
  }

  /**
   * Named keys (a function's `KMSKeyArn`): Kumo keeps a key of its own per
   * name, created on first use under `<dataDir>/keys/<sha256(name)>.key`
   * (0600) with the same crash-safe creation as the master key.
   */
  async useKey(keyId: string): Promise<void> {
    if (this.keys.has(keyId)) return;
    if (!KEY_ID_RE.test(keyId)) throw new Error(`invalid key id ${JSON.stringify(keyId)}`);
    await fsp.mkdir(path.join(this.dataDir, 'keys'), { recursive: true, mode: 0o700 });
    this.keys.set(keyId, await loadOrCreateKeyFile(this.namedKeyFile(keyId)));
  }

  private namedKeyFile(keyId: string): string {
    return path.join(this.dataDir, 'keys', `${createHash('sha256').update(keyId).digest('hex')}.key`);
  }

  /** Loads an existing named key synchronously (for opening envelopes sealed in an earlier run). */
  private loadNamed(keyId: string): Buffer | undefined {
    if (!this.dataDir || !KEY_ID_RE.test(keyId)) return undefined;
    try {
      const k = fs.readFileSync(this.namedKeyFile(keyId));
      if (k.length !== KEY_BYTES) return undefined;
      this.keys.set(keyId, k);
      return k;
    } catch {
      return undefined;
    }
  }

  /** `sealString` under a named key (see `useKey`, which must have been awaited). */
  sealStringWith(keyId: string, s: string, aad?: string): string {
    return SEALED_STRING_PREFIX + this.sealWith(keyId, Buffer.from(s, 'utf8'), aad).toString('base64');
  }

  /**
   * Loads `<dataDir>/master.key`, creating it (and `dataDir`, mode 0700) on
   * first use. Creation is crash-safe and race-safe: the key is written to a
   * temporary file, fsynced, then hard-linked into place (link never replaces
   * an existing key, so two processes starting together agree on one key).
   */
  static async open(dataDir: string): Promise<Keyring> {
    await fsp.mkdir(dataDir, { recursive: true, mode: 0o700 });
    const master = await loadOrCreateKeyFile(path.join(dataDir, MASTER_KEY_FILE));
    const ring = new Keyring(new Map([[DEFAULT_KEY_ID, master]]), DEFAULT_KEY_ID);
    ring.dataDir = dataDir;
    return ring;
  }

  /**
   * A key for MACs over data Kumo stores (the audit trail's chain), derived
   * from the master key for one purpose: HMAC-SHA256(master, "kumo:mac:" +
   * purpose). The master key itself never signs anything.
   */
  macKey(purpose: string): Buffer {
    return createHmac('sha256', this.keys.get(this.defaultKeyId)!).update(`kumo:mac:${purpose}`).digest();
  }

  /** Encrypts `plain` under a fresh data key wrapped by the default key. */
  sealBytes(plain: Buffer, aad?: string): Buffer {
    return this.sealWith(this.defaultKeyId, plain, aad);
  }

  /** Decrypts an envelope made by `sealBytes`; throws `SealedDataError` on any mismatch. */
  openBytes(sealed: Buffer, aad?: string): Buffer {
    if (sealed.length < 3 || sealed[0] !== MAGIC) {
      throw new SealedDataError('not a Kumo sealed envelope (bad magic byte)');
    }
    if (sealed[1] !== FORMAT_VERSION) {
      throw new SealedDataError(`unsupported sealed envelope version ${sealed[1]}`);
    }
    const idLen = sealed[2];
    const headerLen = 3 + idLen;
    if (idLen === 0 || sealed.length < headerLen + FIXED_BODY_BYTES) {
      throw new SealedDataError('sealed envelope is truncated');
    }
    const header = sealed.subarray(0, headerLen);
    const keyId = header.subarray(3).toString('latin1');
    const kek = this.keys.get(keyId) ?? this.loadNamed(keyId);
    if (!kek) throw new SealedDataError(`sealed envelope names unknown key id ${JSON.stringify(keyId)}`);

    let off = headerLen;
    const take = (n: number): Buffer => sealed.subarray(off, (off += n));
    const wrapIv = take(IV_BYTES);
    const wrappedKey = take(KEY_BYTES);
    const wrapTag = take(TAG_BYTES);
    const iv = take(IV_BYTES);
    const tag = take(TAG_BYTES);
    const ciphertext = sealed.subarray(off);

    const dataKey = gcmOpen(kek, wrapIv, wrappedKey, wrapTag, context(header, PURPOSE_WRAP, aad));
    try {
      return gcmOpen(dataKey, iv, ciphertext, tag, context(header, PURPOSE_DATA, aad));
    } finally {
      dataKey.fill(0);
    }
  }

  /** `kumo:v1:` + base64 of `sealBytes(utf8(s), aad)`. */
  sealString(s: string, aad?: string): string {
    return SEALED_STRING_PREFIX + this.sealBytes(Buffer.from(s, 'utf8'), aad).toString('base64');
  }

  openString(sealed: string, aad?: string): string {
    if (!sealed.startsWith(SEALED_STRING_PREFIX)) {
      throw new SealedDataError(`sealed string does not start with ${SEALED_STRING_PREFIX}`);
    }
    const b64 = sealed.slice(SEALED_STRING_PREFIX.length);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new SealedDataError('sealed string is not valid base64');
    return this.openBytes(Buffer.from(b64, 'base64'), aad).toString('utf8');
  }

  private sealWith(keyId: string, plain: Buffer, aad: string | undefined): Buffer {
    const kek = this.keys.get(keyId);
    if (!kek) throw new Error(`unknown key id ${JSON.stringify(keyId)}`);
    if (!KEY_ID_RE.test(keyId)) throw new Error(`invalid key id ${JSON.stringify(keyId)}`);
    const idBytes = Buffer.from(keyId, 'latin1');
    const header = Buffer.concat([Buffer.from([MAGIC, FORMAT_VERSION, idBytes.length]), idBytes]);

    const dataKey = randomBytes(KEY_BYTES);
    try {
      const wrapIv = randomBytes(IV_BYTES);
      const wrapped = gcmSeal(kek, wrapIv, dataKey, context(header, PURPOSE_WRAP, aad));
      const iv = randomBytes(IV_BYTES);
      const payload = gcmSeal(dataKey, iv, plain, context(header, PURPOSE_DATA, aad));
      return Buffer.concat([header, wrapIv, wrapped.ciphertext, wrapped.tag, iv, payload.tag, payload.ciphertext]);
    } finally {
      dataKey.fill(0);
    }
  }
}

function context(header: Buffer, purpose: number, aad: string | undefined): Buffer {
  const aadBytes = Buffer.from(aad ?? '', 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(aadBytes.length);
  return Buffer.concat([header, Buffer.from([purpose]), len, aadBytes]);
}

function gcmSeal(key: Buffer, iv: Buffer, plain: Buffer, aad: Buffer): { ciphertext: Buffer; tag: Buffer } {
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
  return { ciphertext, tag: cipher.getAuthTag() };
}

function gcmOpen(key: Buffer, iv: Buffer, ciphertext: Buffer, tag: Buffer, aad: Buffer): Buffer {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new SealedDataError('sealed data failed authentication (tampered, wrong key, or wrong aad)');
  }
}

async function readKeyFile(file: string): Promise<Buffer> {
  const key = await fsp.readFile(file);
  if (key.length !== KEY_BYTES) {
    throw new Error(`${file} is corrupt: expected ${KEY_BYTES} bytes, found ${key.length}; refusing to replace it`);
  }
  return key;
}

async function loadOrCreateKeyFile(file: string): Promise<Buffer> {
  try {
    return await readKeyFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const key = randomBytes(KEY_BYTES);
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  const fh = await fsp.open(tmp, 'wx', 0o600);
  try {
    await fh.chmod(0o600); // exact mode whatever the umask
    await fh.writeFile(key);
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => {});
    await fsp.unlink(tmp).catch(() => {});
    throw err;
  }
  await fh.close();
  try {
    await fsp.link(tmp, file);
  } catch (err) {
    await fsp.unlink(tmp).catch(() => {});
    // Another process created the key first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readKeyFile(file);
    throw err;
  }
  await fsp.unlink(tmp);
  await fsyncDir(path.dirname(file));
  return key;
}
