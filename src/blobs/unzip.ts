/**
 * Safe, streaming unzip of deployment packages (function code, later layers).
 *
 * Threat model: the zip is attacker-controlled. Nothing may be written outside
 * `destDir`, the disk may not be filled beyond the unzipped-size limit, and
 * every refusal is classified (`ZipError.kind`) so the control plane can map
 * it to the AWS error it owes the caller.
 *
 * Rules
 * - Not a zip, truncated, corrupt deflate data, CRC-32 mismatch, sizes that
 *   disagree with the data, encrypted entries, compression other than
 *   stored/deflate → `NotAZip`.
 * - Entry names that are absolute (`/x`, `C:x`), contain a `..` segment, a
 *   backslash or a NUL, have a component over 255 bytes, or collide with an
 *   entry of another type (a file where a directory is, or a path through a
 *   file) → `UnsafePath`.
 * - Symlink entries (unix type S_IFLNK in the high 16 bits of the external
 *   attributes): the target must be relative, made of leading `..` segments
 *   followed only by names, and may not climb above the package root. Such
 *   links are created as-is. Anything else → `UnsafeSymlink`. Because every
 *   link satisfies this on its own, no chain of links can escape either (a
 *   `..` is only ever taken from a real directory). A later entry whose path
 *   goes through any symlink → `UnsafeSymlink`: links are never followed while
 *   unpacking.
 * - Uncompressed bytes are counted as they are inflated (header sizes are not
 *   trusted); the moment the running total passes `unzippedBytesMax` the
 *   inflate stream is destroyed → `TooLarge`. At most that many bytes (plus one
 *   chunk) ever reach the disk.
 * - More than `entriesMax` entries (declared, or counted) → `TooManyEntries`.
 * - Duplicate file/symlink entries: the last one wins (as Info-ZIP `unzip -o`,
 *   Python and Go extractors do).
 *
 * Writing: every directory is made with mkdir (which never follows a link) and
 * then checked with lstat; files are opened O_CREAT|O_EXCL|O_NOFOLLOW, so a
 * symlink can never be written through, even one planted by a racing process.
 * Memory is bounded: files up to 256 KiB are inflated into memory and written
 * in the background (at most 8 at once, for speed on many small files);
 * larger ones are streamed chunk by chunk, in entry order.
 *
 * Modes (the sandbox user does not own the files, so only group/other bits
 * matter to it):
 * - files with unix attributes: 0444, plus owner-write if the entry has it,
 *   plus 0111 if the entry has any execute bit (so an owner-only `bootstrap`
 *   still runs); setuid/setgid/sticky and group/other write are dropped.
 * - files without unix attributes (zips made on Windows): 0644, as AWS (whose
 *   known failure mode for such zips is a non-executable `bootstrap`).
 * - directories: always 0755 (world-searchable, owner-writable so Kumo can
 *   delete the tree later).
 * - destDir is 0700 while unpacking and 0755 once complete.
 * AWS itself applies the zip's modes verbatim (its docs ask for 644/755 and a
 * 0600 file fails at runtime with EACCES); Kumo is deliberately more lenient.
 */
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { constants as fsc, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import * as yauzl from 'yauzl';
import { limits } from '../config';

export type ZipErrorKind = 'NotAZip' | 'UnsafePath' | 'UnsafeSymlink' | 'TooLarge' | 'TooManyEntries';

export class ZipError extends Error {
  constructor(
    public readonly kind: ZipErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'ZipError';
  }
}

export interface UnzipOptions {
  /** Total uncompressed bytes allowed; default `limits.unzippedBytesMax`. */
  unzippedBytesMax?: number;
  /** Entries (files, directories, symlinks) allowed; default `limits.zipEntriesMax`. */
  entriesMax?: number;
}

export interface UnzipResult {
  /** Distinct non-directory paths (regular files and symlinks). */
  files: number;
  /** Uncompressed bytes inflated, counted while streaming. */
  unzippedBytes: number;
}

/**
 * Unpacks `zip` into `destDir`, which must not exist yet (its parent must).
 * On any error `destDir` is removed entirely before rejecting; if `destDir`
 * already existed it is left alone and the EEXIST error is thrown.
 */
export async function unpackZip(zip: Buffer, destDir: string, opts?: UnzipOptions): Promise<UnzipResult> {
  const dest = path.resolve(destDir);
  await fsp.mkdir(dest, { mode: 0o700 });
  try {
    const result = await walk(zip, opts, dest);
    await fsp.chmod(dest, 0o755);
    return result;
  } catch (err) {
    await fsp.rm(dest, { recursive: true, force: true, maxRetries: 2 }).catch(() => {});
    if ((err as NodeJS.ErrnoException).code === 'ENAMETOOLONG') {
      throw new ZipError('UnsafePath', `an entry path is too long for the file system: ${(err as Error).message}`);
    }
    throw err;
  }
}

/** Validates without writing: the same checks as `unpackZip`, inflating every entry to count and CRC-check it. */
export async function inspectZip(zip: Buffer, opts?: UnzipOptions): Promise<UnzipResult> {
  return walk(zip, opts, null);
}

// ---------------------------------------------------------------------------

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const NAME_BYTES_MAX = 255;
const PATH_BYTES_MAX = 4095;
const SYMLINK_TARGET_BYTES_MAX = 4095;
const DIR_MODE = 0o755;
/** Files up to this size are inflated into memory and written in the background... */
const SMALL_FILE_BYTES = 256 * 1024;
/** ...with at most this many writes in flight (so at most ~2 MB buffered). */
const WRITES_IN_FLIGHT = 8;
/** yauzl's own file-name validation messages (strictFileNames + decodeStrings). */
const YAUZL_NAME_ERROR = /^(invalid characters in fileName|absolute path|invalid relative path): /;

type Kind = 'file' | 'dir' | 'symlink';

const q = (s: string) => JSON.stringify(s);

function fileMode(unix: number): number {
  if (unix === 0) return 0o644;
  const perm = unix & 0o777;
  return 0o444 | (perm & 0o200) | (perm & 0o111 ? 0o111 : 0);
}

const crc32: (data: Buffer, value: number) => number =
  typeof zlib.crc32 === 'function' ? zlib.crc32 : crc32Fallback; // zlib.crc32 needs Node >= 20.15

let crcTable: Int32Array | undefined;
function crc32Fallback(data: Buffer, value: number): number {
  if (!crcTable) {
    crcTable = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  let c = ~value;
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

function classifyYauzl(err: unknown): ZipError {
  if (err instanceof ZipError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  if (YAUZL_NAME_ERROR.test(msg)) return new ZipError('UnsafePath', `unsafe entry name: ${msg}`);
  return new ZipError('NotAZip', `not a valid zip file: ${msg}`);
}

function corrupt(name: string, err: unknown): ZipError {
  if (err instanceof ZipError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new ZipError('NotAZip', `corrupt data in entry ${q(name)}: ${msg}`);
}

function openZip(zip: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    try {
      yauzl.fromBuffer(
        zip,
        { lazyEntries: true, validateEntrySizes: true, strictFileNames: true, decodeStrings: true },
        (err, zf) => (err || !zf ? reject(classifyYauzl(err ?? new Error('no zip file'))) : resolve(zf)),
      );
    } catch (err) {
      reject(classifyYauzl(err));
    }
  });
}

/** Promise view of yauzl's lazy entry events; errors are remembered and rethrown. */
class EntryIterator {
  private waiting: { resolve: (e: yauzl.Entry | null) => void; reject: (err: unknown) => void } | null = null;
  private failure: unknown = null;

  constructor(private readonly zf: yauzl.ZipFile) {
    zf.on('entry', (e: yauzl.Entry) => this.settle(null, e));
    zf.on('end', () => this.settle(null, null));
    zf.on('error', (err: unknown) => this.settle(err ?? new Error('unknown zip error'), null));
  }

  next(): Promise<yauzl.Entry | null> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.zf.readEntry();
    });
  }

  private settle(err: unknown, entry: yauzl.Entry | null): void {
    const w = this.waiting;
    this.waiting = null;
    if (err) {
      this.failure = err;
      w?.reject(err);
    } else {
      w?.resolve(entry);
    }
  }
}

