import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  AddPermissionCommand, CreateFunctionCommand, CreateFunctionUrlConfigCommand, DeleteFunctionConcurrencyCommand, GetAccountSettingsCommand, GetFunctionCommand, InvokeCommand, LambdaClient, ListFunctionsCommand,
  PutFunctionConcurrencyCommand, RemovePermissionCommand, waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueUrlCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CreateAccessKeyCommand, CreateUserCommand, GetRoleCommand, IAMClient, ListUsersCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { allowPublicUrl, decode, encode, makeZip, startServer, testCreds, type RunningServer } from './harness';
import { startPostgres, type ThrowawayPostgres as PostgresServer } from '../postgres';

const home = '000000000000';
const other = '111111111111';
const third = '222222222222';
const roleOf = (acct: string) => `arn:aws:iam::${acct}:role/lambda-role`;
const fnArn = (acct: string, name: string) => `arn:aws:lambda:us-east-1:${acct}:function:${name}`;

type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
const credsOf = (dataDir: string, acct: string): Creds =>
  JSON.parse(fs.readFileSync(path.join(dataDir, 'accounts', acct, 'credentials.json'), 'utf8')) as Creds;

function clients(endpoint: string, credentials: Creds) {
  const base = { endpoint, region: 'us-east-1', credentials, maxAttempts: 1 };
  return { lambda: new LambdaClient(base), sqs: new SQSClient(base), sts: new STSClient(base), iam: new IAMClient(base), trail: new CloudTrailClient(base) };
}

async function deploy(c: LambdaClient, acct: string, name: string): Promise<void> {
  const js = `exports.handler = async (e) => ({ from: '${acct}', fn: process.env.AWS_LAMBDA_FUNCTION_NAME, arn: 'x', got: e });`;
  await c.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Role: roleOf(acct), Handler: 'index.handler', Code: { ZipFile: await makeZip({ 'index.js': js }) } }));
  await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: name });
}

