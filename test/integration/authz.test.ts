import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, IAMClient, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { CreateFunctionCommand, GetFunctionCommand, InvokeCommand, LambdaClient, ListFunctionsCommand, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { decode, makeZip, role, startServer, testCreds, type RunningServer } from './harness';

/**
 * Every API call authorised (issue 18 items 2 and 5) through the real server
 * with real IAM users, roles and sessions made by the SDK v3 IAM and STS
 * clients: a user allowed only lambda:InvokeFunction on one function, an
 * explicit deny beating an allow, a user allowed sqs:SendMessage on one
 * queue, an assumed-role session allowed by its role's policy; AWS's
 * AccessDenied errors and messages; each decision in the trail, found by
 * LookupEvents' Username. (An expired session is refused with
 * ExpiredTokenException: src/gateway/authz.test.ts through the gateway and
 * src/identity/identity-service.test.ts with a clock; STS's shortest session,
 * 900 s, is too long to wait for here.)
 */
const acct = '000000000000';
const region = 'us-east-1';
type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const fnArn = (n: string) => `arn:aws:lambda:${region}:${acct}:function:${n}`;
const queueArn = (n: string) => `arn:aws:sqs:${region}:${acct}:${n}`;
type AwsError = Error & { $metadata?: { httpStatusCode?: number } };

async function refused(p: Promise<unknown>, name: string, status: number, message: string): Promise<void> {
  await assert.rejects(p, (e: AwsError) => {
    assert.equal(e.name, name, `${e.name}: ${e.message}`);
    assert.equal(e.$metadata?.httpStatusCode, status);
    assert.equal(e.message, message);
    return true;
  });
}
const implicit = (arn: string, action: string, resource: string) => `User: ${arn} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;
const explicit = (arn: string, action: string, resource: string) => `User: ${arn} is not authorized to perform: ${action} on resource: ${resource} with an explicit deny in an identity-based policy`;

describe('authorisation of every call with IAM users, roles and sessions', () => {
  let s: RunningServer;
  const clients: { destroy(): void }[] = [];
  const track = <T extends { destroy(): void }>(c: T): T => (clients.push(c), c);
  const lambdaAs = (c: Creds) => track(new LambdaClient({ endpoint: s.endpoint, region, credentials: c, maxAttempts: 1 }));
  const sqsAs = (c: Creds) => track(new SQSClient({ endpoint: s.endpoint, region, credentials: c, maxAttempts: 1 }));
  let iam: IAMClient;
  let jobs = '';
  let other = '';

  async function user(name: string, doc: string): Promise<Creds> {
    await iam.send(new CreateUserCommand({ UserName: name }));
    await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: doc }));
    const k = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
    return { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
  }

  before(async () => {
    s = await startServer();
    iam = track(new IAMClient({ endpoint: s.endpoint, region, credentials: testCreds, maxAttempts: 1 }));
    const zip = await makeZip({ 'index.js': 'exports.handler = async (e) => ({ ok: e });' });
    for (const n of ['allowed-fn', 'other-fn']) {
      await s.client.send(new CreateFunctionCommand({ FunctionName: n, Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: zip } }));
      await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 30 }, { FunctionName: n });
    }
    const sqs = sqsAs(testCreds);
    jobs = (await sqs.send(new CreateQueueCommand({ QueueName: 'jobs' }))).QueueUrl!;
    other = (await sqs.send(new CreateQueueCommand({ QueueName: 'other-q' }))).QueueUrl!;
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await s.stop();
  });

  it('a user allowed only lambda:InvokeFunction on one function invokes it, and nothing else', async () => {
    const c = lambdaAs(await user('invoker', policy({ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: fnArn('allowed-fn') })));
    const arn = `arn:aws:iam::${acct}:user/invoker`;
    const r = await c.send(new InvokeCommand({ FunctionName: 'allowed-fn', Payload: Buffer.from('{"n":1}') }));
    assert.deepEqual(JSON.parse(decode(r.Payload)), { ok: { n: 1 } });
    await refused(c.send(new InvokeCommand({ FunctionName: 'other-fn' })), 'AccessDeniedException', 403, implicit(arn, 'lambda:InvokeFunction', fnArn('other-fn')));
    await refused(c.send(new ListFunctionsCommand({})), 'AccessDeniedException', 403, implicit(arn, 'lambda:ListFunctions', '*'));
    await refused(c.send(new GetFunctionCommand({ FunctionName: 'allowed-fn' })), 'AccessDeniedException', 403, implicit(arn, 'lambda:GetFunction', fnArn('allowed-fn')));
    // A version or alias is its own resource: the policy names the unqualified function only.
    await refused(c.send(new InvokeCommand({ FunctionName: 'allowed-fn', Qualifier: '$LATEST' })), 'AccessDeniedException', 403, implicit(arn, 'lambda:InvokeFunction', `${fnArn('allowed-fn')}:$LATEST`));
  });

  it('an explicit deny beats an allow', async () => {
    const c = lambdaAs(await user('denied', policy(
      { Effect: 'Allow', Action: 'lambda:*', Resource: '*' },
      { Effect: 'Deny', Action: 'lambda:InvokeFunction', Resource: fnArn('allowed-fn') },
    )));
    await refused(c.send(new InvokeCommand({ FunctionName: 'allowed-fn' })), 'AccessDeniedException', 403, explicit(`arn:aws:iam::${acct}:user/denied`, 'lambda:InvokeFunction', fnArn('allowed-fn')));
    assert.equal((await c.send(new GetFunctionCommand({ FunctionName: 'allowed-fn' }))).Configuration?.FunctionName, 'allowed-fn');
    await c.send(new InvokeCommand({ FunctionName: 'other-fn' }));
  });

  it('a user allowed sqs:SendMessage on one queue sends there only', async () => {
    const c = sqsAs(await user('sender', policy({ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queueArn('jobs') })));
    const arn = `arn:aws:iam::${acct}:user/sender`;
    assert.ok((await c.send(new SendMessageCommand({ QueueUrl: jobs, MessageBody: 'hi' }))).MessageId);
    await refused(c.send(new SendMessageCommand({ QueueUrl: other, MessageBody: 'hi' })), 'AccessDenied', 403, implicit(arn, 'sqs:sendmessage', queueArn('other-q')));
    await refused(c.send(new GetQueueAttributesCommand({ QueueUrl: jobs })), 'AccessDenied', 403, implicit(arn, 'sqs:getqueueattributes', queueArn('jobs')));
  });

  it("an assumed-role session is allowed what its role's policy allows", async () => {
    // Root may not assume roles (as at AWS): a user the trust policy names does.
    const assumer = await user('assumer', policy({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${acct}:role/worker` }));
    await iam.send(new CreateRoleCommand({
      RoleName: 'worker',
      AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:user/assumer` }, Action: 'sts:AssumeRole' }),
    }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'worker', PolicyName: 'send', PolicyDocument: policy({ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queueArn('jobs') }) }));
    const sts = track(new STSClient({ endpoint: s.endpoint, region, credentials: assumer, maxAttempts: 1 }));
    const cr = (await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${acct}:role/worker`, RoleSessionName: 'job-1' }))).Credentials!;
    const c = sqsAs({ accessKeyId: cr.AccessKeyId!, secretAccessKey: cr.SecretAccessKey!, sessionToken: cr.SessionToken! });
    assert.ok((await c.send(new SendMessageCommand({ QueueUrl: jobs, MessageBody: 'from the role' }))).MessageId);
    await refused(c.send(new SendMessageCommand({ QueueUrl: other, MessageBody: 'x' })), 'AccessDenied', 403, implicit(`arn:aws:sts::${acct}:assumed-role/worker/job-1`, 'sqs:sendmessage', queueArn('other-q')));
    // The session token is part of the signature: another token with the same key is not this session.
    const forged = sqsAs({ accessKeyId: cr.AccessKeyId!, secretAccessKey: cr.SecretAccessKey!, sessionToken: Buffer.from('forged').toString('base64') });
    await assert.rejects(forged.send(new SendMessageCommand({ QueueUrl: jobs, MessageBody: 'x' })), (e: AwsError) => e.$metadata?.httpStatusCode === 403 || e.$metadata?.httpStatusCode === 400);
  });

  it('each decision is in the trail: LookupEvents by Username finds a user\'s refusals (data-plane ones too), with its userIdentity', async () => {
    const ct = track(new CloudTrailClient({ endpoint: s.endpoint, region, credentials: testCreds, maxAttempts: 1 }));
    const byUser = async (name: string) => {
      for (let i = 0; i < 50; i++) {
        const events = (await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'Username', AttributeValue: name }] }))).Events ?? [];
        if (events.length) return events;
        await new Promise((r) => setTimeout(r, 50));
      }
      return [];
    };
    const inv = await byUser('invoker');
    const recs = inv.map((e) => JSON.parse(e.CloudTrailEvent!) as { eventName: string; errorCode?: string; errorMessage?: string; userIdentity: Record<string, unknown> });
    assert.ok(inv.every((e) => e.Username === 'invoker'));
    const denials = recs.filter((r) => r.errorCode === 'AccessDeniedException').map((r) => r.eventName).sort();
    assert.deepEqual(denials, ['GetFunction20150331', 'Invoke20150331', 'Invoke20150331', 'ListFunctions20150331']);
    const listed = recs.find((r) => r.eventName === 'ListFunctions20150331')!;
    assert.equal(listed.errorMessage, implicit(`arn:aws:iam::${acct}:user/invoker`, 'lambda:ListFunctions', '*'));
    assert.equal(listed.userIdentity.type, 'IAMUser');
    assert.equal(listed.userIdentity.userName, 'invoker');
    assert.equal(listed.userIdentity.arn, `arn:aws:iam::${acct}:user/invoker`);
    assert.match(String(listed.userIdentity.principalId), /^AIDA/);
    // An allowed invoke is a data event: not in the trail.
    assert.ok(!recs.some((r) => r.eventName === 'Invoke20150331' && !r.errorCode));

    const sent = (await byUser('sender')).map((e) => JSON.parse(e.CloudTrailEvent!) as { eventName: string; errorCode?: string });
    assert.deepEqual(sent.map((r) => [r.eventName, r.errorCode]).sort(), [['GetQueueAttributes', 'AccessDenied'], ['SendMessage', 'AccessDenied']]);

    const session = (await byUser('job-1')).map((e) => JSON.parse(e.CloudTrailEvent!) as { eventName: string; errorCode?: string; userIdentity: Record<string, any> });
    const refusal = session.find((r) => r.eventName === 'SendMessage')!;
    assert.equal(refusal.errorCode, 'AccessDenied');
    assert.equal(refusal.userIdentity.type, 'AssumedRole');
    assert.equal(refusal.userIdentity.arn, `arn:aws:sts::${acct}:assumed-role/worker/job-1`);
    assert.match(String(refusal.userIdentity.principalId), /^AROA[A-Z2-7]+:job-1$/);
    assert.deepEqual(
      { type: refusal.userIdentity.sessionContext.sessionIssuer.type, arn: refusal.userIdentity.sessionContext.sessionIssuer.arn, userName: refusal.userIdentity.sessionContext.sessionIssuer.userName },
      { type: 'Role', arn: `arn:aws:iam::${acct}:role/worker`, userName: 'worker' },
    );
    assert.equal(refusal.userIdentity.sessionContext.attributes.mfaAuthenticated, 'false');
    assert.match(String(refusal.userIdentity.sessionContext.attributes.creationDate), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

    const root = await byUser('root');
    assert.ok(root.some((e) => e.EventName === 'CreateFunction20150331'));
  });
});
