import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

/**
 * The programs tests run, found exactly where the set-up installs them
 * (`scripts/tools.manifest`, installed by `make deps`), never by searching
 * PATH: a machine whose PATH has another `aws` (say aws CLI v1 from a Python
 * install) or another `python3` (pyenv) must run the suite the same way.
 * A missing program is an error naming it and its package, not a skip.
 */
interface ToolEntry {
  name: string;
  /** Absolute path (a `*` matches any name: first match in sorted order), or `python:<module>` for a module of /usr/bin/python3. */
  where: string;
  pkg: string;
}

const projectRoot = path.resolve(__dirname, '..', '..');
/** KUMO_TOOLS_MANIFEST replaces the manifest only for the tests of this module and scripts/deps.sh. */
const manifestPath = process.env.KUMO_TOOLS_MANIFEST ?? path.join(projectRoot, 'scripts', 'tools.manifest');

function readManifest(): Map<string, ToolEntry> {
  const entries = new Map<string, ToolEntry>();
  for (const line of fs.readFileSync(manifestPath, 'utf8').split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const [name, where, pkg] = t.split(/\s+/);
    if (!name || !where || !pkg) throw new Error(`${manifestPath}: malformed line: ${line}`);
    entries.set(name, { name, where, pkg });
  }
  return entries;
}

let manifest: Map<string, ToolEntry> | undefined;
function entry(name: string): ToolEntry {
  manifest ??= readManifest();
  const e = manifest.get(name);
  if (!e) throw new Error(`test tool "${name}" is not in scripts/tools.manifest: add it there (with its Debian package) so make deps installs it`);
  return e;
}

/** The absolute path of a program from the manifest; throws naming the package if it is not installed. */
export function tool(name: string): string {
  const e = entry(name);
  if (e.where.startsWith('python:')) throw new Error(`"${name}" is a Python module: use requirePythonModule()`);
  if (e.where.startsWith('file:')) throw new Error(`"${name}" is a file, not a program: use requireFile()`);
  const found = expandGlob(e.where).find((p) => {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  if (!found) throw new Error(`${name} is not installed at ${e.where}: install the Debian package ${e.pkg} (make deps does)`);
  return found;
}

const escapeRegExp = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

/** The paths an absolute path with `*` in some components names, sorted (scripts/deps.sh expands it the same way). */
export function expandGlob(where: string): string[] {
  let paths = ['/'];
  for (const part of where.split('/').filter(Boolean)) {
    if (!part.includes('*')) {
      paths = paths.map((p) => path.join(p, part));
      continue;
    }
    const re = new RegExp('^' + part.split('*').map(escapeRegExp).join('[^/]*') + '$');
    paths = paths.flatMap((p) => {
      try {
        return fs.readdirSync(p).filter((n) => re.test(n) && !n.startsWith('.')).sort().map((n) => path.join(p, n));
      } catch {
        return [];
      }
    });
  }
  return paths;
}

/** Checks that /usr/bin/python3 imports a module of the manifest; throws naming the package if not. */
export function requirePythonModule(name: string): void {
  const e = entry(name);
  const mod = e.where.replace(/^python:/, '');
  try {
    execFileSync(tool('python3'), ['-c', `import ${mod}`], { stdio: 'ignore' });
  } catch {
    throw new Error(`python module ${mod} is missing from ${tool('python3')}: install the Debian package ${e.pkg} (make deps does)`);
  }
}

/** The path of a `file:` entry of the manifest (a library, not a program); throws naming the package if it is not installed. */
export function requireFile(name: string): string {
  const e = entry(name);
  const file = e.where.replace(/^file:/, '');
  if (!fs.existsSync(file)) throw new Error(`${name} is not installed at ${file}: install the Debian package ${e.pkg} (make deps does)`);
  return file;
}

/** Every entry's problem, for a suite that wants to report all at once. */
export function missingTools(names: string[]): string[] {
  const problems: string[] = [];
  for (const n of names) {
    try {
      if (entry(n).where.startsWith('python:')) requirePythonModule(n);
      else if (entry(n).where.startsWith('file:')) requireFile(n);
      else tool(n);
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  return problems;
}
