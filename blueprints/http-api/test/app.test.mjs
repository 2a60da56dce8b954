// Runs locally with `node --test` (no dependencies).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { handler } from '../src/app.mjs';

const event = JSON.parse(readFileSync(new URL('../events/event.json', import.meta.url), 'utf8'));

test('POST with the sample event creates the item from the (base64) body', async () => {
  const r = await handler(event);
  assert.equal(r.statusCode, 201);
  assert.deepEqual(JSON.parse(r.body), { created: { name: 'kumo' } });
});

test('GET lists items', async () => {
  const r = await handler({ ...event, requestContext: { ...event.requestContext, http: { ...event.requestContext.http, method: 'GET' } } });
  assert.equal(r.statusCode, 200);
  assert.equal(JSON.parse(r.body).items.length, 1);
});

test('a body that is not JSON is a 400', async () => {
  const r = await handler({ ...event, body: 'not json', isBase64Encoded: false });
  assert.equal(r.statusCode, 400);
});
