import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The import rules ARCHITECTURE.md states, checked on the sources (this file
 * compiles to dist/src/boundaries.test.js; the sources are in ../../src).
 * Test files are exempt: a test may drive a layer through the one above it.
 */
const srcDir = path.resolve(__dirname, '..', '..', 'src');

/** The domain: knows no HTTP and no AWS wire format (ARCHITECTURE.md, "Layers"). */
const domainFolders = [
  'control', 'invoke', 'placement', 'async', 'sandbox', 'store', 'blobs', 'keys', 'logs', 'observability', 'runtimes', 'domain',
  'event-sources', 'topics', 'queues', 'streams', 'audit', 'function-urls', 'events', 'parameters', 'schedules', 'metrics', 'http-apis', 'identity', 'tracing',
];
/** What the domain never imports: the AWS-facing layers and the CLI. */
const aboveDomain = ['gateway', 'services', 'cli'];
/** HTTP modules: only the gateway (AWS-facing) and runtime-api/ (the EE-facing Runtime API) serve HTTP. */
const httpModules = ['node:http', 'node:https', 'http', 'https', 'node:http2', 'http2'];

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** Every module specifier a file imports or re-exports (static and dynamic). */
function specifiers(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'";]*?from\s*['"]([^'"]+)['"]/g)) out.push(m[1]!);
  for (const m of text.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) out.push(m[1]!);
  for (const m of text.matchAll(/\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]!);
  return out;
}

/** The top-level folder under src/ that a relative specifier lands in (undefined for packages). */
function targetFolder(file: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const rel = path.relative(srcDir, path.resolve(path.dirname(file), spec));
  return rel.split(path.sep)[0];
}

function violations(folders: string[], bad: (file: string, spec: string) => string | undefined): string[] {
  const out: string[] = [];
  for (const folder of folders) {
    for (const file of sources(path.join(srcDir, folder))) {
      for (const spec of specifiers(file)) {
        const why = bad(file, spec);
        if (why) out.push(`${path.relative(srcDir, file)} imports ${spec} (${why})`);
      }
    }
  }
  return out;
}

test('the boundary checks find the sources and read their imports', () => {
  const control = sources(path.join(srcDir, 'control'));
  assert.ok(control.length >= 8, `found ${control.length} files in src/control`);
  const specs = specifiers(path.join(srcDir, 'control', 'functions.ts'));
  assert.ok(specs.includes('../domain/errors') && specs.includes('node:crypto'), specs.join(', '));
  assert.equal(targetFolder(path.join(srcDir, 'control', 'x.ts'), '../services/lambda/errors'), 'services');
  assert.equal(targetFolder(path.join(srcDir, 'services', 'lambda', 'x.ts'), '../../store/types'), 'store');
});

test('no file of the domain imports the gateway, a service folder, the CLI or an HTTP module', () => {
  const found = violations(domainFolders, (file, spec) => {
    const to = targetFolder(file, spec);
    if (to && aboveDomain.includes(to)) return `the domain knows no ${to}/`;
    if (httpModules.includes(spec)) return 'the domain knows no HTTP';
    return undefined;
  });
  assert.deepEqual(found, []);
});

test('no service folder imports the store (services call the domain)', () => {
  const services = fs.readdirSync(path.join(srcDir, 'services'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => `services/${e.name}`);
  assert.ok(services.includes('services/lambda') && services.includes('services/logs'), services.join(', '));
  const found = violations(services, (file, spec) => (targetFolder(file, spec) === 'store' ? 'services never touch the store' : undefined));
  assert.deepEqual(found, []);
});

test('the domain records know no store: src/domain/ imports nothing from src/store/', () => {
  const found = violations(['domain'], (file, spec) => (targetFolder(file, spec) === 'store' ? 'records are defined outside persistence' : undefined));
  assert.deepEqual(found, []);
});

test('a store implementation is chosen only where the server and the CLI are put together', () => {
  const roots = new Set(['server.ts', path.join('cli', 'logs.ts'), path.join('cli', 'audit.ts')]);
  const folders = fs.readdirSync(srcDir, { withFileTypes: true }).filter((e) => e.isDirectory() && e.name !== 'store').map((e) => e.name);
  const found = violations(folders, (file, spec) => {
    const rel = path.relative(srcDir, path.resolve(path.dirname(file), spec));
    return rel.startsWith(path.join('store', 'sqlite')) && !roots.has(path.relative(srcDir, file)) ? 'domain code takes a Store, never builds one' : undefined;
  });
  assert.deepEqual(found, []);
  const top = sources(srcDir).filter((f) => path.dirname(f) === srcDir && !roots.has(path.relative(srcDir, f)));
  for (const f of top) for (const spec of specifiers(f)) assert.ok(!spec.includes('store/sqlite'), `${path.relative(srcDir, f)} imports ${spec}`);
});
