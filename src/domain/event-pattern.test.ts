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

test('paths: nested and dotted keys are one path; objects inside arrays are descended; empty arrays hold nothing', () => {
  // AWS's recorded answers (TestEventPattern): dot_joining_event, dot_joining_pattern, list_within_dict, exists_list_empty_NEG.
  assert.equal(m({ detail: { 'state.status': ['running'] } }, { detail: { state: { status: 'running' } } }), true);
  assert.equal(m({ detail: { state: { status: ['running'] } } }, { detail: { 'state.status': 'running' } }), true);
  assert.equal(m({ detail: { automations: { id: [{ exists: true }] } } }, { detail: { automations: [{ key1: 'v' }, { id: 'x' }] } }), true);
  assert.equal(m({ resources: [{ exists: true }] }, { resources: [] }), false);
  assert.equal(m({ resources: [null] }, { resources: [] }), false);
});

test('booleans match by equality', () => {
  assert.equal(m({ b: [false] }, { b: false }), true);
  assert.equal(m({ b: [false] }, { b: 'false' }), false);
});

test('anything-but: prefix/suffix/wildcard lists; a number or null passes a string test; an absent field never matches', () => {
  const p = { s: [{ 'anything-but': { prefix: ['init', 'test'] } }] };
  assert.equal(m(p, { s: 'running' }), true);
  assert.equal(m(p, { s: 'testing' }), false);
  assert.equal(m(p, { s: 12 }), true);
  assert.equal(m(p, { s: null }), true);
  assert.equal(m(p, {}), false);
  assert.equal(m({ f: [{ 'anything-but': { suffix: ['.txt', '.jpg'] } }] }, { f: 'a.png' }), true);
  assert.equal(m({ f: [{ 'anything-but': { wildcard: '*/dir/*' } }] }, { f: 'a/dir/b' }), false);
  assert.equal(m({ f: [{ 'anything-but': { wildcard: ['*/init/*', '*/dir/*'] } }] }, { f: 'a/x/b' }), true);
  assert.equal(m({ s: [{ 'anything-but': ['stopped', 'running'] }] }, { s: null }), true);
  assert.equal(m({ s: [{ 'anything-but': { 'equals-ignore-case': 'x' } }] }, { s: null }), true);
});

test('cidr: IPv6 too', () => {
  assert.equal(m({ ip: [{ cidr: '2001:db8:1234:1a00::/64' }] }, { ip: '2001:db8:1234:1a00::1' }), true);
  assert.equal(m({ ip: [{ cidr: '2001:db8:1234:1a00::/64' }] }, { ip: '2001:db8:1234:1b00::1' }), false);
  assert.equal(m({ ip: [{ cidr: '10.0.0.0/24' }] }, { ip: 'not an ip' }), false);
});

test('parsePattern refuses what is not a pattern with the reason AWS gives', () => {
  // Each reason as AWS answered it (LocalStack's recordings of TestEventPattern against AWS).
  for (const [text, why] of [
    ['["not", "a", "dict"]', 'Filter is not an object'],
    ['{"int": 42}', '"int" must be an object or an array'],
    ['{"resources": []}', 'Empty arrays are not allowed'],
    ['{"my_key": [{"EXISTS": true}]}', 'Unrecognized match type EXISTS'],
    ['{"c": [{"numeric": [">", 0, ">", 0]}]}', 'Bad numeric range operator: >'],
    ['{"c": [{"numeric": [">", 0, "<"]}]}', 'Value of < must be numeric'],
    ['{"c": [{"numeric": 10}]}', 'Value of numeric must be an array.'],
    ['{"a": [{"wildcard": "arn:aws:events:us-east-1:**:event-bus/*"}]}', 'Consecutive wildcard characters at pos 26'],
    ['{"a": [{"wildcard": "*:*:*:*:*:event-bus/*"}]}', 'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character'],
    ['{"a": [{"wildcard": 123}]}', 'wildcard match pattern must be a string'],
    ['{"a": [{"prefix": 123}]}', 'prefix match pattern must be a string'],
    ['{"a": [{"suffix": [".png"]}]}', 'suffix match pattern must be a string'],
    ['{"a": [{"equals-ignore-case": ["x"]}]}', 'equals-ignore-case match pattern must be a string'],
    ['{"a": [{"anything-but": null}]}', 'Value of anything-but must be an array or single string/number value.'],
    ['{"a": [{"anything-but": ["x", null]}]}', 'Inside anything but list, start|null|boolean is not supported.'],
    ['{"a": [{"anything-but": {"equals-ignore-case": 123}}]}', 'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.'],
    ['{"a": [{"anything-but": {"prefix": ""}}]}', 'Null prefix/suffix not allowed'],
    ['{"a": [{"anything-but": {"suffix": [123, ".txt"]}}]}', 'prefix/suffix match pattern must be a string'],
    ['{"a": [{"cidr": "10.0.0.0"}]}', "Malformed CIDR, one '/' required"],
    ['{"a": [{"cidr": "10.0.0.0/x"}]}', 'Malformed CIDR, mask bits must be an integer'],
    ['{"a": [{"cidr": "xx.11.xx/24"}]}', 'Nonstandard IP address: xx.11.xx'],
    ['{"a": [{"cidr": ["bad-type"]}]}', 'prefix match pattern must be a string'],
  ] as const) {
    assert.throws(() => parsePattern(text), (e: unknown) => e instanceof PatternError && e.message === why, text.slice(0, 60));
  }
  assert.throws(() => parsePattern('not json'), PatternError);
  assert.throws(() => parsePattern(`{"a": ["${'x'.repeat(5000)}"]}`), /4096/);
  assert.throws(() => parsePattern('{"$or": [{"a": [1]}]}'), /at least two/);
});
