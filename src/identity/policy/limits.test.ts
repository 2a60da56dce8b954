import { test } from 'node:test';
import assert from 'node:assert/strict';
import { limitMessages, MANAGED_POLICY_CHARS_MAX, policySizeChars, ROLE_INLINE_POLICY_CHARS_MAX, TRUST_POLICY_CHARS_MAX, USER_INLINE_POLICY_CHARS_MAX } from './limits';
import { evalPrincipalOf } from './principal';
import { evaluatePolicies } from './evaluate';
import { parsePolicy } from './parse';

test("IAM's limits and AWS's words for them", () => {
  assert.equal(USER_INLINE_POLICY_CHARS_MAX, 2048);
  assert.equal(ROLE_INLINE_POLICY_CHARS_MAX, 10240);
  assert.equal(MANAGED_POLICY_CHARS_MAX, 6144);
  assert.equal(TRUST_POLICY_CHARS_MAX, 2048);
  assert.equal(limitMessages.userInline('alice'), 'Maximum policy size of 2048 bytes exceeded for user alice');
  assert.equal(limitMessages.roleInline('QueryRole'), 'Maximum policy size of 10240 bytes exceeded for role QueryRole');
  assert.equal(limitMessages.managed, 'Cannot exceed quota for PolicySize: 6144');
  assert.equal(limitMessages.trust, 'Cannot exceed quota for ACLSizePerRole: 2048');
});

test('policy size: white space is not counted, everything else is (characters, not bytes)', () => {
  assert.equal(policySizeChars('{ "a" :\n\t"b c" }\r\n'), 10);
  assert.equal(policySizeChars('"é"'), 3);
  const pretty = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }, null, 4);
  assert.equal(policySizeChars(pretty), JSON.stringify(JSON.parse(pretty)).length);
});

test("evalPrincipalOf: a caller is its ARN, its role (for a session), its account's root and the account id", () => {
  assert.deepEqual(evalPrincipalOf({ type: 'IAMUser', accountId: '123456789012', arn: 'arn:aws:iam::123456789012:user/alice', principalId: 'AIDA', accessKeyId: 'AKIA', userName: 'alice' }).aws, [
    'arn:aws:iam::123456789012:user/alice',
    'arn:aws:iam::123456789012:root',
    '123456789012',
  ]);
  const session = evalPrincipalOf({
    type: 'AssumedRole',
    accountId: '123456789012',
    arn: 'arn:aws:sts::123456789012:assumed-role/r/s',
    principalId: 'AROA:s',
    accessKeyId: 'ASIA',
    roleArn: 'arn:aws:iam::123456789012:role/r',
    sessionName: 's',
  });
  assert.deepEqual(session.aws, ['arn:aws:sts::123456789012:assumed-role/r/s', 'arn:aws:iam::123456789012:role/r', 'arn:aws:iam::123456789012:root', '123456789012']);
  assert.deepEqual(evalPrincipalOf({ type: 'Root', accountId: '123456789012', arn: 'arn:aws:iam::123456789012:root', principalId: '123456789012', accessKeyId: 'AKIA' }).aws, [
    'arn:aws:iam::123456789012:root',
    '123456789012',
  ]);
  // A function policy granting the account lets the role's session invoke.
  const r = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Principal: { AWS: '123456789012' }, Action: 'lambda:InvokeFunction', Resource: '*' } }), 'resource');
  assert.ok(r.ok);
  assert.equal(evaluatePolicies([r.doc], { action: 'lambda:InvokeFunction', resource: 'arn:aws:lambda:us-east-1:123456789012:function:f', context: {}, principal: session }), 'Allow');
  const byRole = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:role/r' }, Action: 'sqs:*' } }), 'resource');
  assert.ok(byRole.ok);
  assert.equal(evaluatePolicies([byRole.doc], { action: 'sqs:SendMessage', resource: 'q', context: {}, principal: session }), 'Allow');
});
