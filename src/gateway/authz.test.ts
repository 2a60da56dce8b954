import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { GetFunctionCommand, InvokeCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { CloudWatchClient, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { AwsSmithyRpcV2CborProtocol } from '@aws-sdk/core/protocols';
import { Gateway, type AuditSink } from './gateway';
import { clientError } from './errors';
import type { ApiRequest, Members, OperationContext, ServiceDefinition } from './service';
import type { Authorizer, AuthzDecision, AuthzRequest, Caller, CallerResolver, Principal } from '../identity/types';
import type { ApiCall } from '../audit/record';

/**
 * The gateway's authorisation step, driven by AWS's SDK v3 clients over real
 * HTTP against in-process fakes of the CallerResolver and Authorizer (the
 * real ones, src/identity/, run their own tests; test/integration/authz.test.ts
 * runs them through the server). Services here are test doubles speaking
 * each protocol: rest-json (Lambda), JSON 1.1 (Logs), JSON 1.0
 * query-compatible (SQS), query XML (SNS, STS), Smithy RPC v2 CBOR (CloudWatch).
 */
const region = 'us-east-1';
const acct = '111122223333';
const rootKey = { accessKeyId: 'AKIAROOT000000000000', secretAccessKey: 'root-secret-0000000000000000000000000000' };
const aliceKey = { accessKeyId: 'AKIAALICE00000000000', secretAccessKey: 'alice-secret-000000000000000000000000000' };
const sessionKey = { accessKeyId: 'ASIASESSION000000000', secretAccessKey: 'session-secret-0000000000000000000000000' };
const issuedAtMs = Date.UTC(2026, 0, 2, 3, 4, 5);

const root: Principal = { type: 'Root', accountId: acct, arn: `arn:aws:iam::${acct}:root`, principalId: acct, accessKeyId: rootKey.accessKeyId };
const alice: Principal = { type: 'IAMUser', accountId: acct, arn: `arn:aws:iam::${acct}:user/alice`, principalId: 'AIDAALICE', accessKeyId: aliceKey.accessKeyId, userName: 'alice' };
const session: Principal = {
  type: 'AssumedRole', accountId: acct, arn: `arn:aws:sts::${acct}:assumed-role/worker/job-1`, principalId: 'AROAWORKER:job-1', accessKeyId: sessionKey.accessKeyId,
  roleArn: `arn:aws:iam::${acct}:role/worker`, sessionName: 'job-1', issuedAtMs, expiresAtMs: issuedAtMs + 3_600_000,
};

const resolver: CallerResolver = {
  resolve(id, token): Caller | { refused: 'unknown' | 'expired' } {
    if (id === rootKey.accessKeyId) return { secret: rootKey.secretAccessKey, principal: root };
    if (id === aliceKey.accessKeyId) return { secret: aliceKey.secretAccessKey, principal: alice };
    if (id === sessionKey.accessKeyId) {
      if (token === 'tok-expired') return { refused: 'expired' };
      if (token === 'tok-ok') return { secret: sessionKey.secretAccessKey, principal: session };
    }
    return { refused: 'unknown' };
  },
};

const fnArn = (n: string) => `arn:aws:lambda:${region}:${acct}:function:${n}`;
const queueArn = `arn:aws:sqs:${region}:${acct}:jobs`;
/** The fake policies: alice may GetFunction/Invoke `allowed`, is explicitly denied `denied`; the session may SendMessage to `jobs`. */
const asked: { principal: Principal; request: AuthzRequest }[] = [];
const authorizer: Authorizer = {
  async authorize(principal, request): Promise<AuthzDecision> {
    asked.push({ principal, request });
    if (request.resource === fnArn('denied')) return { allowed: false, reason: 'ExplicitDeny', policyType: 'identity-based' };
    if (principal === alice && request.resource === fnArn('allowed') && ['lambda:GetFunction', 'lambda:InvokeFunction'].includes(request.action)) return { allowed: true };
    if (principal === session && request.action === 'sqs:SendMessage' && request.resource === queueArn) return { allowed: true };
    return { allowed: false, reason: 'ImplicitDeny', policyType: 'identity-based' };
  },
};

const handled: { op: string; principal: Principal | undefined; input?: Members }[] = [];
const fnOf = (m: Members): string[] => [typeof m.FunctionName === 'string' ? fnArn(m.FunctionName) : '*'];
const lambdaAccessDenied = { name: 'AccessDeniedException', spec: clientError(403, 'Message') };
const services: ServiceDefinition[] = [
  {
    name: 'lambda',
    signingName: 'lambda',
    errors: { InvalidSignatureException: clientError(403), UnrecognizedClientException: clientError(403) },
    dataPlane: new Set(['Invoke']),
    iam: { prefix: 'lambda', actions: { Invoke: 'InvokeFunction' }, accessDenied: lambdaAccessDenied, resources: (op, m) => (op === 'ListFunctions' ? ['*'] : fnOf(m)) },
    restJson: {
      paramMembers: { name: 'FunctionName' },
      routes: [
        { method: 'GET', path: ['2015-03-31', 'functions'], operation: 'ListFunctions', bodyBytesMax: 1024, auth: true, async handle(req: ApiRequest) {
          handled.push({ op: 'ListFunctions', principal: req.principal });
          return { status: 200, json: { Functions: [] } };
        } },
        { method: 'GET', path: ['2015-03-31', 'functions', '{name}'], operation: 'GetFunction', bodyBytesMax: 1024, auth: true, async handle(req: ApiRequest, p) {
          handled.push({ op: 'GetFunction', principal: req.principal });
          return { status: 200, json: { Configuration: { FunctionName: p.name } } };
        } },
        { method: 'POST', path: ['2015-03-31', 'functions', '{name}', 'invocations'], operation: 'Invoke', bodyBytesMax: 1024, auth: true, async handle(req: ApiRequest) {
          handled.push({ op: 'Invoke', principal: req.principal });
          return { status: 200, raw: req.body };
        } },
      ],
    },
  },
  {
    name: 'logs',
    signingName: 'logs',
    errors: { AccessDeniedException: clientError(400) },
    json: { targetPrefix: 'Logs_20140328', version: '1.1' },
    iam: { prefix: 'logs', accessDenied: { name: 'AccessDeniedException', spec: clientError(400) }, resources: () => ['*'] },
    operations: { DescribeLogGroups: { async handle(_, ctx: OperationContext) {
      handled.push({ op: 'DescribeLogGroups', principal: ctx.principal });
      return { logGroups: [] };
    } } },
  },
  {
    name: 'sqs',
    signingName: 'sqs',
    errors: {},
    dataPlane: new Set(['SendMessage']),
    json: { targetPrefix: 'AmazonSQS', version: '1.0', queryCompatible: { namespace: 'com.amazonaws.sqs' } },
    query: { apiVersion: '2012-11-05', xmlNamespace: 'http://queue.amazonaws.com/doc/2012-11-05/' },
    iam: {
      prefix: 'sqs', messageAction: (a) => a.toLowerCase(),
      accessDenied: { name: 'AccessDenied', spec: { status: 403, fault: 'client', messageKey: 'message', queryCode: 'AccessDenied' } },
      resources: (_, m) => [typeof m.QueueUrl === 'string' ? `arn:aws:sqs:${region}:${acct}:${m.QueueUrl.slice(m.QueueUrl.lastIndexOf('/') + 1)}` : '*'],
    },
    operations: { SendMessage: { async handle(input, ctx) {
      handled.push({ op: 'SendMessage', principal: ctx.principal, input });
      return { MessageId: 'm-1', MD5OfMessageBody: '49f68a5c8493ec2c0bf489821c21fc3b' };
    } } },
  },
  {
    name: 'sns',
    signingName: 'sns',
    errors: {},
    query: { apiVersion: '2010-03-31', xmlNamespace: 'http://sns.amazonaws.com/doc/2010-03-31/' },
    iam: { prefix: 'sns', messageAction: (a) => `SNS:${a.slice(4)}`, accessDenied: { name: 'AuthorizationError', spec: clientError(403) }, resources: (_, m) => [String(m.TopicArn)] },
    operations: { Publish: { async handle(_, ctx) {
      handled.push({ op: 'Publish', principal: ctx.principal });
      return { MessageId: 'p-1' };
    } } },
  },
  {
    name: 'sts',
    signingName: 'sts',
    errors: {},
    query: { apiVersion: '2011-06-15', xmlNamespace: 'https://sts.amazonaws.com/doc/2011-06-15/' },
    // GetCallerIdentity needs no permission: `[]`.
    iam: { prefix: 'sts', accessDenied: { name: 'AccessDenied', spec: clientError(403) }, resources: () => [] },
    operations: { GetCallerIdentity: { async handle(_, ctx) {
      const p = ctx.principal!;
      return { UserId: p.principalId, Account: p.accountId, Arn: p.arn };
    } } },
  },
  {
    name: 'monitoring',
    signingName: 'monitoring',
    errors: {},
    json: { targetPrefix: 'GraniteServiceVersion20100801', version: '1.0', queryCompatible: { namespace: 'com.amazonaws.cloudwatch' } },
    cbor: { serviceName: 'GraniteServiceVersion20100801' },
    iam: { prefix: 'cloudwatch', accessDenied: { name: 'AccessDenied', spec: { status: 403, fault: 'client', messageKey: 'Message', queryCode: 'AccessDenied' } }, resources: () => ['*'] },
    operations: { ListMetrics: { async handle() {
      return { Metrics: [] };
    } } },
  },
];

const audited: ApiCall[] = [];
const audit: AuditSink = { backlog: 0, async record(c) {
  audited.push(c);
} };

type AwsError = Error & { $metadata: { httpStatusCode?: number } };
const denied = (name: string, status: number, message: string) => (e: AwsError) => {
  assert.equal(e.name, name);
  assert.equal(e.$metadata.httpStatusCode, status);
  assert.equal(e.message, message);
  return true;
};
const deniedMsg = (p: Principal, action: string, resource: string, how: 'implicit' | 'explicit') =>
  `User: ${p.arn} is not authorized to perform: ${action} on resource: ${resource} ${how === 'explicit' ? 'with an explicit deny in an identity-based policy' : `because no identity-based policy allows the ${action} action`}`;

describe('gateway: authorisation of every call of a principal other than root', () => {
  let gw: Gateway;
  let endpoint = '';
  before(async () => {
    gw = new Gateway({ region, accountId: acct, callers: resolver, authorizer, audit, services, onInternalError: (e) => console.error(e) });
    endpoint = `http://127.0.0.1:${((await gw.listen(0, '127.0.0.1')) as AddressInfo).port}`;
  });
  after(() => gw.close(100));
  const opts = (k: { accessKeyId: string; secretAccessKey: string }, sessionToken?: string) => ({ endpoint, region, credentials: { ...k, ...(sessionToken ? { sessionToken } : {}) }, maxAttempts: 1 });

  test('root: served without asking the authorizer; its principal reaches the operation', async () => {
    const c = new LambdaClient(opts(rootKey));
    const n = asked.length;
    await c.send(new GetFunctionCommand({ FunctionName: 'anything' }));
    await c.send(new ListFunctionsCommand({}));
    assert.equal(asked.length, n, 'the authorizer was asked about root');
    assert.deepEqual(handled.at(-1), { op: 'ListFunctions', principal: root });
    c.destroy();
  });

  test('rest-json: allowed; implicit and explicit deny with AWS message, 403 AccessDeniedException; the operation does not run', async () => {
    const c = new LambdaClient(opts(aliceKey));
    const r = await c.send(new GetFunctionCommand({ FunctionName: 'allowed' }));
    assert.equal(r.Configuration?.FunctionName, 'allowed');
    assert.deepEqual(handled.at(-1), { op: 'GetFunction', principal: alice });
    const req = asked.at(-1)!.request;
    assert.equal(req.action, 'lambda:GetFunction');
    assert.equal(req.resource, fnArn('allowed'));
    const ctx = req.context;
    assert.equal(ctx['aws:SourceIp'], '127.0.0.1');
    assert.equal(ctx['aws:SecureTransport'], 'false');
    assert.equal(ctx['aws:PrincipalAccount'], acct);
    assert.equal(ctx['aws:PrincipalArn'], alice.arn);
    assert.equal(ctx['aws:PrincipalType'], 'User');
    assert.equal(ctx['aws:userid'], 'AIDAALICE');
    assert.equal(ctx['aws:username'], 'alice');
    assert.equal(ctx['aws:RequestedRegion'], region);
    assert.match(String(ctx['aws:UserAgent']), /aws-sdk-js/);
    assert.match(String(ctx['aws:CurrentTime']), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.ok(Math.abs(Number(ctx['aws:EpochTime']) - Date.now() / 1000) < 60);
    assert.equal(ctx['aws:TokenIssueTime'], undefined);

    const before = handled.length;
    await assert.rejects(c.send(new GetFunctionCommand({ FunctionName: 'other' })), denied('AccessDeniedException', 403, deniedMsg(alice, 'lambda:GetFunction', fnArn('other'), 'implicit')));
    await assert.rejects(c.send(new GetFunctionCommand({ FunctionName: 'denied' })), denied('AccessDeniedException', 403, deniedMsg(alice, 'lambda:GetFunction', fnArn('denied'), 'explicit')));
    await assert.rejects(c.send(new ListFunctionsCommand({})), denied('AccessDeniedException', 403, deniedMsg(alice, 'lambda:ListFunctions', '*', 'implicit')));
    assert.equal(handled.length, before, 'a refused operation ran');
    // The body as Lambda writes it: Type User, Message.
    const last = audited.at(-1)!;
    assert.equal(last.error?.code, 'AccessDeniedException');
    assert.equal(last.principal, alice);
    c.destroy();
  });

  test('Invoke (data plane): authorised on the path, its payload never read for it; a refusal is audited though invokes are not', async () => {
    const c = new LambdaClient(opts(aliceKey));
    const n = audited.length;
    const ok = await c.send(new InvokeCommand({ FunctionName: 'allowed', Payload: Buffer.from('{"x":1}') }));
    assert.equal(Buffer.from(ok.Payload!).toString(), '{"x":1}');
    assert.equal(asked.at(-1)!.request.action, 'lambda:InvokeFunction');
    assert.equal(audited.length, n, 'an allowed invoke was audited');
    // A payload naming another function changes nothing: the path names the function.
    await assert.rejects(c.send(new InvokeCommand({ FunctionName: 'other', Payload: Buffer.from('{"FunctionName":"allowed"}') })), denied('AccessDeniedException', 403, deniedMsg(alice, 'lambda:InvokeFunction', fnArn('other'), 'implicit')));
    await new Promise((r) => setImmediate(r));
    assert.equal(audited.length, n + 1);
    const rec = audited.at(-1)!;
    assert.deepEqual({ e: rec.eventName, c: rec.error?.code, m: rec.error?.message, p: rec.principal }, { e: 'Invoke20150331', c: 'AccessDeniedException', m: deniedMsg(alice, 'lambda:InvokeFunction', fnArn('other'), 'implicit'), p: alice });
    assert.deepEqual(rec.input, { FunctionName: 'other' });
    c.destroy();
  });

  test('JSON 1.1: AccessDeniedException with the service status', async () => {
    const c = new CloudWatchLogsClient(opts(aliceKey));
    await assert.rejects(c.send(new DescribeLogGroupsCommand({})), denied('AccessDeniedException', 400, deniedMsg(alice, 'logs:DescribeLogGroups', '*', 'implicit')));
    c.destroy();
  });

  test('JSON 1.0 query-compatible (SQS): AccessDenied with its lower-case action; an assumed-role session allowed by its role, with its context keys', async () => {
    const url = `${endpoint}/${acct}/jobs`;
    const a = new SQSClient(opts(aliceKey));
    await assert.rejects(a.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'hi' })), denied('AccessDenied', 403, deniedMsg(alice, 'sqs:sendmessage', queueArn, 'implicit')));
    a.destroy();
    const s = new SQSClient(opts(sessionKey, 'tok-ok'));
    const r = await s.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'hi' }));
    assert.equal(r.MessageId, 'm-1');
    assert.equal(handled.at(-1)!.principal, session);
    const ctx = asked.at(-1)!.request.context;
    assert.equal(ctx['aws:PrincipalArn'], `arn:aws:iam::${acct}:role/worker`);
    assert.equal(ctx['aws:PrincipalType'], 'AssumedRole');
    assert.equal(ctx['aws:userid'], 'AROAWORKER:job-1');
    assert.equal(ctx['aws:TokenIssueTime'], '2026-01-02T03:04:05Z');
    assert.equal(ctx['aws:username'], undefined);
    s.destroy();
  });

  test('query XML (SNS): its own AuthorizationError (the SDK names it AuthorizationErrorException), 403, SNS:Publish in the message', async () => {
    const c = new SNSClient(opts(aliceKey));
    const topic = `arn:aws:sns:${region}:${acct}:alerts`;
    await assert.rejects(c.send(new PublishCommand({ TopicArn: topic, Message: 'm' })), denied('AuthorizationErrorException', 403, deniedMsg(alice, 'SNS:Publish', topic, 'implicit')));
    c.destroy();
  });

  test('Smithy RPC v2 CBOR (CloudWatch): AccessDenied', async () => {
    const c = new CloudWatchClient({ ...opts(aliceKey), protocol: AwsSmithyRpcV2CborProtocol });
    await assert.rejects(c.send(new ListMetricsCommand({})), (e: AwsError) => {
      assert.equal(e.$metadata.httpStatusCode, 403);
      assert.equal(e.message, deniedMsg(alice, 'cloudwatch:ListMetrics', '*', 'implicit'));
      return true;
    });
    c.destroy();
  });

  test('an operation with no resources ([]: STS GetCallerIdentity) needs no permission', async () => {
    const c = new STSClient(opts(aliceKey));
    const n = asked.length;
    const r = await c.send(new GetCallerIdentityCommand({}));
    assert.deepEqual({ a: r.Arn, u: r.UserId }, { a: alice.arn, u: 'AIDAALICE' });
    assert.equal(asked.length, n);
    c.destroy();
  });

  test('an expired session: ExpiredTokenException (JSON, REST) / ExpiredToken (query), 403; an unknown one stays UnrecognizedClient/InvalidClientTokenId', async () => {
    const msg = 'The security token included in the request is expired';
    const l = new LambdaClient(opts(sessionKey, 'tok-expired'));
    await assert.rejects(l.send(new ListFunctionsCommand({})), denied('ExpiredTokenException', 403, msg));
    l.destroy();
    const j = new CloudWatchLogsClient(opts(sessionKey, 'tok-expired'));
    await assert.rejects(j.send(new DescribeLogGroupsCommand({})), denied('ExpiredTokenException', 403, msg));
    j.destroy();
    const q = new SNSClient(opts(sessionKey, 'tok-expired'));
    await assert.rejects(q.send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:111122223333:t', Message: 'm' })), denied('ExpiredToken', 403, msg));
    q.destroy();
    const u = new SNSClient(opts(sessionKey, 'tok-forged'));
    await assert.rejects(u.send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:111122223333:t', Message: 'm' })), denied('InvalidClientTokenId', 403, 'The security token included in the request is invalid.'));
    u.destroy();
  });

  test('without an Authorizer, a principal other than root is refused (fail closed); root still served', async () => {
    const bare = new Gateway({ region, callers: resolver, services, onInternalError: () => {} });
    const ep = `http://127.0.0.1:${((await bare.listen(0, '127.0.0.1')) as AddressInfo).port}`;
    const a = new LambdaClient({ endpoint: ep, region, credentials: aliceKey, maxAttempts: 1 });
    await assert.rejects(a.send(new GetFunctionCommand({ FunctionName: 'allowed' })), denied('AccessDeniedException', 403, deniedMsg(alice, 'lambda:GetFunction', fnArn('allowed'), 'implicit')));
    const r = new LambdaClient({ endpoint: ep, region, credentials: rootKey, maxAttempts: 1 });
    await r.send(new GetFunctionCommand({ FunctionName: 'allowed' }));
    a.destroy();
    r.destroy();
    await bare.close(100);
  });
});