async function rejects(p: Promise<unknown>, name: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (e: Error) => {
    assert.equal(e.name, name, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

/** The whole walk, on one store mode: several accounts isolated, and crossing only where a resource policy allows. */
function accountsSuite(mode: 'sqlite' | 'postgres') {
  describe(`several accounts on one server (issue 18, ${mode})`, () => {
    let s: RunningServer;
    let pg: PostgresServer | undefined;
    let a: ReturnType<typeof clients>;
    let b: ReturnType<typeof clients>;
    let bCreds: Creds;

    before(async () => {
      const env: Record<string, string> = { KUMO_ACCOUNTS: `${other},${third}` };
      if (mode === 'postgres') {
        pg = await startPostgres();
        env.KUMO_DATABASE_URL = pg.url;
      }
      s = await startServer({ env });
      a = clients(s.endpoint, testCreds);
      bCreds = credsOf(s.dataDir, other);
      b = clients(s.endpoint, bCreds);
    });
    after(async () => {
      await s?.stop();
      await pg?.stop();
    });

    it('each account has its own root key, identity, default role and start-up message', async () => {
      assert.notEqual(bCreds.accessKeyId, testCreds.accessKeyId);
      assert.equal(fs.statSync(path.join(s.dataDir, 'accounts', other, 'credentials.json')).mode & 0o777, 0o600);
      assert.equal((await a.sts.send(new GetCallerIdentityCommand({}))).Account, home);
      const id = await b.sts.send(new GetCallerIdentityCommand({}));
      assert.equal(id.Account, other);
      assert.equal(id.Arn, `arn:aws:iam::${other}:root`);
      assert.equal((await b.iam.send(new GetRoleCommand({ RoleName: 'lambda-role' }))).Role?.Arn, roleOf(other));
      assert.match(s.output(), new RegExp(`account ${other} \\(KUMO_ACCOUNTS\\): its root key \\(generated\\) is in .*accounts/${other}/credentials.json`));
    });

    it('functions, queues and users of one account are invisible to another', async () => {
      await deploy(b.lambda, other, 'shared-name');
      await deploy(a.lambda, home, 'shared-name');
      const inB = await b.lambda.send(new GetFunctionCommand({ FunctionName: 'shared-name' }));
      assert.equal(inB.Configuration?.FunctionArn, fnArn(other, 'shared-name'));
      assert.equal(inB.Configuration?.Role, roleOf(other));
      const listedA = (await a.lambda.send(new ListFunctionsCommand({}))).Functions!.map((f) => f.FunctionArn);
      assert.deepEqual(listedA, [fnArn(home, 'shared-name')]);
      // Same name, different accounts: each runs its own code in its own EE.
      const ra = JSON.parse(decode((await a.lambda.send(new InvokeCommand({ FunctionName: 'shared-name', Payload: encode({ n: 1 }) }))).Payload));
      const rb = JSON.parse(decode((await b.lambda.send(new InvokeCommand({ FunctionName: 'shared-name', Payload: encode({ n: 2 }) }))).Payload));
      assert.equal(ra.from, home);
      assert.equal(rb.from, other);

      const q = await b.sqs.send(new CreateQueueCommand({ QueueName: 'only-in-b' }));
      assert.match(q.QueueUrl!, new RegExp(`/${other}/only-in-b$`));
      assert.deepEqual((await a.sqs.send(new ListQueuesCommand({}))).QueueUrls ?? [], []);
      await rejects(a.sqs.send(new GetQueueUrlCommand({ QueueName: 'only-in-b' })), 'QueueDoesNotExist');

      await b.iam.send(new CreateUserCommand({ UserName: 'bob' }));
      assert.deepEqual((await a.iam.send(new ListUsersCommand({}))).Users!.map((u) => u.UserName), []);
    });

    it('an IAM user key belongs to its account: the user sees that account only', async () => {
      await b.iam.send(new PutUserPolicyCommand({
        UserName: 'bob', PolicyName: 'all', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
      }));
      const k = (await b.iam.send(new CreateAccessKeyCommand({ UserName: 'bob' }))).AccessKey!;
      const bob = clients(s.endpoint, { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! });
      const id = await bob.sts.send(new GetCallerIdentityCommand({}));
      assert.equal(id.Arn, `arn:aws:iam::${other}:user/bob`);
      const names = (await bob.lambda.send(new ListFunctionsCommand({}))).Functions!.map((f) => f.FunctionArn);
      assert.deepEqual(names, [fnArn(other, 'shared-name')]);
      // Another account's function by ARN: no policy there names bob.
      await rejects(bob.lambda.send(new InvokeCommand({ FunctionName: fnArn(home, 'shared-name') })), 'AccessDeniedException', /because no resource-based policy allows the lambda:InvokeFunction action/);
    });

    it('a cross-account invoke is refused without a function policy and allowed by AddPermission naming the account', async () => {
      const target = fnArn(home, 'shared-name');
      await rejects(
        b.lambda.send(new InvokeCommand({ FunctionName: target, Payload: encode({}) })),
        'AccessDeniedException',
        new RegExp(`User: arn:aws:iam::${other}:root is not authorized to perform: lambda:InvokeFunction on resource: ${target.replaceAll(':', ':')} because no resource-based policy allows`),
      );
      // The third account cannot see it either, nor read its configuration.
      const c = clients(s.endpoint, credsOf(s.dataDir, third));
      await rejects(c.lambda.send(new GetFunctionCommand({ FunctionName: target })), 'AccessDeniedException');

      await a.lambda.send(new AddPermissionCommand({ FunctionName: 'shared-name', StatementId: 'b-may-invoke', Action: 'lambda:InvokeFunction', Principal: other }));
      const r = await b.lambda.send(new InvokeCommand({ FunctionName: target, Payload: encode({ x: 'cross' }) }));
      const out = JSON.parse(decode(r.Payload));
      assert.equal(out.from, home, 'the home account’s function ran');
      assert.deepEqual(out.got, { x: 'cross' });
      // Only what the policy allows: not GetFunction, and not for the third account.
      await rejects(b.lambda.send(new GetFunctionCommand({ FunctionName: target })), 'AccessDeniedException');
      await rejects(c.lambda.send(new InvokeCommand({ FunctionName: target })), 'AccessDeniedException');
      // The owner's trail records its own account's calls; the callee's invoke is not a management call.
      const ev = await a.trail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'AddPermission20150331' }] }));
      assert.equal(ev.Events?.length, 1);
      const inB = await b.trail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'AddPermission20150331' }] }));
      assert.equal(inB.Events?.length ?? 0, 0);

      await a.lambda.send(new RemovePermissionCommand({ FunctionName: 'shared-name', StatementId: 'b-may-invoke' }));
      await rejects(b.lambda.send(new InvokeCommand({ FunctionName: target })), 'AccessDeniedException');
    });

    it('an EE of another account gets its own role’s credentials, and Kumo’s API answers it as that account', async () => {
      const js = `const { STSClient, GetCallerIdentityCommand } = require('@aws-sdk/client-sts');
exports.handler = async () => new STSClient({}).send(new GetCallerIdentityCommand({}));`;
      await b.lambda.send(new CreateFunctionCommand({ FunctionName: 'who', Runtime: 'nodejs20.x', Role: roleOf(other), Handler: 'index.handler', Code: { ZipFile: await makeZip({ 'index.js': js }) } }));
      await waitUntilFunctionActiveV2({ client: b.lambda, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'who' });
      const r = await b.lambda.send(new InvokeCommand({ FunctionName: 'who' }));
      assert.equal(r.FunctionError, undefined, decode(r.Payload));
      const id = JSON.parse(decode(r.Payload));
      assert.equal(id.Account, other);
      assert.equal(id.Arn, `arn:aws:sts::${other}:assumed-role/lambda-role/who`);
    });

    it('another account’s function URL is served on the one URL listener, by its own account', async () => {
      const u = await b.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'shared-name', AuthType: 'NONE' }));
      await allowPublicUrl(b.lambda, 'shared-name');
      const url = new URL(u.FunctionUrl!);
      const res = await fetch(`http://127.0.0.1:${url.port}/lambda-url/${url.hostname.split('.')[0]}/`);
      assert.equal(res.status, 200);
      assert.equal(JSON.parse(await res.text()).from, other);
    });

    it('limits are per account: a reservation in one does not reduce another’s', async () => {
      await b.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'shared-name', ReservedConcurrentExecutions: 0 }));
      await rejects(b.lambda.send(new InvokeCommand({ FunctionName: 'shared-name' })), 'TooManyRequestsException');
      const r = await a.lambda.send(new InvokeCommand({ FunctionName: 'shared-name', Payload: encode({}) }));
      assert.equal(r.StatusCode, 200);
      const sa = await a.lambda.send(new GetAccountSettingsCommand({}));
      const sb = await b.lambda.send(new GetAccountSettingsCommand({}));
      assert.equal(sa.AccountUsage?.FunctionCount, 1);
      assert.equal(sb.AccountUsage?.FunctionCount, 2);
    });

    it('a restart keeps every account’s resources and keys', async () => {
      await s.stop();
      s = await startServer({ dataDir: s.dataDir, env: { KUMO_ACCOUNTS: `${other},${third}`, ...(pg ? { KUMO_DATABASE_URL: pg.url } : {}) } });
      a = clients(s.endpoint, testCreds);
      b = clients(s.endpoint, credsOf(s.dataDir, other));
      assert.equal((await b.lambda.send(new GetFunctionCommand({ FunctionName: 'shared-name' }))).Configuration?.FunctionArn, fnArn(other, 'shared-name'));
      assert.deepEqual((await b.sqs.send(new ListQueuesCommand({}))).QueueUrls?.length, 1);
      assert.deepEqual((await a.sqs.send(new ListQueuesCommand({}))).QueueUrls ?? [], []);
      // Every account's code survives the start's clean-up of unreferenced blobs (the blob store is shared by all accounts).
      const ra = JSON.parse(decode((await a.lambda.send(new InvokeCommand({ FunctionName: 'shared-name', Payload: encode({}) }))).Payload));
      assert.equal(ra.from, home);
      await b.lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'shared-name' }));
      const rb = JSON.parse(decode((await b.lambda.send(new InvokeCommand({ FunctionName: 'shared-name', Payload: encode({}) }))).Payload));
      assert.equal(rb.from, other);
    });
  });
}

accountsSuite('sqlite');
accountsSuite('postgres');

describe('KUMO_ACCOUNTS is validated at start', () => {
  for (const [value, message] of [
    ['12345', /an account id is 12 digits, got '12345'/],
    [`${other},${other}`, /names an account twice/],
    [home, /names the server's own account/],
  ] as const) {
    it(`refuses ${value}`, async () => {
      await assert.rejects(startServer({ env: { KUMO_ACCOUNTS: value } }), message);
    });
  }
});
