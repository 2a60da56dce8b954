import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFunctionName, resolveQualifier } from './arn';
import { ApiError } from '../frontend/errors';

const ctx = { region: 'us-east-1', accountId: '000000000000' };

test('parses every FunctionName form', () => {
  assert.deepEqual(parseFunctionName('my-fn', ctx), { name: 'my-fn', qualifier: undefined });
  assert.deepEqual(parseFunctionName('my-fn:live', ctx), { name: 'my-fn', qualifier: 'live' });
  assert.deepEqual(parseFunctionName('arn:aws:lambda:us-east-1:000000000000:function:my-fn', ctx), { name: 'my-fn', qualifier: undefined });
  assert.deepEqual(parseFunctionName('arn:aws:lambda:us-east-1:000000000000:function:my-fn:$LATEST', ctx), { name: 'my-fn', qualifier: '$LATEST' });
  assert.deepEqual(parseFunctionName('000000000000:function:my-fn', ctx), { name: 'my-fn', qualifier: undefined });
});

test('rejects bad names and foreign ARNs with AWS errors', () => {
  assert.throws(() => parseFunctionName('bad name', ctx), (e: ApiError) => e.errorName === 'ValidationException' && /regular expression pattern/.test(e.message));
  assert.throws(() => parseFunctionName('', ctx), (e: ApiError) => e.errorName === 'ValidationException');
  assert.throws(() => parseFunctionName('x'.repeat(65), ctx), (e: ApiError) => /less than or equal to 64/.test(e.message));
  assert.throws(() => parseFunctionName('arn:aws:lambda:eu-west-1:000000000000:function:f', ctx), (e: ApiError) => e.errorName === 'AccessDeniedException');
  assert.throws(() => parseFunctionName('arn:aws:lambda:us-east-1:111111111111:function:f', ctx), (e: ApiError) => e.errorName === 'AccessDeniedException');
});

test('a Qualifier parameter must agree with a qualifier in the name', () => {
  assert.equal(resolveQualifier({ name: 'f', qualifier: undefined }, '1'), '1');
  assert.equal(resolveQualifier({ name: 'f', qualifier: '1' }, undefined), '1');
  assert.throws(() => resolveQualifier({ name: 'f', qualifier: '1' }, '2'), (e: ApiError) => e.errorName === 'InvalidParameterValueException');
  assert.throws(() => resolveQualifier({ name: 'f', qualifier: undefined }, 'bad qualifier'), (e: ApiError) => e.errorName === 'ValidationException');
});
