import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FilterPolicyError, matches, parseFilterPolicy, type FilterScope } from './filter-policy';

/** Examples from AWS's filter policy documentation (sns-subscription-filter-policies, message filtering operators). */
const s = (v: string) => ({ DataType: 'String', StringValue: v });
const n = (v: string) => ({ DataType: 'Number', StringValue: v });
const arr = (v: unknown[]) => ({ DataType: 'String.Array', StringValue: JSON.stringify(v) });
const attrs = (p: unknown, a: Record<string, { DataType: string; StringValue: string }>) =>
  matches(parseFilterPolicy(JSON.stringify(p), 'MessageAttributes'), { attributes: a, body: '' });
const body = (p: unknown, b: unknown) => matches(parseFilterPolicy(JSON.stringify(p), 'MessageBody'), { attributes: {}, body: JSON.stringify(b) });
const refused = (p: unknown, reason: string, scope: FilterScope = 'MessageAttributes') =>
  assert.throws(() => parseFilterPolicy(typeof p === 'string' ? p : JSON.stringify(p), scope), (e: Error) => {
    assert.ok(e instanceof FilterPolicyError);
    assert.equal(e.message, `Invalid parameter: FilterPolicy: ${reason}`);
    return true;
  });

test('AWS\'s example policy: every key must match, any value of a key', () => {
  const policy = {
    store: ['example_corp'],
    event: [{ 'anything-but': 'order_cancelled' }],
    customer_interests: ['rugby', 'football', 'baseball'],
    price_usd: [{ numeric: ['>=', 100] }],
  };
  const msg = { store: s('example_corp'), event: s('order_placed'), customer_interests: arr(['soccer', 'rugby', 'hockey']), price_usd: n('210.75') };
  assert.equal(attrs(policy, msg), true);
  assert.equal(attrs(policy, { ...msg, event: s('order_cancelled') }), false);
  assert.equal(attrs(policy, { ...msg, price_usd: n('99.9') }), false);
  assert.equal(attrs(policy, { ...msg, customer_interests: arr(['golf']) }), false);
  const { store: _, ...noStore } = msg;
  assert.equal(attrs(policy, noStore), false, 'a key the message lacks fails the match');
});

test('string operators: exact, prefix, suffix, equals-ignore-case, anything-but (list, prefix, suffix)', () => {
  assert.equal(attrs({ k: [{ prefix: 'bas' }] }, { k: s('baseball') }), true);
  assert.equal(attrs({ k: [{ prefix: 'bas' }] }, { k: s('rugby') }), false);
  assert.equal(attrs({ k: [{ suffix: 'ball' }] }, { k: s('baseball') }), true);
  assert.equal(attrs({ k: [{ 'equals-ignore-case': 'ORDER' }] }, { k: s('order') }), true);
  assert.equal(attrs({ k: [{ 'anything-but': ['rugby', 'tennis'] }] }, { k: s('baseball') }), true);
  assert.equal(attrs({ k: [{ 'anything-but': ['rugby', 'tennis'] }] }, { k: s('tennis') }), false);
  assert.equal(attrs({ k: [{ 'anything-but': { prefix: 'order-' } }] }, { k: s('order-1') }), false);
  assert.equal(attrs({ k: [{ 'anything-but': { prefix: 'order-' } }] }, { k: s('invoice-1') }), true);
  assert.equal(attrs({ k: [{ 'anything-but': { suffix: '.png' } }] }, { k: s('a.png') }), false);
  assert.equal(attrs({ k: [{ 'anything-but': 'x' }] }, {}), false, 'anything-but needs the key present');
});

test('numeric matching: equality and ranges; Number attributes only', () => {
  assert.equal(attrs({ p: [{ numeric: ['=', 301.5] }] }, { p: n('301.5') }), true);
  assert.equal(attrs({ p: [{ numeric: ['>', 0, '<=', 150] }] }, { p: n('150') }), true);
  assert.equal(attrs({ p: [{ numeric: ['>', 0, '<=', 150] }] }, { p: n('0') }), false);
  assert.equal(attrs({ p: [{ numeric: ['<', 10] }] }, { p: s('5') }), false, 'a String attribute is not a number');
  assert.equal(attrs({ p: [5] }, { p: n('5.0') }), true, 'an exact number matches a Number attribute numerically');
});

test('exists, and $or across keys', () => {
  assert.equal(attrs({ k: [{ exists: true }] }, { k: s('x') }), true);
  assert.equal(attrs({ k: [{ exists: true }] }, {}), false);
  assert.equal(attrs({ k: [{ exists: false }] }, {}), true);
  assert.equal(attrs({ k: [{ exists: false }] }, { k: s('x') }), false);
  const or = { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }] };
  assert.equal(attrs(or, { source: s('aws.cloudwatch'), namespace: s('AWS/EC2') }), true);
  assert.equal(attrs(or, { source: s('aws.cloudwatch'), metricName: s('CPUUtilization') }), true);
  assert.equal(attrs(or, { source: s('aws.cloudwatch') }), false);
});

test('message body scope: nested keys, arrays, non-JSON bodies', () => {
  const policy = { patient: { vitals: { heart_rate: [{ numeric: ['>', 100] }] } }, type: ['alert', 'warning'] };
  assert.equal(body(policy, { patient: { vitals: { heart_rate: 120 } }, type: 'alert' }), true);
  assert.equal(body(policy, { patient: { vitals: { heart_rate: 80 } }, type: 'alert' }), false);
  assert.equal(body({ tags: ['b'] }, { tags: ['a', 'b'] }), true, 'a leaf array matches when any element does');
  assert.equal(matches(parseFilterPolicy('{"a":["b"]}', 'MessageBody'), { attributes: {}, body: 'not json' }), false);
});

test('refusals with AWS\'s reasons: keys, complexity, operators, values', () => {
  refused({ a: ['1'], b: ['1'], c: ['1'], d: ['1'], e: ['1'], f: ['1'] }, 'Filter policy can not have more than 5 keys');
  const wide = Array.from({ length: 8 }, (_, i) => `v${i}`);
  refused({ a: wide, b: wide, c: wide }, 'Filter policy is too complex'); // 512 combinations > 150
  refused({ a: [{ prefixx: 'b' }] }, 'Unrecognized match type prefixx');
  refused({ a: [] }, 'Empty arrays are not allowed');
  refused({ a: [{ numeric: ['>>', 1] }] }, 'Unrecognized numeric range operator: >>');
  refused({ a: [{ numeric: ['>', 10, '<', 5] }] }, 'Bottom must be less than top');
  refused({ a: [{ exists: 'yes' }] }, 'exists match pattern must be either true or false.');
  refused({ a: [{ numeric: ['<', 2e9] }] }, 'Value 2000000000 is not in the range -1.0E9 to 1.0E9');
  refused({ a: { b: ['c'] } }, 'Filter policy for MessageAttributes scope cannot have nested keys');
  refused('{nope', 'failed to parse JSON. ' + (() => { try { JSON.parse('{nope'); } catch (e) { return (e as Error).message; } return ''; })());
  assert.doesNotThrow(() => parseFilterPolicy(JSON.stringify({ a: { b: ['c'] } }), 'MessageBody'));
});
