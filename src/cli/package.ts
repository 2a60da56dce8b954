import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import yazl from 'yazl';

/** Names never packaged from a code directory. */
const skipped = new Set(['.git', '.aws-sam', '__pycache__', '.DS_Store', '.kumo-stack.json']);
/** Every entry's timestamp: fixed, so the same files always give the same zip and CodeSha256. */
const fixedMtime = new Date(1980, 0, 1, 0, 0, 0);
/** Largest code zip Lambda takes in a request (50 MB). */
export const zipBytesMax = 50 * 1024 * 1024;

export interface Package {
  zip: Buffer;
  /** Base64 SHA-256 of the zip, as Lambda's CodeSha256. */
  sha256: string;
  files: number;
  source: string;
}

export const codeSha256 = (zip: Buffer) => createHash('sha256').update(zip).digest('base64');

/** Files under dir, sorted, relative with '/' separators (symlinks followed, cycles skipped). */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const walk = (abs: string, rel: string) => {
    const real = fs.realpathSync(abs);
    if (seen.has(real)) return;
    seen.add(real);
    for (const name of fs.readdirSync(abs).sort()) {
      if (skipped.has(name) || name.startsWith('.kumo-stack.') || name.endsWith('.pyc')) continue;
      const a = path.join(abs, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = fs.statSync(a, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(a, r);
      else if (st.isFile()) out.push(r);
    }
  };
  walk(dir, '');
  return out;
}

/** Zips a directory deterministically: sorted entries, fixed timestamps, modes 0755/0644 by the owner's x bit. */
export function zipDirectory(dir: string, extra: Record<string, { data: Buffer; mode: number }> = {}): Promise<Package> {
  const files = listFiles(dir);
  const z = new yazl.ZipFile();
  for (const rel of files) {
    const abs = path.join(dir, ...rel.split('/'));
    const mode = fs.statSync(abs).mode & 0o100 ? 0o755 : 0o644;
    z.addBuffer(fs.readFileSync(abs), rel, { mtime: fixedMtime, mode: 0o100000 | mode, forceDosTimestamp: true, compress: true, forceZip64Format: false } as yazl.Options);
  }
  for (const [name, f] of Object.entries(extra)) {
    z.addBuffer(f.data, name, { mtime: fixedMtime, mode: 0o100000 | f.mode, forceDosTimestamp: true, compress: true, forceZip64Format: false } as yazl.Options);
  }
  z.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    z.outputStream.on('data', (c: Buffer) => chunks.push(c));
    z.outputStream.on('error', reject);
    z.outputStream.on('end', () => {
      const zip = Buffer.concat(chunks);
      resolve({ zip, sha256: codeSha256(zip), files: files.length + Object.keys(extra).length, source: dir });
    });
  });
}

/** Inline code (ZipFile / InlineCode) as the one file Lambda's runtimes expect. */
export function zipInline(code: string, runtime: string | undefined): Promise<Package> {
  const name = runtime?.startsWith('python') ? 'index.py' : runtime?.startsWith('provided') ? 'bootstrap' : 'index.js';
  return zipFile(name, Buffer.from(code), name === 'bootstrap' ? 0o755 : 0o644, '(inline code)');
}

/** One file as a zip of its own, deterministically (fixed timestamp). */
function zipFile(name: string, data: Buffer, mode: number, source: string): Promise<Package> {
  const z = new yazl.ZipFile();
  z.addBuffer(data, name, { mtime: fixedMtime, mode: 0o100000 | mode, forceDosTimestamp: true, compress: true, forceZip64Format: false } as yazl.Options);
  z.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    z.outputStream.on('data', (c: Buffer) => chunks.push(c));
    z.outputStream.on('error', reject);
    z.outputStream.on('end', () => {
      const zip = Buffer.concat(chunks);
      resolve({ zip, sha256: codeSha256(zip), files: 1, source });
    });
  });
}

/**
 * A directory, a .zip (or .jar) file taken as it is, or any other single
 * file, zipped alone at the archive's root as `sam package` does for a
 * CodeUri naming one file (`CodeUri: src/app.py`).
 */
export async function packagePath(p: string): Promise<Package> {
  const st = fs.statSync(p);
  let pkg: Package;
  if (st.isDirectory()) pkg = await zipDirectory(p);
  else {
    const data = fs.readFileSync(p);
    const magic = data.length >= 4 ? data.readUInt32LE(0) : 0;
    if (magic === 0x04034b50 || magic === 0x06054b50) pkg = { zip: data, sha256: codeSha256(data), files: 0, source: p };
    else pkg = await zipFile(path.basename(p), data, st.mode & 0o100 ? 0o755 : 0o644, p);
  }
  if (pkg.zip.length > zipBytesMax) throw new Error(`${p} packs to ${mb(pkg.zip.length)}, over Lambda's 50 MB limit for a direct upload`);
  return pkg;
}

export const mb = (n: number) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${(n / 1024).toFixed(1)} KB`);