/** Splits and validates an entry name; returns its path segments (empty for the root). */
function splitEntryName(name: string): string[] {
  if (name.includes('\0')) throw new ZipError('UnsafePath', `entry name ${q(name)} contains a NUL byte`);
  if (name.includes('\\')) throw new ZipError('UnsafePath', `entry name ${q(name)} contains a backslash`);
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) {
    throw new ZipError('UnsafePath', `entry name ${q(name)} is an absolute path`);
  }
  const segs = name.split('/').filter((s) => s !== '' && s !== '.');
  if (segs.includes('..')) throw new ZipError('UnsafePath', `entry name ${q(name)} contains a '..' segment`);
  for (const s of segs) {
    if (Buffer.byteLength(s) > NAME_BYTES_MAX) {
      throw new ZipError('UnsafePath', `entry name ${q(name)} has a component longer than ${NAME_BYTES_MAX} bytes`);
    }
  }
  if (Buffer.byteLength(segs.join('/')) > PATH_BYTES_MAX) {
    throw new ZipError('UnsafePath', `entry name ${q(name)} is longer than ${PATH_BYTES_MAX} bytes`);
  }
  return segs;
}

/**
 * A symlink at depth `depth` (number of directories above it inside the
 * package) may point to `(../)*` followed by names only, climbing at most
 * `depth` levels. `target` is the raw bytes as latin1 (byte-exact).
 */
