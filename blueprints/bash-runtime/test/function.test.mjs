// Runs locally with `node --test` (no dependencies): calls the bash handler as the bootstrap does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const fn = fileURLToPath(new URL('../function/function.sh', import.meta.url));
const event = readFileSync(new URL('../events/event.json', import.meta.url), 'utf8');

test('the handler wraps the event', () => {
  const out = execFileSync('bash', ['-c', '. "$0"; handler "$1"', fn, event], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  assert.deepEqual(JSON.parse(out), { runtime: 'bash', event: { text: 'Hello from bash' } });
});

test('the bootstrap is executable and reads _HANDLER', () => {
  const bootstrap = fileURLToPath(new URL('../function/bootstrap', import.meta.url));
  const text = readFileSync(bootstrap, 'utf8');
  assert.match(text, /^#!\/bin\/sh/);
  assert.match(text, /_HANDLER/);
});
