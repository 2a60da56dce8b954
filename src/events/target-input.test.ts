import { test } from 'node:test';
import assert from 'node:assert/strict';
import { atPath, isJsonPath, targetInput, undefinedPlaceholders } from './target-input';
import type { BusEvent } from './records';

// AWS's examples: "Transforming target input" (EventBridge user guide).
const event: BusEvent = {
  version: '0', id: '7bf73129-1428-4cd3-a780-95db273d1602', 'detail-type': 'EC2 Instance State-change Notification', source: 'aws.ec2',
  account: '123456789012', time: '2015-11-11T21:29:54Z', region: 'us-east-1', resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
  detail: { 'instance-id': 'i-0123456789', state: 'RUNNING', n: 3, tags: ['a', 'b'] },
};
const ctx = { ruleArn: 'arn:aws:events:us-east-1:123456789012:rule/r', ruleName: 'r', ingestionTime: '2015-11-11T21:29:55Z' };
const t = (InputTemplate: string, InputPathsMap: Record<string, string> = { instance: '$.detail.instance-id', state: '$.detail.state' }) =>
  targetInput({ Id: 'x', Arn: 'a', InputTransformer: { InputPathsMap, InputTemplate } }, event, ctx);

test('no Input*: the event itself; Input: as given; InputPath: the selected part as JSON', () => {
  assert.deepEqual(JSON.parse(targetInput({ Id: 'x', Arn: 'a' }, event, ctx)), event);
  assert.equal(targetInput({ Id: 'x', Arn: 'a', Input: '{"k": 1}' }, event, ctx), '{"k": 1}');
  assert.equal(targetInput({ Id: 'x', Arn: 'a', InputPath: '$.detail.state' }, event, ctx), '"RUNNING"');
  assert.equal(targetInput({ Id: 'x', Arn: 'a', InputPath: '$.resources[0]' }, event, ctx), '"arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"');
});

test('InputTransformer: a JSON template takes values as JSON; inside a string, their text', () => {
  assert.deepEqual(JSON.parse(t('{"instance": <instance>, "state": <state>}')), { instance: 'i-0123456789', state: 'RUNNING' });
  assert.equal(t('"<instance> is in state <state>"'), '"i-0123456789 is in state RUNNING"');
  assert.equal(t('instance <instance> is in <state>'), 'instance "i-0123456789" is in "RUNNING"');
  assert.deepEqual(JSON.parse(t('{"n": <n>, "tags": <tags>}', { n: '$.detail.n', tags: '$.detail.tags' })), { n: 3, tags: ['a', 'b'] });
  assert.deepEqual(JSON.parse(t('{"missing": <m>, "text": "[<m>]"}', { m: '$.detail.nope' })), { missing: null, text: '[]' });
});

test('reserved variables: rule ARN and name, ingestion time, the whole event', () => {
  assert.deepEqual(JSON.parse(t('{"arn": <aws.events.rule-arn>, "name": "<aws.events.rule-name>", "at": <aws.events.event.ingestion-time>, "e": <aws.events.event>}')), {
    arn: ctx.ruleArn, name: 'r', at: ctx.ingestionTime, e: event,
  });
});

test('placeholders and paths PutTargets checks', () => {
  assert.deepEqual(undefinedPlaceholders('{"a": <a>, "b": <notdefinedkey>, "r": <aws.events.rule-arn>}', { a: '$.x' }), ['notdefinedkey']);
  assert.equal(isJsonPath('$.detail.instance-id'), true);
  assert.equal(isJsonPath('$.resources[0]'), true);
  assert.equal(isJsonPath('detail'), false);
  assert.equal(atPath(event, '$.detail.tags[1]'), 'b');
  assert.equal(atPath(event, '$.detail.state.x'), undefined);
});
