import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { gatewayErrors } from '../../gateway/errors';
import { IdentityError } from '../../identity/errors';
import { iamCodeOfKind, iamErrors, mapIamError } from './errors';
import { mapStsError, stsCodeOfKind, stsErrors } from '../sts/errors';

/** The AWS API models live in shared/ beside the checkout (as in CI and every session). */
const models = path.resolve(__dirname, '..', '..', '..', '..', '..', 'shared', 'aws-models');
type ModelShape = { exception?: boolean; error?: { code?: string; httpStatusCode?: number; senderFault?: boolean } };
const common = new Set(['AccessDenied', 'ValidationError']);

for (const [service, file, registry] of [['IAM', 'iam-2010-05-08.json', iamErrors], ['STS', 'sts-2011-06-15.json', stsErrors]] as const) {
  const modelFile = path.join(models, file);
  test(`the ${service} registry has every exception of the model by its query code, with its status and fault side`, {
    skip: fs.existsSync(modelFile) ? false : `the AWS model is not beside this checkout (${modelFile})`,
  }, () => {
    const model = JSON.parse(fs.readFileSync(modelFile, 'utf8')) as { shapes: Record<string, ModelShape> };
    const codes = new Set<string>();
    for (const [name, shape] of Object.entries(model.shapes)) {
      if (!shape.exception) continue;
      const code = shape.error?.code ?? name;
      codes.add(code);
      const spec = registry[code];
      assert.ok(spec, `${name} (${code}) is missing from the registry`);
      assert.equal(spec.status, shape.error?.httpStatusCode ?? 400, `${code} status`);
      assert.equal(spec.fault, !shape.error || shape.error.senderFault ? 'client' : 'server', `${code} fault`);
    }
    for (const name of Object.keys(registry)) {
      assert.ok(codes.has(name) || name in gatewayErrors || common.has(name), `${name} is neither a ${service} error code nor a common one`);
    }
  });
}

test('every identity kind maps to a registered IAM and STS code; anything else is left to the internal error', () => {
  for (const [kind, code] of Object.entries(iamCodeOfKind)) {
    assert.equal(mapIamError(new IdentityError(kind as keyof typeof iamCodeOfKind, 'm'))?.errorName, code);
    assert.ok(iamErrors[code]);
  }
  for (const [kind, code] of Object.entries(stsCodeOfKind)) {
    assert.equal(mapStsError(new IdentityError(kind as keyof typeof stsCodeOfKind, 'm'))?.errorName, code);
    assert.ok(stsErrors[code]);
  }
  assert.equal(mapIamError(new Error('boom')), undefined);
  assert.equal(mapIamError(new IdentityError('NoSuchEntity', 'm'))?.status, 404);
});
