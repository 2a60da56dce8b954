import { test } from 'node:test';
import assert from 'node:assert/strict';
import { managedPolicies } from './managed';
import { evaluatePolicies } from './evaluate';
import { parsePolicy } from './parse';

const arn = (name: string, path = '/') => `arn:aws:iam::aws:policy${path}${name}`;

test('the Lambda execution-role policies are there, under /service-role/, with their real ids, versions and dates', () => {
  const basic = managedPolicies.get(arn('AWSLambdaBasicExecutionRole', '/service-role/'));
  assert.ok(basic);
  assert.equal(basic.name, 'AWSLambdaBasicExecutionRole');
  assert.equal(basic.path, '/service-role/');
  assert.equal(basic.policyId, 'ANPAJNCQGXC42545SKXIK');
  assert.equal(basic.defaultVersionId, 'v1');
  assert.equal(basic.createDate, '2015-04-09T15:03:43Z');
  assert.equal(basic.description, 'Provides write permissions to CloudWatch Logs.');
  assert.deepEqual(basic.document.Statement, [
    { Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: ['*'] },
  ]);
  assert.equal(managedPolicies.get(arn('AWSLambdaBasicExecutionRole')), undefined, 'the path is part of the ARN');
});

test('every managed policy parses as a managed identity policy, fits its record, and its text is its document', () => {
  assert.ok(managedPolicies.size >= 5);
  for (const [key, p] of managedPolicies) {
    assert.equal(key, p.arn);
    assert.equal(p.arn, `arn:aws:iam::aws:policy${p.path}${p.name}`);
    assert.match(p.defaultVersionId, /^v\d+$/);
    assert.match(p.createDate, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(p.updateDate, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(p.updateDate >= p.createDate, p.name);
    assert.ok(p.description.length > 0, p.name);
    const r = parsePolicy(p.documentText, 'identity', { managed: true });
    assert.ok(r.ok, p.name);
    assert.deepEqual(r.doc, p.document);
  }
});

test('an execution role with AWSLambdaBasicExecutionRole may write logs and nothing else', () => {
  const doc = managedPolicies.get(arn('AWSLambdaBasicExecutionRole', '/service-role/'))!.document;
  const ev = (action: string, resource: string) => evaluatePolicies([doc], { action, resource, context: {} });
  assert.equal(ev('logs:PutLogEvents', 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f:log-stream:s'), 'Allow');
  assert.equal(ev('logs:DeleteLogGroup', 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f'), 'None');
  assert.equal(ev('sqs:SendMessage', 'arn:aws:sqs:us-east-1:123456789012:q'), 'None');
});
