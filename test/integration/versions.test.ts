import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  CreateAliasCommand, CreateFunctionCommand, DeleteAliasCommand, DeleteFunctionCommand, DeleteLayerVersionCommand,
  GetAliasCommand, GetFunctionCommand, GetFunctionConfigurationCommand, GetLayerVersionByArnCommand, GetLayerVersionCommand,
  GetLayerVersionPolicyCommand, AddLayerVersionPermissionCommand, RemoveLayerVersionPermissionCommand, InvokeCommand,
  LambdaClient, ListAliasesCommand, ListLayersCommand, ListLayerVersionsCommand, ListTagsCommand, ListVersionsByFunctionCommand,
  PublishLayerVersionCommand, PublishVersionCommand, TagResourceCommand, UntagResourceCommand, UpdateAliasCommand,
  UpdateFunctionCodeCommand, UpdateFunctionConfigurationCommand, ListFunctionsCommand,
  waitUntilFunctionActiveV2, waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { decode, encode, makeZip, role, startServer, type RunningServer } from './harness';

const ARN = 'arn:aws:lambda:us-east-1:000000000000';

async function rejects(p: Promise<unknown>, name: string, message?: RegExp) {
  await assert.rejects(p, (e: Error) => {
    assert.equal(e.name, name, `expected ${name}, got ${e.name}: ${e.message}`);
    if (message) assert.match(e.message, message);
    return true;
  });
}

const versionCode = (v: string) => makeZip({ 'index.js': `exports.handler = async () => ({ code: ${JSON.stringify(v)}, env: process.env.STAGE ?? null });` });