function checkSymlinkTarget(name: string, target: string, depth: number): void {
  const shown = q(Buffer.from(target, 'latin1').toString('utf8'));
  if (target.length === 0) throw new ZipError('UnsafeSymlink', `symlink ${q(name)} has an empty target`);
  if (target.includes('\0')) throw new ZipError('UnsafeSymlink', `symlink ${q(name)} target contains a NUL byte`);
  if (target.startsWith('/')) {
    throw new ZipError('UnsafeSymlink', `symlink ${q(name)} points to absolute path ${shown}`);
  }
  let ups = 0;
  let seenName = false;
  for (const s of target.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') {
      if (seenName) {
        throw new ZipError('UnsafeSymlink', `symlink ${q(name)} target ${shown} has '..' after a name (only leading '..' is allowed)`);
      }
      ups++;
    } else {
      seenName = true;
    }
  }
  if (ups > depth) throw new ZipError('UnsafeSymlink', `symlink ${q(name)} target ${shown} points outside the package`);
}

async function writeAll(fh: FileHandle, chunk: Buffer): Promise<void> {
  let off = 0;
  while (off < chunk.length) {
    const { bytesWritten } = await fh.write(chunk, off, chunk.length - off);
    off += bytesWritten;
  }
}

/** Creates a new file (never following or replacing anything), sets its mode, fills it. */
async function writeNewFile(full: string, mode: number, fill: (fh: FileHandle) => Promise<void>): Promise<void> {
  const fh = await fsp.open(full, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600);
  try {
    await fh.chmod(mode);
    await fill(fh);
  } finally {
    await fh.close();
  }
}

class Walker {
  /** Every path seen so far (relative, '/'-joined) and what it is. The root '' is a directory. */
  private readonly tree = new Map<string, Kind>([['', 'dir']]);
  private entries = 0;
  private unzippedBytes = 0;
  /** Background writes of small files, by relative path. Their tasks never reject; see `failure`. */
  private readonly inFlight = new Map<string, Promise<void>>();
  private failure: unknown = null;

  constructor(
    private readonly zf: yauzl.ZipFile,
    private readonly bytesMax: number,
    private readonly entriesMax: number,
    /** Absolute destination, or null to only inspect. */
    private readonly dest: string | null,
  ) {}

  result(): UnzipResult {
    let files = 0;
    for (const k of this.tree.values()) if (k !== 'dir') files++;
    return { files, unzippedBytes: this.unzippedBytes };
  }

