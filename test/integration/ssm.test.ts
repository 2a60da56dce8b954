import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddTagsToResourceCommand, DeleteParameterCommand, DeleteParametersCommand, DescribeParametersCommand, GetParameterCommand, GetParameterHistoryCommand,
  GetParametersByPathCommand, GetParametersCommand, LabelParameterVersionCommand, ListTagsForResourceCommand, PutParameterCommand,
  RemoveTagsFromResourceCommand, UnlabelParameterVersionCommand, type SSMClient,
} from '@aws-sdk/client-ssm';
import { SignatureV4 } from '@smithy/signature-v4';
import { startServer, testCreds, type RunningServer } from './harness';
import { Sha256 } from './sha256';
import { ssmClient, ssmError } from './ssm-helpers';

/**
 * SSM Parameter Store over the real server with @aws-sdk/client-ssm:
 * shapes as AWS answers them (LocalStack's recordings of AWS: ARN without the
 * name's leading slash, DataType text, GetParameters' InvalidParameters even
 * when empty), AWS's errors for bad input, SecureString returned sealed
 * without WithDecryption.
 */
describe('SSM Parameter Store', () => {
  let s: RunningServer;
  let ssm: SSMClient;
  before(async () => {
    s = await startServer();
    ssm = ssmClient(s);
  });
  after(async () => {
    ssm?.destroy();
    await s?.stop();
  });

  it('PutParameter then GetParameter: version 1, AWS shape, Tier Standard; overwrite makes version 2; without Overwrite ParameterAlreadyExists', async () => {
    const before = Date.now();
    const put = await ssm.send(new PutParameterCommand({ Name: '/app/db/host', Value: 'db.local', Type: 'String', Description: 'the host' }));
    assert.deepEqual([put.Version, put.Tier], [1, 'Standard']);
    const got = (await ssm.send(new GetParameterCommand({ Name: '/app/db/host' }))).Parameter!;
    assert.deepEqual({ ...got, LastModifiedDate: undefined }, {
      Name: '/app/db/host', Type: 'String', Value: 'db.local', Version: 1, LastModifiedDate: undefined,
      ARN: 'arn:aws:ssm:us-east-1:000000000000:parameter/app/db/host', DataType: 'text',
    });
    assert.ok(got.LastModifiedDate!.getTime() >= before - 1000 && got.LastModifiedDate!.getTime() <= Date.now() + 1000);
    assert.deepEqual(await ssmError(ssm.send(new PutParameterCommand({ Name: '/app/db/host', Value: 'x', Type: 'String' }))), {
      name: 'ParameterAlreadyExists', status: 400, message: 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
    });
    assert.equal((await ssm.send(new PutParameterCommand({ Name: '/app/db/host', Value: 'db2.local', Overwrite: true }))).Version, 2, 'the type is kept when not restated');
    const v2 = (await ssm.send(new GetParameterCommand({ Name: '/app/db/host' }))).Parameter!;
    assert.deepEqual([v2.Value, v2.Version, v2.Type], ['db2.local', 2, 'String']);
    const v1 = (await ssm.send(new GetParameterCommand({ Name: '/app/db/host:1' }))).Parameter!;
    assert.deepEqual([v1.Value, v1.Version, v1.Selector], ['db.local', 1, ':1']);
    const byArn = (await ssm.send(new GetParameterCommand({ Name: 'arn:aws:ssm:us-east-1:000000000000:parameter/app/db/host' }))).Parameter!;
    assert.equal(byArn.Value, 'db2.local');
    assert.deepEqual(await ssmError(ssm.send(new GetParameterCommand({ Name: '/app/db/host:7' }))), {
      name: 'ParameterVersionNotFound', status: 400, message: 'Systems Manager could not find version 7 of /app/db/host. Verify the version and try again.',
    });
    assert.deepEqual(await ssmError(ssm.send(new GetParameterCommand({ Name: '/app/none' }))), { name: 'ParameterNotFound', status: 400, message: 'Parameter /app/none not found.' });
  });

  it('concurrent overwrites that keep the type each get a version of their own, none lost', async () => {
    await ssm.send(new PutParameterCommand({ Name: '/cc/p', Value: 'v0', Type: 'SecureString' }));
    const r = await Promise.all(Array.from({ length: 6 }, (_, i) => ssm.send(new PutParameterCommand({ Name: '/cc/p', Value: `v${i + 1}`, Overwrite: true }))));
    assert.deepEqual(r.map((x) => x.Version).sort((a, b) => a! - b!), [2, 3, 4, 5, 6, 7]);
    const h = await ssm.send(new GetParameterHistoryCommand({ Name: '/cc/p', WithDecryption: true }));
    assert.deepEqual(h.Parameters!.map((p) => p.Type), Array(7).fill('SecureString'));
    assert.deepEqual(h.Parameters!.map((p) => p.Value).sort(), ['v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6']);
  });

  it('names as AWS checks them: reserved prefixes, fully qualified paths, characters, fifteen levels, length', async () => {
    const e = (Name: string) => ssmError(ssm.send(new PutParameterCommand({ Name, Value: 'v', Type: 'String' })));
    assert.deepEqual(await e('awsThing'), { name: 'ValidationException', status: 400, message: 'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive).' });
    assert.equal((await e('SSMthing')).name, 'ValidationException');
    assert.match((await e('/ssm/x')).message, /can't be prefixed with "ssm" \(case-insensitive\)\. If formed as a path/);
    assert.deepEqual(await e('/aws/x'), { name: 'AccessDeniedException', status: 400, message: 'No access to reserved parameter name: /aws/x.' });
    assert.deepEqual(await e('a/b'), { name: 'ValidationException', status: 400, message: 'Parameter name must be a fully qualified name.' });
    assert.equal((await e('/has space')).name, 'ValidationException');
    assert.equal((await e('/a//b')).name, 'ValidationException');
    const deep = `/${Array.from({ length: 16 }, (_, i) => `l${i}`).join('/')}`;
    assert.deepEqual(await e(deep), {
      name: 'HierarchyLevelLimitExceededException', status: 400,
      message: 'A hierarchy can have a maximum of 15 levels. For more information, see Requirements and constraints for parameter names in the Amazon Web Services Systems Manager User Guide.',
    });
    const fifteen = `/${Array.from({ length: 15 }, (_, i) => `l${i}`).join('/')}`;
    assert.equal((await ssm.send(new PutParameterCommand({ Name: fifteen, Value: 'v', Type: 'String' }))).Version, 1);
    assert.match((await e(`/${'x'.repeat(2048)}`)).message, /^1 validation error detected: Value '.*' at 'name' failed to satisfy constraint: Member must have length less than or equal to 2048$/);
    assert.deepEqual((await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Option: 'BeginsWith', Values: ['awsThing', 'SSMthing', '/ssm', '/aws', 'a/b'] }] }))).Parameters, [], 'nothing refused was stored');
  });

  it('values: Type required on create, 4096 characters (Standard tier), no nested {{}}, AllowedPattern, DataType, Tier and KeyId refusals', async () => {
    const e = (i: Record<string, unknown>) => ssmError(ssm.send(new PutParameterCommand({ Name: '/v/x', Value: 'v', ...i } as never)));
    assert.deepEqual(await e({ Type: undefined }), { name: 'ValidationException', status: 400, message: 'A parameter type is required when you create a parameter.' });
    assert.equal((await ssm.send(new PutParameterCommand({ Name: '/v/max', Value: 'x'.repeat(4096), Type: 'String' }))).Version, 1);
    assert.match((await e({ Type: 'String', Value: 'x'.repeat(4097) })).message, /^Standard tier parameters support a maximum parameter value of 4096 characters/);
    assert.equal((await e({ Type: 'String', Value: 'a {{ssm:/b}}' })).message, 'Parameter value can\'t nest another parameter. Do not use "{{}}" in the value.');
    assert.deepEqual(await e({ Type: 'String', Value: 'abc', AllowedPattern: '^\\d+$' }), {
      name: 'ParameterPatternMismatchException', status: 400, message: 'Parameter value, cannot be validated against allowedPattern: ^\\d+$',
    });
    assert.equal((await e({ Type: 'String', Value: '1', AllowedPattern: '(' })).name, 'InvalidAllowedPatternException');
    await ssm.send(new PutParameterCommand({ Name: '/v/num', Value: '42', Type: 'String', AllowedPattern: '^\\d+$' }));
    assert.equal((await ssmError(ssm.send(new PutParameterCommand({ Name: '/v/num', Value: 'x', Overwrite: true })))).name, 'ParameterPatternMismatchException', 'the stored pattern holds on overwrite');
    assert.match((await e({ Type: 'String', Tier: 'Advanced' })).message, /Kumo keeps Standard-tier parameters only/);
    assert.match((await e({ Type: 'String', Tier: 'Intelligent-Tiering' })).message, /Kumo keeps Standard-tier parameters only/);
    assert.equal((await e({ Type: 'String', Tier: 'Gold' })).name, 'ValidationException');
    assert.match((await e({ Type: 'String', Policies: '[]' })).message, /Advanced tier/);
    assert.equal((await e({ Type: 'String', DataType: 'Text' })).message, 'The following data type is not supported: Text (Data type names are all lowercase.)');
    assert.match((await e({ Type: 'String', DataType: 'aws:ec2:image', Value: 'ami-12345678' })).message, /Kumo does not support the data type aws:ec2:image/);
    assert.deepEqual(await e({ Type: 'SecureString', KeyId: 'alias/mine' }), {
      name: 'InvalidKeyId', status: 400, message: 'Kumo has no KMS: SecureString values are sealed with Kumo\'s keyring under the AWS managed key alias/aws/ssm only, not alias/mine.',
    });
    assert.equal((await e({ Type: 'String', KeyId: 'alias/aws/ssm' })).message, 'KeyId is required for SecureString type parameter only.');
    assert.equal((await e({ Type: 'Number' })).message, '1 validation error detected: Value \'Number\' at \'type\' failed to satisfy constraint: Member must satisfy enum value set: [String, StringList, SecureString]');
    await ssm.send(new PutParameterCommand({ Name: '/v/tagged', Value: 'v', Type: 'String', Tags: [{ Key: 'team', Value: 'a' }] }));
    assert.equal((await ssmError(ssm.send(new PutParameterCommand({ Name: '/v/tagged', Value: 'w', Overwrite: true, Tags: [{ Key: 'team', Value: 'b' }] })))).message,
      'Invalid request: tags and overwrite can\'t be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.');
    assert.equal((await ssmError(ssm.send(new GetParameterCommand({ Name: '/v/x' })))).name, 'ParameterNotFound', 'no refused put left anything behind');
  });

  it('SecureString: sealed ciphertext without WithDecryption, the plaintext with it; KeyId alias/aws/ssm in DescribeParameters', async () => {
    await ssm.send(new PutParameterCommand({ Name: '/sec/pw', Value: 'hunter2', Type: 'SecureString' }));
    const sealed = (await ssm.send(new GetParameterCommand({ Name: '/sec/pw' }))).Parameter!;
    assert.equal(sealed.Type, 'SecureString');
    assert.notEqual(sealed.Value, 'hunter2');
    assert.match(sealed.Value!, /^[A-Za-z0-9+/]+=*$/);
    assert.ok(!Buffer.from(sealed.Value!, 'base64').includes('hunter2'), 'the ciphertext does not hold the plaintext');
    assert.equal((await ssm.send(new GetParameterCommand({ Name: '/sec/pw', WithDecryption: true }))).Parameter!.Value, 'hunter2');
    const d = (await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Values: ['/sec/pw'] }] }))).Parameters!;
    assert.deepEqual(d.map((p) => [p.Name, p.Type, p.KeyId, p.Tier, p.Version, p.DataType, p.LastModifiedUser]), [['/sec/pw', 'SecureString', 'alias/aws/ssm', 'Standard', 1, 'text', 'arn:aws:iam::000000000000:root']]);
    const many = await ssm.send(new GetParametersCommand({ Names: ['/sec/pw'], WithDecryption: true }));
    assert.equal(many.Parameters![0]!.Value, 'hunter2');
  });

  it('GetParameters: up to 10 names, InvalidParameters for those not found (also []), selectors', async () => {
    await ssm.send(new PutParameterCommand({ Name: '/gp/a', Value: 'A', Type: 'String' }));
    await ssm.send(new PutParameterCommand({ Name: '/gp/list', Value: 'x,y,z', Type: 'StringList' }));
    const r = await ssm.send(new GetParametersCommand({ Names: ['/gp/a', '/gp/none', '/gp/list', '/gp/a:9'] }));
    assert.deepEqual(r.Parameters!.map((p) => [p.Name, p.Value, p.Type]), [['/gp/a', 'A', 'String'], ['/gp/list', 'x,y,z', 'StringList']]);
    assert.deepEqual(r.InvalidParameters, ['/gp/none', '/gp/a:9']);
    assert.deepEqual((await ssm.send(new GetParametersCommand({ Names: ['/gp/a'] }))).InvalidParameters, []);
    const eleven = Array.from({ length: 11 }, (_, i) => `/gp/n${i}`);
    assert.match((await ssmError(ssm.send(new GetParametersCommand({ Names: eleven })))).message, /at 'names' failed to satisfy constraint: Member must have length less than or equal to 10$/);
  });

  it('GetParametersByPath: one level or recursive, MaxResults with NextToken, Type/Label filters, invalid filter keys', async () => {
    for (const n of ['/bp/a', '/bp/b', '/bp/c', '/bp/sub/d', '/bp/sub/deep/e', '/bpx']) await ssm.send(new PutParameterCommand({ Name: n, Value: n, Type: n.endsWith('c') ? 'StringList' : 'String' }));
    const names = async (i: { Path: string; Recursive?: boolean; MaxResults?: number; ParameterFilters?: never[] | { Key: string; Option?: string; Values: string[] }[] }) => {
      const out: string[] = [];
      let NextToken: string | undefined;
      let pages = 0;
      do {
        const r = await ssm.send(new GetParametersByPathCommand({ ...i, NextToken } as never));
        out.push(...r.Parameters!.map((p) => p.Name!));
        NextToken = r.NextToken;
        pages++;
      } while (NextToken);
      return { out, pages };
    };
    assert.deepEqual((await names({ Path: '/bp' })).out, ['/bp/a', '/bp/b', '/bp/c']);
    assert.deepEqual((await names({ Path: '/bp/', Recursive: true })).out, ['/bp/a', '/bp/b', '/bp/c', '/bp/sub/d', '/bp/sub/deep/e']);
    const paged = await names({ Path: '/bp', Recursive: true, MaxResults: 2 });
    assert.deepEqual([paged.out.length, paged.pages], [5, 3]);
    assert.deepEqual((await names({ Path: '/bp', Recursive: true, ParameterFilters: [{ Key: 'Type', Values: ['StringList'] }] })).out, ['/bp/c']);
    await ssm.send(new PutParameterCommand({ Name: '/bp/a', Value: 'a2', Overwrite: true }));
    await ssm.send(new LabelParameterVersionCommand({ Name: '/bp/a', ParameterVersion: 1, Labels: ['prod'] }));
    const labelled = await ssm.send(new GetParametersByPathCommand({ Path: '/bp', ParameterFilters: [{ Key: 'Label', Values: ['prod'] }] }));
    assert.deepEqual(labelled.Parameters!.map((p) => [p.Name, p.Version, p.Value]), [['/bp/a', 1, '/bp/a']]);
    assert.deepEqual(await ssmError(ssm.send(new GetParametersByPathCommand({ Path: '/bp', ParameterFilters: [{ Key: 'Name', Values: ['x'] }] }))), {
      name: 'InvalidFilterKey', status: 400, message: 'The following filter key is not valid: Name. Valid filter keys include: [Type, KeyId].',
    });
    assert.equal((await ssmError(ssm.send(new GetParametersByPathCommand({ Path: '/bp', MaxResults: 11 })))).message,
      '1 validation error detected: Value \'11\' at \'maxResults\' failed to satisfy constraint: Member must have value less than or equal to 10');
    assert.equal((await ssmError(ssm.send(new GetParametersByPathCommand({ Path: '/bp', NextToken: '!!' })))).name, 'InvalidNextToken');
    assert.equal((await ssmError(ssm.send(new GetParametersByPathCommand({ Path: 'bp' })))).name, 'ValidationException');
  });

  it('DescribeParameters: Name/Type/KeyId/Path filters and pagination; Label is not a filter there', async () => {
    for (const n of ['/dp/one', '/dp/two', '/dp/three/x']) await ssm.send(new PutParameterCommand({ Name: n, Value: 'v', Type: 'String', Description: `about ${n}` }));
    await ssm.send(new PutParameterCommand({ Name: '/dp/secret', Value: 'v', Type: 'SecureString' }));
    const d = async (ParameterFilters: { Key: string; Option?: string; Values: string[] }[], MaxResults?: number) => {
      const out: string[] = [];
      let NextToken: string | undefined;
      do {
        const r = await ssm.send(new DescribeParametersCommand({ ParameterFilters, MaxResults, NextToken }));
        out.push(...r.Parameters!.map((p) => p.Name!));
        NextToken = r.NextToken;
      } while (NextToken);
      return out;
    };
    assert.deepEqual(await d([{ Key: 'Path', Values: ['/dp'] }]), ['/dp/one', '/dp/secret', '/dp/two']);
    assert.deepEqual(await d([{ Key: 'Path', Option: 'Recursive', Values: ['/dp'] }], 1), ['/dp/one', '/dp/secret', '/dp/three/x', '/dp/two']);
    assert.deepEqual(await d([{ Key: 'Name', Option: 'Contains', Values: ['hre'] }]), ['/dp/three/x']);
    assert.deepEqual(await d([{ Key: 'Path', Option: 'Recursive', Values: ['/dp'] }, { Key: 'Type', Values: ['SecureString'] }]), ['/dp/secret']);
    assert.deepEqual(await d([{ Key: 'KeyId', Values: ['alias/aws/ssm'] }, { Key: 'Path', Values: ['/dp'] }]), ['/dp/secret']);
    const one = (await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Values: ['/dp/one'] }] }))).Parameters![0]!;
    assert.deepEqual([one.Description, one.ARN, one.Policies], ['about /dp/one', 'arn:aws:ssm:us-east-1:000000000000:parameter/dp/one', []]);
    assert.equal((await ssmError(ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Label', Values: ['x'] }] })))).message,
      'The following filter key is not valid: Label. Valid filter keys include: [Path, Name, Type, KeyId, Tier].');
    assert.equal((await ssmError(ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Type', Values: ['Number'] }] })))).name, 'InvalidFilterValue');
    assert.match((await ssmError(ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Path', Values: ['/aws/x'] }] })))).message, /^Filters for common parameters can't be prefixed with "aws" or "ssm"/);
    assert.match((await ssmError(ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Path', Values: ['dp'] }] })))).message, /^The parameter doesn't meet the parameter name requirements/);
    assert.equal((await ssmError(ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Path', Option: 'Deep', Values: ['/dp'] }] })))).message,
      'The following filter option is not valid: Deep. Valid options include: [Recursive, OneLevel].');
    assert.equal((await ssmError(ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Values: ['a'] }, { Key: 'Name', Values: ['b'] }] })))).message,
      'The following filter is duplicated in the request: Name. A request can contain only one occurrence of a specific filter.');
  });

  it('GetParameterHistory, labels (moved between versions, invalid ones returned, limit 10), unlabel; 100 versions kept', async () => {
    for (let i = 1; i <= 3; i++) await ssm.send(new PutParameterCommand({ Name: '/h/p', Value: `v${i}`, Type: 'String', Overwrite: i > 1 }));
    const l = await ssm.send(new LabelParameterVersionCommand({ Name: '/h/p', ParameterVersion: 1, Labels: ['blue', 'aws-x', '1st', 'ok'] }));
    assert.deepEqual([l.ParameterVersion, l.InvalidLabels], [1, ['aws-x', '1st']]);
    assert.equal((await ssm.send(new LabelParameterVersionCommand({ Name: '/h/p', Labels: ['blue'] }))).ParameterVersion, 3, 'the newest by default');
    const h = await ssm.send(new GetParameterHistoryCommand({ Name: '/h/p' }));
    assert.deepEqual(h.Parameters!.map((p) => [p.Version, p.Value, p.Labels]), [[1, 'v1', ['ok']], [2, 'v2', []], [3, 'v3', ['blue']]]);
    const h1 = await ssm.send(new GetParameterHistoryCommand({ Name: '/h/p', MaxResults: 2 }));
    assert.equal(h1.Parameters!.length, 2);
    assert.deepEqual((await ssm.send(new GetParameterHistoryCommand({ Name: '/h/p', NextToken: h1.NextToken }))).Parameters!.map((p) => p.Version), [3]);
    assert.equal((await ssm.send(new GetParameterCommand({ Name: '/h/p:blue' }))).Parameter!.Value, 'v3');
    const u = await ssm.send(new UnlabelParameterVersionCommand({ Name: '/h/p', ParameterVersion: 3, Labels: ['blue', 'green'] }));
    assert.deepEqual([u.RemovedLabels, u.InvalidLabels], [['blue'], ['green']]);
    assert.equal((await ssmError(ssm.send(new GetParameterCommand({ Name: '/h/p:blue' })))).name, 'ParameterVersionNotFound');
    const ten = Array.from({ length: 10 }, (_, i) => `l${i}`);
    await ssm.send(new LabelParameterVersionCommand({ Name: '/h/p', ParameterVersion: 2, Labels: ten }));
    assert.deepEqual(await ssmError(ssm.send(new LabelParameterVersionCommand({ Name: '/h/p', ParameterVersion: 2, Labels: ['more'] }))), {
      name: 'ParameterVersionLabelLimitExceeded', status: 400, message: 'A parameter version can have maximum 10 labels.Move one or more labels to another version and try again.',
    });
    assert.equal((await ssmError(ssm.send(new LabelParameterVersionCommand({ Name: '/h/none', Labels: ['x'] })))).name, 'ParameterNotFound');
    assert.equal((await ssmError(ssm.send(new GetParameterHistoryCommand({ Name: '/h/none' })))).name, 'ParameterNotFound');
    // 100 versions are kept; version 1 carries a label, so the 101st is refused until it is moved.
    for (let i = 4; i <= 100; i++) await ssm.send(new PutParameterCommand({ Name: '/h/p', Value: `v${i}`, Overwrite: true }));
    assert.deepEqual(await ssmError(ssm.send(new PutParameterCommand({ Name: '/h/p', Value: 'v101', Overwrite: true }))), {
      name: 'ParameterMaxVersionLimitExceeded', status: 400,
      message: 'You attempted to create a new version of /h/p by calling the PutParameter API with the overwrite flag. Version 1, the oldest version, can\'t be deleted because it has a label associated with it. Move the label to another version of the parameter, and try again.',
    });
    await ssm.send(new UnlabelParameterVersionCommand({ Name: '/h/p', ParameterVersion: 1, Labels: ['ok'] }));
    assert.equal((await ssm.send(new PutParameterCommand({ Name: '/h/p', Value: 'v101', Overwrite: true }))).Version, 101);
    assert.equal((await ssmError(ssm.send(new GetParameterCommand({ Name: '/h/p:1' })))).name, 'ParameterVersionNotFound', 'the oldest version was dropped');
    assert.equal((await ssm.send(new GetParameterCommand({ Name: '/h/p:2' }))).Parameter!.Value, 'v2');
  });

  it('tags: Add/Remove/ListTagsForResource for ResourceType Parameter; other types and missing ids refused', async () => {
    await ssm.send(new PutParameterCommand({ Name: '/t/p', Value: 'v', Type: 'String', Tags: [{ Key: 'a', Value: '1' }] }));
    await ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: '/t/p', Tags: [{ Key: 'b', Value: '2' }] }));
    await ssm.send(new RemoveTagsFromResourceCommand({ ResourceType: 'Parameter', ResourceId: '/t/p', TagKeys: ['a'] }));
    assert.deepEqual((await ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/t/p' }))).TagList, [{ Key: 'b', Value: '2' }]);
    assert.deepEqual(await ssmError(ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/t/none' }))), {
      name: 'InvalidResourceId', status: 400, message: 'The resource ID isn\'t valid. Verify that you entered the correct ID and try again.',
    });
    assert.equal((await ssmError(ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Document', ResourceId: 'doc' })))).name, 'InvalidResourceId');
    assert.equal((await ssmError(ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Nope' as never, ResourceId: 'x' })))).name, 'ValidationException');
    const many = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    assert.equal((await ssmError(ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: '/t/p', Tags: many })))).name, 'TooManyTagsError');
    assert.equal((await ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/t/p' }))).TagList!.length, 1, 'nothing written');
  });

  it('DeleteParameter and DeleteParameters (deleted and invalid names)', async () => {
    for (const n of ['/del/a', '/del/b', '/del/c']) await ssm.send(new PutParameterCommand({ Name: n, Value: 'v', Type: 'String' }));
    await ssm.send(new DeleteParameterCommand({ Name: '/del/a' }));
    assert.deepEqual(await ssmError(ssm.send(new DeleteParameterCommand({ Name: '/del/a' }))), { name: 'ParameterNotFound', status: 400, message: 'Parameter /del/a not found.' });
    const r = await ssm.send(new DeleteParametersCommand({ Names: ['/del/b', '/del/none', '/del/c'] }));
    assert.deepEqual([r.DeletedParameters!.sort(), r.InvalidParameters], [['/del/b', '/del/c'], ['/del/none']]);
    assert.equal((await ssmError(ssm.send(new GetParameterCommand({ Name: '/del/c' })))).name, 'ParameterNotFound');
  });

  it('on the wire: LastModifiedDate is epoch seconds with a fraction; errors carry __type and the model\'s message member', async () => {
    const signer = new SignatureV4({ service: 'ssm', region: 'us-east-1', credentials: testCreds, sha256: Sha256 });
    const call = async (target: string, body: unknown) => {
      const url = new URL(s.endpoint);
      const req = await signer.sign({
        method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/',
        headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AmazonSSM.${target}` }, body: JSON.stringify(body),
      });
      const r = await fetch(`${s.endpoint}/`, { method: 'POST', headers: req.headers as Record<string, string>, body: req.body as string });
      return { status: r.status, json: (await r.json()) as Record<string, unknown> };
    };
    await call('PutParameter', { Name: 'wire', Value: 'w', Type: 'String' });
    const got = await call('GetParameter', { Name: 'wire' });
    const p = got.json.Parameter as Record<string, unknown>;
    assert.equal(typeof p.LastModifiedDate, 'number');
    assert.equal(p.ARN, 'arn:aws:ssm:us-east-1:000000000000:parameter/wire');
    const nf = await call('GetParameter', { Name: 'nope' });
    assert.deepEqual(nf, { status: 400, json: { __type: 'ParameterNotFound', message: 'Parameter nope not found.' } });
    const ve = await call('PutParameter', { Name: 'awsx', Value: 'w', Type: 'String' });
    assert.deepEqual(ve.json, { __type: 'ValidationException', Message: 'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive).' });
    assert.equal((await call('GetParameter', { Name: 5 })).json.__type, 'SerializationException');
    assert.equal((await call('SendCommand', {})).json.__type, 'UnknownOperationException');
  });
});
