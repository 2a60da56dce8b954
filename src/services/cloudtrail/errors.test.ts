import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cloudTrailErrors, mapCloudTrailError } from './errors';
import { gatewayErrors } from '../../gateway/errors';
import { DomainError } from '../../domain/errors';

const modelFile = path.resolve(__dirname, '..', '..', '..', '..', '..', 'shared', 'aws-models', 'cloudtrail-2013-11-01.json');
const haveModel = fs.existsSync(modelFile);

test("the CloudTrail registry has every error LookupEvents' model lists, each a client error of the model, and nothing else but gateway errors", {
  skip: haveModel ? false : `the AWS model is not beside this checkout (${modelFile})`,
}, () => {
  const model = JSON.parse(fs.readFileSync(modelFile, 'utf8')) as {
    operations: Record<string, { errors?: { shape: string }[] }>;
    shapes: Record<string, { exception?: boolean; fault?: boolean }>;
  };
  const listed = model.operations.LookupEvents!.errors!.map((e) => e.shape);
  assert.equal(listed.length, 7);
  for (const name of listed) assert.equal(cloudTrailErrors[name]?.fault, 'client', name);
  for (const name of Object.keys(cloudTrailErrors)) {
    assert.ok(model.shapes[name]?.exception || name in gatewayErrors, `${name} is neither a CloudTrail exception nor a gateway error`);
  }
});

test("the audit domain's reasons map to their exceptions; anything else is left to the gateway", () => {
  for (const reason of ['InvalidMaxResults', 'InvalidTimeRange', 'InvalidNextToken']) {
    assert.equal(mapCloudTrailError(new DomainError('InvalidParameter', 'm', { reason }))?.errorName, `${reason}Exception`);
  }
  assert.equal(mapCloudTrailError(new DomainError('InvalidParameter', 'm')), undefined);
  assert.equal(mapCloudTrailError(new Error('x')), undefined);
});
