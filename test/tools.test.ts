import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { missingTools } from './tools';

/**
 * Issue 9.1: on a machine whose PATH has another `aws` (aws CLI v1 from a
 * Python install), the set-up skipped Debian's awscli and a test then ran a
 * hard-coded /usr/bin/aws that was not there. Now the set-up and the tests
 * read one manifest of absolute paths.
 */
const root = path.resolve(__dirname, '..', '..');
const toolsJs = path.join(root, 'dist', 'test', 'tools.js');

function fixture(): { dir: string; manifest: string; env: NodeJS.ProcessEnv } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-tools-'));
  // Another aws on PATH, as a pyenv or pip install leaves it; the manifest's path does not exist.
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.writeFileSync(path.join(dir, 'bin', 'aws'), '#!/bin/sh\necho aws-cli/1.0\n', { mode: 0o755 });
  fs.mkdirSync(path.join(dir, 'lib'));
  fs.writeFileSync(path.join(dir, 'lib', 'libthere.so.1'), '', { mode: 0o644 });
  const manifest = path.join(dir, 'tools.manifest');
  fs.writeFileSync(manifest, `# test manifest\naws ${dir}/usr/bin/aws awscli aws CLI v2\nzip /usr/bin/zip zip e2e\npython3 /usr/bin/python3 python3 runtime\nnope python:kumo_no_such_module python3-nope test\nlib file:${dir}/usr/lib/libnope.so.1 libnope1 a library\nhostlib file:${dir}/lib/libthere.so.1 libthere1 a library that is there (not executable)\n`);
  return { dir, manifest, env: { ...process.env, PATH: `${dir}/bin:${process.env.PATH}`, KUMO_TOOLS_MANIFEST: manifest } };
}

test('deps.sh --check reports a tool missing from its path even when another copy is on PATH', (t) => {
  const f = fixture();
  t.after(() => fs.rmSync(f.dir, { recursive: true, force: true }));
  const r = spawnSync(path.join(root, 'scripts', 'deps.sh'), ['--check'], { env: f.env, encoding: 'utf8' });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`missing: aws \\(${f.dir}/usr/bin/aws, package awscli\\)`));
  assert.match(r.stdout, /missing: nope \(python:kumo_no_such_module, package python3-nope\)/);
  assert.match(r.stdout, new RegExp(`missing: lib \\(file:${f.dir}/usr/lib/libnope.so.1, package libnope1\\)`));
  assert.doesNotMatch(r.stdout, /zip|hostlib/);
});

test('tests find tools at the manifest path and fail naming the package when absent', (t) => {
  const f = fixture();
  t.after(() => fs.rmSync(f.dir, { recursive: true, force: true }));
  const script = `const t = require(${JSON.stringify(toolsJs)});
    const out = { zip: t.tool('zip') };
    try { t.tool('aws'); out.aws = 'found'; } catch (e) { out.aws = e.message; }
    try { t.requirePythonModule('nope'); out.nope = 'found'; } catch (e) { out.nope = e.message; }
    try { t.tool('unlisted'); } catch (e) { out.unlisted = e.message; }
    try { t.requireFile('lib'); out.lib = 'found'; } catch (e) { out.lib = e.message; }
    out.hostlib = t.requireFile('hostlib');
    console.log(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ['-e', script], { env: f.env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Record<string, string>;
  assert.equal(out.zip, '/usr/bin/zip');
  assert.equal(out.aws, `aws is not installed at ${f.dir}/usr/bin/aws: install the Debian package awscli (make deps does)`);
  assert.match(out.nope!, /python module kumo_no_such_module is missing from \/usr\/bin\/python3: install the Debian package python3-nope/);
  assert.match(out.unlisted!, /"unlisted" is not in scripts\/tools.manifest/);
  assert.equal(out.lib, `lib is not installed at ${f.dir}/usr/lib/libnope.so.1: install the Debian package libnope1 (make deps does)`);
  assert.equal(out.hostlib, `${f.dir}/lib/libthere.so.1`);
});

test('every tool of the real manifest is installed where it says (make deps ran)', () => {
  const names = fs
    .readFileSync(path.join(root, 'scripts', 'tools.manifest'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => l.split(/\s+/)[0]!);
  assert.ok(names.includes('aws') && names.includes('boto3'));
  assert.deepEqual(missingTools(names), []);
});

test('a `*` in a manifest path is a glob: the first executable match in sorted order, in deps.sh and in tests alike', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-tools-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  // Two "major versions"; 15's binary is not executable, so 16's is the first match.
  for (const [v, mode] of [['15', 0o644], ['16', 0o755], ['17', 0o755]] as const) {
    fs.mkdirSync(path.join(dir, 'pg', v, 'bin'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'pg', v, 'bin', 'initdb'), '#!/bin/sh\n', { mode });
  }
  const manifest = path.join(dir, 'tools.manifest');
  fs.writeFileSync(manifest, `initdb ${dir}/pg/*/bin/initdb postgresql test\nnone ${dir}/nopg/*/bin/initdb nopkg test\n`);
  const env = { ...process.env, KUMO_TOOLS_MANIFEST: manifest };
  const r = spawnSync(path.join(root, 'scripts', 'deps.sh'), ['--check'], { env, encoding: 'utf8' });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout, /initdb \(/);
  assert.match(r.stdout, new RegExp(`missing: none \\(${dir}/nopg/\\*/bin/initdb, package nopkg\\)`));
  const script = `const t = require(${JSON.stringify(toolsJs)});
    const out = { initdb: t.tool('initdb') };
    try { t.tool('none'); } catch (e) { out.none = e.message; }
    console.log(JSON.stringify(out));`;
  const n = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8' });
  assert.equal(n.status, 0, n.stderr);
  const out = JSON.parse(n.stdout) as Record<string, string>;
  assert.equal(out.initdb, `${dir}/pg/16/bin/initdb`);
  assert.match(out.none!, /none is not installed at .*nopg\/\*\/bin\/initdb: install the Debian package nopkg/);
});
