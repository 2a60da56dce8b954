import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { eventsErrors, mapEventsError } from './errors';
import { gatewayErrors } from '../../gateway/errors';
import { EventsError, type EventsErrorKind } from '../../events/errors';

/** The EventBridge API model lives in shared/ beside the checkout (as in CI and every session). */
const modelFile = path.resolve(__dirname, '..', '..', '..', '..', '..', 'shared', 'aws-models', 'events-2015-10-07.json');
const haveModel = fs.existsSync(modelFile);

test('the EventBridge registry has every exception of the model (side and status) and nothing else but gateway errors', {
  skip: haveModel ? false : `the AWS model is not beside this checkout (${modelFile})`,
}, () => {
  const model = JSON.parse(fs.readFileSync(modelFile, 'utf8')) as { shapes: Record<string, { exception?: boolean; fault?: boolean }> };
  let checked = 0;
  for (const [name, shape] of Object.entries(model.shapes)) {
    if (!shape.exception) continue;
    const spec = eventsErrors[name];
    assert.ok(spec, `${name} is missing from the registry`);
    assert.equal(spec.fault, shape.fault ? 'server' : 'client', `${name} fault side`);
    assert.equal(spec.status, shape.fault ? 500 : 400, `${name} status`);
    checked++;
  }
  assert.ok(checked >= 13, `only ${checked} model exceptions checked`);
  for (const name of Object.keys(eventsErrors)) {
    assert.ok(model.shapes[name]?.exception || name in gatewayErrors, `${name} is neither an EventBridge exception nor a gateway error`);
  }
});

test('every EventsError kind maps to a registered error; anything else is left to the gateway', () => {
  const kinds: EventsErrorKind[] = ['NotFound', 'AlreadyExists', 'Validation', 'InvalidPattern', 'LimitExceeded', 'ConcurrentModification', 'PolicyLengthExceeded'];
  for (const k of kinds) {
    const e = mapEventsError(new EventsError(k, 'm'));
    assert.ok(e && eventsErrors[e.errorName], k);
  }
  assert.equal(mapEventsError(new Error('x')), undefined);
});
