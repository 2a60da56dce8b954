import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateFunctionCommand, GetFunctionConfigurationCommand, GetRuntimeManagementConfigCommand, PutRuntimeManagementConfigCommand, LambdaClient, ListFunctionsCommand, ListLayerVersionsCommand, PublishLayerVersionCommand, PublishVersionCommand,
  UpdateFunctionCodeCommand, UpdateFunctionConfigurationCommand, waitUntilFunctionActiveV2, waitUntilFunctionUpdatedV2,
  type CreateFunctionCommandInput,
} from '@aws-sdk/client-lambda';
import { makeZip, role, startServer, type RunningServer, workerPolicies } from './harness';

/**
 * Settings are honoured or refused, never accepted and dropped (issue 9,
 * item 6), and ListFunctions pages as AWS does (item 9).
 */
async function expectRefused(p: Promise<unknown>, field: RegExp): Promise<void> {
  await assert.rejects(p, (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(e.name, 'InvalidParameterValueException', `${e.name}: ${e.message}`);
    assert.match(e.message, field);
    assert.match(e.message, /is not supported by this Kumo server/);
    assert.equal(e.$metadata?.httpStatusCode, 400);
    return true;
  });
}

describe('settings: honoured or refused, never dropped', () => {
  let s: RunningServer;
  let c: LambdaClient;
  let zip: Buffer;
  const base = (name: string): CreateFunctionCommandInput => ({
    FunctionName: name, Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: zip },
  });
  before(async () => {
    s = await startServer({ grant: workerPolicies });
    c = s.client;
    zip = await makeZip({ 'index.js': 'exports.handler = async () => 1;' });
  });
  after(async () => {
    await s.stop();
  });

  it('refuses on create what Kumo cannot act on, naming the field, and creates nothing', async () => {
    const refused: [Partial<CreateFunctionCommandInput>, RegExp][] = [
      [{ VpcConfig: { SubnetIds: ['subnet-0123'], SecurityGroupIds: ['sg-0123'] } }, /^VpcConfig /],
      // DeadLetterConfig with an SQS or SNS target is honoured (test/integration/async-delivery.test.ts).
      [{ FileSystemConfigs: [{ Arn: 'arn:aws:elasticfilesystem:us-east-1:000000000000:access-point/fsap-0123', LocalMountPath: '/mnt/efs' }] }, /^FileSystemConfigs /],
      [{ ImageConfig: { Command: ['app.handler'] } }, /^ImageConfig /],
      [{ SnapStart: { ApplyOn: 'PublishedVersions' } }, /^SnapStart ApplyOn PublishedVersions /],
      [{ CodeSigningConfigArn: 'arn:aws:lambda:us-east-1:000000000000:code-signing-config:csc-0123456789abcdef0' }, /^CodeSigningConfigArn /],
      [{ PackageType: 'Image' }, /^PackageType Image /],
      // The foreign architecture for a runtime Kumo runs natively only (arm64 Node.js and provided.* run emulated: test/integration/arm64.test.ts).
      [{ Runtime: 'python3.11', Architectures: [process.arch === 'arm64' ? 'x86_64' : 'arm64'] }, /^Architectures /],
    ];
    for (const [extra, field] of refused) {
      await expectRefused(c.send(new CreateFunctionCommand({ ...base('refused'), ...extra })), field);
    }
    // Members of Code beside ZipFile are refused, not ignored.
    await expectRefused(c.send(new CreateFunctionCommand({ ...base('refused'), Code: { ZipFile: zip, S3ObjectVersion: '3' } })), /^Code\.S3ObjectVersion /);
    await expectRefused(c.send(new CreateFunctionCommand({ ...base('refused'), Code: { ZipFile: zip, SourceKMSKeyArn: 'arn:aws:kms:us-east-1:000000000000:key/k' } })), /^Code\.SourceKMSKeyArn /);
    await expectRefused(c.send(new PublishLayerVersionCommand({ LayerName: 'refused', Content: { ZipFile: zip, S3ObjectVersion: '3' } })), /^Content\.S3ObjectVersion /);
    await expectRefused(c.send(new PublishLayerVersionCommand({ LayerName: 'refused', Content: { S3Bucket: 'b', S3Key: 'k' } })), /^Content\.S3Bucket /);
    assert.equal((await c.send(new ListLayerVersionsCommand({ LayerName: 'refused' }))).LayerVersions?.length, 0);
    await assert.rejects(c.send(new GetFunctionConfigurationCommand({ FunctionName: 'refused' })), { name: 'ResourceNotFoundException' });
  });

  it('accepts the empty values aws lambda / SAM send for "none" and returns them as AWS does', async () => {
    const r = await c.send(new CreateFunctionCommand({
      ...base('empties'),
      VpcConfig: { SubnetIds: [], SecurityGroupIds: [] },
      DeadLetterConfig: {},
      FileSystemConfigs: [],
      SnapStart: { ApplyOn: 'None' },
      TracingConfig: { Mode: 'PassThrough' },
      Environment: { Variables: {} },
    }));
    assert.deepEqual(r.VpcConfig, { SubnetIds: [], SecurityGroupIds: [], VpcId: '', Ipv6AllowedForDualStack: false });
    assert.deepEqual(r.Environment, { Variables: {} });
    assert.deepEqual(r.TracingConfig, { Mode: 'PassThrough' });
    assert.deepEqual(r.SnapStart, { ApplyOn: 'None', OptimizationStatus: 'Off' });
    assert.equal(r.DeadLetterConfig, undefined);
    await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30 }, { FunctionName: 'empties' });
    const g = await c.send(new GetFunctionConfigurationCommand({ FunctionName: 'empties' }));
    assert.deepEqual(g.VpcConfig, r.VpcConfig);
    assert.deepEqual(g.Environment, { Variables: {} });
    // Without Environment, AWS returns none.
    const plain = await c.send(new CreateFunctionCommand(base('plain')));
    assert.equal(plain.Environment, undefined);
    assert.equal(plain.VpcConfig, undefined);
  });

  it('refuses on update, leaving the configuration as it was', async () => {
    await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30 }, { FunctionName: 'plain' });
    const before = await c.send(new GetFunctionConfigurationCommand({ FunctionName: 'plain' }));
    await expectRefused(c.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'plain', Timeout: 9, VpcConfig: { SubnetIds: ['subnet-1'], SecurityGroupIds: [] } })), /^VpcConfig /);
    await expectRefused(c.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'plain', Timeout: 9, FileSystemConfigs: [{ Arn: 'arn:aws:elasticfilesystem:us-east-1:000000000000:access-point/fsap-1', LocalMountPath: '/mnt/x' }] })), /^FileSystemConfigs /);
    await expectRefused(c.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'plain', Timeout: 9, ImageConfig: { EntryPoint: ['/x'] } })), /^ImageConfig /);
    await expectRefused(c.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'plain', Timeout: 9, SnapStart: { ApplyOn: 'PublishedVersions' } })), /^SnapStart /);
    await expectRefused(c.send(new UpdateFunctionCodeCommand({ FunctionName: 'plain', ZipFile: zip, SourceKMSKeyArn: 'arn:aws:kms:us-east-1:000000000000:key/k' })), /^SourceKMSKeyArn /);
    await expectRefused(c.send(new UpdateFunctionCodeCommand({ FunctionName: 'plain', S3Bucket: 'b', S3Key: 'k', S3ObjectVersion: '1' })), /S3/);
    await expectRefused(c.send(new PublishVersionCommand({ FunctionName: 'plain', PublishTo: 'LATEST_PUBLISHED' })), /^PublishTo /);
    const after = await c.send(new GetFunctionConfigurationCommand({ FunctionName: 'plain' }));
    assert.equal(after.RevisionId, before.RevisionId);
    assert.equal(after.Timeout, before.Timeout);
    // An empty VpcConfig on update is "no VPC" and is shown from then on.
    const u = await c.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'plain', VpcConfig: { SubnetIds: [], SecurityGroupIds: [] } }));
    assert.deepEqual(u.VpcConfig, { SubnetIds: [], SecurityGroupIds: [], VpcId: '', Ipv6AllowedForDualStack: false });
    await waitUntilFunctionUpdatedV2({ client: c, maxWaitTime: 30 }, { FunctionName: 'plain' });
  });

  it('ListFunctions returns at most 50 functions a page whatever MaxItems says', async () => {
    const have = (await c.send(new ListFunctionsCommand({}))).Functions?.length ?? 0;
    for (let i = have; i < 53; i++) await c.send(new CreateFunctionCommand(base(`page-${String(i).padStart(2, '0')}`)));
    const first = await c.send(new ListFunctionsCommand({ MaxItems: 1000 }));
    assert.equal(first.Functions!.length, 50);
    assert.ok(first.NextMarker);
    const second = await c.send(new ListFunctionsCommand({ MaxItems: 1000, Marker: first.NextMarker }));
    assert.equal(second.Functions!.length, 3);
    assert.equal(second.NextMarker, undefined);
    // AWS lists neither State nor LastUpdateStatus nor RuntimeVersionConfig.
    for (const f of first.Functions!) {
      assert.equal(f.State, undefined);
      assert.equal(f.LastUpdateStatus, undefined);
      assert.equal(f.RuntimeVersionConfig, undefined);
    }
  });
});

