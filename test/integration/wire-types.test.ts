import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAliasCommand, CreateFunctionCommand, GetFunctionCommand, PublishLayerVersionCommand, TagResourceCommand,
  UpdateFunctionConfigurationCommand, waitUntilFunctionActiveV2, type CreateFunctionCommandInput,
} from '@aws-sdk/client-lambda';
import { makeZip, role, startServer, type RunningServer } from './harness';

/**
 * The service layer decodes every member's JSON type before the domain sees
 * the request (src/services/lambda/decode.ts): a member of the wrong type is
 * AWS's SerializationException naming the member's path, answered before
 * any constraint or semantic rule, and nothing is created.
 */
async function expectWrongType(p: Promise<unknown>, member: string): Promise<void> {
  await assert.rejects(p, (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(e.name, 'SerializationException', `${e.name}: ${e.message}`);
    assert.equal(e.message, `Unexpected value type in payload for member '${member}'`);
    assert.equal(e.$metadata?.httpStatusCode, 400);
    return true;
  });
}

describe('wire types: a member of the wrong JSON type is SerializationException', () => {
  let s: RunningServer;
  let zip: Buffer;
  const base = (name: string): CreateFunctionCommandInput => ({
    FunctionName: name, Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: zip },
  });
  before(async () => {
    s = await startServer();
    zip = await makeZip({ 'index.js': 'exports.handler = async () => 1;' });
  });
  after(async () => {
    await s.stop();
  });

  it('on create and update, before any other check, and creates nothing', async () => {
    const c = s.client;
    await expectWrongType(c.send(new CreateFunctionCommand({ ...base('typed'), MemorySize: '256' as never })), 'memorySize');
    // A deprecated runtime would be InvalidParameterValueException; the type error comes first.
    await expectWrongType(c.send(new CreateFunctionCommand({ ...base('typed'), Runtime: 'nodejs12.x', Timeout: true as never })), 'timeout');
    await expectWrongType(c.send(new CreateFunctionCommand({ ...base('typed'), Environment: { Variables: { A: 1 as never } } })), 'environment.variables.A');
    await assert.rejects(c.send(new GetFunctionCommand({ FunctionName: 'typed' })), { name: 'ResourceNotFoundException' });

    await c.send(new CreateFunctionCommand(base('typed')));
    await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30 }, { FunctionName: 'typed' });
    await expectWrongType(c.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'typed', Description: 7 as never })), 'description');
    await expectWrongType(c.send(new CreateAliasCommand({ FunctionName: 'typed', Name: 'live', FunctionVersion: 1 as never })), 'functionVersion');
    const arn = (await c.send(new GetFunctionCommand({ FunctionName: 'typed' }))).Configuration!.FunctionArn!;
    await expectWrongType(c.send(new TagResourceCommand({ Resource: arn, Tags: { team: 5 as never } })), 'tags.team');
    await expectWrongType(c.send(new PublishLayerVersionCommand({ LayerName: 'typed', Content: { ZipFile: zip }, CompatibleRuntimes: 'nodejs20.x' as never })), 'compatibleRuntimes');
  });
});
