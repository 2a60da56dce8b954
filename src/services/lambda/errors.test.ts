import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ApiError, errorRegistry, mapLambdaError, nameOfKind, validationError } from './errors';
import { DomainError, type DomainErrorKind } from '../../domain/errors';

/** The AWS Lambda API model lives in shared/ beside the checkout (as in CI and every session). */
const modelFile = path.resolve(__dirname, '..', '..', '..', '..', '..', 'shared', 'aws-models', 'lambda-2015-03-31.json');
const haveModel = fs.existsSync(modelFile);

test('every registry error that the Lambda model defines has the model\'s status, fault side and message member', {
  skip: haveModel ? false : `the AWS model is not beside this checkout (${modelFile})`,
}, () => {
  const model = JSON.parse(fs.readFileSync(modelFile, 'utf8')) as {
    shapes: Record<string, { exception?: boolean; error?: { httpStatusCode?: number; senderFault?: boolean }; members?: Record<string, unknown> }>;
  };
  let checked = 0;
  for (const [name, spec] of Object.entries(errorRegistry)) {
    const shape = model.shapes[name];
    if (!shape?.exception) continue;
    checked++;
    assert.equal(spec.status, shape.error?.httpStatusCode, `${name} status`);
    assert.equal(spec.fault, shape.error?.senderFault ? 'client' : 'server', `${name} fault`);
    assert.ok(shape.members && spec.messageKey in shape.members, `${name} message member ${spec.messageKey}`);
  }
  assert.ok(checked >= 12, `only ${checked} registry errors are in the model`);
});

test('errors serialise in the shape the SDKs parse', () => {
  const e = new ApiError('ResourceNotFoundException', 'Function not found: x');
  assert.equal(e.status, 404);
  assert.deepEqual(JSON.parse(e.body()), { Type: 'User', Message: 'Function not found: x' });
  const t = new ApiError('TooManyRequestsException', 'Rate Exceeded.', { Reason: 'ConcurrentInvocationLimitExceeded' });
  assert.deepEqual(JSON.parse(t.body()), { Type: 'User', message: 'Rate Exceeded.', Reason: 'ConcurrentInvocationLimitExceeded' });
  assert.deepEqual(JSON.parse(new ApiError('ServiceException', 'x').body()), { Type: 'Service', Message: 'x' });
});

test('validation errors use AWS\'s text', () => {
  const e = validationError([{ value: 64, path: 'memorySize', constraint: 'Member must have value greater than or equal to 128' }]);
  assert.equal(e.message, "1 validation error detected: Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128");
  const two = validationError([
    { value: 1, path: 'a', constraint: 'x' },
    { value: 2, path: 'b', constraint: 'y' },
  ]);
  assert.match(two.message, /^2 validation errors detected: Value '1' at 'a' failed to satisfy constraint: x; Value '2' at 'b'/);
});

test('every domain error kind becomes the Lambda error AWS answers for it', () => {
  const expected: Record<DomainErrorKind, string> = {
    NotFound: 'ResourceNotFoundException',
    Conflict: 'ResourceConflictException',
    InvalidParameter: 'InvalidParameterValueException',
    Validation: 'ValidationException',
    WrongType: 'SerializationException',
    PreconditionFailed: 'PreconditionFailedException',
    AccessDenied: 'AccessDeniedException',
    PayloadTooLarge: 'RequestTooLargeException',
    CodeTooLarge: 'RequestEntityTooLargeException',
    Throttled: 'TooManyRequestsException',
    ProvisionedConfigNotFound: 'ProvisionedConcurrencyConfigNotFoundException',
    PolicyTooLarge: 'PolicyLengthExceededException',
  };
  assert.deepEqual({ ...nameOfKind }, expected);
  for (const [kind, name] of Object.entries(expected)) {
    const e = mapLambdaError(new DomainError(kind as DomainErrorKind, 'm'));
    assert.equal(e?.errorName, name);
    assert.equal(e?.message, 'm');
  }
  const t = mapLambdaError(new DomainError('Throttled', 'Rate Exceeded.', { reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' }))!;
  assert.deepEqual(JSON.parse(t.body()), { Type: 'User', message: 'Rate Exceeded.', Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' });
  assert.equal(mapLambdaError(new Error('boom')), undefined, 'a non-domain error stays an internal error');
});
