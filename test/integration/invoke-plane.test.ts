import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateFunctionCommand, GetFunctionCommand, InvokeCommand, InvokeWithResponseStreamCommand, LambdaClient, ListFunctionsCommand, waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { decode, makeZip, role, startServer, testCreds, type RunningServer } from './harness';

/**
 * Control plane vs data plane (issue 18 item 5) through the real server:
 * with KUMO_INVOKE_PORT set, Invoke and InvokeWithResponseStream work on
 * the invoke listener (SDK v3), the management calls are refused there,
 * and the API port refuses Invoke with an error naming the invoke address.
 */
describe('KUMO_INVOKE_PORT: invoke on its own listener', () => {
  let s: RunningServer;
  let invokeUrl = '';
  let inv: LambdaClient;
  const fn = 'plane-fn';
  before(async () => {
    s = await startServer({ env: { KUMO_INVOKE_PORT: '0' } });
    const m = /Invoke \(data plane\) on (http:\/\/[^ ]+)/.exec(s.output());
    assert.ok(m, s.output());
    invokeUrl = m[1]!;
    inv = new LambdaClient({ endpoint: invokeUrl, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
    const zip = await makeZip({ 'index.js': 'exports.handler = async (e) => ({ got: e });' });
    await s.client.send(new CreateFunctionCommand({ FunctionName: fn, Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: zip } }));
    await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 30 }, { FunctionName: fn });
  });
  after(async () => {
    inv.destroy();
    await s.stop();
  });

  it('Invoke and InvokeWithResponseStream work on the invoke address', async () => {
    const r = await inv.send(new InvokeCommand({ FunctionName: fn, Payload: Buffer.from('{"a":1}') }));
    assert.deepEqual(JSON.parse(decode(r.Payload)), { got: { a: 1 } });
    const st = await inv.send(new InvokeWithResponseStreamCommand({ FunctionName: fn, Payload: Buffer.from('{"b":2}') }));
    let body = '';
    for await (const ev of st.EventStream!) if (ev.PayloadChunk?.Payload) body += decode(ev.PayloadChunk.Payload);
    assert.deepEqual(JSON.parse(body), { got: { b: 2 } });
  });

  it('the management API refuses Invoke, naming the invoke address; management calls still work there', async () => {
    await assert.rejects(s.client.send(new InvokeCommand({ FunctionName: fn })), (e: Error & { $metadata: { httpStatusCode: number } }) => {
      assert.equal(e.name, 'AccessDeniedException');
      assert.equal(e.$metadata.httpStatusCode, 403);
      assert.equal(e.message, `Invoke is served on Kumo's invoke address (${invokeUrl}), not on the management API.`);
      return true;
    });
    assert.ok((await s.client.send(new ListFunctionsCommand({}))).Functions!.some((f) => f.FunctionName === fn));
  });

  it('the invoke address refuses management calls of every service', async () => {
    for (const cmd of [new ListFunctionsCommand({}), new GetFunctionCommand({ FunctionName: fn })]) {
      await assert.rejects(inv.send(cmd as never), (e: Error & { $metadata: { httpStatusCode: number } }) => {
        assert.equal(e.name, 'AccessDeniedException');
        assert.equal(e.$metadata.httpStatusCode, 403);
        assert.match(e.message, /is not served on Kumo's invoke address: only Invoke, InvokeAsync and InvokeWithResponseStream are; use the management API\.$/);
        return true;
      });
    }
    const sqs = new SQSClient({ endpoint: invokeUrl, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
    await assert.rejects(sqs.send(new ListQueuesCommand({})), (e: Error & { $metadata: { httpStatusCode: number } }) => e.$metadata.httpStatusCode === 403);
    sqs.destroy();
  });
});
