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

/** Compiles one Go file (standard library only) into a static linux binary; returns its bytes. */
export function buildGo(source: string): Buffer {
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
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    return fs.readFileSync(out);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
