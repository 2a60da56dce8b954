import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cloudTrailRecord, userNameOf, type ApiCall } from './record';
import type { Principal } from '../identity/types';

const call = (principal: Principal | undefined, accessKeyId: string): ApiCall => ({
  service: 'lambda', eventName: 'GetFunction20150331', accessKeyId, principal, sourceIp: '127.0.0.1', userAgent: 'ua', requestId: 'r',
  region: 'us-east-1', accountId: '111122223333', timeMs: Date.UTC(2026, 0, 1), readOnly: true, input: {},
});

test("userIdentity as CloudTrail writes it for the account's root, an IAM user and a role session; LookupEvents' Username of each", () => {
  const root: Principal = { type: 'Root', accountId: '111122223333', arn: 'arn:aws:iam::111122223333:root', principalId: '111122223333', accessKeyId: 'AKIAROOT' };
  assert.deepEqual(cloudTrailRecord(call(root, 'AKIAROOT')).userIdentity, {
    type: 'Root', principalId: '111122223333', arn: 'arn:aws:iam::111122223333:root', accountId: '111122223333', accessKeyId: 'AKIAROOT',
  });
  // A call without a principal (the trail's callers before identities) is the root's.
  assert.deepEqual(cloudTrailRecord(call(undefined, 'AKIAROOT')).userIdentity, cloudTrailRecord(call(root, 'AKIAROOT')).userIdentity);
  const user: Principal = { type: 'IAMUser', accountId: '111122223333', arn: 'arn:aws:iam::111122223333:user/dev/alice', principalId: 'AIDAEXAMPLE', accessKeyId: 'AKIAALICE', userName: 'alice' };
  assert.deepEqual(cloudTrailRecord(call(user, 'AKIAALICE')).userIdentity, {
    type: 'IAMUser', principalId: 'AIDAEXAMPLE', arn: 'arn:aws:iam::111122223333:user/dev/alice', accountId: '111122223333', accessKeyId: 'AKIAALICE', userName: 'alice',
  });
  const role: Principal = {
    type: 'AssumedRole', accountId: '111122223333', arn: 'arn:aws:sts::111122223333:assumed-role/worker/job-1', principalId: 'AROAEXAMPLE:job-1', accessKeyId: 'ASIAJOB',
    roleArn: 'arn:aws:iam::111122223333:role/service/worker', sessionName: 'job-1', issuedAtMs: Date.UTC(2026, 0, 1, 12, 0, 0), expiresAtMs: Date.UTC(2026, 0, 1, 13),
  };
  assert.deepEqual(cloudTrailRecord(call(role, 'ASIAJOB')).userIdentity, {
    type: 'AssumedRole', principalId: 'AROAEXAMPLE:job-1', arn: 'arn:aws:sts::111122223333:assumed-role/worker/job-1', accountId: '111122223333', accessKeyId: 'ASIAJOB',
    sessionContext: {
      sessionIssuer: { type: 'Role', principalId: 'AROAEXAMPLE', arn: 'arn:aws:iam::111122223333:role/service/worker', accountId: '111122223333', userName: 'worker' },
      webIdFederationData: {},
      attributes: { creationDate: '2026-01-01T12:00:00Z', mfaAuthenticated: 'false' },
    },
  });
  assert.deepEqual([userNameOf(undefined), userNameOf(root), userNameOf(user), userNameOf(role)], ['root', 'root', 'alice', 'job-1']);
});

test('a refusal carries errorCode and errorMessage, and no responseElements', () => {
  const r = cloudTrailRecord({ ...call(undefined, 'AK'), readOnly: false, output: { x: 1 }, error: { code: 'AccessDeniedException', message: 'User: u is not authorized' } });
  assert.equal(r.errorCode, 'AccessDeniedException');
  assert.equal(r.errorMessage, 'User: u is not authorized');
  assert.equal(r.responseElements, null);
});

test("a refused data-plane call's contents never reach the trail", () => {
  const rec = (service: string, input: unknown) => cloudTrailRecord({ ...call(undefined, 'AK'), service, input, error: { code: 'AccessDenied', message: 'm' } }).requestParameters;
  assert.deepEqual(rec('sqs', { QueueUrl: 'u', MessageBody: 'secret' }), { queueUrl: 'u', messageBody: 'HIDDEN_DUE_TO_SECURITY_REASONS' });
  assert.deepEqual(rec('sns', { TopicArn: 't', Message: 'secret' }), { topicArn: 't', message: 'HIDDEN_DUE_TO_SECURITY_REASONS' });
  assert.deepEqual(rec('kinesis', { StreamName: 's', Data: 'c2VjcmV0' }), { streamName: 's', data: 'HIDDEN_DUE_TO_SECURITY_REASONS' });
});
