import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { codeOfKind, mapSnsError, snsErrors } from './errors';
import { gatewayErrors } from '../../gateway/errors';
import { TopicsError } from '../../topics/errors';

/** The SNS API model lives in shared/ beside the checkout (as in CI and every session). */
const modelFile = path.resolve(__dirname, '..', '..', '..', '..', '..', 'shared', 'aws-models', 'sns-2010-03-31.json');
const haveModel = fs.existsSync(modelFile);

type ModelShape = { exception?: boolean; error?: { code?: string; httpStatusCode?: number; senderFault?: boolean } };

test('the SNS registry has every exception of the model by its query code, with its status and fault side', {
  skip: haveModel ? false : `the AWS model is not beside this checkout (${modelFile})`,
}, () => {
  const model = JSON.parse(fs.readFileSync(modelFile, 'utf8')) as { shapes: Record<string, ModelShape> };
  const codes = new Set<string>();
  for (const [name, shape] of Object.entries(model.shapes)) {
    if (!shape.exception) continue;
    // Without an error trait the code is the shape's name, a 400 client error (VerificationException).
    const code = shape.error?.code ?? name;
    codes.add(code);
    const spec = snsErrors[code];
    assert.ok(spec, `${name} (${code}) is missing from the registry`);
    assert.equal(spec.status, shape.error?.httpStatusCode ?? 400, `${code} status`);
    assert.equal(spec.fault, !shape.error || shape.error.senderFault ? 'client' : 'server', `${code} fault`);
  }
  assert.ok(codes.size >= 30, `only ${codes.size} model exceptions checked`);
  for (const name of Object.keys(snsErrors)) {
    assert.ok(codes.has(name) || name in gatewayErrors, `${name} is neither an SNS error code nor a gateway error`);
  }
});

test('every domain kind maps to a registered SNS code; anything else is left to the internal error', () => {
  for (const [kind, code] of Object.entries(codeOfKind)) {
    assert.ok(snsErrors[code], `${kind} → ${code} is not registered`);
    const e = mapSnsError(new TopicsError(kind as keyof typeof codeOfKind, 'm'));
    assert.equal(e?.errorName, code);
    assert.equal(e?.message, 'm');
  }
  assert.equal(mapSnsError(new Error('boom')), undefined);
});
