import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluatePolicies, managedPolicies, parsePolicy, precompilePolicy } from './index';

test("the module's example: an inline policy and an attached managed policy, evaluated together", () => {
  const r = parsePolicy('{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"logs:DeleteLogGroup","Resource":"*"}}', 'identity');
  assert.ok(r.ok);
  const basic = managedPolicies.get('arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole');
  assert.ok(basic);
  const input = (action: string) => ({ action, resource: 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f:log-stream:s', context: {} });
  assert.equal(evaluatePolicies([r.doc, basic.document], input('logs:PutLogEvents')), 'Allow');
  assert.equal(evaluatePolicies([r.doc, basic.document], input('logs:DeleteLogGroup')), 'Deny');
  assert.equal(evaluatePolicies([r.doc, basic.document], input('lambda:InvokeFunction')), 'None');
});

test('precompilePolicy leaves the answers unchanged', () => {
  const admin = managedPolicies.get('arn:aws:iam::aws:policy/AdministratorAccess')!.document;
  const power = managedPolicies.get('arn:aws:iam::aws:policy/PowerUserAccess')!.document;
  precompilePolicy(admin);
  precompilePolicy(power);
  assert.equal(evaluatePolicies([admin], { action: 'iam:CreateUser', resource: '*', context: {} }), 'Allow');
  // PowerUserAccess: everything but iam:*, organizations:*, account:* (with a few listed exceptions).
  assert.equal(evaluatePolicies([power], { action: 'lambda:CreateFunction', resource: '*', context: {} }), 'Allow');
  assert.equal(evaluatePolicies([power], { action: 'iam:CreateUser', resource: '*', context: {} }), 'None');
  assert.equal(evaluatePolicies([power], { action: 'iam:ListRoles', resource: '*', context: {} }), 'Allow');
});
