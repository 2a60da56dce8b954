import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFilterPattern, FilterPatternError } from './filter-pattern';

/** The example events of AWS's "Filter pattern syntax" page (terms section). */
const lines = [
  '[ERROR 400] BAD REQUEST',
  '[ERROR 401] UNAUTHORIZED REQUEST',
  '[ERROR 419] MISSING ARGUMENTS',
  '[ERROR 420] INVALID ARGUMENTS',
  '[ERROR 500] INTERNAL SERVER ERROR',
  '[WARN 200] OK',
  '[INFO 200] OK',
];
const pick = (pattern: string) => lines.filter((l) => compileFilterPattern(pattern).matches(l));

test('empty pattern matches everything', () => {
  assert.equal(pick('').length, lines.length);
  assert.equal(pick('   ').length, lines.length);
});

test('terms: case-sensitive, all must occur', () => {
  assert.deepEqual(pick('ERROR'), lines.slice(0, 5));
  assert.deepEqual(pick('ERROR ARGUMENTS'), lines.slice(2, 4));
  assert.deepEqual(pick('"ERROR" "ARGUMENTS"'), lines.slice(2, 4));
  assert.deepEqual(pick('error'), []);
});

test('quoted phrases match as a whole', () => {
  assert.deepEqual(pick('"INTERNAL SERVER ERROR"'), [lines[4]]);
  assert.deepEqual(pick('"SERVER INTERNAL"'), []);
  assert.ok(compileFilterPattern('"say \\"hi\\""').matches('they say "hi" here'));
});

test('? alternatives: any of them', () => {
  assert.deepEqual(pick('?WARN ?INFO'), lines.slice(5));
  assert.deepEqual(pick('?"MISSING ARGUMENTS" ?UNAUTHORIZED'), [lines[1], lines[2]]);
  assert.deepEqual(pick('OK ?WARN ?NOPE'), [lines[5]]);
});

test('- exclusions', () => {
  assert.deepEqual(pick('ERROR -ARGUMENTS'), [lines[0], lines[1], lines[4]]);
  assert.deepEqual(pick('ERROR -"BAD REQUEST" -ARGUMENTS'), [lines[1], lines[4]]);
});

/** The example event of AWS's JSON section, and the selectors the page shows. */
const doc = JSON.stringify({
  eventType: 'UpdateTrail',
  sourceIPAddress: '123.123.123.123',
  arrayKey: ['value', 'another value'],
  objectList: [{ name: 'a', id: 1 }, { name: 'b', id: 2 }],
  SomeObject: null,
  ThisFlag: true,
  bandwidth: 80,
  latency: 40,
  user: { id: 2, email: 'John.Doe@example.com' },
  actions: ['GET', 'PUT', 'DELETE'],
  level: 'ERROR',
});

test('JSON selectors: the examples of the syntax page', () => {
  const yes = [
    '{ $.eventType = "UpdateTrail" }',
    '{ $.eventType = UpdateTrail }',
    '{ $.sourceIPAddress = 123.123.* }',
    '{ $.sourceIPAddress != 111.* }',
    '{ $.arrayKey[0] = "value" }',
    '{ $.objectList[1].id = 2 }',
    '{ $.SomeObject IS NULL }',
    '{ $.SomeOtherObject NOT EXISTS }',
    '{ $.ThisFlag IS TRUE }',
    '{ $.bandwidth > 75 }',
    '{ $.latency < 50 }',
    '{ $.latency <= 40 }',
    '{ $.bandwidth >= 80 }',
    '{ $.bandwidth != 81 }',
    '{ ($.user.id = 2 && $.user.email = "John.Doe@example.com") || $.actions[2] = "GET" }',
    '{ $.user.id = 1 || $.actions[2] = "DELETE" }',
    '{ $.level = "ERR*" }',
    '{$.level="ERROR"}',
  ];
  for (const p of yes) assert.ok(compileFilterPattern(p).matches(doc), p);
  const no = [
    '{ $.eventType = "Update" }',
    '{ $.level = "error" }',
    '{ $.sourceIPAddress = 111.* }',
    '{ $.objectList[5].id = 2 }',
    '{ $.ThisFlag IS FALSE }',
    '{ $.eventType NOT EXISTS }',
    '{ $.bandwidth < 75 }',
    '{ $.missing = 1 }',
    '{ $.user.id = 1 && $.actions[2] = "DELETE" }',
  ];
  for (const p of no) assert.ok(!compileFilterPattern(p).matches(doc), p);
});

test('JSON selectors never match events that are not JSON', () => {
  assert.ok(!compileFilterPattern('{ $.level = "ERROR" }').matches('level=ERROR'));
  assert.ok(!compileFilterPattern('{ $.level = "ERROR" }').matches('{not json'));
});

test('unsupported and malformed patterns are refused with a reason', () => {
  assert.throws(() => compileFilterPattern('[ip, user, status = 404]'), (e: Error) => e instanceof FilterPatternError && /Space-delimited/.test(e.message));
  assert.throws(() => compileFilterPattern('%ERR[0-9]%'), FilterPatternError);
  assert.throws(() => compileFilterPattern('{ $.level = "ERROR" '), FilterPatternError);
  assert.throws(() => compileFilterPattern('{ level = 1 }'), FilterPatternError);
  assert.throws(() => compileFilterPattern('{ $.a > "x" }'), FilterPatternError);
  assert.throws(() => compileFilterPattern('"unterminated'), FilterPatternError);
});