describe('runtime management config: Auto honoured, the modes Kumo cannot honour refused', () => {
  let s: RunningServer;
  let c: LambdaClient;
  before(async () => {
    s = await startServer({ grant: workerPolicies });
    c = s.client;
    const zip = await makeZip({ 'index.js': 'exports.handler = async () => 1;' });
    await c.send(new CreateFunctionCommand({ FunctionName: 'rm', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: zip } }));
    await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30 }, { FunctionName: 'rm' });
    await c.send(new PublishVersionCommand({ FunctionName: 'rm' }));
  });
  after(async () => {
    await s.stop();
  });

  it('GetRuntimeManagementConfig answers Auto for $LATEST and a version; PutRuntimeManagementConfig takes Auto', async () => {
    const got = await c.send(new GetRuntimeManagementConfigCommand({ FunctionName: 'rm' }));
    assert.equal(got.UpdateRuntimeOn, 'Auto');
    assert.equal(got.FunctionArn, 'arn:aws:lambda:us-east-1:000000000000:function:rm');
    assert.equal(got.RuntimeVersionArn, undefined);
    assert.equal((await c.send(new GetRuntimeManagementConfigCommand({ FunctionName: 'rm', Qualifier: '1' }))).FunctionArn, 'arn:aws:lambda:us-east-1:000000000000:function:rm:1');
    const put = await c.send(new PutRuntimeManagementConfigCommand({ FunctionName: 'rm', UpdateRuntimeOn: 'Auto' }));
    assert.equal(put.UpdateRuntimeOn, 'Auto');
    assert.equal(put.FunctionArn, 'arn:aws:lambda:us-east-1:000000000000:function:rm');
  });

  it("refuses Manual and FunctionUpdate by name, checks the model's constraints, and answers a missing function or version with ResourceNotFoundException", async () => {
    await expectRefused(c.send(new PutRuntimeManagementConfigCommand({
      FunctionName: 'rm', UpdateRuntimeOn: 'Manual', RuntimeVersionArn: 'arn:aws:lambda:us-east-1::runtime:0123456789abcdef',
    })), /UpdateRuntimeOn Manual/);
    await expectRefused(c.send(new PutRuntimeManagementConfigCommand({ FunctionName: 'rm', UpdateRuntimeOn: 'FunctionUpdate' })), /UpdateRuntimeOn FunctionUpdate/);
    await assert.rejects(c.send(new PutRuntimeManagementConfigCommand({ FunctionName: 'rm', UpdateRuntimeOn: 'Sometimes' as never })), (e: Error) => {
      assert.equal(e.name, 'ValidationException');
      assert.match(e.message, /^1 validation error detected: Value 'Sometimes' at 'updateRuntimeOn' failed to satisfy constraint: Member must satisfy enum value set/);
      return true;
    });
    await assert.rejects(c.send(new PutRuntimeManagementConfigCommand({ FunctionName: 'rm', UpdateRuntimeOn: 'Auto', RuntimeVersionArn: 'nope' })), { name: 'ValidationException' });
    await assert.rejects(c.send(new GetRuntimeManagementConfigCommand({ FunctionName: 'missing' })), { name: 'ResourceNotFoundException' });
    await assert.rejects(c.send(new GetRuntimeManagementConfigCommand({ FunctionName: 'rm', Qualifier: '9' })), { name: 'ResourceNotFoundException' });
    assert.equal((await c.send(new GetRuntimeManagementConfigCommand({ FunctionName: 'rm' }))).UpdateRuntimeOn, 'Auto', 'a refused put changed nothing');
  });
});

describe('LogFormat JSON on a runtime whose Kumo bootstrap writes text only', () => {
  let s: RunningServer;
  before(async () => {
    s = await startServer({ grant: workerPolicies });
  });
  after(async () => {
    await s.stop();
  });

  it('ruby3.2 refuses LoggingConfig LogFormat JSON on create and on update, and leaves nothing behind', async () => {
    const zip = await makeZip({ 'lambda_function.rb': 'def lambda_handler(event:, context:) = 1\n' });
    const base = { FunctionName: 'rb', Runtime: 'ruby3.2' as const, Role: role, Handler: 'lambda_function.lambda_handler', Code: { ZipFile: zip } };
    await expectRefused(s.client.send(new CreateFunctionCommand({ ...base, LoggingConfig: { LogFormat: 'JSON' } })), /LogFormat JSON/);
    await assert.rejects(s.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'rb' })), { name: 'ResourceNotFoundException' });
    await s.client.send(new CreateFunctionCommand(base));
    await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 30 }, { FunctionName: 'rb' });
    await expectRefused(s.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'rb', LoggingConfig: { LogFormat: 'JSON' } })), /LogFormat JSON/);
    assert.equal((await s.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'rb' }))).LoggingConfig?.LogFormat, 'Text');
  });
});
