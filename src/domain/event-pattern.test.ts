import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matches, parsePattern, PatternError } from './event-pattern';

// Cases from AWS's documentation: EventBridge "Content filtering in event patterns" and
// Lambda's "Control which events Lambda sends to your function" (SQS examples).
const m = (pattern: object, event: unknown) => matches(parsePattern(JSON.stringify(pattern)), event);

test('equality: strings, numbers, null; OR within an array, AND across fields', () => {
  const p = { source: ['aws.ec2'], detail: { state: ['running', 'pending'] } };
  assert.equal(m(p, { source: 'aws.ec2', detail: { state: 'running' } }), true);
  assert.equal(m(p, { source: 'aws.ec2', detail: { state: 'stopped' } }), false);
  assert.equal(m(p, { source: 'aws.s3', detail: { state: 'running' } }), false);
  assert.equal(m({ n: [5] }, { n: 5.0 }), true);
  assert.equal(m({ n: [5] }, { n: '5' }), false);
  assert.equal(m({ x: [null] }, { x: null }), true);
  assert.equal(m({ x: [null] }, {}), false);
});

test('an event array matches when any element matches', () => {
  assert.equal(m({ resources: ['arn:a'] }, { resources: ['arn:b', 'arn:a'] }), true);
  assert.equal(m({ resources: ['arn:c'] }, { resources: ['arn:b', 'arn:a'] }), false);
});

test('prefix and suffix, also ignoring case', () => {
  assert.equal(m({ time: [{ prefix: '2017-10-02' }] }, { time: '2017-10-02T18:43:48Z' }), true);
  assert.equal(m({ time: [{ prefix: '2017-10-03' }] }, { time: '2017-10-02T18:43:48Z' }), false);
  assert.equal(m({ FileName: [{ suffix: '.png' }] }, { FileName: 'image.png' }), true);
  assert.equal(m({ FileName: [{ suffix: '.png' }] }, { FileName: 'image.PNG' }), false);
  assert.equal(m({ FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] }, { FileName: 'image.PNG' }), true);
  assert.equal(m({ service: [{ prefix: { 'equals-ignore-case': 'eventb' } }] }, { service: 'EventBridge' }), true);
});

test('anything-but: a value, a list, a prefix, a suffix, ignoring case', () => {
  assert.equal(m({ state: [{ 'anything-but': 'initializing' }] }, { state: 'running' }), true);
  assert.equal(m({ state: [{ 'anything-but': 'initializing' }] }, { state: 'initializing' }), false);
  assert.equal(m({ x: [{ 'anything-but': [100, 200, 300] }] }, { x: 400 }), true);
  assert.equal(m({ x: [{ 'anything-but': [100, 200, 300] }] }, { x: 200 }), false);
  assert.equal(m({ state: [{ 'anything-but': { prefix: 'init' } }] }, { state: 'initializing' }), false);
  assert.equal(m({ state: [{ 'anything-but': { prefix: 'init' } }] }, { state: 'running' }), true);
  assert.equal(m({ f: [{ 'anything-but': { suffix: '.txt' } }] }, { f: 'a.png' }), true);
  assert.equal(m({ s: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'OverLoaded'] } }] }, { s: 'STOPPED' }), false);
  assert.equal(m({ s: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'OverLoaded'] } }] }, { s: 'running' }), true);
  assert.equal(m({ state: [{ 'anything-but': 'x' }] }, {}), false, 'anything-but needs the field present');
});

test('numeric ranges', () => {
  const p = { detail: { c: [{ numeric: ['>', 0, '<=', 5] }] } };
  assert.equal(m(p, { detail: { c: 5 } }), true);
  assert.equal(m(p, { detail: { c: 0 } }), false);
  assert.equal(m(p, { detail: { c: 5.5 } }), false);
  assert.equal(m({ x: [{ numeric: ['=', 300] }] }, { x: 3.0e2 }), true);
  assert.equal(m({ x: [{ numeric: ['<', 10] }] }, { x: '5' }), false, 'a string is not a number');
});

