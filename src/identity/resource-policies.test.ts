import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkResourcePolicy, permissionStatement, ResourcePolicyCache, statementsOf, type ResourcePolicyLimits } from './resource-policies';
import { AWS_SNS_SQS_POLICIES } from './policy/aws-recorded.test-data';

const limits: ResourcePolicyLimits = { bytesMax: 1_000, statementsMax: 2, principalsMax: 3, principalsPer: 'policy', conditionsMax: 2 };
const st = (over: Record<string, unknown> = {}) => ({ Effect: 'Allow', Principal: { AWS: '111111111111' }, Action: 'sqs:SendMessage', Resource: '*', ...over });
const doc = (...Statement: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement });

test('the policies AWS returned for queues and topics pass as resource policies', () => {
  for (const p of AWS_SNS_SQS_POLICIES) assert.equal(checkResourcePolicy(p, { bytesMax: 30_720, statementsMax: 100, principalsMax: 200, principalsPer: 'statement' }).ok, true, p);
});

test('refusals: not JSON or not an object (syntax), the policy language, then each quota', () => {
  const reason = (text: string, l = limits) => {
    const r = checkResourcePolicy(text, l);
    assert.equal(r.ok, false);
    return r.ok ? undefined : [r.syntax, r.reason];
  };
  assert.deepEqual(reason('nope'), [true, 'the policy is not valid JSON']);
  assert.deepEqual(reason('[1]'), [true, 'the policy is not a JSON object']);
  assert.deepEqual(reason(''), [true, 'the policy is not valid JSON']);
  assert.deepEqual(reason(doc({ Effect: 'Allow', Action: 'sqs:*', Resource: '*' })), [false, 'Missing required field Principal']);
  assert.deepEqual(reason(doc(st(), st({ Sid: 'b' }), st({ Sid: 'c' }))), [false, 'the policy has 3 statements, more than the 2 allowed']);
  assert.deepEqual(reason(doc(st({ Principal: { AWS: ['111111111111', '222222222222'] } }), st({ Sid: 'b', Principal: { AWS: ['333333333333', '444444444444'] } }))),
    [false, 'the policy names 4 principals, more than the 3 allowed']);
  assert.deepEqual(reason(doc(st({ Principal: { AWS: ['111111111111', '222222222222', '333333333333', '444444444444'] } })), { ...limits, principalsPer: 'statement' }),
    [false, 'a statement names 4 principals, more than the 3 allowed']);
  assert.deepEqual(reason(doc(st({ Condition: { StringEquals: { 'aws:username': 'a', 'aws:userid': 'b' }, Bool: { 'aws:SecureTransport': 'true' } } }))),
    [false, 'the policy has 3 conditions, more than the 2 allowed']);
  const big = doc(st({ Condition: { StringEquals: { 'aws:username': 'x'.repeat(1_000) } } }));
  assert.deepEqual(reason(big), [false, `the policy is ${Buffer.byteLength(big)} bytes, more than the 1000 bytes allowed`]);
  assert.equal(checkResourcePolicy(doc(st({ Principal: '*' })), limits).ok, true);
});

test('permissionStatement: AWS’s shape, a string for one value and a list for several', () => {
  assert.deepEqual(permissionStatement('l', ['111111111111'], ['SQS:SendMessage'], 'arn:q'), {
    Sid: 'l', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Action: 'SQS:SendMessage', Resource: 'arn:q',
  });
  const two = permissionStatement('l', ['111111111111', '222222222222'], ['SNS:Publish', 'SNS:Subscribe'], 'arn:t');
  assert.deepEqual([two.Principal, two.Action], [{ AWS: ['arn:aws:iam::111111111111:root', 'arn:aws:iam::222222222222:root'] }, ['SNS:Publish', 'SNS:Subscribe']]);
  assert.deepEqual(statementsOf({ Statement: { Sid: 'one' } }), [{ Sid: 'one' }]);
  assert.deepEqual(statementsOf({}), []);
});

test('ResourcePolicyCache: one read per entry while fresh, shared by concurrent misses; forget drops it; a read older than a change is not kept; bounded', async () => {
  let now = 0;
  const reads: string[] = [];
  let value = 'v1';
  const gate: { open?: () => void } = {};
  const cache = new ResourcePolicyCache(async (k) => {
    reads.push(k);
    if (k === 'slow') await new Promise<void>((r) => (gate.open = r));
    return `${k}:${value}`;
  }, { ttlMs: 100, entriesMax: 2, now: () => now });
  const [x, y] = await Promise.all([cache.get('a'), cache.get('a')]);
  assert.deepEqual([x, y, reads], ['a:v1', 'a:v1', ['a']]);
  assert.equal(cache.get('a'), 'a:v1', 'answered from memory, synchronously');
  now = 100;
  assert.equal(await cache.get('a'), 'a:v1');
  assert.equal(reads.length, 2, 'read again once stale');
  value = 'v2';
  cache.forget('a');
  assert.equal(await cache.get('a'), 'a:v2');
  // A read under way when the policy changes answers its caller but is not kept.
  const pending = cache.get('slow');
  cache.forget('other');
  gate.open!();
  assert.equal(await pending, 'slow:v2');
  assert.notEqual(typeof cache.get('slow'), 'string');
  gate.open!();
  await cache.get('b');
  await cache.get('c');
  assert.ok(cache.size <= 2);
});
