import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  AddPermissionCommand, CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, GetQueueUrlCommand, ListQueuesCommand,
  ReceiveMessageCommand, RemovePermissionCommand, SendMessageCommand, SetQueueAttributesCommand, SQSClient,
} from '@aws-sdk/client-sqs';
import {
  AddPermissionCommand as SnsAddPermissionCommand, CreateTopicCommand, GetSubscriptionAttributesCommand, GetTopicAttributesCommand, PublishCommand,
  RemovePermissionCommand as SnsRemovePermissionCommand, SetTopicAttributesCommand, SNSClient, SubscribeCommand,
} from '@aws-sdk/client-sns';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { SignatureV4 } from '@smithy/signature-v4';
import { startServer, testCreds, type RunningServer } from './harness';
import { Sha256 } from './sha256';
import { startPostgres, type ThrowawayPostgres } from '../postgres';

/**
 * Queue policies (SQS's Policy attribute, AddPermission, RemovePermission)
 * and topic policies (SNS's) on a server with several accounts (issue 18):
 * AWS's shapes and errors, enforced through the gateway for callers of
 * another account (both sides must allow) and for IAM users of the owner's
 * account named by the policy, kept across a restart, on SQLite and PostgreSQL.
 */

const home = '000000000000';
const other = '111111111111';
const third = '222222222222';
const region = 'us-east-1';
const qArn = (acct: string, name: string) => `arn:aws:sqs:${region}:${acct}:${name}`;
const tArn = (acct: string, name: string) => `arn:aws:sns:${region}:${acct}:${name}`;
const root = (acct: string) => `arn:aws:iam::${acct}:root`;

type Creds = { accessKeyId: string; secretAccessKey: string };
const credsOf = (dataDir: string, acct: string): Creds =>
  JSON.parse(fs.readFileSync(path.join(dataDir, 'accounts', acct, 'credentials.json'), 'utf8')) as Creds;

function clients(endpoint: string, credentials: Creds) {
  const base = { endpoint, region, credentials, maxAttempts: 1 };
  return { sqs: new SQSClient(base), sns: new SNSClient(base), iam: new IAMClient(base), credentials };
}
type Clients = ReturnType<typeof clients>;

async function rejects(p: Promise<unknown>, name: string, message?: string | RegExp, status?: number): Promise<void> {
  await assert.rejects(p, (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(e.name, name, e.message);
    if (typeof message === 'string') assert.equal(e.message, message);
    else if (message) assert.match(e.message, message);
    if (status !== undefined) assert.equal(e.$metadata?.httpStatusCode, status);
    return true;
  });
}

const policy = (...Statement: Record<string, unknown>[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const allowAll = policy({ Effect: 'Allow', Action: '*', Resource: '*' });
const deniedBy = (who: string, action: string, resource: string) =>
  `User: ${who} is not authorized to perform: ${action} on resource: ${resource} because no resource-based policy allows the ${action} action`;

/** An IAM user of an account with an access key, and (optionally) an identity policy. */
async function user(owner: Clients, endpoint: string, name: string, identityPolicy?: string): Promise<Clients> {
  await owner.iam.send(new CreateUserCommand({ UserName: name }));
  if (identityPolicy) await owner.iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: identityPolicy }));
  const k = (await owner.iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  return clients(endpoint, { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! });
}