test('exists: true needs a leaf value, false needs the field absent', () => {
  assert.equal(m({ detail: { state: [{ exists: true }] } }, { detail: { state: 'x' } }), true);
  assert.equal(m({ detail: { state: [{ exists: true }] } }, { detail: {} }), false);
  assert.equal(m({ detail: { state: [{ exists: false }] } }, { detail: {} }), true);
  assert.equal(m({ detail: { state: [{ exists: false }] } }, { detail: { state: 'x' } }), false);
  assert.equal(m({ detail: { state: [{ exists: false }] } }, {}), true, 'an absent parent counts as absent');
  assert.equal(m({ detail: [{ exists: true }] }, { detail: { a: 1 } }), false, 'exists matches leaves only');
});

test('equals-ignore-case', () => {
  assert.equal(m({ 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] }, { 'detail-type': 'EC2 Instance State-change Notification' }), true);
  assert.equal(m({ a: [{ 'equals-ignore-case': 'x' }] }, { a: 'y' }), false);
});

test('wildcard, with an escaped star', () => {
  assert.equal(m({ EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] }, { EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/default' }), true);
  assert.equal(m({ f: [{ wildcard: 'dir/*.png' }] }, { f: 'dir/dir2/a.png' }), true);
  assert.equal(m({ f: [{ wildcard: 'dir/*.png' }] }, { f: 'dir/a.jpg' }), false);
  assert.equal(m({ f: [{ wildcard: 'a\\*b' }] }, { f: 'a*b' }), true);
  assert.equal(m({ f: [{ wildcard: 'a\\*b' }] }, { f: 'axb' }), false);
});

test('cidr', () => {
  assert.equal(m({ ip: [{ cidr: '10.0.0.0/24' }] }, { ip: '10.0.0.255' }), true);
  assert.equal(m({ ip: [{ cidr: '10.0.0.0/24' }] }, { ip: '10.0.1.0' }), false);
});

test('$or: one of the alternatives must match, together with the other fields', () => {
  const p = { source: ['aws.ec2'], $or: [{ 'detail-type': ['a'] }, { detail: { n: [{ numeric: ['>', 10] }] } }] };
  assert.equal(m(p, { source: 'aws.ec2', 'detail-type': 'a' }), true);
  assert.equal(m(p, { source: 'aws.ec2', detail: { n: 11 } }), true);
  assert.equal(m(p, { source: 'aws.ec2', detail: { n: 9 } }), false);
  assert.equal(m(p, { source: 'aws.s3', 'detail-type': 'a' }), false);
});

test("Lambda's SQS example: a JSON body filtered by field", () => {
  const p = { body: { RequestCode: ['BBBB'] } };
  assert.equal(m(p, { body: { RecordNumber: '0000', TimeStamp: 'yyyy-mm-ddThh:mm:ss', RequestCode: 'BBBB' } }), true);
  assert.equal(m(p, { body: { RequestCode: 'AAAA' } }), false);
  assert.equal(m(p, { body: 'RequestCode BBBB' }), false, 'a plain-text body has no fields');
  assert.equal(m({ body: ['plain text'] }, { body: 'plain text' }), true);
});

test('parsePattern refuses what is not a pattern, naming the problem', () => {
  for (const [text, why] of [
    ['not json', /valid JSON/],
    ['[1]', /JSON object/],
    ['{"a": "x"}', /array of matchers/],
    ['{"a": []}', /empty array/],
    ['{"a": [{"nope": 1}]}', /unsupported operator nope/],
    ['{"a": [{"numeric": [">", "x"]}]}', /numeric/],
    ['{"$or": [{"a": [1]}]}', /at least two/],
    ['{"a": [{"cidr": "10.0.0.0/33"}]}', /cidr/],
    [`{"a": ["${'x'.repeat(5000)}"]}`, /4096/],
  ] as const) {
    assert.throws(() => parsePattern(text), (e: unknown) => e instanceof PatternError && why.test(e.message), text.slice(0, 40));
  }
});
