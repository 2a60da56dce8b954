/**
 * Builds the test functions of the compiled languages on this machine, with
 * the tools of scripts/tools.manifest (never from PATH): a Go `bootstrap` for
 * provided.al2023 and Java jars / class zips for java17.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tool } from '../tools';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');

/**
 * Go's build cache, kept across runs: a cold cache compiles the standard
 * library (about 90 s on the CI VM), a warm one takes a second. It is
 * content-addressed, so a stale entry is never used.
 */
const goCacheDir = path.join(os.tmpdir(), 'kumo-test-go-cache');

/** Compiles one Go file (standard library only) into a static linux binary (for `goarch`, Go's name: amd64, arm64; default this host's); returns its bytes. */
export function buildGo(source: string, goarch?: 'amd64' | 'arm64'): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-go-'));
  try {
    const out = path.join(dir, 'bootstrap');
    execFileSync(tool('go'), ['build', '-trimpath', '-o', out, source], {
      cwd: dir,
      env: {
        PATH: '/usr/bin:/bin',
        HOME: dir,
        GOCACHE: goCacheDir,
        GOPATH: path.join(dir, 'gopath'),
        // No module downloads: this machine reaches no Go module proxy, and the program needs none.
        GOPROXY: 'off',
        GOFLAGS: '-mod=mod',
        CGO_ENABLED: '0',
        ...(goarch ? { GOARCH: goarch } : {}),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    return fs.readFileSync(out);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Kumo's Java runtime jar (built by scripts/build-java-runtime.sh, as `make build` does; a no-op when current). */
export function javaRuntimeJar(): string {
  execFileSync(path.join(repoRoot, 'scripts', 'build-java-runtime.sh'), { stdio: ['ignore', 'ignore', 'pipe'] });
  return path.join(repoRoot, 'runtimes', 'java', 'build', 'kumo-java-runtime.jar');
}

/** Compiled classes: path inside a jar ("example/Hello.class") → bytes. */
export type ClassFiles = Record<string, Buffer>;

function readTree(dir: string, prefix = ''): ClassFiles {
  const out: ClassFiles = {};
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) Object.assign(out, readTree(path.join(dir, e.name), rel));
    else out[rel] = fs.readFileSync(path.join(dir, e.name));
  }
  return out;
}

/**
 * Compiles Java sources (path → text, e.g. "example/Hello.java") against the
 * aws-lambda-java-core API (Kumo's runtime jar provides it, as AWS's jar
 * would at build time) plus `classpath`; returns the class files.
 */
export function compileJava(sources: Record<string, string>, classpath: string[] = []): ClassFiles {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-javac-'));
  try {
    const files: string[] = [];
    for (const [rel, text] of Object.entries(sources)) {
      const f = path.join(dir, 'src', rel);
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.writeFileSync(f, text);
      files.push(f);
    }
    const out = path.join(dir, 'classes');
    fs.mkdirSync(out);
    execFileSync(tool('javac'), ['--release', '17', '-g', '-cp', [javaRuntimeJar(), ...classpath].join(':'), '-d', out, ...files], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    return readTree(out);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A jar of the given files (with a manifest, as `jar` writes it). */
export function makeJar(files: ClassFiles): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-jar-'));
  try {
    const content = path.join(dir, 'content');
    for (const [rel, bytes] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(content, rel)), { recursive: true });
      fs.writeFileSync(path.join(content, rel), bytes);
    }
    const jarFile = path.join(dir, 'out.jar');
    execFileSync(tool('jar'), ['--create', '--file', jarFile, '-C', content, '.'], { stdio: ['ignore', 'ignore', 'pipe'] });
    return fs.readFileSync(jarFile);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The aws-lambda-java-core class files, for a function jar that bundles them (as a shaded jar built with Maven does). */
export function coreApiClasses(): ClassFiles {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-core-'));
  try {
    execFileSync(tool('jar'), ['--extract', '--file', javaRuntimeJar()], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    const all = readTree(dir);
    return Object.fromEntries(Object.entries(all).filter(([rel]) => rel.startsWith('com/amazonaws/')));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
