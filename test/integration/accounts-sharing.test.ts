import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  AddLayerVersionPermissionCommand, CreateFunctionCommand, DeleteLayerVersionCommand, GetFunctionCommand, GetLayerVersionByArnCommand, GetLayerVersionCommand,
  GetLayerVersionPolicyCommand, InvokeCommand, LambdaClient, ListFunctionsCommand, PublishLayerVersionCommand, RemoveLayerVersionPermissionCommand,
  UpdateFunctionConfigurationCommand, waitUntilFunctionActiveV2, waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, IAMClient, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { decode, makeZip, startServer, testCreds, type RunningServer } from './harness';
import { startPostgres, type ThrowawayPostgres as PostgresServer } from '../postgres';

/**
 * What several accounts on one server share when their owners say so
 * (issue 18): layer versions (AddLayerVersionPermission, Lambda's only
 * resource policy for layers) and roles (STS AssumeRole of another
 * account's role: its trust policy AND the caller's identity policies).
 * A, the owner, is one of KUMO_ACCOUNTS; B the other; C the server's own
 * account, granted nothing.
 */
const accountA = '111111111111';
const accountB = '222222222222';
const accountC = '000000000000';
const roleOf = (acct: string) => `arn:aws:iam::${acct}:role/lambda-role`;
const layerVersionArn = (acct: string, name: string, v: number) => `arn:aws:lambda:us-east-1:${acct}:layer:${name}:${v}`;

type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
const credsOf = (dataDir: string, acct: string): Creds =>
  acct === accountC ? testCreds : (JSON.parse(fs.readFileSync(path.join(dataDir, 'accounts', acct, 'credentials.json'), 'utf8')) as Creds);

function clients(endpoint: string, credentials: Creds) {
  const base = { endpoint, region: 'us-east-1', credentials, maxAttempts: 1 };
  return { lambda: new LambdaClient(base), sts: new STSClient(base), iam: new IAMClient(base) };
}

async function rejects(p: Promise<unknown>, name: string, message?: RegExp | string): Promise<void> {
  await assert.rejects(p, (e: Error) => {
    assert.equal(e.name, name, e.message);
    if (typeof message === 'string') assert.equal(e.message, message);
    else if (message) assert.match(e.message, message);
    return true;
  });
}

/** AWS's refusal of a layer version the caller may not use (CreateFunction, UpdateFunctionConfiguration, GetLayerVersion…). */
const layerDenied = (who: string, arn: string, policy: 'resource-based' | 'identity-based' = 'resource-based') =>
  `User: ${who} is not authorized to perform: lambda:GetLayerVersion on resource: ${arn} because no ${policy} policy allows the lambda:GetLayerVersion action`;

/** A function that answers the file its layers put in /opt. */
const readsOpt = `const fs = require('fs');
exports.handler = async () => ({ shared: fs.existsSync('/opt/shared.txt') ? fs.readFileSync('/opt/shared.txt', 'utf8') : null, env: process.env.STAMP ?? '' });`;

async function createWithLayers(c: LambdaClient, acct: string, name: string, layers: string[]) {
  return c.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: 'nodejs20.x', Role: roleOf(acct), Handler: 'index.handler',
    Code: { ZipFile: await makeZip({ 'index.js': `${readsOpt}\n// ${name}@${acct}\n` }) }, Layers: layers,
  }));
}

async function invokeJson(c: LambdaClient, name: string): Promise<{ shared: string | null; env: string }> {
  const r = await c.send(new InvokeCommand({ FunctionName: name }));
  assert.equal(r.FunctionError, undefined, decode(r.Payload));
  return JSON.parse(decode(r.Payload));
}

/** A fresh EE of the function: a configuration change (no Layers member: the function keeps the layers it has). */
async function restamp(c: LambdaClient, name: string, stamp: string): Promise<void> {
  await c.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Environment: { Variables: { STAMP: stamp } } }));
  await waitUntilFunctionUpdatedV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: name });
}

const allow = (action: string, resource: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: resource }] });
const trust = (principal: object, condition?: object) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole', ...(condition ? { Condition: condition } : {}) }] });

