import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as sdk from '@aws-sdk/client-sqs';
import { sqsErrors, mapSqsError } from './errors';
import { gatewayErrors } from '../../gateway/errors';
import { QueueError, type QueueErrorKind } from '../../queues/errors';

/** The SQS API model lives in shared/ beside the checkout (as in CI and every session). */
const modelFile = path.resolve(__dirname, '..', '..', '..', '..', '..', 'shared', 'aws-models', 'sqs-2012-11-05.json');
const haveModel = fs.existsSync(modelFile);

/** SQS's common errors (no model shape; the API reference's Common Errors page). */
const common = new Set(['InvalidParameterValue', 'MissingParameter', 'InvalidAction']);

test('the SQS registry has every exception of the model and nothing else but common and gateway errors', {
  skip: haveModel ? false : `the AWS model is not beside this checkout (${modelFile})`,
}, () => {
  const model = JSON.parse(fs.readFileSync(modelFile, 'utf8')) as { shapes: Record<string, { exception?: boolean; members?: Record<string, unknown> }> };
  let checked = 0;
  for (const [name, shape] of Object.entries(model.shapes)) {
    if (!shape.exception) continue;
    const spec = sqsErrors[name];
    assert.ok(spec, `${name} is missing from the registry`);
    assert.equal(spec.fault, 'client', `${name} is a client error`);
    // The message member, when the model gives one, is `message`.
    if (Object.keys(shape.members ?? {}).length) assert.equal(spec.messageKey, 'message', `${name} message member`);
    checked++;
  }
  assert.ok(checked >= 28, `only ${checked} model exceptions checked`);
  for (const name of Object.keys(sqsErrors)) {
    assert.ok(model.shapes[name]?.exception || common.has(name) || name in gatewayErrors, `${name} is neither an SQS exception nor a common or gateway error`);
  }
});

/**
 * The `awsQueryError` trait (query code and status) of each exception, as
 * @aws-sdk/client-sqs's schemas carry it (`<Name>$ = [-3, ns, name, traits, …]`):
 * the SDK names errors by it, so the registry must agree exactly.
 */
test('query codes and statuses match the awsQueryError traits @aws-sdk/client-sqs carries', () => {
  let checked = 0;
  for (const [name, spec] of Object.entries(sqsErrors)) {
    const schema = (sdk as unknown as Record<string, unknown>)[`${name}$`];
    if (!Array.isArray(schema)) continue;
    const traits = schema[3] as { awsQueryError?: [string, number]; httpError?: number };
    if (traits.awsQueryError) {
      assert.equal(spec.queryCode, traits.awsQueryError[0], `${name} query code`);
      assert.equal(spec.status, traits.awsQueryError[1], `${name} status`);
    } else {
      assert.equal(spec.queryCode, undefined, `${name} has no query code of its own`);
      assert.equal(spec.status, traits.httpError ?? 400, `${name} status`);
    }
    checked++;
  }
  assert.ok(checked >= 28, `only ${checked} checked against the SDK`);
});

test('every QueueError kind maps to a registered error; anything else is left to the gateway', () => {
  const kinds: QueueErrorKind[] = [
    'QueueNotFound', 'QueueExists', 'UnknownAttribute', 'InvalidAttributeValue', 'InvalidParameter', 'MissingParameter', 'InvalidReceiptHandle',
    'NotInFlight', 'InvalidMessageContents', 'PurgeInProgress', 'OverLimit', 'BatchEmpty', 'BatchTooMany', 'BatchIdsNotDistinct', 'BatchIdInvalid',
    'BatchTooLong', 'TaskNotFound', 'Unsupported',
  ];
  for (const k of kinds) {
    const e = mapSqsError(new QueueError(k, 'm'));
    assert.ok(e && sqsErrors[e.errorName], k);
  }
  assert.equal(mapSqsError(new Error('x')), undefined);
});
