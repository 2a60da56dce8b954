import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResourcePolicyCache, resourcePolicyCacheEntriesMax } from './resource-policy-cache';

test('one store read per resource while fresh, shared by callers that find it missing; read again once stale or forgotten', async () => {
  const reads: string[] = [];
  let text: string | undefined = 'v1';
  const cache = new ResourcePolicyCache(async (arn) => {
    reads.push(arn);
    return text;
  }, 50);
  const [x, y] = await Promise.all([cache.get('a'), cache.get('a')]);
  assert.deepEqual([x, y, reads], ['v1', 'v1', ['a']]);
  assert.equal(cache.get('a'), 'v1', 'synchronous while fresh');
  text = 'v2';
  assert.equal(cache.get('a'), 'v1');
  cache.forget('a');
  assert.equal(await cache.get('a'), 'v2');
  await new Promise((r) => setTimeout(r, 60));
  text = undefined;
  assert.equal(await cache.get('a'), undefined, 'stale: read again');
  assert.equal(cache.get('a'), undefined, 'no policy is cached too');
  assert.equal(reads.length, 3);
});

test('a read under way when the policy changes answers its callers but is not kept', async () => {
  let release!: (v: string) => void;
  let n = 0;
  const cache = new ResourcePolicyCache(() => {
    n++;
    return n === 1 ? new Promise<string>((r) => (release = r)) : Promise.resolve('new');
  });
  const first = cache.get('a') as Promise<string | undefined>;
  cache.forget('a');
  release('old');
  assert.equal(await first, 'old');
  assert.equal(await cache.get('a'), 'new');
});

test('bounded: past the limit the oldest entry goes', async () => {
  const reads = new Map<string, number>();
  const cache = new ResourcePolicyCache(async (arn) => {
    reads.set(arn, (reads.get(arn) ?? 0) + 1);
    return arn;
  });
  for (let i = 0; i <= resourcePolicyCacheEntriesMax; i++) await cache.get(`r${i}`);
  assert.equal(cache.get(`r${resourcePolicyCacheEntriesMax}`), `r${resourcePolicyCacheEntriesMax}`);
  assert.ok(cache.get('r0') instanceof Promise, 'the first entry was dropped');
});
