// Runs locally with `node --test` (no dependencies).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { handler } from '../src/app.mjs';

const event = JSON.parse(readFileSync(new URL('../events/event.json', import.meta.url), 'utf8'));

test('a good order is processed', async () => {
  assert.deepEqual(await handler(event), { batchItemFailures: [] });
});

test('a bad message is reported as a batch item failure', async () => {
  const bad = { ...event.Records[0], messageId: 'bad-1', body: 'not json' };
  assert.deepEqual(await handler({ Records: [event.Records[0], bad] }), { batchItemFailures: [{ itemIdentifier: 'bad-1' }] });
});
