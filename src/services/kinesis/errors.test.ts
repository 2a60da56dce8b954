import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { kinesisErrors, mapKinesisError } from './errors';
import { gatewayErrors } from '../../gateway/errors';
import { StreamError, type StreamErrorKind } from '../../streams/errors';

/** The Kinesis API model lives in shared/ beside the checkout (as in CI and every session). */
const modelFile = path.resolve(__dirname, '..', '..', '..', '..', '..', 'shared', 'aws-models', 'kinesis-2013-12-02.json');
const haveModel = fs.existsSync(modelFile);

test('the Kinesis registry has every exception of the model (side and message member) and nothing else but gateway errors', {
  skip: haveModel ? false : `the AWS model is not beside this checkout (${modelFile})`,
}, () => {
  const model = JSON.parse(fs.readFileSync(modelFile, 'utf8')) as { shapes: Record<string, { exception?: boolean; fault?: boolean; members?: Record<string, unknown> }> };
  let checked = 0;
  for (const [name, shape] of Object.entries(model.shapes)) {
    if (!shape.exception) continue;
    const spec = kinesisErrors[name];
    assert.ok(spec, `${name} is missing from the registry`);
    assert.equal(spec.fault, shape.fault ? 'server' : 'client', `${name} fault side`);
    assert.equal(spec.status, shape.fault ? 500 : 400, `${name} status`);
    if (shape.members?.message) assert.equal(spec.messageKey, 'message', `${name} message member`);
    checked++;
  }
  assert.ok(checked >= 16, `only ${checked} model exceptions checked`);
  for (const name of Object.keys(kinesisErrors)) {
    assert.ok(model.shapes[name]?.exception || name in gatewayErrors, `${name} is neither a Kinesis exception nor a gateway error`);
  }
});

test('every StreamError kind maps to a registered error; anything else is left to the gateway', () => {
  const kinds: StreamErrorKind[] = ['NotFound', 'InUse', 'InvalidArgument', 'Validation', 'LimitExceeded', 'Throughput', 'ExpiredIterator', 'ExpiredNextToken', 'Unsupported'];
  for (const k of kinds) {
    const e = mapKinesisError(new StreamError(k, 'm'));
    assert.ok(e && kinesisErrors[e.errorName], k);
  }
  assert.equal(mapKinesisError(new Error('x')), undefined);
});