  async handle(entry: yauzl.Entry): Promise<void> {
    const name = entry.fileName;
    if (++this.entries > this.entriesMax) {
      throw new ZipError('TooManyEntries', `zip has more than ${this.entriesMax} entries`);
    }
    const segs = splitEntryName(name);
    const unix = (entry.externalFileAttributes >>> 16) & 0xffff;
    const type = unix & S_IFMT;
    const kind: Kind = name.endsWith('/') || type === S_IFDIR ? 'dir' : type === S_IFLNK ? 'symlink' : 'file';

    if (segs.length === 0) {
      if (kind === 'dir') return; // "./" and the like: the root itself
      throw new ZipError('UnsafePath', `entry name ${q(name)} names no file`);
    }
    if (kind !== 'dir') {
      if (entry.generalPurposeBitFlag & 0x1) throw new ZipError('NotAZip', `entry ${q(name)} is encrypted`);
      if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
        throw new ZipError('NotAZip', `entry ${q(name)} uses unsupported compression method ${entry.compressionMethod}`);
      }
    }

    for (let i = 1; i < segs.length; i++) {
      const parent = segs.slice(0, i).join('/');
      const k = this.tree.get(parent);
      if (k === 'dir') continue;
      if (k === 'symlink') throw new ZipError('UnsafeSymlink', `entry ${q(name)} would be written through symlink ${q(parent)}`);
      if (k === 'file') throw new ZipError('UnsafePath', `entry ${q(name)} needs ${q(parent)} to be a directory, but it is a file`);
      await this.makeDir(parent);
    }

    const rel = segs.join('/');
    const existing = this.tree.get(rel);
    if (kind === 'dir') {
      if (existing === undefined) await this.makeDir(rel);
      else if (existing !== 'dir') throw new ZipError('UnsafePath', `directory entry ${q(name)} conflicts with a file of the same name`);
      return;
    }
    if (existing === 'dir') throw new ZipError('UnsafePath', `entry ${q(name)} conflicts with a directory of the same name`);

    if (this.failure) throw this.failure;
    const full = this.dest ? path.join(this.dest, rel) : '';
    if (existing && this.dest) {
      await this.inFlight.get(rel); // an earlier write of the same path finishes first
      if (this.failure) throw this.failure;
    }

