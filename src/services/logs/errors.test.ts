import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { logsErrors } from './errors';
import { gatewayErrors } from '../../gateway/errors';

/** The CloudWatch Logs API model lives in shared/ beside the checkout (as in CI and every session). */
const modelFile = path.resolve(__dirname, '..', '..', '..', '..', '..', 'shared', 'aws-models', 'logs-2014-03-28.json');
const haveModel = fs.existsSync(modelFile);

type ModelShape = { exception?: boolean; fault?: boolean; error?: { httpStatusCode?: number; senderFault?: boolean }; members?: Record<string, unknown> };

test('the Logs registry has every exception of the model, with its status, fault side and message member', {
  skip: haveModel ? false : `the AWS model is not beside this checkout (${modelFile})`,
}, () => {
  const model = JSON.parse(fs.readFileSync(modelFile, 'utf8')) as { shapes: Record<string, ModelShape> };
  // Exceptions of operations Kumo does not serve (Live Tail, Insights queries) are not needed.
  const notServed = new Set(['InternalStreamingException', 'SessionStreamingException', 'SessionTimeoutException', 'MalformedQueryException', 'TooManyTagsException', 'ConflictException', 'InternalServerException']);
  let checked = 0;
  for (const [name, shape] of Object.entries(model.shapes)) {
    if (!shape.exception || notServed.has(name)) continue;
    const spec = logsErrors[name];
    assert.ok(spec, `${name} is missing from the registry`);
    checked++;
    // The JSON protocol's default status is 400 for client errors; the model marks server faults with `fault`.
    if (shape.fault) assert.ok(spec.status >= 500 && spec.fault === 'server', `${name} is a server fault`);
    else assert.equal(spec.status, shape.error?.httpStatusCode ?? 400, `${name} status`);
    if (!shape.fault) assert.equal(spec.fault, 'client', `${name} fault`);
    // A member named for the message must be the one the registry uses; no member means the protocol's `message`.
    const members = Object.keys(shape.members ?? {});
    const named = members.find((m) => m.toLowerCase() === 'message');
    assert.equal(spec.messageKey, named ?? 'message', `${name} message member`);
  }
  assert.ok(checked >= 14, `only ${checked} model exceptions checked`);
  for (const name of Object.keys(logsErrors)) {
    assert.ok(model.shapes[name]?.exception || name in gatewayErrors, `${name} is neither a Logs exception nor a gateway error`);
  }
});