function sharingSuite(mode: 'sqlite' | 'postgres') {
  describe(`sharing between accounts: layer version permissions and cross-account AssumeRole (issue 18, ${mode})`, () => {
    let s: RunningServer;
    let pg: PostgresServer | undefined;
    let env: Record<string, string>;
    let a: ReturnType<typeof clients>;
    let b: ReturnType<typeof clients>;
    let c: ReturnType<typeof clients>;
    let shared: string;

    before(async () => {
      env = { KUMO_ACCOUNTS: `${accountA},${accountB}` };
      if (mode === 'postgres') {
        pg = await startPostgres();
        env.KUMO_DATABASE_URL = pg.url;
      }
      s = await startServer({ env });
      a = clients(s.endpoint, credsOf(s.dataDir, accountA));
      b = clients(s.endpoint, credsOf(s.dataDir, accountB));
      c = clients(s.endpoint, credsOf(s.dataDir, accountC));
      const v = await a.lambda.send(new PublishLayerVersionCommand({
        LayerName: 'shared', Content: { ZipFile: await makeZip({ 'shared.txt': `layer of ${accountA}` }) }, CompatibleRuntimes: ['nodejs20.x'],
      }));
      shared = v.LayerVersionArn!;
      assert.equal(shared, layerVersionArn(accountA, 'shared', 1));
    });
    after(async () => {
      await s?.stop();
      await pg?.stop();
    });

    it('another account’s layer version is refused (AccessDeniedException, AWS’s words) until its owner grants the account', async () => {
      await rejects(createWithLayers(b.lambda, accountB, 'uses-a', [shared]), 'AccessDeniedException', layerDenied(`arn:aws:iam::${accountB}:root`, shared));
      await rejects(b.lambda.send(new GetFunctionCommand({ FunctionName: 'uses-a' })), 'ResourceNotFoundException');
      await rejects(b.lambda.send(new GetLayerVersionByArnCommand({ Arn: shared })), 'AccessDeniedException', layerDenied(`arn:aws:iam::${accountB}:root`, shared));
      await rejects(
        b.lambda.send(new GetLayerVersionCommand({ LayerName: `arn:aws:lambda:us-east-1:${accountA}:layer:shared`, VersionNumber: 1 })),
        'AccessDeniedException', layerDenied(`arn:aws:iam::${accountB}:root`, shared),
      );
      // A version that does not exist, and an account the server does not have: the same refusal (AWS tells neither apart).
      const missing = layerVersionArn(accountA, 'shared', 99);
      await rejects(createWithLayers(b.lambda, accountB, 'uses-a', [missing]), 'AccessDeniedException', layerDenied(`arn:aws:iam::${accountB}:root`, missing));
      const elsewhere = layerVersionArn('333333333333', 'shared', 1);
      await rejects(createWithLayers(b.lambda, accountB, 'uses-a', [elsewhere]), 'AccessDeniedException', layerDenied(`arn:aws:iam::${accountB}:root`, elsewhere));

      const granted = await a.lambda.send(new AddLayerVersionPermissionCommand({
        LayerName: 'shared', VersionNumber: 1, StatementId: 'b-may-use', Action: 'lambda:GetLayerVersion', Principal: accountB,
      }));
      assert.deepEqual(JSON.parse(granted.Statement!).Principal, { AWS: `arn:aws:iam::${accountB}:root` });

      const created = await createWithLayers(b.lambda, accountB, 'uses-a', [shared]);
      assert.equal(created.FunctionArn, `arn:aws:lambda:us-east-1:${accountB}:function:uses-a`);
      assert.deepEqual(created.Layers?.map((l) => l.Arn), [shared]);
      await waitUntilFunctionActiveV2({ client: b.lambda, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'uses-a' });
      // B's EE has A's layer in /opt.
      assert.equal((await invokeJson(b.lambda, 'uses-a')).shared, `layer of ${accountA}`);

      // GetLayerVersion(ByArn) from B: answered by A's account, as A's layer.
      const byArn = await b.lambda.send(new GetLayerVersionByArnCommand({ Arn: shared }));
      assert.equal(byArn.LayerVersionArn, shared);
      assert.equal(byArn.LayerArn, `arn:aws:lambda:us-east-1:${accountA}:layer:shared`);
      const zip = await fetch(byArn.Content!.Location!);
      assert.equal(zip.status, 200);
      assert.equal(Buffer.from(await zip.arrayBuffer()).length, byArn.Content!.CodeSize);
      const byName = await b.lambda.send(new GetLayerVersionCommand({ LayerName: `arn:aws:lambda:us-east-1:${accountA}:layer:shared`, VersionNumber: 1 }));
      assert.equal(byName.Version, 1);
      // Only lambda:GetLayerVersion is granted: not the policy, not deleting.
      await rejects(b.lambda.send(new GetLayerVersionPolicyCommand({ LayerName: `arn:aws:lambda:us-east-1:${accountA}:layer:shared`, VersionNumber: 1 })), 'AccessDeniedException',
        /lambda:GetLayerVersionPolicy on resource: arn:aws:lambda:us-east-1:111111111111:layer:shared:1 because no resource-based policy allows/);
      await rejects(b.lambda.send(new DeleteLayerVersionCommand({ LayerName: `arn:aws:lambda:us-east-1:${accountA}:layer:shared`, VersionNumber: 1 })), 'AccessDeniedException');

      // C is not B: refused everywhere.
      await rejects(createWithLayers(c.lambda, accountC, 'c-uses-a', [shared]), 'AccessDeniedException', layerDenied(`arn:aws:iam::${accountC}:root`, shared));
      await rejects(c.lambda.send(new GetLayerVersionByArnCommand({ Arn: shared })), 'AccessDeniedException', layerDenied(`arn:aws:iam::${accountC}:root`, shared));
    });

    it('a user of the granted account needs lambda:GetLayerVersion in its own policies too (both sides must allow)', async () => {
      await b.iam.send(new CreateUserCommand({ UserName: 'builder' }));
      await b.iam.send(new PutUserPolicyCommand({ UserName: 'builder', PolicyName: 'create', PolicyDocument: allow('lambda:CreateFunction', '*') }));
      const k = (await b.iam.send(new CreateAccessKeyCommand({ UserName: 'builder' }))).AccessKey!;
      const builder = clients(s.endpoint, { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! });
      const who = `arn:aws:iam::${accountB}:user/builder`;
      await rejects(createWithLayers(builder.lambda, accountB, 'by-builder', [shared]), 'AccessDeniedException', layerDenied(who, shared, 'identity-based'));
      await b.iam.send(new PutUserPolicyCommand({ UserName: 'builder', PolicyName: 'layers', PolicyDocument: allow('lambda:GetLayerVersion', `arn:aws:lambda:us-east-1:${accountA}:layer:*`) }));
      const r = await createWithLayers(builder.lambda, accountB, 'by-builder', [shared]);
      assert.deepEqual(r.Layers?.map((l) => l.Arn), [shared]);
      // Its own account's layers too (AWS: using a layer needs lambda:GetLayerVersion on it); B's root needs nothing.
      const own = (await b.lambda.send(new PublishLayerVersionCommand({ LayerName: 'own', Content: { ZipFile: await makeZip({ 'own.txt': 'b' }) } }))).LayerVersionArn!;
      await rejects(createWithLayers(builder.lambda, accountB, 'own-layer', [own]), 'AccessDeniedException', layerDenied(who, own, 'identity-based'));
      await createWithLayers(b.lambda, accountB, 'own-layer', [own]);
      await waitUntilFunctionActiveV2({ client: b.lambda, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'by-builder' });
    });

    it('RemoveLayerVersionPermission refuses new uses; a function already using the layer keeps running', async () => {
      await a.lambda.send(new RemoveLayerVersionPermissionCommand({ LayerName: 'shared', VersionNumber: 1, StatementId: 'b-may-use' }));
      await rejects(createWithLayers(b.lambda, accountB, 'too-late', [shared]), 'AccessDeniedException', layerDenied(`arn:aws:iam::${accountB}:root`, shared));
      await rejects(b.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'by-builder', Layers: [shared] })), 'AccessDeniedException',
        layerDenied(`arn:aws:iam::${accountB}:root`, shared));
      await rejects(b.lambda.send(new GetLayerVersionByArnCommand({ Arn: shared })), 'AccessDeniedException');
      // A new EE of the function that has it: /opt still holds A's layer.
      await restamp(b.lambda, 'uses-a', 'after-remove');
      assert.deepEqual(await invokeJson(b.lambda, 'uses-a'), { shared: `layer of ${accountA}`, env: 'after-remove' });
    });

    it('Principal * grants every account; an OrganizationId statement grants none (Kumo has no Organizations)', async () => {
      const v2 = (await a.lambda.send(new PublishLayerVersionCommand({ LayerName: 'shared', Content: { ZipFile: await makeZip({ 'shared.txt': 'version 2' }) } }))).LayerVersionArn!;
      await a.lambda.send(new AddLayerVersionPermissionCommand({
        LayerName: 'shared', VersionNumber: 2, StatementId: 'org', Action: 'lambda:GetLayerVersion', Principal: '*', OrganizationId: 'o-abcdefghij',
      }));
      await rejects(createWithLayers(c.lambda, accountC, 'c-uses-a', [v2]), 'AccessDeniedException', layerDenied(`arn:aws:iam::${accountC}:root`, v2));
      await rejects(b.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'by-builder', Layers: [v2] })), 'AccessDeniedException');

      await a.lambda.send(new AddLayerVersionPermissionCommand({ LayerName: 'shared', VersionNumber: 2, StatementId: 'all', Action: 'lambda:GetLayerVersion', Principal: '*' }));
      await createWithLayers(c.lambda, accountC, 'c-uses-a', [v2]);
      await waitUntilFunctionActiveV2({ client: c.lambda, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'c-uses-a' });
      assert.equal((await invokeJson(c.lambda, 'c-uses-a')).shared, 'version 2');
      await b.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'by-builder', Layers: [v2] }));
      await waitUntilFunctionUpdatedV2({ client: b.lambda, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'by-builder' });
      assert.equal((await invokeJson(b.lambda, 'by-builder')).shared, 'version 2');
      // Two accounts' layers of one name are two layers (no "two versions of the same layer").
      await c.lambda.send(new PublishLayerVersionCommand({ LayerName: 'shared', Content: { ZipFile: await makeZip({ 'other.txt': 'c' }) } }));
      const both = await c.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'c-uses-a', Layers: [layerVersionArn(accountC, 'shared', 1), v2] }));
      assert.equal(both.Layers?.length, 2);
      await waitUntilFunctionUpdatedV2({ client: c.lambda, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'c-uses-a' });
    });

    it('A deletes its layer version: B’s function keeps running it, also after a restart (the shared code is kept)', async () => {
      await a.lambda.send(new DeleteLayerVersionCommand({ LayerName: 'shared', VersionNumber: 1 }));
      await restamp(b.lambda, 'uses-a', 'after-delete');
      assert.deepEqual(await invokeJson(b.lambda, 'uses-a'), { shared: `layer of ${accountA}`, env: 'after-delete' });
      await s.stop();
      s = await startServer({ dataDir: s.dataDir, env });
      a = clients(s.endpoint, credsOf(s.dataDir, accountA));
      b = clients(s.endpoint, credsOf(s.dataDir, accountB));
      c = clients(s.endpoint, credsOf(s.dataDir, accountC));
      assert.deepEqual(await invokeJson(b.lambda, 'uses-a'), { shared: `layer of ${accountA}`, env: 'after-delete' });
      assert.equal((await invokeJson(b.lambda, 'by-builder')).shared, 'version 2');
      assert.equal((await invokeJson(c.lambda, 'c-uses-a')).shared, 'version 2');
    });

    describe('AssumeRole of another account’s role', () => {
      let ops: ReturnType<typeof clients>;
      let idle: ReturnType<typeof clients>;
      const crossRole = `arn:aws:iam::${accountA}:role/cross`;

      before(async () => {
        await a.iam.send(new CreateRoleCommand({ RoleName: 'cross', AssumeRolePolicyDocument: trust({ AWS: accountB }) }));
        await a.iam.send(new PutRolePolicyCommand({ RoleName: 'cross', PolicyName: 'list', PolicyDocument: allow('lambda:ListFunctions', '*') }));
        await a.iam.send(new CreateRoleCommand({ RoleName: 'for-c', AssumeRolePolicyDocument: trust({ AWS: `arn:aws:iam::${accountC}:root` }) }));
        await a.iam.send(new CreateRoleCommand({ RoleName: 'names-idle', AssumeRolePolicyDocument: trust({ AWS: `arn:aws:iam::${accountB}:user/idle` }) }));
        await a.iam.send(new CreateRoleCommand({ RoleName: 'external', AssumeRolePolicyDocument: trust({ AWS: `arn:aws:iam::${accountB}:root` }, { StringEquals: { 'sts:ExternalId': 'ext-42' } }) }));
        await b.iam.send(new CreateUserCommand({ UserName: 'ops' }));
        await b.iam.send(new PutUserPolicyCommand({ UserName: 'ops', PolicyName: 'assume', PolicyDocument: allow('sts:AssumeRole', `arn:aws:iam::${accountA}:role/*`) }));
        const k = (await b.iam.send(new CreateAccessKeyCommand({ UserName: 'ops' }))).AccessKey!;
        ops = clients(s.endpoint, { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! });
        await b.iam.send(new CreateUserCommand({ UserName: 'idle' }));
        const k2 = (await b.iam.send(new CreateAccessKeyCommand({ UserName: 'idle' }))).AccessKey!;
        idle = clients(s.endpoint, { accessKeyId: k2.AccessKeyId!, secretAccessKey: k2.SecretAccessKey! });
        await a.lambda.send(new CreateFunctionCommand({
          FunctionName: 'a-fn', Runtime: 'nodejs20.x', Role: roleOf(accountA), Handler: 'index.handler', Code: { ZipFile: await makeZip({ 'index.js': readsOpt }) },
        }));
      });

      it('allowed when A’s trust names B and B’s user may sts:AssumeRole: the session is A’s and acts in A', async () => {
        const r = await ops.sts.send(new AssumeRoleCommand({ RoleArn: crossRole, RoleSessionName: 'from-b' }));
        assert.equal(r.AssumedRoleUser?.Arn, `arn:aws:sts::${accountA}:assumed-role/cross/from-b`);
        assert.match(r.Credentials!.AccessKeyId!, /^ASIA/);
        const session = clients(s.endpoint, { accessKeyId: r.Credentials!.AccessKeyId!, secretAccessKey: r.Credentials!.SecretAccessKey!, sessionToken: r.Credentials!.SessionToken! });
        const id = await session.sts.send(new GetCallerIdentityCommand({}));
        assert.equal(id.Account, accountA);
        assert.equal(id.Arn, `arn:aws:sts::${accountA}:assumed-role/cross/from-b`);
        const listed = (await session.lambda.send(new ListFunctionsCommand({}))).Functions!.map((f) => f.FunctionArn);
        assert.deepEqual(listed, [`arn:aws:lambda:us-east-1:${accountA}:function:a-fn`]);
        // What the role does not allow, in A's words for A's session.
        await rejects(session.lambda.send(new GetFunctionCommand({ FunctionName: 'a-fn' })), 'AccessDeniedException',
          `User: arn:aws:sts::${accountA}:assumed-role/cross/from-b is not authorized to perform: lambda:GetFunction on resource: arn:aws:lambda:us-east-1:${accountA}:function:a-fn because no identity-based policy allows the lambda:GetFunction action`);
      });

      it('refused without A’s trust, without B’s identity permission (even when the trust names the user), for B’s root, and for an account not on the server', async () => {
        const denied = (who: string, role: string) => `User: ${who} is not authorized to perform: sts:AssumeRole on resource: ${role}`;
        const opsArn = `arn:aws:iam::${accountB}:user/ops`;
        const idleArn = `arn:aws:iam::${accountB}:user/idle`;
        await rejects(ops.sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountA}:role/for-c`, RoleSessionName: 'ss' })), 'AccessDenied', denied(opsArn, `arn:aws:iam::${accountA}:role/for-c`));
        await rejects(idle.sts.send(new AssumeRoleCommand({ RoleArn: crossRole, RoleSessionName: 'ss' })), 'AccessDenied', denied(idleArn, crossRole));
        await rejects(idle.sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountA}:role/names-idle`, RoleSessionName: 'ss' })), 'AccessDenied',
          denied(idleArn, `arn:aws:iam::${accountA}:role/names-idle`));
        await rejects(ops.sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountA}:role/missing`, RoleSessionName: 'ss' })), 'AccessDenied', denied(opsArn, `arn:aws:iam::${accountA}:role/missing`));
        await rejects(ops.sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::333333333333:role/cross', RoleSessionName: 'ss' })), 'AccessDenied', denied(opsArn, 'arn:aws:iam::333333333333:role/cross'));
        await rejects(b.sts.send(new AssumeRoleCommand({ RoleArn: crossRole, RoleSessionName: 'ss' })), 'AccessDenied', 'Roles may not be assumed by root accounts.');
        // C's root names nothing of B: its user would need C's own keys; A's trust for C does not let B in (checked above).
      });

      it('sts:ExternalId reaches A’s trust policy', async () => {
        const role = `arn:aws:iam::${accountA}:role/external`;
        await rejects(ops.sts.send(new AssumeRoleCommand({ RoleArn: role, RoleSessionName: 'ss' })), 'AccessDenied');
        await rejects(ops.sts.send(new AssumeRoleCommand({ RoleArn: role, RoleSessionName: 'ss', ExternalId: 'wrong-1' })), 'AccessDenied');
        const r = await ops.sts.send(new AssumeRoleCommand({ RoleArn: role, RoleSessionName: 'ss', ExternalId: 'ext-42' }));
        assert.equal(r.AssumedRoleUser?.Arn, `arn:aws:sts::${accountA}:assumed-role/external/ss`);
      });
    });
  });
}

sharingSuite('sqlite');
sharingSuite('postgres');
