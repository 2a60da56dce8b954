import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkNewName, checkPath, invalidLabel, levels } from './names';
import { ParameterError } from './errors';
import { underPath } from './filters';

/** PutParameter's naming constraints (ssm-2014-11-06's PutParameterRequest.Name documentation). */
const kindOf = (f: () => void): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    assert.ok(e instanceof ParameterError);
    return e.kind;
  }
};

test('names: letters, digits, _.- and / levels; fully qualified with a /; reserved prefixes; 15 levels', () => {
  for (const ok of ['name', 'a.b-c_d', '/a', '/a/b/c', `/${Array.from({ length: 15 }, () => 'x').join('/')}`, 'Amazing', '/S-SM']) {
    assert.equal(kindOf(() => checkNewName(ok)), undefined, ok);
  }
  for (const [bad, kind] of [
    ['aws', 'Validation'], ['AWSx', 'Validation'], ['ssm-x', 'Validation'], ['/SsM/x', 'Validation'], ['/aws/x', 'AccessDenied'], ['/AWS/x', 'AccessDenied'],
    ['a/b', 'Validation'], ['/a b', 'Validation'], ['/a//b', 'Validation'], ['/a/', 'Validation'], ['/a:b', 'Validation'], ['', 'Validation'],
    [`/${Array.from({ length: 16 }, () => 'x').join('/')}`, 'HierarchyLevel'], [`/${'x'.repeat(2048)}`, 'Validation'],
  ] as const) {
    assert.equal(kindOf(() => checkNewName(bad)), kind, bad);
  }
  assert.equal(levels('/a/b/c'), 3);
  assert.equal(levels('name'), 1);
});

test('paths: begin with /, no reserved prefix; one level or recursive below', () => {
  assert.equal(kindOf(() => checkPath('/')), undefined);
  assert.equal(kindOf(() => checkPath('/a/b/')), undefined);
  assert.equal(kindOf(() => checkPath('a')), 'Validation');
  assert.equal(kindOf(() => checkPath('/aws')), 'Validation');
  assert.equal(underPath('/a/b', '/a', false), true);
  assert.equal(underPath('/a/b/c', '/a', false), false);
  assert.equal(underPath('/a/b/c', '/a/', true), true);
  assert.equal(underPath('/ab', '/a', true), false);
  assert.equal(underPath('/x', '/', false), true);
});

test('labels AWS does not attach: beginning with aws, ssm or a digit, or other characters', () => {
  for (const bad of ['aws-x', 'SSMy', '1st', 'a b', 'a/b']) assert.equal(invalidLabel(bad), true, bad);
  for (const ok of ['prod', 'v1', 'blue_green.2-x']) assert.equal(invalidLabel(ok), false, ok);
});
