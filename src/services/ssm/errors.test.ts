import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { mapSsmError, ssmErrors } from './errors';
import { gatewayErrors } from '../../gateway/errors';
import { ParameterError, type ParameterErrorKind } from '../../parameters/errors';

/** The SSM API model lives in shared/ beside the checkout (as in CI and every session). */
const modelFile = path.resolve(__dirname, '..', '..', '..', '..', '..', 'shared', 'aws-models', 'ssm-2014-11-06.json');
const haveModel = fs.existsSync(modelFile);

test('the SSM registry has every exception of the model (side, status and message member) and nothing else but gateway errors', {
  skip: haveModel ? false : `the AWS model is not beside this checkout (${modelFile})`,
}, () => {
  const model = JSON.parse(fs.readFileSync(modelFile, 'utf8')) as { shapes: Record<string, { exception?: boolean; fault?: boolean; members?: Record<string, unknown> }> };
  let checked = 0;
  for (const [name, shape] of Object.entries(model.shapes)) {
    if (!shape.exception) continue;
    const spec = ssmErrors[name];
    assert.ok(spec, `${name} is missing from the registry`);
    assert.equal(spec.fault, shape.fault ? 'server' : 'client', `${name} fault side`);
    assert.equal(spec.status, shape.fault ? 500 : 400, `${name} status`);
    const member = Object.keys(shape.members ?? {}).find((m) => m.toLowerCase() === 'message');
    if (member) assert.equal(spec.messageKey, member, `${name} message member`);
    checked++;
  }
  assert.ok(checked >= 140, `only ${checked} model exceptions checked`);
  for (const name of Object.keys(ssmErrors)) {
    assert.ok(model.shapes[name]?.exception || name in gatewayErrors, `${name} is neither an SSM exception nor a gateway error`);
  }
});

test('every ParameterError kind maps to a registered error; anything else is left to the gateway', () => {
  const kinds: ParameterErrorKind[] = [
    'NotFound', 'VersionNotFound', 'AlreadyExists', 'Validation', 'PatternMismatch', 'InvalidAllowedPattern', 'MaxVersions', 'LabelLimit', 'HierarchyLevel',
    'InvalidKeyId', 'AccessDenied', 'InvalidFilterKey', 'InvalidFilterOption', 'InvalidFilterValue', 'InvalidNextToken', 'InvalidResourceType', 'InvalidResourceId',
    'TooManyTags', 'UnsupportedType', 'TooManyUpdates',
  ];
  for (const k of kinds) {
    const e = mapSsmError(new ParameterError(k, 'm'));
    assert.ok(e && ssmErrors[e.errorName], k);
    assert.equal(e.message, 'm');
  }
  assert.equal(mapSsmError(new Error('x')), undefined);
});
