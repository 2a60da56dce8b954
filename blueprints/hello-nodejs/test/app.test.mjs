// Runs locally with `node --test` (no dependencies).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { handler } from '../src/app.mjs';

const event = JSON.parse(readFileSync(new URL('../events/event.json', import.meta.url), 'utf8'));

test('greets the name in the sample event', async () => {
  assert.deepEqual(await handler(event), { message: 'Hello, Kumo!' });
});

test('greets the world when no name is given', async () => {
  assert.deepEqual(await handler({}), { message: 'Hello, world!' });
});

test('uses GREETING from the environment', async () => {
  process.env.GREETING = 'Hi';
  try {
    assert.deepEqual(await handler({ name: 'you' }), { message: 'Hi, you!' });
  } finally {
    delete process.env.GREETING;
  }
});
