import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAliasCommand, CreateFunctionCommand, GetProvisionedConcurrencyConfigCommand, InvokeCommand, PublishVersionCommand,
  PutProvisionedConcurrencyConfigCommand, waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { CloudWatchClient, GetMetricStatisticsCommand, type Statistic } from '@aws-sdk/client-cloudwatch';
import { decode, encode, makeZip, role, startServer, testCreds, type RunningServer } from './harness';

/**
 * AWS's provisioned concurrency metrics (issue 17 item 1) through the real
 * server, read with GetMetricStatistics: ProvisionedConcurrencyInvocations,
 * ProvisionedConcurrencySpilloverInvocations, ProvisionedConcurrentExecutions
 * and ProvisionedConcurrencyUtilization under FunctionName + Resource
 * (`function:alias`).
 */
describe('provisioned concurrency metrics', () => {
  let s: RunningServer;
  let cw: CloudWatchClient;
  const fn = 'pc-metered';
  const resource = `${fn}:live`;

  before(async () => {
    s = await startServer();
    cw = new CloudWatchClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
    const code = 'exports.handler = async (e) => { await new Promise((r) => setTimeout(r, e.ms || 0)); return process.env.AWS_LAMBDA_INITIALIZATION_TYPE; };';
    await s.client.send(new CreateFunctionCommand({ FunctionName: fn, Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Timeout: 30, Code: { ZipFile: await makeZip({ 'index.js': code }) } }));
    await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 30, minDelay: 1 }, { FunctionName: fn });
    const v = await s.client.send(new PublishVersionCommand({ FunctionName: fn }));
    await s.client.send(new CreateAliasCommand({ FunctionName: fn, Name: 'live', FunctionVersion: v.Version! }));
    await s.client.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: fn, Qualifier: 'live', ProvisionedConcurrentExecutions: 1 }));
    const deadline = Date.now() + 30_000;
    while ((await s.client.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: fn, Qualifier: 'live' }))).Status !== 'READY') {
      assert.ok(Date.now() < deadline, 'provisioned concurrency READY in time');
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  after(async () => {
    await s?.stop();
  });

  const stat = async (metric: string, statistic: Statistic, dims = [{ Name: 'FunctionName', Value: fn }, { Name: 'Resource', Value: resource }]) => {
    const r = await cw.send(new GetMetricStatisticsCommand({
      Namespace: 'AWS/Lambda', MetricName: metric, Dimensions: dims,
      StartTime: new Date(Date.now() - 3_600_000), EndTime: new Date(Date.now() + 120_000), Period: 7200, Statistics: [statistic],
    }));
    return r.Datapoints?.[0]?.[statistic];
  };

  it('counts invocations on provisioned EEs and the spillover to on-demand ones; executions and utilization peak at the allocation', async () => {
    const run = async (ms: number) => decode((await s.client.send(new InvokeCommand({ FunctionName: fn, Qualifier: 'live', Payload: encode({ ms }) }))).Payload);
    for (let k = 0; k < 3; k++) assert.equal(await run(0), '"provisioned-concurrency"');
    // Two at once with one provisioned EE: one runs on it, the other spills over to an on-demand EE.
    const both = await Promise.all([run(1500), run(1500)]);
    assert.deepEqual(both.sort(), ['"on-demand"', '"provisioned-concurrency"']);
    assert.equal(await stat('ProvisionedConcurrencyInvocations', 'Sum'), 4);
    assert.equal(await stat('ProvisionedConcurrencySpilloverInvocations', 'Sum'), 1);
    assert.equal(await stat('ProvisionedConcurrentExecutions', 'Maximum'), 1);
    assert.equal(await stat('ProvisionedConcurrencyUtilization', 'Maximum'), 1);
    assert.equal(await stat('ProvisionedConcurrencyInvocations', 'Sum', [{ Name: 'FunctionName', Value: fn }]), 4, 'and per function');
    // An unqualified call ($LATEST has no provisioned concurrency) is neither.
    await s.client.send(new InvokeCommand({ FunctionName: fn, Payload: encode({}) }));
    assert.equal(await stat('ProvisionedConcurrencySpilloverInvocations', 'Sum', [{ Name: 'FunctionName', Value: fn }]), 1);
  });
});
