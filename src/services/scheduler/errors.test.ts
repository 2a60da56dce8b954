import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { mapSchedulerError, schedulerErrors } from './errors';
import { gatewayErrors } from '../../gateway/errors';
import { DomainError, type DomainErrorKind } from '../../domain/errors';

/** The Scheduler API model lives in shared/ beside the checkout (as in CI and every session). */
const modelFile = path.resolve(__dirname, '..', '..', '..', '..', '..', 'shared', 'aws-models', 'scheduler-2021-06-30.json');
const haveModel = fs.existsSync(modelFile);

test('the Scheduler registry has every exception of the model (status, side, message member) and nothing else but gateway errors', {
  skip: haveModel ? false : `the AWS model is not beside this checkout (${modelFile})`,
}, () => {
  const model = JSON.parse(fs.readFileSync(modelFile, 'utf8')) as {
    shapes: Record<string, { exception?: boolean; fault?: boolean; error?: { httpStatusCode: number; senderFault?: boolean }; members?: Record<string, unknown> }>;
  };
  let checked = 0;
  for (const [name, shape] of Object.entries(model.shapes)) {
    if (!shape.exception) continue;
    const spec = schedulerErrors[name];
    assert.ok(spec, `${name} is missing from the registry`);
    assert.equal(spec.status, shape.error!.httpStatusCode, `${name} status`);
    assert.equal(spec.fault, shape.error!.senderFault ? 'client' : 'server', `${name} fault side`);
    if (shape.members?.Message) assert.equal(spec.messageKey, 'Message', `${name} message member`);
    checked++;
  }
  assert.equal(checked, 6);
  for (const name of Object.keys(schedulerErrors)) {
    assert.ok(model.shapes[name]?.exception || name in gatewayErrors, `${name} is neither a Scheduler exception nor a gateway error`);
  }
});

test('every DomainError kind maps to a registered error; anything else is left to the gateway', () => {
  const kinds: DomainErrorKind[] = ['NotFound', 'Conflict', 'InvalidParameter', 'Validation', 'WrongType', 'PreconditionFailed', 'AccessDenied',
    'PayloadTooLarge', 'CodeTooLarge', 'ProvisionedConfigNotFound', 'Throttled'];
  for (const k of kinds) {
    const e = mapSchedulerError(new DomainError(k, 'm'));
    assert.ok(e && schedulerErrors[e.errorName], k);
  }
  assert.equal(mapSchedulerError(new DomainError('NotFound', 'Schedule x does not exist.'))?.errorName, 'ResourceNotFoundException');
  assert.equal(mapSchedulerError(new Error('x')), undefined);
});