describe('gateway: control plane and data plane on separate listeners', () => {
  let mgmt: Gateway;
  let inv: Gateway;
  let mgmtUrl = '';
  let invUrl = '';
  before(async () => {
    inv = new Gateway({ region, callers: resolver, authorizer, services: services.filter((s) => s.name === 'lambda'), plane: { serve: 'invoke' }, onInternalError: () => {} });
    invUrl = `http://127.0.0.1:${((await inv.listen(0, '127.0.0.1')) as AddressInfo).port}`;
    mgmt = new Gateway({ region, callers: resolver, authorizer, services, plane: { serve: 'management', invokeAddress: invUrl }, onInternalError: () => {} });
    mgmtUrl = `http://127.0.0.1:${((await mgmt.listen(0, '127.0.0.1')) as AddressInfo).port}`;
  });
  after(async () => {
    await mgmt.close(100);
    await inv.close(100);
  });

  test('Invoke works on the invoke listener and is refused on the management one, naming the invoke address; management calls are refused on the invoke listener', async () => {
    const onInvoke = new LambdaClient({ endpoint: invUrl, region, credentials: rootKey, maxAttempts: 1 });
    const onMgmt = new LambdaClient({ endpoint: mgmtUrl, region, credentials: rootKey, maxAttempts: 1 });
    const r = await onInvoke.send(new InvokeCommand({ FunctionName: 'f', Payload: Buffer.from('"x"') }));
    assert.equal(Buffer.from(r.Payload!).toString(), '"x"');
    await assert.rejects(onMgmt.send(new InvokeCommand({ FunctionName: 'f', Payload: Buffer.from('"x"') })), denied('AccessDeniedException', 403, `Invoke is served on Kumo's invoke address (${invUrl}), not on the management API.`));
    await assert.rejects(onInvoke.send(new ListFunctionsCommand({})), denied('AccessDeniedException', 403, "ListFunctions is not served on Kumo's invoke address: only Invoke, InvokeAsync and InvokeWithResponseStream are; use the management API."));
    assert.deepEqual((await onMgmt.send(new ListFunctionsCommand({}))).Functions, []);
    const logs = new CloudWatchLogsClient({ endpoint: invUrl, region, credentials: rootKey, maxAttempts: 1 });
    await assert.rejects(logs.send(new DescribeLogGroupsCommand({})), (e: AwsError) => e.$metadata.httpStatusCode === 403);
    for (const c of [onInvoke, onMgmt, logs]) c.destroy();
  });
});
