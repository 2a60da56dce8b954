import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFunctionName, resolveQualifier } from './arn';
import type { DomainError } from '../domain/errors';

// Kinds are the domain's; src/services/lambda/errors.test.ts checks the AWS name of each
// (Validation → ValidationException, NotFound → ResourceNotFoundException, …).

const ctx = { region: 'us-east-1', accountId: '000000000000' };

test('parses every FunctionName form', () => {
  assert.deepEqual(parseFunctionName('my-fn', ctx), { name: 'my-fn', qualifier: undefined });
  assert.deepEqual(parseFunctionName('my-fn:live', ctx), { name: 'my-fn', qualifier: 'live' });
  assert.deepEqual(parseFunctionName('arn:aws:lambda:us-east-1:000000000000:function:my-fn', ctx), { name: 'my-fn', qualifier: undefined });
  assert.deepEqual(parseFunctionName('arn:aws:lambda:us-east-1:000000000000:function:my-fn:$LATEST', ctx), { name: 'my-fn', qualifier: '$LATEST' });
  assert.deepEqual(parseFunctionName('000000000000:function:my-fn', ctx), { name: 'my-fn', qualifier: undefined });
});

test('rejects bad names and foreign ARNs with AWS errors', () => {
  assert.throws(() => parseFunctionName('bad name', ctx), (e: DomainError) => e.kind === 'Validation' && /regular expression pattern/.test(e.message));
  assert.throws(() => parseFunctionName('', ctx), (e: DomainError) => e.kind === 'Validation');
  assert.throws(() => parseFunctionName('x'.repeat(65), ctx), (e: DomainError) => /less than or equal to 64/.test(e.message));
  assert.throws(
    () => parseFunctionName('arn:aws:lambda:eu-west-1:000000000000:function:f', ctx),
    (e: DomainError) => e.kind === 'NotFound' && e.message === "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')",
  );
  assert.throws(() => parseFunctionName('arn:aws:lambda:us-east-1:111111111111:function:f', ctx), (e: DomainError) => e.kind === 'AccessDenied');
});

test('a Qualifier parameter must agree with a qualifier in the name', () => {
  assert.equal(resolveQualifier({ name: 'f', qualifier: undefined }, '1'), '1');
  assert.equal(resolveQualifier({ name: 'f', qualifier: '1' }, undefined), '1');
  assert.throws(() => resolveQualifier({ name: 'f', qualifier: '1' }, '2'), (e: DomainError) => e.kind === 'InvalidParameter');
  assert.throws(() => resolveQualifier({ name: 'f', qualifier: undefined }, 'bad qualifier'), (e: DomainError) => e.kind === 'Validation');
});

test('checks FunctionName per operation as AWS does (recorded: test_function_name_and_qualifier_validation)', () => {
  const long = 'a'.repeat(65);
  // CreateFunction: a bare name over 64 characters is InvalidParameterValueException.
  assert.throws(
    () => parseFunctionName(long, ctx, { use: 'create' }),
    (e: DomainError) => e.kind === 'InvalidParameter'
      && e.message === `1 validation error detected: Value '${long}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64`,
  );
  // GetFunction / Invoke: the same name is merely one that does not exist.
  assert.deepEqual(parseFunctionName(long, ctx, { use: 'get' }), { name: long, qualifier: undefined });
  // CreateFunction reports every failed constraint of the name at once.
  const both = `arn:aws:lambda:invalid-region:000000000000:function:my-function${'a'.repeat(170)}`;
  assert.throws(
    () => parseFunctionName(both, ctx, { use: 'create' }),
    (e: DomainError) => e.kind === 'Validation' && e.message.startsWith('2 validation errors detected: ')
      && /less than or equal to 140; Value .* regular expression pattern/.test(e.message),
  );
  // GetFunction quotes the namespaced pattern, and a qualifier's failures come first.
  assert.throws(
    () => parseFunctionName('my-function!', ctx, { use: 'get', qualifier: 'a'.repeat(129) }),
    (e: DomainError) => e.message.startsWith("2 validation errors detected: Value '" + 'a'.repeat(129) + "' at 'qualifier' failed to satisfy constraint: Member must have length less than or equal to 128")
      && e.message.includes('([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?'),
  );
});
