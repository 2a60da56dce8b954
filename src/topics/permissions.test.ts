import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTopicPermission, checkTopicPolicy, defaultTopicPolicy, withoutTopicPermission, withTopicPermission } from './permissions';
import { TopicsError } from './errors';

const arn = 'arn:aws:sns:us-east-1:111111111111:t';
const base = JSON.stringify(defaultTopicPolicy(arn, '111111111111'));
const refused = (f: () => unknown, message: string) => assert.throws(f, (e: unknown) => e instanceof TopicsError && e.kind === 'InvalidParameter' && e.message === message);

test('AddPermission appends to the default policy in AWS’s shape (LocalStack test_topic_add_permission, recorded against AWS)', () => {
  const p = JSON.parse(withTopicPermission(base, arn, { label: 'test', accounts: ['111111111111'], actions: ['Publish'] }));
  assert.equal(p.Id, '__default_policy_ID');
  assert.deepEqual(p.Statement[1], { Sid: 'test', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Action: 'SNS:Publish', Resource: arn });
  const m = JSON.parse(withTopicPermission(base, arn, { label: 'test', accounts: ['111111111111'], actions: ['Publish', 'Subscribe'] }));
  assert.deepEqual(m.Statement[1].Action, ['SNS:Publish', 'SNS:Subscribe']);
  refused(() => withTopicPermission(JSON.stringify(p), arn, { label: 'test', accounts: ['111111111111'], actions: ['AddPermission'] }), 'Invalid parameter: Statement already exists');
  refused(() => withTopicPermission(base, arn, { label: 'x', accounts: ['111111111111'], actions: ['InvalidAction'] }), 'Invalid parameter: Policy statement action out of service scope!');
  assert.equal(withoutTopicPermission(JSON.stringify(p), 'test'), JSON.stringify({ ...p, Statement: [p.Statement[0]] }));
  assert.equal(withoutTopicPermission(base, 'never'), base, 'a label no statement has changes nothing');
});

test('members and policies are checked in SNS’s words', () => {
  refused(() => checkTopicPermission({ label: '', accounts: ['111111111111'], actions: ['Publish'] }), 'Invalid parameter: Label');
  refused(() => checkTopicPermission({ label: 'x'.repeat(257), accounts: ['111111111111'], actions: ['Publish'] }), 'Invalid parameter: Label');
  refused(() => checkTopicPermission({ label: 'l', accounts: [], actions: ['Publish'] }), 'Invalid parameter: AWSAccountId');
  refused(() => checkTopicPermission({ label: 'l', accounts: ['12'], actions: ['Publish'] }), 'Invalid parameter: AWSAccountId');
  refused(() => checkTopicPermission({ label: 'l', accounts: ['111111111111'], actions: [] }), 'Invalid parameter: ActionName');
  refused(() => checkTopicPolicy(''), 'Invalid parameter: Policy Error: null');
  refused(() => checkTopicPolicy('{'), 'Invalid parameter: Policy Error: null');
  refused(() => checkTopicPolicy('{}'), 'Invalid parameter: Policy Error: Syntax errors in policy.');
  const many = Array.from({ length: 101 }, (_, i) => ({ Sid: `s${i}`, Effect: 'Allow', Principal: '*', Action: 'sns:Publish', Resource: arn }));
  refused(() => checkTopicPolicy(JSON.stringify({ Statement: many })), 'Invalid parameter: Policy Error: the policy has 101 statements, more than the 100 allowed');
  assert.equal(checkTopicPolicy(base), base);
});