/** A signed SQS query-protocol request (Action=…, form POST, XML), as the aws CLI v2 of Debian 12 sends it. */
async function sqsQuery(endpoint: string, creds: Creds, urlPath: string, params: Record<string, string>): Promise<{ status: number; xml: string }> {
  const u = new URL(endpoint);
  const signer = new SignatureV4({ service: 'sqs', region, credentials: creds, sha256: Sha256 });
  const body = new URLSearchParams({ Version: '2012-11-05', ...params }).toString();
  const signed = await signer.sign({
    method: 'POST', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: urlPath,
    headers: { host: u.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body,
  });
  const r = await fetch(`${endpoint}${urlPath}`, { method: 'POST', headers: signed.headers as Record<string, string>, body });
  return { status: r.status, xml: await r.text() };
}

function policiesSuite(mode: 'sqlite' | 'postgres') {
  describe(`queue and topic policies, several accounts (${mode})`, () => {
    let s: RunningServer;
    let pg: ThrowawayPostgres | undefined;
    let a: Clients;
    let b: Clients;
    let c: Clients;
    const env = (): Record<string, string> => ({ KUMO_ACCOUNTS: `${other},${third}`, ...(pg ? { KUMO_DATABASE_URL: pg.url } : {}) });
    const connect = () => {
      a = clients(s.endpoint, testCreds);
      b = clients(s.endpoint, credsOf(s.dataDir, other));
      c = clients(s.endpoint, credsOf(s.dataDir, third));
    };
    const urlOf = (acct: string, name: string) => `${s.endpoint}/${acct}/${name}`;
    const queuePolicy = async (cl: Clients, url: string) => (await cl.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['Policy'] }))).Attributes?.Policy;

    before(async () => {
      if (mode === 'postgres') pg = await startPostgres();
      s = await startServer({ env: env() });
      connect();
    });
    after(async () => {
      await s?.stop();
      pg?.stop();
    });

    it('SQS Policy attribute: set at CreateQueue and SetQueueAttributes, returned as set, cleared with an empty string', async () => {
      const text = policy({ Sid: 'b', Effect: 'Allow', Principal: { AWS: other }, Action: 'sqs:SendMessage', Resource: qArn(home, 'with-policy') });
      const { QueueUrl } = await a.sqs.send(new CreateQueueCommand({ QueueName: 'with-policy', Attributes: { Policy: text } }));
      assert.equal(await queuePolicy(a, QueueUrl!), text);
      const all = (await a.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }))).Attributes!;
      assert.equal(all.Policy, text);
      // CreateQueue again with the same Policy is idempotent; a different one is QueueNameExists.
      await a.sqs.send(new CreateQueueCommand({ QueueName: 'with-policy', Attributes: { Policy: text } }));
      await rejects(a.sqs.send(new CreateQueueCommand({ QueueName: 'with-policy', Attributes: { Policy: policy({ Effect: 'Allow', Principal: '*', Action: 'sqs:*', Resource: '*' }) } })),
        'QueueNameExists', 'A queue already exists with the same name and a different value for attribute Policy');
      const next = policy({ Effect: 'Allow', Principal: { AWS: root(third) }, Action: ['sqs:ReceiveMessage'], Resource: qArn(home, 'with-policy') });
      await a.sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: next } }));
      assert.equal(await queuePolicy(a, QueueUrl!), next);
      await a.sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: '' } }));
      assert.equal(await queuePolicy(a, QueueUrl!), undefined);
      assert.equal((await a.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }))).Attributes!.Policy, undefined);
    });

    it('SQS refuses a Policy that is no resource policy, or over its quotas, with InvalidAttributeValue, and creates nothing', async () => {
      const bad = async (p: string, reason: RegExp) => {
        await rejects(a.sqs.send(new CreateQueueCommand({ QueueName: 'bad-policy', Attributes: { Policy: p } })), 'InvalidAttributeValue', reason, 400);
      };
      await bad('not json', /^Invalid value for the parameter Policy\. Reason: The policy is not valid JSON\.$/);
      await bad('{}', /^Invalid value for the parameter Policy\. Reason: Syntax errors in policy\.$/);
      await bad(JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'sqs:*', Resource: '*' }] }), /^Invalid value for the parameter Policy\. Reason: Missing required field Principal\.$/);
      await bad(policy({ Effect: 'Allow', Principal: { AWS: 'nobody' }, Action: 'sqs:*', Resource: '*' }), /Reason: Invalid principal in policy: "AWS":"nobody"\.$/);
      const many = Array.from({ length: 21 }, (_, i) => ({ Sid: `s${i}`, Effect: 'Allow', Principal: '*', Action: 'sqs:SendMessage', Resource: '*' }));
      await bad(policy(...many), /Reason: The policy has 21 statements, more than the 20 allowed\.$/);
      const big = policy({ Effect: 'Allow', Principal: '*', Action: 'sqs:SendMessage', Resource: '*', Condition: { StringEquals: { 'aws:UserAgent': 'x'.repeat(8200) } } });
      await bad(big, /Reason: The policy is \d+ bytes, more than the 8192 bytes allowed\.$/);
      await rejects(a.sqs.send(new GetQueueUrlCommand({ QueueName: 'bad-policy' })), 'QueueDoesNotExist');
      const { QueueUrl } = await a.sqs.send(new CreateQueueCommand({ QueueName: 'keeps-policy' }));
      await rejects(a.sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: '[]' } })), 'InvalidAttributeValue', /^Invalid value for the parameter Policy\./);
      assert.equal(await queuePolicy(a, QueueUrl!), undefined);
    });

    it('AddPermission / RemovePermission edit the Policy as AWS does (statement per label; the last one removes the Policy)', async () => {
      const { QueueUrl } = await a.sqs.send(new CreateQueueCommand({ QueueName: 'perms' }));
      const arn = qArn(home, 'perms');
      await a.sqs.send(new AddPermissionCommand({ QueueUrl, Label: 'crossaccountpermission', AWSAccountIds: [other, home], Actions: ['ReceiveMessage'] }));
      assert.deepEqual(JSON.parse((await queuePolicy(a, QueueUrl!))!), {
        Version: '2008-10-17', Id: `${arn}/SQSDefaultPolicy`,
        Statement: [{ Sid: 'crossaccountpermission', Effect: 'Allow', Principal: { AWS: [root(other), root(home)] }, Action: 'SQS:ReceiveMessage', Resource: arn }],
      });
      await a.sqs.send(new RemovePermissionCommand({ QueueUrl, Label: 'crossaccountpermission' }));
      assert.equal(await queuePolicy(a, QueueUrl!), undefined);

      await a.sqs.send(new AddPermissionCommand({ QueueUrl, Label: 'one', AWSAccountIds: [home], Actions: ['ReceiveMessage'] }));
      await rejects(a.sqs.send(new AddPermissionCommand({ QueueUrl, Label: 'one', AWSAccountIds: [other], Actions: ['ReceiveMessage'] })),
        'InvalidParameterValue', 'Value one for parameter Label is invalid. Reason: Already exists.', 400);
      await a.sqs.send(new AddPermissionCommand({ QueueUrl, Label: 'two', AWSAccountIds: [other], Actions: ['SendMessage', 'GetQueueAttributes'] }));
      const two = JSON.parse((await queuePolicy(a, QueueUrl!))!);
      assert.deepEqual(two.Statement.map((x: { Sid: string }) => x.Sid), ['one', 'two']);
      assert.deepEqual(two.Statement[0].Principal, { AWS: root(home) });
      assert.deepEqual(two.Statement[1].Action, ['SQS:SendMessage', 'SQS:GetQueueAttributes']);
      await a.sqs.send(new RemovePermissionCommand({ QueueUrl, Label: 'one' }));
      assert.deepEqual(JSON.parse((await queuePolicy(a, QueueUrl!))!).Statement.map((x: { Sid: string }) => x.Sid), ['two']);
      await a.sqs.send(new RemovePermissionCommand({ QueueUrl, Label: 'two' }));
      await rejects(a.sqs.send(new RemovePermissionCommand({ QueueUrl, Label: 'two' })),
        'InvalidParameterValue', "Value two for parameter Label is invalid. Reason: can't find label.", 400);
    });

    it("AddPermission's refusals: AWS's errors, and nothing written", async () => {
      const { QueueUrl } = await a.sqs.send(new CreateQueueCommand({ QueueName: 'perm-errors' }));
      const add = (Label: string, AWSAccountIds: string[], Actions: string[]) => a.sqs.send(new AddPermissionCommand({ QueueUrl, Label, AWSAccountIds, Actions }));
      await rejects(add('x', [other], ['CreateQueue']), 'InvalidParameterValue',
        'Value SQS:CreateQueue for parameter ActionName is invalid. Reason: Only the queue owner is allowed to invoke this action.');
      await rejects(add('x', [other], ['Bogus']), 'InvalidParameterValue',
        'Value SQS:Bogus for parameter ActionName is invalid. Reason: Please refer to the appropriate WSDL for a list of valid actions.');
      await rejects(add('x', [other], ['SendMessage', 'ReceiveMessage', 'DeleteMessage', 'ChangeMessageVisibility', 'GetQueueAttributes', 'GetQueueUrl', 'PurgeQueue', 'ListQueueTags']),
        'OverLimit', '8 Actions were found, maximum allowed is 7.', 403);
      await rejects(add('x', [], ['SendMessage']), 'InvalidParameterValue', 'Value [] for parameter PrincipalId is invalid. Reason: Unable to verify.');
      await rejects(add('x', ['12345'], ['SendMessage']), 'InvalidParameterValue', 'Value [12345] for parameter PrincipalId is invalid. Reason: Unable to verify.');
      await rejects(add('has space', [other], ['SendMessage']), 'InvalidParameterValue', /^Value has space for parameter Label is invalid\./);
      await rejects(add('x'.repeat(81), [other], ['SendMessage']), 'InvalidParameterValue', /for parameter Label is invalid\. Reason: Can only include alphanumeric characters, hyphens, or underscores\. 1 to 80 in length\.$/);
      await rejects(add('x', [other], []), 'MissingParameter', 'The request must contain the parameter Actions.');
      await rejects(a.sqs.send(new AddPermissionCommand({ QueueUrl: urlOf(home, 'nope'), Label: 'x', AWSAccountIds: [other], Actions: ['SendMessage'] })), 'QueueDoesNotExist');
      assert.equal(await queuePolicy(a, QueueUrl!), undefined);
      // 20 statements at most: the 21st is OverLimit.
      for (let i = 0; i < 20; i++) await add(`l${i}`, [other], ['SendMessage']);
      await rejects(add('l20', [other], ['SendMessage']), 'OverLimit', '21 Statements were found, maximum allowed is 20.');
      assert.equal(JSON.parse((await queuePolicy(a, QueueUrl!))!).Statement.length, 20);
    });

    it('concurrent AddPermission calls on one queue lose no statement (one transaction each)', async () => {
      const { QueueUrl } = await a.sqs.send(new CreateQueueCommand({ QueueName: 'perm-race' }));
      await Promise.all(Array.from({ length: 12 }, (_, i) => a.sqs.send(new AddPermissionCommand({ QueueUrl, Label: `p${i}`, AWSAccountIds: [other], Actions: ['SendMessage'] }))));
      const sids = JSON.parse((await queuePolicy(a, QueueUrl!))!).Statement.map((x: { Sid: string }) => x.Sid).sort();
      assert.deepEqual(sids, Array.from({ length: 12 }, (_, i) => `p${i}`).sort());
    });

    it('cross-account send, receive and delete by queue URL: refused without a policy (SQS AccessDenied), allowed by AddPermission naming the account', async () => {
      const { QueueUrl } = await a.sqs.send(new CreateQueueCommand({ QueueName: 'shared' }));
      assert.equal(QueueUrl, urlOf(home, 'shared'));
      const arn = qArn(home, 'shared');
      await rejects(b.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' })), 'AccessDenied', deniedBy(root(other), 'sqs:sendmessage', arn), 403);
      await rejects(b.sqs.send(new ReceiveMessageCommand({ QueueUrl })), 'AccessDenied', deniedBy(root(other), 'sqs:receivemessage', arn));

      await a.sqs.send(new AddPermissionCommand({ QueueUrl, Label: 'b-uses', AWSAccountIds: [other], Actions: ['SendMessage', 'ReceiveMessage', 'DeleteMessage', 'GetQueueUrl'] }));
      await b.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'from b' }));
      const got = await b.sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
      assert.equal(got.Messages?.[0]?.Body, 'from b');
      await b.sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: got.Messages![0]!.ReceiptHandle! }));
      const left = await a.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
      assert.deepEqual(left.Attributes, { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' }, 'the message was A’s queue’s, and is gone');
      // GetQueueUrl names the owner's account.
      assert.equal((await b.sqs.send(new GetQueueUrlCommand({ QueueName: 'shared', QueueOwnerAWSAccountId: home }))).QueueUrl, QueueUrl);
      // Only what the statement allows, and only to the account it names; B's own queues stay B's.
      await rejects(b.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] })), 'AccessDenied', deniedBy(root(other), 'sqs:getqueueattributes', arn));
      await rejects(c.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' })), 'AccessDenied', deniedBy(root(third), 'sqs:sendmessage', arn));
      assert.deepEqual((await b.sqs.send(new ListQueuesCommand({}))).QueueUrls ?? [], []);
      // A queue URL of an account this server does not have: no such queue.
      await rejects(b.sqs.send(new SendMessageCommand({ QueueUrl: urlOf('333333333333', 'shared'), MessageBody: 'x' })), 'QueueDoesNotExist');

      await a.sqs.send(new RemovePermissionCommand({ QueueUrl, Label: 'b-uses' }));
      await rejects(b.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' })), 'AccessDenied');
    });

    it("another account's users: their own identity policy AND the queue policy; a policy naming one user allows that user only; an explicit Deny wins", async () => {
      const { QueueUrl } = await a.sqs.send(new CreateQueueCommand({ QueueName: 'users' }));
      const arn = qArn(home, 'users');
      const bob = await user(b, s.endpoint, 'bob', allowAll);
      const nopol = await user(b, s.endpoint, 'nopol');
      const carol = await user(b, s.endpoint, 'carol', allowAll);
      await a.sqs.send(new AddPermissionCommand({ QueueUrl, Label: 'acct', AWSAccountIds: [other], Actions: ['SendMessage'] }));
      await bob.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'bob' }));
      // Named through its account, but its own account grants it nothing.
      await rejects(nopol.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' })), 'AccessDenied',
        `User: arn:aws:iam::${other}:user/nopol is not authorized to perform: sqs:sendmessage on resource: ${arn} because no identity-based policy allows the sqs:sendmessage action`);
      // A policy naming carol only: carol may, bob and B's root may not.
      await a.sqs.send(new SetQueueAttributesCommand({
        QueueUrl, Attributes: { Policy: policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${other}:user/carol` }, Action: 'sqs:SendMessage', Resource: arn }) },
      }));
      await carol.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'carol' }));
      await rejects(bob.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' })), 'AccessDenied');
      await rejects(b.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' })), 'AccessDenied');
      // An explicit Deny for the account beats the allow.
      await a.sqs.send(new SetQueueAttributesCommand({
        QueueUrl, Attributes: {
          Policy: policy(
            { Sid: 'allow', Effect: 'Allow', Principal: { AWS: other }, Action: 'sqs:*', Resource: arn },
            { Sid: 'deny', Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${other}:user/carol` }, Action: 'sqs:SendMessage', Resource: arn },
          ),
        },
      }));
      await bob.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'bob again' }));
      await rejects(carol.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' })), 'AccessDenied',
        `User: arn:aws:iam::${other}:user/carol is not authorized to perform: sqs:sendmessage on resource: ${arn} with an explicit deny in a resource-based policy`);
    });

    it('same account: an IAM user with no identity policy is allowed what the queue policy names it for, and nothing else', async () => {
      const { QueueUrl } = await a.sqs.send(new CreateQueueCommand({ QueueName: 'same-account' }));
      const arn = qArn(home, 'same-account');
      const alice = await user(a, s.endpoint, 'alice');
      await rejects(alice.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' })), 'AccessDenied',
        `User: arn:aws:iam::${home}:user/alice is not authorized to perform: sqs:sendmessage on resource: ${arn} because no identity-based policy allows the sqs:sendmessage action`);
      await a.sqs.send(new SetQueueAttributesCommand({
        QueueUrl, Attributes: { Policy: policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${home}:user/alice` }, Action: 'sqs:SendMessage', Resource: arn }) },
      }));
      await alice.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'alice' }));
      await rejects(alice.sqs.send(new ReceiveMessageCommand({ QueueUrl })), 'AccessDenied');
      // Naming the account only delegates to the identity policies: it does not allow alice by itself.
      await a.sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: policy({ Effect: 'Allow', Principal: { AWS: home }, Action: 'sqs:SendMessage', Resource: arn }) } }));
      await rejects(alice.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' })), 'AccessDenied');
    });

    it('the query protocol: AddPermission (AWSAccountId.N, ActionName.N), and another account sending by POSTing to the queue URL', async () => {
      const { QueueUrl } = await a.sqs.send(new CreateQueueCommand({ QueueName: 'by-query' }));
      const qpath = `/${home}/by-query`;
      const added = await sqsQuery(s.endpoint, testCreds, qpath, {
        Action: 'AddPermission', Label: 'q', 'AWSAccountId.1': other, 'ActionName.1': 'SendMessage', 'ActionName.2': 'ReceiveMessage',
      });
      assert.equal(added.status, 200, added.xml);
      assert.match(added.xml, /^<AddPermissionResponse xmlns="http:\/\/queue.amazonaws.com\/doc\/2012-11-05\/"><ResponseMetadata>/);
      assert.deepEqual(JSON.parse((await queuePolicy(a, QueueUrl!))!).Statement[0].Action, ['SQS:SendMessage', 'SQS:ReceiveMessage']);
      const dup = await sqsQuery(s.endpoint, testCreds, qpath, { Action: 'AddPermission', Label: 'q', 'AWSAccountId.1': other, 'ActionName.1': 'SendMessage' });
      assert.equal(dup.status, 400);
      assert.match(dup.xml, /<Code>InvalidParameterValue<\/Code><Message>Value q for parameter Label is invalid. Reason: Already exists.<\/Message>/);
      // B posts to A's queue URL without a QueueUrl member: the path names the queue and its account.
      const sent = await sqsQuery(s.endpoint, b.credentials, qpath, { Action: 'SendMessage', MessageBody: 'by query' });
      assert.equal(sent.status, 200, sent.xml);
      const refused = await sqsQuery(s.endpoint, c.credentials, qpath, { Action: 'SendMessage', MessageBody: 'x' });
      assert.equal(refused.status, 403);
      assert.match(refused.xml, new RegExp(`<Code>AccessDenied</Code><Message>${deniedBy(root(third), 'sqs:sendmessage', qArn(home, 'by-query'))}</Message>`));
      const removed = await sqsQuery(s.endpoint, testCreds, qpath, { Action: 'RemovePermission', Label: 'q' });
      assert.equal(removed.status, 200, removed.xml);
      assert.equal((await sqsQuery(s.endpoint, b.credentials, qpath, { Action: 'SendMessage', MessageBody: 'x' })).status, 403);
    });

    it('SNS Policy attribute: the default policy until one is set; set at CreateTopic and SetTopicAttributes; refused in SNS’s words', async () => {
      const { TopicArn } = await a.sns.send(new CreateTopicCommand({ Name: 'plain' }));
      const dflt = JSON.parse((await a.sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes!.Policy!);
      assert.equal(dflt.Id, '__default_policy_ID');
      assert.deepEqual(dflt.Statement[0].Condition, { StringEquals: { 'AWS:SourceOwner': home } });
      const text = policy({ Sid: 'pub', Effect: 'Allow', Principal: { AWS: other }, Action: 'sns:Publish', Resource: tArn(home, 'with-policy') });
      const t = await a.sns.send(new CreateTopicCommand({ Name: 'with-policy', Attributes: { Policy: text } }));
      assert.equal((await a.sns.send(new GetTopicAttributesCommand({ TopicArn: t.TopicArn }))).Attributes!.Policy, text);
      const next = policy({ Effect: 'Allow', Principal: '*', Action: 'sns:Subscribe', Resource: t.TopicArn! });
      await a.sns.send(new SetTopicAttributesCommand({ TopicArn: t.TopicArn, AttributeName: 'Policy', AttributeValue: next }));
      assert.equal((await a.sns.send(new GetTopicAttributesCommand({ TopicArn: t.TopicArn }))).Attributes!.Policy, next);
      for (const [value, message] of [
        ['', 'Invalid parameter: Policy Error: null'],
        ['nope', 'Invalid parameter: Policy Error: null'],
        ['{}', 'Invalid parameter: Policy Error: Syntax errors in policy.'],
        [JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'sns:*', Resource: '*' }] }), 'Invalid parameter: Policy Error: Missing required field Principal'],
      ] as const) {
        await rejects(a.sns.send(new SetTopicAttributesCommand({ TopicArn: t.TopicArn, AttributeName: 'Policy', AttributeValue: value })), 'InvalidParameterException', message, 400);
      }
      assert.equal((await a.sns.send(new GetTopicAttributesCommand({ TopicArn: t.TopicArn }))).Attributes!.Policy, next, 'a refused policy changes nothing');
      await rejects(a.sns.send(new CreateTopicCommand({ Name: 'bad-policy', Attributes: { Policy: '{}' } })), 'InvalidParameterException', 'Invalid parameter: Policy Error: Syntax errors in policy.');
    });

    it('SNS AddPermission / RemovePermission: statements appended to the default policy, AWS’s errors', async () => {
      const { TopicArn } = await a.sns.send(new CreateTopicCommand({ Name: 'perm-topic' }));
      const before = (await a.sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes!.Policy!;
      await a.sns.send(new SnsAddPermissionCommand({ TopicArn, Label: 'test', AWSAccountId: [other], ActionName: ['Publish'] }));
      const p = JSON.parse((await a.sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes!.Policy!);
      assert.equal(p.Statement[0].Sid, '__default_statement_ID');
      assert.deepEqual(p.Statement[1], { Sid: 'test', Effect: 'Allow', Principal: { AWS: root(other) }, Action: 'SNS:Publish', Resource: TopicArn });
      await a.sns.send(new SnsAddPermissionCommand({ TopicArn, Label: 'multi', AWSAccountId: [other, third], ActionName: ['Publish', 'Subscribe'] }));
      const m = JSON.parse((await a.sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes!.Policy!).Statement[2];
      assert.deepEqual([m.Principal.AWS, m.Action], [[root(other), root(third)], ['SNS:Publish', 'SNS:Subscribe']]);
      await rejects(a.sns.send(new SnsAddPermissionCommand({ TopicArn, Label: 'test', AWSAccountId: [other], ActionName: ['AddPermission'] })),
        'InvalidParameterException', 'Invalid parameter: Statement already exists', 400);
      await rejects(a.sns.send(new SnsAddPermissionCommand({ TopicArn, Label: 'test-2', AWSAccountId: [other], ActionName: ['InvalidAction'] })),
        'InvalidParameterException', 'Invalid parameter: Policy statement action out of service scope!');
      await rejects(a.sns.send(new SnsAddPermissionCommand({ TopicArn: `${TopicArn}-not-existing`, Label: 'test-2', AWSAccountId: [other], ActionName: ['Publish'] })),
        'NotFoundException', 'Topic does not exist', 404);
      await rejects(a.sns.send(new SnsRemovePermissionCommand({ TopicArn: `${TopicArn}-not-existing`, Label: 'test' })), 'NotFoundException', 'Topic does not exist');
      await rejects(a.sns.send(new SnsAddPermissionCommand({ TopicArn, Label: 'x', AWSAccountId: ['abc'], ActionName: ['Publish'] })), 'InvalidParameterException', 'Invalid parameter: AWSAccountId');
      await a.sns.send(new SnsRemovePermissionCommand({ TopicArn, Label: 'multi' }));
      await a.sns.send(new SnsRemovePermissionCommand({ TopicArn, Label: 'test' }));
      assert.deepEqual(JSON.parse((await a.sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes!.Policy!), JSON.parse(before));
      await a.sns.send(new SnsRemovePermissionCommand({ TopicArn, Label: 'never-added' }));
    });

    it('cross-account publish and subscribe: AuthorizationError without the topic’s permission, allowed by AddPermission', async () => {
      const { TopicArn } = await a.sns.send(new CreateTopicCommand({ Name: 'events' }));
      const { QueueUrl } = await a.sqs.send(new CreateQueueCommand({ QueueName: 'events-sink' }));
      await a.sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: qArn(home, 'events-sink') }));
      await rejects(b.sns.send(new PublishCommand({ TopicArn, Message: 'x' })), 'AuthorizationErrorException',
        deniedBy(root(other), 'SNS:Publish', TopicArn!), 403);
      await a.sns.send(new SnsAddPermissionCommand({ TopicArn, Label: 'b-publishes', AWSAccountId: [other], ActionName: ['Publish'] }));
      await b.sns.send(new PublishCommand({ TopicArn, Message: 'from b' }));
      // The owner's subscription delivers it as any publish (same-account delivery).
      const got = await a.sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 10 }));
      assert.equal(JSON.parse(got.Messages![0]!.Body!).Message, 'from b');
      await rejects(c.sns.send(new PublishCommand({ TopicArn, Message: 'x' })), 'AuthorizationErrorException');

      // B subscribes its own queue to A's topic once A's policy allows sns:Subscribe.
      await b.sqs.send(new CreateQueueCommand({ QueueName: 'b-inbox' }));
      const subscribe = () => b.sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: qArn(other, 'b-inbox'), ReturnSubscriptionArn: true }));
      await rejects(subscribe(), 'AuthorizationErrorException', deniedBy(root(other), 'SNS:Subscribe', TopicArn!));
      await a.sns.send(new SnsAddPermissionCommand({ TopicArn, Label: 'b-subscribes', AWSAccountId: [other], ActionName: ['Subscribe'] }));
      const sub = await subscribe();
      assert.ok(sub.SubscriptionArn!.startsWith(`${TopicArn}:`));
      const attrs = (await a.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: sub.SubscriptionArn }))).Attributes!;
      assert.equal(attrs.Owner, other, 'the subscriber owns the subscription');
      assert.equal(attrs.SubscriptionPrincipal, root(other));
      assert.equal(attrs.Endpoint, qArn(other, 'b-inbox'));
    });

    it('a restart keeps queue and topic policies, and enforces them again', async () => {
      const { QueueUrl } = await a.sqs.send(new CreateQueueCommand({ QueueName: 'durable' }));
      await a.sqs.send(new AddPermissionCommand({ QueueUrl, Label: 'b', AWSAccountIds: [other], Actions: ['SendMessage'] }));
      const { TopicArn } = await a.sns.send(new CreateTopicCommand({ Name: 'durable-topic' }));
      await a.sns.send(new SnsAddPermissionCommand({ TopicArn, Label: 'b', AWSAccountId: [other], ActionName: ['Publish'] }));
      const qp = await queuePolicy(a, QueueUrl!);
      const tp = (await a.sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes!.Policy;
      await s.stop();
      s = await startServer({ dataDir: s.dataDir, env: env() });
      connect();
      const url = urlOf(home, 'durable');
      assert.equal(await queuePolicy(a, url), qp);
      assert.equal((await a.sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes!.Policy, tp);
      await b.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'after restart' }));
      await b.sns.send(new PublishCommand({ TopicArn, Message: 'after restart' }));
      await rejects(c.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' })), 'AccessDenied');
      await rejects(c.sns.send(new PublishCommand({ TopicArn, Message: 'x' })), 'AuthorizationErrorException');
    });
  });
}

policiesSuite('sqlite');
policiesSuite('postgres');