describe('versions, aliases, layers, tags, encrypted environment (issue 5)', () => {
  let s: RunningServer;
  let c: LambdaClient;
  const updated = (name: string) => waitUntilFunctionUpdatedV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: name });
  const invoke = async (name: string, qualifier?: string) => {
    const r = await c.send(new InvokeCommand({ FunctionName: name, Qualifier: qualifier, Payload: encode({}) }));
    assert.equal(r.FunctionError, undefined, decode(r.Payload));
    return { out: JSON.parse(decode(r.Payload)), version: r.ExecutedVersion };
  };

  before(async () => {
    s = await startServer();
    c = s.client;
    await c.send(new CreateFunctionCommand({
      FunctionName: 'ver', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: await versionCode('one') },
      Environment: { Variables: { STAGE: 'first' } },
    }));
    await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'ver' });
  });
  after(async () => {
    await s?.stop();
  });

  it('publishes immutable versions; unchanged code+config returns the existing version', async () => {
    const v1 = await c.send(new PublishVersionCommand({ FunctionName: 'ver', Description: 'first' }));
    assert.equal(v1.$metadata.httpStatusCode, 201);
    assert.equal(v1.Version, '1');
    assert.equal(v1.FunctionArn, `${ARN}:function:ver:1`);
    assert.equal(v1.Description, 'first');
    const again = await c.send(new PublishVersionCommand({ FunctionName: 'ver' }));
    assert.equal(again.Version, '1', 'publishing unchanged code and configuration made a new version');
    await rejects(c.send(new PublishVersionCommand({ FunctionName: 'ver', CodeSha256: 'abc' })), 'InvalidParameterValueException', /CodeSHA256 \(abc\) is different/);
    await rejects(c.send(new PublishVersionCommand({ FunctionName: 'ver', RevisionId: 'stale' })), 'PreconditionFailedException');

    await c.send(new UpdateFunctionCodeCommand({ FunctionName: 'ver', ZipFile: await versionCode('two') }));
    await updated('ver');
    await c.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'ver', Environment: { Variables: { STAGE: 'second' } } }));
    await updated('ver');
    const v2 = await c.send(new PublishVersionCommand({ FunctionName: 'ver' }));
    assert.equal(v2.Version, '2');

    assert.deepEqual((await invoke('ver', '1')).out, { code: 'one', env: 'first' });
    assert.deepEqual((await invoke('ver', '2')).out, { code: 'two', env: 'second' });
    const viaArn = await c.send(new InvokeCommand({ FunctionName: `${ARN}:function:ver:1`, Payload: encode({}) }));
    assert.equal(viaArn.ExecutedVersion, '1');
    assert.equal((await invoke('ver', '$LATEST')).version, '$LATEST');
    await rejects(c.send(new InvokeCommand({ FunctionName: 'ver', Qualifier: '9' })), 'ResourceNotFoundException', /function:ver:9/);

    // $LATEST changes do not touch published versions.
    await c.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'ver', Environment: { Variables: { STAGE: 'third' } } }));
    await updated('ver');
    assert.deepEqual((await invoke('ver', '1')).out, { code: 'one', env: 'first' });
    assert.equal((await invoke('ver')).out.env, 'third');
    await rejects(c.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'ver:1', MemorySize: 256 })), 'InvalidParameterValueException');

    const g = await c.send(new GetFunctionConfigurationCommand({ FunctionName: 'ver', Qualifier: '1' }));
    assert.equal(g.Version, '1');
    assert.deepEqual(g.Environment?.Variables, { STAGE: 'first' });
    const list = await c.send(new ListVersionsByFunctionCommand({ FunctionName: 'ver' }));
    assert.deepEqual(list.Versions!.map((v) => v.Version), ['$LATEST', '1', '2']);
    const page1 = await c.send(new ListVersionsByFunctionCommand({ FunctionName: 'ver', MaxItems: 2 }));
    assert.deepEqual(page1.Versions!.map((v) => v.Version), ['$LATEST', '1']);
    const page2 = await c.send(new ListVersionsByFunctionCommand({ FunctionName: 'ver', MaxItems: 2, Marker: page1.NextMarker }));
    assert.deepEqual(page2.Versions!.map((v) => v.Version), ['2']);
    const all = await c.send(new ListFunctionsCommand({ FunctionVersion: 'ALL' }));
    assert.deepEqual(all.Functions!.filter((f) => f.FunctionName === 'ver').map((f) => f.Version), ['$LATEST', '1', '2']);
  });

  it('routes an alias by weight (2,000 invokes; 10% ± 5 standard deviations to v2) and reports the executed version', async () => {
    const a = await c.send(new CreateAliasCommand({
      FunctionName: 'ver', Name: 'live', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.1 } },
    }));
    assert.equal(a.AliasArn, `${ARN}:function:ver:live`);
    assert.deepEqual(a.RoutingConfig?.AdditionalVersionWeights, { '2': 0.1 });
    const counts: Record<string, number> = {};
    const total = 2000;
    let next = 0;
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (next < total) {
        next++;
        const r = await c.send(new InvokeCommand({ FunctionName: 'ver', Qualifier: 'live', Payload: encode({}) }));
        const out = JSON.parse(decode(r.Payload));
        // The code that ran must be the version the header names.
        assert.equal(out.code, r.ExecutedVersion === '1' ? 'one' : 'two');
        counts[r.ExecutedVersion!] = (counts[r.ExecutedVersion!] ?? 0) + 1;
      }
    }));
    // Binomial(2000, 0.1): mean 200, sd 13.4; ±5 sd = [133, 267] fails a correct router with p < 1e-6.
    assert.equal((counts['1'] ?? 0) + (counts['2'] ?? 0), total);
    assert.ok(counts['2']! >= 133 && counts['2']! <= 267, `v2 got ${counts['2']} of ${total}`);

    await rejects(c.send(new DeleteFunctionCommand({ FunctionName: 'ver', Qualifier: '2' })), 'ResourceConflictException', /aliases reference it: \[live\]/);
    await rejects(c.send(new CreateAliasCommand({ FunctionName: 'ver', Name: 'live', FunctionVersion: '1' })), 'ResourceConflictException');
    await rejects(c.send(new CreateAliasCommand({ FunctionName: 'ver', Name: 'x', FunctionVersion: '7' })), 'ResourceNotFoundException');
    await rejects(c.send(new CreateAliasCommand({ FunctionName: 'ver', Name: '123', FunctionVersion: '1' })), 'ValidationException');
    await rejects(
      c.send(new CreateAliasCommand({ FunctionName: 'ver', Name: 'y', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 1.5 } } })),
      'ValidationException',
    );
    const got = await c.send(new GetAliasCommand({ FunctionName: 'ver', Name: 'live' }));
    await rejects(c.send(new UpdateAliasCommand({ FunctionName: 'ver', Name: 'live', FunctionVersion: '2', RevisionId: 'stale' })), 'PreconditionFailedException');
    // Two parallel updates from the same revision: exactly one wins.
    const results = await Promise.allSettled([
      c.send(new UpdateAliasCommand({ FunctionName: 'ver', Name: 'live', FunctionVersion: '2', RoutingConfig: { AdditionalVersionWeights: {} }, RevisionId: got.RevisionId })),
      c.send(new UpdateAliasCommand({ FunctionName: 'ver', Name: 'live', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: {} }, RevisionId: got.RevisionId })),
    ]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.equal((loser.reason as Error).name, 'PreconditionFailedException');
    const winner = (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ FunctionVersion?: string }>).value;
    const now = await c.send(new GetAliasCommand({ FunctionName: 'ver', Name: 'live' }));
    assert.equal(now.FunctionVersion, winner.FunctionVersion);
    assert.equal((await invoke('ver', 'live')).version, winner.FunctionVersion);
    const aliases = await c.send(new ListAliasesCommand({ FunctionName: 'ver' }));
    assert.deepEqual(aliases.Aliases!.map((x) => x.Name), ['live']);
    await c.send(new DeleteAliasCommand({ FunctionName: 'ver', Name: 'live' }));
    await rejects(c.send(new InvokeCommand({ FunctionName: 'ver', Qualifier: 'live' })), 'ResourceNotFoundException');
    await c.send(new DeleteFunctionCommand({ FunctionName: 'ver', Qualifier: '2' }));
    await rejects(c.send(new GetFunctionConfigurationCommand({ FunctionName: 'ver', Qualifier: '2' })), 'ResourceNotFoundException');
  });

  it('concurrent conflicting function updates end with one winner, never a mixed state', async () => {
    const cur = await c.send(new GetFunctionConfigurationCommand({ FunctionName: 'ver' }));
    const results = await Promise.allSettled([
      c.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'ver', MemorySize: 256, Timeout: 11, RevisionId: cur.RevisionId })),
      c.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'ver', MemorySize: 512, Timeout: 22, RevisionId: cur.RevisionId })),
    ]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const err = (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason as Error;
    assert.ok(['PreconditionFailedException', 'ResourceConflictException'].includes(err.name), err.name);
    await updated('ver');
    const after = await c.send(new GetFunctionConfigurationCommand({ FunctionName: 'ver' }));
    assert.ok((after.MemorySize === 256 && after.Timeout === 11) || (after.MemorySize === 512 && after.Timeout === 22), 'mixed state');
  });

  it('unpacks layers into /opt in order (a later layer wins) with AWS\'s paths for Node, Python and custom runtimes', async () => {
    const l1 = await c.send(new PublishLayerVersionCommand({
      LayerName: 'base', Description: 'base layer', CompatibleRuntimes: ['nodejs20.x', 'python3.11'], LicenseInfo: 'MIT',
      Content: { ZipFile: await makeZip({ 'shared.txt': 'from-base', 'only-base.txt': 'b', 'nodejs/node_modules/greet/index.js': "module.exports = () => 'hello from layer';", 'python/greet.py': "def hi():\n    return 'py layer'\n", 'bin/tool': '#!/bin/sh\necho tool-ran\n' }, { 'bin/tool': 0o755 }) },
    }));
    assert.equal(l1.Version, 1);
    assert.equal(l1.LayerVersionArn, `${ARN}:layer:base:1`);
    const l2 = await c.send(new PublishLayerVersionCommand({
      LayerName: 'over', Content: { ZipFile: await makeZip({ 'shared.txt': 'from-over', bootstrap: '#!/bin/sh\nwhile true; do\n  H=$(mktemp); E=$(curl -sS -D "$H" "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/next"); ID=$(grep -i Lambda-Runtime-Aws-Request-Id "$H" | tr -d "[:space:]" | cut -d: -f2)\n  curl -sS -o /dev/null "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/$ID/response" -d "\\"opt-bootstrap $(cat /opt/shared.txt)\\""\ndone\n' }) },
    }));
    const layers = [l1.LayerVersionArn!, l2.LayerVersionArn!];
    await c.send(new CreateFunctionCommand({
      FunctionName: 'with-layers', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Layers: layers,
      Code: { ZipFile: await makeZip({ 'index.js': `const fs = require('fs'); const { execSync } = require('child_process');
        exports.handler = async () => ({ shared: fs.readFileSync('/opt/shared.txt', 'utf8'), base: fs.readFileSync('/opt/only-base.txt', 'utf8'),
          greet: require('greet')(), tool: execSync('tool').toString().trim(), ld: process.env.LD_LIBRARY_PATH.includes('/opt/lib') });` }) },
    }));
    await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'with-layers' });
    assert.deepEqual((await invoke('with-layers')).out, { shared: 'from-over', base: 'b', greet: 'hello from layer', tool: 'tool-ran', ld: true });
    const cfg = await c.send(new GetFunctionConfigurationCommand({ FunctionName: 'with-layers' }));
    assert.deepEqual(cfg.Layers!.map((l) => l.Arn), layers);

    await c.send(new CreateFunctionCommand({
      FunctionName: 'py-layers', Runtime: 'python3.11', Role: role, Handler: 'app.handler', Layers: [l1.LayerVersionArn!],
      Code: { ZipFile: await makeZip({ 'app.py': 'import greet\ndef handler(e, c):\n    return greet.hi()\n' }) },
    }));
    await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'py-layers' });
    assert.equal((await invoke('py-layers')).out, 'py layer');

    await c.send(new CreateFunctionCommand({
      FunctionName: 'opt-bootstrap', Runtime: 'provided.al2023', Role: role, Handler: 'x', Layers: [l2.LayerVersionArn!],
      Code: { ZipFile: await makeZip({ 'readme.txt': 'the bootstrap comes from a layer' }) },
    }));
    await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'opt-bootstrap' });
    assert.equal((await invoke('opt-bootstrap')).out, 'opt-bootstrap from-over');

    // Layer API surface.
    const got = await c.send(new GetLayerVersionCommand({ LayerName: 'base', VersionNumber: 1 }));
    assert.equal(got.LicenseInfo, 'MIT');
    assert.deepEqual(got.CompatibleRuntimes, ['nodejs20.x', 'python3.11']);
    assert.equal((await c.send(new GetLayerVersionByArnCommand({ Arn: l1.LayerVersionArn! }))).Version, 1);
    const listed = await c.send(new ListLayersCommand({}));
    assert.deepEqual(listed.Layers!.map((l) => l.LayerName), ['base', 'over']);
    assert.equal((await c.send(new ListLayersCommand({ CompatibleRuntime: 'python3.11' }))).Layers!.length, 1);
    await c.send(new PublishLayerVersionCommand({ LayerName: 'base', Content: { ZipFile: await makeZip({ 'v2.txt': '2' }) } }));
    const lv = await c.send(new ListLayerVersionsCommand({ LayerName: 'base' }));
    assert.deepEqual(lv.LayerVersions!.map((v) => v.Version), [2, 1]);
    const perm = await c.send(new AddLayerVersionPermissionCommand({ LayerName: 'base', VersionNumber: 1, StatementId: 'all', Action: 'lambda:GetLayerVersion', Principal: '*' }));
    assert.match(perm.Statement!, /"Sid":"all"/);
    const pol = await c.send(new GetLayerVersionPolicyCommand({ LayerName: 'base', VersionNumber: 1 }));
    assert.equal(JSON.parse(pol.Policy!).Statement.length, 1);
    await rejects(c.send(new AddLayerVersionPermissionCommand({ LayerName: 'base', VersionNumber: 1, StatementId: 'all', Action: 'lambda:GetLayerVersion', Principal: '*' })), 'ResourceConflictException');
    await c.send(new RemoveLayerVersionPermissionCommand({ LayerName: 'base', VersionNumber: 1, StatementId: 'all' }));
    await rejects(c.send(new GetLayerVersionPolicyCommand({ LayerName: 'base', VersionNumber: 1 })), 'ResourceNotFoundException');

    // Deleting a layer version leaves functions that use it working, also in a fresh EE.
    await c.send(new DeleteLayerVersionCommand({ LayerName: 'base', VersionNumber: 1 }));
    await rejects(c.send(new GetLayerVersionCommand({ LayerName: 'base', VersionNumber: 1 })), 'ResourceNotFoundException');
    await c.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'with-layers', MemorySize: 192 }));
    await updated('with-layers');
    assert.equal((await invoke('with-layers')).out.greet, 'hello from layer');
  });

  it('rejects bad layer references with AWS\'s errors', async () => {
    const zip = await makeZip({ 'index.js': 'exports.handler = async () => 1;' });
    const base = { FunctionName: 'bad-layers', Runtime: 'nodejs20.x' as const, Role: role, Handler: 'index.handler', Code: { ZipFile: zip } };
    await rejects(c.send(new CreateFunctionCommand({ ...base, Layers: Array.from({ length: 6 }, (_, i) => `${ARN}:layer:l${i}:1`) })), 'InvalidParameterValueException', /Cannot reference more than 5 layers\./);
    await rejects(c.send(new CreateFunctionCommand({ ...base, Layers: ['not-an-arn'] })), 'ValidationException');
    await rejects(c.send(new CreateFunctionCommand({ ...base, Layers: [`${ARN}:layer:nope:3`] })), 'InvalidParameterValueException', /does not exist/);
    // AWS's answer for a layer of another region (recorded: LocalStack test_layer_function_exceptions, create_function_with_layer_in_different_region).
    await rejects(
      c.send(new CreateFunctionCommand({ ...base, Layers: ['arn:aws:lambda:eu-west-1:000000000000:layer:elsewhere:1'] })),
      'InvalidParameterValueException', /^Layers are not in the same region as the function\. Layers are expected to be in region us-east-1\.$/,
    );
    await rejects(c.send(new GetFunctionCommand({ FunctionName: 'bad-layers' })), 'ResourceNotFoundException');
  });

  it('tags functions with AWS\'s limits', async () => {
    await c.send(new CreateFunctionCommand({
      FunctionName: 'tagged', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Tags: { team: 'core' },
      Code: { ZipFile: await makeZip({ 'index.js': 'exports.handler = async () => 1;' }) },
    }));
    const arn = `${ARN}:function:tagged`;
    assert.deepEqual((await c.send(new ListTagsCommand({ Resource: arn }))).Tags, { team: 'core' });
    await c.send(new TagResourceCommand({ Resource: arn, Tags: { env: 'dev', owner: 'me' } }));
    await c.send(new UntagResourceCommand({ Resource: arn, TagKeys: ['owner'] }));
    assert.deepEqual((await c.send(new ListTagsCommand({ Resource: arn }))).Tags, { team: 'core', env: 'dev' });
    assert.deepEqual((await c.send(new GetFunctionCommand({ FunctionName: 'tagged' }))).Tags, { team: 'core', env: 'dev' });
    await rejects(c.send(new TagResourceCommand({ Resource: arn, Tags: { 'aws:x': '1' } })), 'InvalidParameterValueException');
    const many = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`k${i}`, 'v']));
    await rejects(c.send(new TagResourceCommand({ Resource: arn, Tags: many })), 'InvalidParameterValueException', /limit of 50/);
    await rejects(c.send(new ListTagsCommand({ Resource: `${ARN}:function:missing` })), 'ResourceNotFoundException');
  });

  it('encrypts environment values with a named key (KMSKeyArn); the value is nowhere in the data dir', async () => {
    const secret = 'KMS-SECRET-93c1d7e5';
    const keyArn = 'arn:aws:kms:us-east-1:000000000000:key/11111111-2222-3333-4444-555555555555';
    await c.send(new CreateFunctionCommand({
      FunctionName: 'kms', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', KMSKeyArn: keyArn,
      Environment: { Variables: { SECRET: secret } },
      Code: { ZipFile: await makeZip({ 'index.js': 'exports.handler = async () => process.env.SECRET;' }) },
    }));
    await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'kms' });
    assert.equal((await invoke('kms')).out, secret);
    const cfg = await c.send(new GetFunctionConfigurationCommand({ FunctionName: 'kms' }));
    assert.equal(cfg.KMSKeyArn, keyArn);
    const walk = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => {
      const p = path.join(d, e.name);
      return e.isDirectory() ? walk(p) : e.isFile() ? [p] : [];
    });
    for (const f of walk(s.dataDir)) assert.ok(!fs.readFileSync(f).includes(secret), `secret in clear in ${f}`);
    assert.ok(fs.readdirSync(path.join(s.dataDir, 'keys')).length >= 1, 'no named key was created');
  });
});
