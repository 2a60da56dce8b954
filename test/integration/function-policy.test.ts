import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import {
  AddPermissionCommand, CreateAliasCommand, CreateFunctionCommand, CreateFunctionUrlConfigCommand, DeleteAliasCommand, DeleteFunctionCommand,
  GetAliasCommand, GetFunctionCommand, GetFunctionUrlConfigCommand, GetPolicyCommand, PublishVersionCommand, RemovePermissionCommand, waitUntilFunctionActiveV2, type LambdaClient,
} from '@aws-sdk/client-lambda';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '../sha256';
import { allowPublicUrl, makeZip, role, startServer, testCreds, type RunningServer } from './harness';

const acct = '000000000000';
const arn = (name: string, q?: string) => `arn:aws:lambda:us-east-1:${acct}:function:${name}${q ? `:${q}` : ''}`;
const bucket = 'arn:aws:s3:::test-bucket';

async function deploy(c: LambdaClient, name: string): Promise<void> {
  const js = `exports.handler = async (e) => ({ statusCode: 200, body: 'hello from ${name}' });`;
  await c.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: await makeZip({ 'index.js': js }) } }));
  await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: name });
}

async function err(p: Promise<unknown>, name: string, message: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: Error) => {
    assert.equal(e.name, name);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

/**
 * AWS's answers as LocalStack recorded them against AWS
 * (tests/aws/services/lambda_/test_lambda_api.snapshot.json, recorded 25-11-2025),
 * with its placeholders put back to this server's region, account and names;
 * compared as JSON text, so the key order is AWS's too.
 */
function fromSnapshot(recorded: unknown, names: Record<string, string>): string {
  let text = JSON.stringify(recorded).replaceAll('arn:<partition>:', 'arn:aws:').replaceAll('<region>', 'us-east-1').replaceAll('111111111111', acct);
  for (const [k, v] of Object.entries(names)) text = text.replaceAll(k, v);
  return text;
}

/** A GET to the URL listener with the function URL's own Host (Node's resolver does not map *.localhost). */
function get(url: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: Number(u.port), path: '/', headers: { host: u.host } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}


/** A GET of an AWS_IAM URL signed (SigV4, service lambda) with these credentials. */
async function signedGet(url: string, credentials: { accessKeyId: string; secretAccessKey: string }): Promise<number> {
  const u = new URL(url);
  const signer = new SignatureV4({ service: 'lambda', region: 'us-east-1', credentials, sha256: Sha256 });
  const signed = await signer.sign({ method: 'GET', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: '/', headers: { host: u.host } });
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: Number(u.port), path: '/', headers: signed.headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end();
  });
}

const forbidden = { Message: 'Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html' };