    if (kind === 'symlink') {
      const target = await this.readSmall(entry, name, SYMLINK_TARGET_BYTES_MAX, () => {
        throw new ZipError('UnsafeSymlink', `symlink ${q(name)} target is longer than ${SYMLINK_TARGET_BYTES_MAX} bytes`);
      });
      checkSymlinkTarget(name, target.toString('latin1'), segs.length - 1);
      if (this.dest) {
        if (existing) await this.removeForReplace(full, name);
        await fsp.symlink(target, full);
      }
    } else if (!this.dest) {
      await this.pump(entry, name, null);
    } else if (entry.uncompressedSize <= SMALL_FILE_BYTES) {
      // Small (the common node_modules case): inflate into memory, then write in
      // the background so several files are in flight at once. The buffer is
      // bounded: yauzl fails the stream as soon as it exceeds the declared size.
      const data = await this.readSmall(entry, name, SMALL_FILE_BYTES, () => {
        throw new ZipError('NotAZip', `entry ${q(name)} is larger than its declared size`);
      });
      if (existing) await this.removeForReplace(full, name);
      await this.inBackground(rel, () => writeNewFile(full, fileMode(unix), async (fh) => writeAll(fh, data)));
    } else {
      if (existing) await this.removeForReplace(full, name);
      await writeNewFile(full, fileMode(unix), (fh) => this.pump(entry, name, (chunk) => writeAll(fh, chunk)));
    }
    this.tree.set(rel, kind);
  }

  /** Waits for every background write; rethrows the first failure. Call before returning or cleaning up. */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight.values());
    if (this.failure) throw this.failure;
  }

  private async inBackground(rel: string, task: () => Promise<void>): Promise<void> {
    while (this.inFlight.size >= WRITES_IN_FLIGHT) await Promise.race(this.inFlight.values());
    if (this.failure) throw this.failure;
    const p: Promise<void> = task()
      .catch((err: unknown) => {
        this.failure ??= err;
      })
      .finally(() => {
        if (this.inFlight.get(rel) === p) this.inFlight.delete(rel);
      });
    this.inFlight.set(rel, p);
  }

  /** Reads a whole entry into memory, calling `tooBig` (which throws) past `max` bytes. */
  private async readSmall(entry: yauzl.Entry, name: string, max: number, tooBig: () => never): Promise<Buffer> {
    const parts: Buffer[] = [];
    let len = 0;
    await this.pump(entry, name, (chunk) => {
      len += chunk.length;
      if (len > max) tooBig();
      parts.push(chunk);
    });
    return Buffer.concat(parts, len);
  }

  private async makeDir(rel: string): Promise<void> {
    if (this.dest) {
      const full = path.join(this.dest, rel);
      try {
        await fsp.mkdir(full, { mode: DIR_MODE });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        // Only possible if something outside this unpack touched destDir; the lstat below decides.
      }
      const st = await fsp.lstat(full);
      if (!st.isDirectory()) {
        throw new ZipError(st.isSymbolicLink() ? 'UnsafeSymlink' : 'UnsafePath', `${q(rel)} is not a real directory`);
      }
      await fsp.chmod(full, DIR_MODE); // exact, whatever the umask
    }
    this.tree.set(rel, 'dir');
  }

  /** A later duplicate replaces an earlier file or symlink (never a directory). */
  private async removeForReplace(full: string, name: string): Promise<void> {
    const st = await fsp.lstat(full);
    if (st.isDirectory()) throw new ZipError('UnsafePath', `entry ${q(name)} conflicts with a directory of the same name`);
    await fsp.unlink(full);
  }

  /**
   * Inflates one entry chunk by chunk, counting bytes against the limit and
   * computing the CRC-32; `sink` (if any) consumes each chunk before the next
   * is read, so memory stays bounded. Throwing stops and destroys the stream.
   */
  private async pump(entry: yauzl.Entry, name: string, sink: ((chunk: Buffer) => unknown) | null): Promise<void> {
    const stream = await new Promise<Readable>((resolve, reject) =>
      this.zf.openReadStream(entry, (err, s) => (err || !s ? reject(corrupt(name, err ?? new Error('no stream'))) : resolve(s))),
    );
    const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let crc = 0;
    try {
      for (;;) {
        let r: IteratorResult<Buffer>;
        try {
          r = await it.next();
        } catch (err) {
          throw corrupt(name, err);
        }
        if (r.done) break;
        const chunk = r.value;
        this.unzippedBytes += chunk.length;
        if (this.unzippedBytes > this.bytesMax) {
          throw new ZipError('TooLarge', `unzipped size exceeds ${this.bytesMax} bytes (limit reached in entry ${q(name)})`);
        }
        crc = crc32(chunk, crc);
        if (sink) await sink(chunk);
      }
    } catch (err) {
      await it.return?.().catch(() => {}); // destroys the inflate pipeline
      throw err;
    }
    if (crc >>> 0 !== entry.crc32 >>> 0) throw new ZipError('NotAZip', `CRC-32 mismatch in entry ${q(name)}`);
  }
}

async function walk(zip: Buffer, opts: UnzipOptions | undefined, dest: string | null): Promise<UnzipResult> {
  const bytesMax = opts?.unzippedBytesMax ?? limits.unzippedBytesMax;
  const entriesMax = opts?.entriesMax ?? limits.zipEntriesMax;
  const zf = await openZip(zip);
  try {
    if (zf.entryCount > entriesMax) {
      throw new ZipError('TooManyEntries', `zip declares ${zf.entryCount} entries; at most ${entriesMax} are allowed`);
    }
    const walker = new Walker(zf, bytesMax, entriesMax, dest);
    const entries = new EntryIterator(zf);
    try {
      for (;;) {
        let entry: yauzl.Entry | null;
        try {
          entry = await entries.next();
        } catch (err) {
          throw classifyYauzl(err);
        }
        if (!entry) break;
        await walker.handle(entry);
      }
    } catch (err) {
      await walker.settle().catch(() => {}); // nothing may still be writing when the caller cleans up
      throw err;
    }
    await walker.settle();
    return walker.result();
  } finally {
    zf.close();
  }
}
