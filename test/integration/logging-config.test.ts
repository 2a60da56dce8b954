import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateFunctionCommand, InvokeCommand, UpdateFunctionConfigurationCommand, waitUntilFunctionActiveV2, waitUntilFunctionUpdatedV2 } from '@aws-sdk/client-lambda';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { encode, makeZip, role, startServer, testCreds, type RunningServer } from './harness';

/**
 * LoggingConfig as AWS applies it (issue 17 item 5): with LogFormat JSON the
 * platform writes JSON records (platform.initStart, platform.start,
 * platform.report with its metrics and status) instead of the text lines,
 * filtered by SystemLogLevel; ApplicationLogLevel filters the function's
 * own lines; LogGroup is where they go.
 */
describe('LoggingConfig: JSON platform records, SystemLogLevel, ApplicationLogLevel, LogGroup', () => {
  let s: RunningServer;
  let logs: CloudWatchLogsClient;
  const fn = 'json-logger';
  const group = '/custom/json-logger';

  before(async () => {
    s = await startServer();
    logs = new CloudWatchLogsClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
    const code = `exports.handler = async (e) => {
      console.debug('a debug line'); console.info('an info line'); console.error('an error line');
      if (e.fail) throw new Error('boom');
      return 'ok';
    };`;
    await s.client.send(new CreateFunctionCommand({
      FunctionName: fn, Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: await makeZip({ 'index.js': code }) },
      LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO', SystemLogLevel: 'INFO', LogGroup: group },
    }));
    await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 30 }, { FunctionName: fn });
  });
  after(async () => {
    await s?.stop();
  });

  const tail = async (payload: object) => {
    const r = await s.client.send(new InvokeCommand({ FunctionName: fn, LogType: 'Tail', Payload: encode(payload) }));
    const lines = Buffer.from(r.LogResult!, 'base64').toString().split('\n').filter(Boolean);
    return { requestId: r.$metadata.requestId!, records: lines.map((l) => JSON.parse(l) as Record<string, any>) };
  };

  it('every line is JSON: platform.initStart, platform.start, the function\'s lines at INFO and above, platform.report', async () => {
    const { records } = await tail({});
    const types = records.map((r) => r.type ?? `app:${r.level}`);
    assert.deepEqual(types, ['platform.initStart', 'platform.start', 'app:INFO', 'app:ERROR', 'platform.report'], JSON.stringify(records));
    const [init, start, , , report] = records;
    assert.match(init!.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(Object.keys(init!.record).sort(), ['functionName', 'functionVersion', 'initializationType', 'phase', 'runtimeVersion']);
    assert.equal(init!.record.initializationType, 'on-demand');
    assert.equal(init!.record.functionName, fn);
    assert.deepEqual(Object.keys(start!.record).sort(), ['requestId', 'version']);
    assert.equal(start!.record.version, '$LATEST');
    assert.equal(report!.record.requestId, start!.record.requestId);
    assert.equal(report!.record.status, 'success');
    const m = report!.record.metrics;
    assert.deepEqual(Object.keys(m).sort(), ['billedDurationMs', 'durationMs', 'initDurationMs', 'maxMemoryUsedMB', 'memorySizeMB']);
    assert.equal(m.memorySizeMB, 128);
    assert.equal(m.billedDurationMs, Math.max(1, Math.ceil(m.durationMs)));
    // The warm invocation has no initStart and no initDurationMs; a failure's report says so.
    const warm = await tail({ fail: true });
    assert.deepEqual(warm.records.map((r) => r.type ?? 'app'), ['platform.start', 'app', 'app', 'app', 'platform.report']);
    const failed = warm.records.at(-1)!.record;
    assert.equal(failed.status, 'error');
    assert.equal(failed.errorType, 'Error');
    assert.equal(failed.metrics.initDurationMs, undefined);
  });

  it('SystemLogLevel WARN leaves out the records of a normal invocation and keeps a failure\'s report; ApplicationLogLevel ERROR keeps only errors', async () => {
    await s.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: fn, LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'ERROR', SystemLogLevel: 'WARN', LogGroup: group } }));
    await waitUntilFunctionUpdatedV2({ client: s.client, maxWaitTime: 30 }, { FunctionName: fn });
    const ok = await tail({});
    assert.deepEqual(ok.records.map((r) => r.type ?? `app:${r.level}`), ['app:ERROR']);
    const bad = await tail({ fail: true });
    assert.deepEqual(bad.records.map((r) => r.type ?? `app:${r.level}`), ['app:ERROR', 'app:ERROR', 'platform.report']);
    assert.equal(bad.records.at(-1)!.record.status, 'error');
  });

  it('the records are in the custom LogGroup (FilterLogEvents with a JSON pattern finds the reports)', async () => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      // The group appears with the first batch written (the log sink writes off the invoke path).
      const r = await logs.send(new FilterLogEventsCommand({ logGroupName: group, filterPattern: '{ $.type = "platform.report" }' })).catch((e: Error) => {
        if (e.name !== 'ResourceNotFoundException' || Date.now() > deadline) throw e;
        return { events: [] };
      });
      const statuses = (r.events ?? []).map((e) => (JSON.parse(e.message!) as { record: { status: string } }).record.status);
      if (statuses.length >= 3 || Date.now() > deadline) {
        assert.deepEqual(statuses, ['success', 'error', 'error']);
        break;
      }
      await new Promise((res) => setTimeout(res, 200));
    }
  });
});