describe('function policies: AddPermission, RemovePermission, GetPolicy (AWS SDK v3)', () => {
  let s: RunningServer;
  let c: LambdaClient;
  before(async () => {
    s = await startServer();
    c = s.client;
  });
  after(async () => {
    await s?.stop();
  });

  it('the statement and the policy document are AWS\'s, key for key (test_add_lambda_permission_aws)', async () => {
    await deploy(c, 'shape');
    const add = await c.send(new AddPermissionCommand({ FunctionName: 'shape', Action: 'lambda:InvokeFunction', StatementId: 's3', Principal: 's3.amazonaws.com', SourceArn: bucket }));
    const names = { '<function-name:1>': 'shape', 'arn:aws:s3:::<resource:3>': bucket };
    assert.equal(add.Statement, fromSnapshot({
      Sid: 's3', Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'lambda:InvokeFunction',
      Resource: 'arn:<partition>:lambda:<region>:111111111111:function:<function-name:1>',
      Condition: { ArnLike: { 'AWS:SourceArn': 'arn:<partition>:s3:::<resource:3>' } },
    }, names));
    const pol = await c.send(new GetPolicyCommand({ FunctionName: 'shape' }));
    assert.equal(pol.Policy, fromSnapshot({
      Version: '2012-10-17', Id: 'default', Statement: [{
        Sid: 's3', Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'lambda:InvokeFunction',
        Resource: 'arn:<partition>:lambda:<region>:111111111111:function:<function-name:1>',
        Condition: { ArnLike: { 'AWS:SourceArn': 'arn:<partition>:s3:::<resource:3>' } },
      }],
    }, names));
    assert.match(pol.RevisionId!, /^[0-9a-f-]{36}$/);
  });

  it('every principal form and optional member, as AWS writes them (test_add_lambda_permission_fields)', async () => {
    await deploy(c, 'fields');
    const fn = arn('fields');
    const add = async (input: Omit<ConstructorParameters<typeof AddPermissionCommand>[0], 'FunctionName'>) =>
      JSON.parse((await c.send(new AddPermissionCommand({ FunctionName: 'fields', ...input }))).Statement!) as unknown;
    const text = (o: unknown) => JSON.stringify(o);
    assert.equal(text(await add({ Action: 'lambda:InvokeFunction', StatementId: 'wilcard', Principal: '*', SourceAccount: acct })),
      text({ Sid: 'wilcard', Effect: 'Allow', Principal: '*', Action: 'lambda:InvokeFunction', Resource: fn, Condition: { StringEquals: { 'AWS:SourceAccount': acct } } }));
    assert.equal(text(await add({ Action: 'lambda:InvokeFunction', StatementId: 'lambda', Principal: 'lambda.amazonaws.com', SourceAccount: acct })),
      text({ Sid: 'lambda', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'lambda:InvokeFunction', Resource: fn, Condition: { StringEquals: { 'AWS:SourceAccount': acct } } }));
    assert.equal(text(await add({ Action: 'lambda:InvokeFunction', StatementId: 'account-id', Principal: acct })),
      text({ Sid: 'account-id', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'lambda:InvokeFunction', Resource: fn }));
    const user = 'arn:aws:iam::123456789012:user/alice';
    assert.equal(text(await add({ Action: 'lambda:InvokeFunction', StatementId: 'user-arn', Principal: user, SourceAccount: acct })),
      text({ Sid: 'user-arn', Effect: 'Allow', Principal: { AWS: user }, Action: 'lambda:InvokeFunction', Resource: fn, Condition: { StringEquals: { 'AWS:SourceAccount': acct } } }));
    assert.equal(text(await add({
      StatementId: 'urlPermission', Action: 'lambda:InvokeFunctionUrl', Principal: '*', SourceArn: bucket, SourceAccount: acct, PrincipalOrgID: 'o-1234567890', FunctionUrlAuthType: 'NONE',
    })), text({
      Sid: 'urlPermission', Effect: 'Allow', Principal: '*', Action: 'lambda:InvokeFunctionUrl', Resource: fn,
      Condition: { StringEquals: { 'AWS:SourceAccount': acct, 'lambda:FunctionUrlAuthType': 'NONE', 'aws:PrincipalOrgID': 'o-1234567890' }, ArnLike: { 'AWS:SourceArn': bucket } },
    }));
    const token = 'amzn1.ask.skill.xxxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx';
    assert.equal(text(await add({ StatementId: 'alexaSkill', Action: 'lambda:InvokeFunction', Principal: '*', EventSourceToken: token })),
      text({ Sid: 'alexaSkill', Effect: 'Allow', Principal: '*', Action: 'lambda:InvokeFunction', Resource: fn, Condition: { StringEquals: { 'lambda:EventSourceToken': token } } }));
    assert.equal(text(await add({ StatementId: 'viaUrl', Action: 'lambda:InvokeFunction', Principal: '*', InvokedViaFunctionUrl: true })),
      text({ Sid: 'viaUrl', Effect: 'Allow', Principal: '*', Action: 'lambda:InvokeFunction', Resource: fn, Condition: { Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } } }));
    const role2 = 'arn:aws:iam::123456789012:role/ops';
    assert.deepEqual((await add({ StatementId: 'any', Action: 'lambda:*', Principal: role2 }) as { Principal: unknown }).Principal, { AWS: role2 });
    const doc = JSON.parse((await c.send(new GetPolicyCommand({ FunctionName: 'fields' }))).Policy!) as { Statement: { Sid: string }[] };
    assert.deepEqual(doc.Statement.map((x) => x.Sid), ['wilcard', 'lambda', 'account-id', 'user-arn', 'urlPermission', 'alexaSkill', 'viaUrl', 'any'], 'in the order added');
  });

  it('AWS\'s errors and messages (test_permission_exceptions)', async () => {
    await deploy(c, 'errs');
    const base = { Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com', SourceArn: bucket };
    await err(c.send(new AddPermissionCommand({ FunctionName: 'errs', ...base, StatementId: 'example.com' })), 'ValidationException',
      "1 validation error detected: Value 'example.com' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)");
    await err(c.send(new AddPermissionCommand({ FunctionName: 'errs:alias-not-42', ...base, StatementId: 's3', Qualifier: '42' })), 'InvalidParameterValueException',
      'The derived qualifier from the function name does not match the specified qualifier.');
    await err(c.send(new AddPermissionCommand({ FunctionName: 'errs:$LATEST', ...base, StatementId: 's3', Qualifier: '$LATEST' })), 'InvalidParameterValueException',
      'We currently do not support adding policies for $LATEST.');
    await err(c.send(new AddPermissionCommand({ FunctionName: 'errs', Action: 'lambda:InvokeFunction', StatementId: 'lambda', Principal: 'invalid.nonaws.com', SourceAccount: acct })),
      'InvalidParameterValueException', 'The provided principal was invalid. Please check the principal and try again.');
    await err(c.send(new GetPolicyCommand({ FunctionName: 'doesnotexist' })), 'ResourceNotFoundException', 'The resource you requested does not exist.');
    await err(c.send(new GetPolicyCommand({ FunctionName: 'errs', Qualifier: '77' })), 'ResourceNotFoundException', 'The resource you requested does not exist.');
    await err(c.send(new GetPolicyCommand({ FunctionName: 'errs' })), 'ResourceNotFoundException', 'The resource you requested does not exist.');
    await err(c.send(new AddPermissionCommand({ FunctionName: 'doesnotexist', ...base, StatementId: 's3' })), 'ResourceNotFoundException', `Function not found: ${arn('doesnotexist')}`);
    await err(c.send(new RemovePermissionCommand({ FunctionName: 'errs', StatementId: 's3' })), 'ResourceNotFoundException', 'No policy is associated with the given resource.');
    await err(c.send(new AddPermissionCommand({ FunctionName: 'errs:alias-doesnotexist', ...base, StatementId: 's3' })), 'ResourceNotFoundException',
      `Cannot find alias arn: ${arn('errs', 'alias-doesnotexist')}`);
    await err(c.send(new AddPermissionCommand({ FunctionName: 'errs', ...base, StatementId: 's3', Qualifier: '42' })), 'ResourceNotFoundException', `Function not found: ${arn('errs', '42')}`);
    await err(c.send(new AddPermissionCommand({ FunctionName: 'errs', ...base, StatementId: 's3', Qualifier: 'invalid-qualifier-with-?-char' })), 'ValidationException',
      "1 validation error detected: Value 'invalid-qualifier-with-?-char' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: \\$(LATEST(\\.PUBLISHED)?)|[a-zA-Z0-9-_$]+");
    await err(c.send(new AddPermissionCommand({ FunctionName: 'errs', ...base, StatementId: 's3', Qualifier: 'valid-with-$-but-doesnotexist' })), 'ResourceNotFoundException',
      `Function not found: ${arn('errs', 'valid-with-$-but-doesnotexist')}`);
    await c.send(new AddPermissionCommand({ FunctionName: 'errs', ...base, StatementId: 's3' }));
    await err(c.send(new AddPermissionCommand({ FunctionName: 'errs', ...base, StatementId: 's3' })), 'ResourceConflictException',
      'The statement id (s3) provided already exists. Please provide a new statement id, or remove the existing statement.');
    await err(c.send(new RemovePermissionCommand({ FunctionName: 'doesnotexist', StatementId: 's3' })), 'ResourceNotFoundException', `No policy found for: ${arn('doesnotexist')}`);
    await err(c.send(new RemovePermissionCommand({ FunctionName: 'errs', StatementId: 's3', Qualifier: 'alias-doesnotexist' })), 'ResourceNotFoundException',
      `Cannot find alias arn: ${arn('errs', 'alias-doesnotexist')}`);
    await err(c.send(new RemovePermissionCommand({ FunctionName: 'errs', StatementId: 'non-existent' })), 'ResourceNotFoundException', 'Statement non-existent is not found in resource policy.');
    // The URL members belong to one action each (AWS: "FunctionUrlAuthType is only supported for lambda:InvokeFunctionUrl action").
    await err(c.send(new AddPermissionCommand({ FunctionName: 'errs', StatementId: 'u', Action: 'lambda:InvokeFunction', Principal: '*', FunctionUrlAuthType: 'NONE' })),
      'InvalidParameterValueException', 'FunctionUrlAuthType is only supported for lambda:InvokeFunctionUrl action');
    await err(c.send(new AddPermissionCommand({ FunctionName: 'errs', StatementId: 'u', Action: 'lambda:InvokeFunctionUrl', Principal: '*', InvokedViaFunctionUrl: true })),
      'InvalidParameterValueException', 'InvokedViaFunctionUrl is only supported for lambda:InvokeFunction action');
    await err(c.send(new AddPermissionCommand({ FunctionName: 'errs', StatementId: 'u', Action: 'sqs:SendMessage', Principal: '*' })), 'ValidationException',
      "1 validation error detected: Value 'sqs:SendMessage' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])");
    await err(c.send(new AddPermissionCommand({ FunctionName: 'errs', StatementId: 'u', Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'OPEN' as never })), 'ValidationException',
      "1 validation error detected: Value 'OPEN' at 'functionUrlAuthType' failed to satisfy constraint: Member must satisfy enum value set: [NONE, AWS_IAM]");
    const after = JSON.parse((await c.send(new GetPolicyCommand({ FunctionName: 'errs' }))).Policy!) as { Statement: unknown[] };
    assert.equal(after.Statement.length, 1, 'no refused call left a statement behind');
  });

  it('RevisionId: the resource\'s before the first statement, then the policy\'s; a wrong one is refused and changes nothing', async () => {
    await deploy(c, 'revs');
    const stale = 'The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id';
    const base = { FunctionName: 'revs', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com' };
    await err(c.send(new AddPermissionCommand({ ...base, StatementId: 's3', RevisionId: 'wrong' })), 'PreconditionFailedException', stale);
    const fnRev = (await c.send(new GetFunctionCommand({ FunctionName: 'revs' }))).Configuration!.RevisionId!;
    await c.send(new AddPermissionCommand({ ...base, StatementId: 's3', RevisionId: fnRev }));
    const r1 = (await c.send(new GetPolicyCommand({ FunctionName: 'revs' }))).RevisionId!;
    assert.notEqual(r1, fnRev);
    await err(c.send(new AddPermissionCommand({ ...base, StatementId: 's3_2', RevisionId: fnRev })), 'PreconditionFailedException', stale);
    await c.send(new AddPermissionCommand({ ...base, StatementId: 's3_2', RevisionId: r1 }));
    const r2 = (await c.send(new GetPolicyCommand({ FunctionName: 'revs' }))).RevisionId!;
    assert.notEqual(r2, r1);
    await err(c.send(new RemovePermissionCommand({ FunctionName: 'revs', StatementId: 's3', RevisionId: r1 })), 'PreconditionFailedException', stale);
    await c.send(new RemovePermissionCommand({ FunctionName: 'revs', StatementId: 's3_2', RevisionId: r2 }));
    const p3 = await c.send(new GetPolicyCommand({ FunctionName: 'revs' }));
    assert.deepEqual((JSON.parse(p3.Policy!) as { Statement: { Sid: string }[] }).Statement.map((x) => x.Sid), ['s3']);
    await c.send(new RemovePermissionCommand({ FunctionName: 'revs', StatementId: 's3', RevisionId: p3.RevisionId }));
    // AWS: after the last statement is removed there is no policy (recorded: get_policy_exception_removed_all).
    await err(c.send(new GetPolicyCommand({ FunctionName: 'revs' })), 'ResourceNotFoundException', 'The resource you requested does not exist.');
    await err(c.send(new RemovePermissionCommand({ FunctionName: 'revs', StatementId: 's3' })), 'ResourceNotFoundException', 'No policy is associated with the given resource.');
  });

  it('concurrent AddPermissions without RevisionId all land; with the same RevisionId exactly one does', async () => {
    await deploy(c, 'busy');
    const n = 12;
    await Promise.all(Array.from({ length: n }, (_, i) =>
      c.send(new AddPermissionCommand({ FunctionName: 'busy', StatementId: `s${i}`, Action: 'lambda:InvokeFunction', Principal: 'sns.amazonaws.com' }))));
    const p = await c.send(new GetPolicyCommand({ FunctionName: 'busy' }));
    assert.deepEqual((JSON.parse(p.Policy!) as { Statement: { Sid: string }[] }).Statement.map((x) => x.Sid).sort(), Array.from({ length: n }, (_, i) => `s${i}`).sort());
    const r = await Promise.allSettled(['a', 'b'].map((sid) =>
      c.send(new AddPermissionCommand({ FunctionName: 'busy', StatementId: sid, Action: 'lambda:InvokeFunction', Principal: '*', RevisionId: p.RevisionId }))));
    assert.deepEqual(r.map((x) => x.status).sort(), ['fulfilled', 'rejected']);
    assert.equal(((r.find((x) => x.status === 'rejected') as PromiseRejectedResult).reason as Error).name, 'PreconditionFailedException');
  });

  it('policies are per qualifier: the function, a version and an alias each have their own (test_lambda_permission_fn_versioning)', async () => {
    await deploy(c, 'ver');
    const base = { Action: 'lambda:InvokeFunction', StatementId: 's3', Principal: 's3.amazonaws.com', SourceArn: bucket };
    await c.send(new AddPermissionCommand({ FunctionName: 'ver', ...base }));
    const fnPolicy = await c.send(new GetPolicyCommand({ FunctionName: 'ver' }));
    const v = (await c.send(new PublishVersionCommand({ FunctionName: 'ver' }))).Version!;
    assert.equal((await c.send(new GetPolicyCommand({ FunctionName: 'ver' }))).Policy, fnPolicy.Policy, 'publishing leaves the function policy');
    await err(c.send(new GetPolicyCommand({ FunctionName: 'ver', Qualifier: v })), 'ResourceNotFoundException', 'The resource you requested does not exist.');
    await c.send(new AddPermissionCommand({ FunctionName: `ver:${v}`, Qualifier: v, ...base }));
    const vp = JSON.parse((await c.send(new GetPolicyCommand({ FunctionName: 'ver', Qualifier: v }))).Policy!) as { Statement: { Resource: string }[] };
    assert.deepEqual(vp.Statement.map((x) => x.Resource), [arn('ver', v)]);
    await c.send(new CreateAliasCommand({ FunctionName: 'ver', Name: 'permission-alias', FunctionVersion: v }));
    const aliasRev = (await c.send(new GetAliasCommand({ FunctionName: 'ver', Name: 'permission-alias' }))).RevisionId!;
    await err(c.send(new AddPermissionCommand({ FunctionName: 'ver', Qualifier: 'permission-alias', ...base, RevisionId: 'wrong' })), 'PreconditionFailedException',
      'The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id');
    await c.send(new AddPermissionCommand({ FunctionName: 'ver:permission-alias', Qualifier: 'permission-alias', ...base, RevisionId: aliasRev }));
    const ap = JSON.parse((await c.send(new GetPolicyCommand({ FunctionName: 'ver', Qualifier: 'permission-alias' }))).Policy!) as { Statement: { Resource: string }[] };
    assert.deepEqual(ap.Statement.map((x) => x.Resource), [arn('ver', 'permission-alias')]);
    assert.equal((await c.send(new GetPolicyCommand({ FunctionName: arn('ver') }))).Policy, fnPolicy.Policy, 'the function policy is its own');
    // Deleting an alias or a version deletes its policy; one created again starts without.
    await c.send(new DeleteAliasCommand({ FunctionName: 'ver', Name: 'permission-alias' }));
    await c.send(new CreateAliasCommand({ FunctionName: 'ver', Name: 'permission-alias', FunctionVersion: v }));
    await err(c.send(new GetPolicyCommand({ FunctionName: 'ver', Qualifier: 'permission-alias' })), 'ResourceNotFoundException', 'The resource you requested does not exist.');
    await c.send(new DeleteAliasCommand({ FunctionName: 'ver', Name: 'permission-alias' }));
    await c.send(new DeleteFunctionCommand({ FunctionName: 'ver', Qualifier: v }));
    await err(c.send(new GetPolicyCommand({ FunctionName: 'ver', Qualifier: v })), 'ResourceNotFoundException', 'The resource you requested does not exist.');
    assert.ok((await c.send(new GetPolicyCommand({ FunctionName: 'ver' }))).Policy);
  });

  it('AddPermission and RemovePermission are management events in the audit trail; GetPolicy a read-only one', async () => {
    await deploy(c, 'audited');
    await c.send(new AddPermissionCommand({ FunctionName: 'audited', StatementId: 'a', Action: 'lambda:InvokeFunction', Principal: 'sns.amazonaws.com' }));
    await c.send(new GetPolicyCommand({ FunctionName: 'audited' }));
    await c.send(new RemovePermissionCommand({ FunctionName: 'audited', StatementId: 'a' }));
    const ct = new CloudTrailClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
    try {
      const r = await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: 'audited' }], MaxResults: 50 }));
      const events = (r.Events ?? []).map((e) => JSON.parse(e.CloudTrailEvent!) as { eventName: string; readOnly: boolean; requestParameters: Record<string, unknown> });
      // CloudTrail names Lambda's events with the API version of the path (gateway.ts restEventName).
      const byName = (n: string) => events.find((e) => e.eventName === `${n}20150331`);
      assert.equal(byName('AddPermission')?.readOnly, false);
      assert.deepEqual(byName('AddPermission')?.requestParameters, { functionName: 'audited', statementId: 'a', action: 'lambda:InvokeFunction', principal: 'sns.amazonaws.com' });
      assert.equal(byName('RemovePermission')?.readOnly, false);
      assert.equal(byName('GetPolicy')?.readOnly, true);
    } finally {
      ct.destroy();
    }
  });

  it('the policy size limit: AWS\'s PolicyLengthExceededException, and the policy stays as it was', async () => {
    await deploy(c, 'big');
    const long = `arn:aws:execute-api:us-east-1:${acct}:abcdefghij/*/GET/${'x'.repeat(900)}`;
    let added = 0;
    let refusal: Error | undefined;
    for (let i = 0; i < 40 && !refusal; i++) {
      try {
        await c.send(new AddPermissionCommand({ FunctionName: 'big', StatementId: `route${i}`, Action: 'lambda:InvokeFunction', Principal: 'apigateway.amazonaws.com', SourceArn: long }));
        added++;
      } catch (e) {
        refusal = e as Error;
      }
    }
    assert.ok(refusal, 'the limit was reached');
    assert.equal(refusal!.name, 'PolicyLengthExceededException');
    const m = /^The final policy size \((\d+)\) is bigger than the limit \(20480\)\.$/.exec(refusal!.message);
    assert.ok(m, refusal!.message);
    assert.ok(Number(m![1]) > 20_480);
    const p = await c.send(new GetPolicyCommand({ FunctionName: 'big' }));
    assert.equal((JSON.parse(p.Policy!) as { Statement: unknown[] }).Statement.length, added);
    assert.ok(Buffer.byteLength(p.Policy!) <= 20_480);
  });

  it('a NONE function URL answers 403 until the policy allows the public both actions, as AWS requires', async () => {
    await deploy(c, 'pub');
    const url = (await c.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'pub', AuthType: 'NONE' }))).FunctionUrl!;
    const no = await get(url);
    assert.equal(no.status, 403);
    assert.equal(no.headers['x-amzn-errortype'], 'AccessDeniedException');
    assert.deepEqual(JSON.parse(no.body), forbidden);
    // lambda:InvokeFunctionUrl alone is not enough since October 2025 (AWS: urls-auth).
    await c.send(new AddPermissionCommand({ FunctionName: 'pub', StatementId: 'url', Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE' }));
    assert.equal((await get(url)).status, 403);
    // A statement that needs a condition an anonymous caller cannot meet opens nothing.
    await c.send(new AddPermissionCommand({ FunctionName: 'pub', StatementId: 'acct', Action: 'lambda:InvokeFunction', Principal: '*', SourceAccount: acct }));
    assert.equal((await get(url)).status, 403);
    await c.send(new AddPermissionCommand({ FunctionName: 'pub', StatementId: 'via', Action: 'lambda:InvokeFunction', Principal: '*', InvokedViaFunctionUrl: true }));
    const yes = await get(url);
    assert.equal(yes.status, 200);
    assert.equal(yes.body, 'hello from pub');
    await c.send(new RemovePermissionCommand({ FunctionName: 'pub', StatementId: 'url' }));
    assert.equal((await get(url)).status, 403, 'a removed permission closes the URL at once');
  });

  it('an AWS_IAM URL: the signer needs lambda:InvokeFunctionUrl and lambda:InvokeFunction, from its own policy or the function\'s', async () => {
    await deploy(c, 'iamurl');
    const url = (await c.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'iamurl', AuthType: 'AWS_IAM' }))).FunctionUrl!;
    assert.equal(await signedGet(url, testCreds), 200, 'the account\'s root');
    const iam = new IAMClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
    try {
      const keyOf = async (user: string) => {
        await iam.send(new CreateUserCommand({ UserName: user }));
        const k = (await iam.send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey!;
        return { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
      };
      const allow = (actions: string[]) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: arn('iamurl') }] });
      const nobody = await keyOf('url-nobody');
      assert.equal(await signedGet(url, nobody), 403, 'a user without permissions');
      const half = await keyOf('url-half');
      await iam.send(new PutUserPolicyCommand({ UserName: 'url-half', PolicyName: 'p', PolicyDocument: allow(['lambda:InvokeFunctionUrl']) }));
      assert.equal(await signedGet(url, half), 403, 'InvokeFunctionUrl alone');
      const full = await keyOf('url-full');
      await iam.send(new PutUserPolicyCommand({ UserName: 'url-full', PolicyName: 'p', PolicyDocument: allow(['lambda:InvokeFunctionUrl', 'lambda:InvokeFunction']) }));
      assert.equal(await signedGet(url, full), 200, 'both actions in its identity policy');
      const granted = await keyOf('url-granted');
      const user = `arn:aws:iam::${acct}:user/url-granted`;
      await c.send(new AddPermissionCommand({ FunctionName: 'iamurl', StatementId: 'u1', Action: 'lambda:InvokeFunctionUrl', Principal: user, FunctionUrlAuthType: 'AWS_IAM' }));
      await c.send(new AddPermissionCommand({ FunctionName: 'iamurl', StatementId: 'u2', Action: 'lambda:InvokeFunction', Principal: user, InvokedViaFunctionUrl: true }));
      assert.equal(await signedGet(url, granted), 200, 'both actions granted by the function policy');
      assert.equal(await signedGet(url, nobody), 403, 'and only to that user');
    } finally {
      iam.destroy();
    }
  });

  it('an alias URL reads the alias\'s policy, not the function\'s', async () => {
    await deploy(c, 'aliased');
    const v = (await c.send(new PublishVersionCommand({ FunctionName: 'aliased' }))).Version!;
    await c.send(new CreateAliasCommand({ FunctionName: 'aliased', Name: 'live', FunctionVersion: v }));
    const url = (await c.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'aliased', Qualifier: 'live', AuthType: 'NONE' }))).FunctionUrl!;
    await allowPublicUrl(c, 'aliased');
    assert.equal((await get(url)).status, 403);
    await allowPublicUrl(c, 'aliased', 'live');
    assert.equal((await get(url)).status, 200);
  });

  it('DeleteFunction deletes the policies; they survive a restart otherwise', async () => {
    await deploy(c, 'gone');
    await c.send(new AddPermissionCommand({ FunctionName: 'gone', StatementId: 'a', Action: 'lambda:InvokeFunction', Principal: '*' }));
    await c.send(new DeleteFunctionCommand({ FunctionName: 'gone' }));
    await deploy(c, 'gone');
    await err(c.send(new GetPolicyCommand({ FunctionName: 'gone' })), 'ResourceNotFoundException', 'The resource you requested does not exist.');

    await deploy(c, 'kept');
    await c.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'kept', AuthType: 'NONE' }));
    await allowPublicUrl(c, 'kept');
    const before = await c.send(new GetPolicyCommand({ FunctionName: 'kept' }));
    const dataDir = s.dataDir;
    await s.stop();
    s = await startServer({ dataDir });
    c = s.client;
    const again = await c.send(new GetPolicyCommand({ FunctionName: 'kept' }));
    assert.equal(again.Policy, before.Policy);
    assert.equal(again.RevisionId, before.RevisionId);
    // The URL listener's port is new after a restart on port 0: ask for the URL again; it still serves the public.
    const url = (await c.send(new GetFunctionUrlConfigCommand({ FunctionName: 'kept' }))).FunctionUrl!;
    const r = await get(url);
    assert.equal(r.status, 200);
    assert.equal(r.body, 'hello from kept');
  });
});
