import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CreateFunctionCommand, InvokeCommand, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import {
  CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, DeleteLogGroupCommand, DeleteRetentionPolicyCommand,
  DescribeLogGroupsCommand, DescribeLogStreamsCommand, FilterLogEventsCommand, GetLogEventsCommand, PutLogEventsCommand,
  PutRetentionPolicyCommand, paginateFilterLogEvents, paginateDescribeLogStreams, type FilteredLogEvent, type OutputLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';
import { encode, makeZip, role, startServer, testCreds, type RunningServer } from './harness';
import { requirePythonModule, tool } from '../tools';

const run = promisify(execFile);
const fn = 'logs-fn';
const group = `/aws/lambda/${fn}`;
const dayMs = 24 * 3600 * 1000;

/** A function that writes `n` lines `<tag> <i>` (raw stdout lines, so JSON lines stay JSON) and a JSON line. */
const code = `
exports.handler = async (event) => {
  const n = event.n ?? 0;
  let chunk = '';
  for (let i = 0; i < n; i++) {
    chunk += event.tag + ' ' + i + '\\n';
    if (chunk.length > 60000) { process.stdout.write(chunk); chunk = ''; }
  }
  process.stdout.write(chunk);
  if (event.json) process.stdout.write(JSON.stringify(event.json) + '\\n');
  return 'ok';
};`;

/** Waits until `check` holds (logs are flushed in batches, every 200 ms). */
async function until<T>(what: string, f: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (check(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function rejects(p: Promise<unknown>, name: string, message: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(e.name, name);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    assert.equal(e.$metadata?.httpStatusCode, 400);
    return true;
  });
}

describe('CloudWatch Logs API on function logs (AWS SDK v3 against the real server)', () => {
  let s: RunningServer;
  let logs: CloudWatchLogsClient;
  let stream: string;
  const invoke = (payload: unknown) => s.client.send(new InvokeCommand({ FunctionName: fn, Payload: encode(payload) }));
  const allFiltered = async (input: Record<string, unknown>): Promise<FilteredLogEvent[]> => {
    const out: FilteredLogEvent[] = [];
    for await (const page of paginateFilterLogEvents({ client: logs, pageSize: 1000 }, { logGroupName: group, ...input })) out.push(...(page.events ?? []));
    return out;
  };

  before(async () => {
    s = await startServer({ env: { KUMO_LOGS_RETENTION_SWEEP_MS: '200' } });
    logs = new CloudWatchLogsClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
    await s.client.send(
      new CreateFunctionCommand({ FunctionName: fn, Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: await makeZip({ 'index.js': code }) } }),
    );
    await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 30, minDelay: 1 }, { FunctionName: fn });
  });
  after(async () => {
    logs?.destroy();
    await s?.stop();
  });

  it("a function's log group and stream appear once it has logged", async () => {
    const before = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: group }));
    assert.deepEqual(before.logGroups, []);
    await invoke({ n: 5, tag: 'first', json: { level: 'ERROR', latency: 150 } });
    const groups = await until('the group', () => logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/lambda/' })), (r) => (r.logGroups ?? []).length === 1);
    const g = groups.logGroups![0]!;
    assert.equal(g.logGroupName, group);
    assert.equal(g.arn, `arn:aws:logs:us-east-1:000000000000:log-group:${group}:*`);
    assert.equal(g.logGroupArn, `arn:aws:logs:us-east-1:000000000000:log-group:${group}`);
    assert.equal(g.retentionInDays, undefined);
    assert.ok(g.storedBytes! > 0 && g.creationTime! > Date.now() - 60_000);
    const streams = await logs.send(new DescribeLogStreamsCommand({ logGroupName: group }));
    assert.equal(streams.logStreams![0]!.storedBytes, 0, 'AWS reports 0 for streams (deprecated)');
    assert.equal(streams.logStreams!.length, 1);
    const st = streams.logStreams![0]!;
    stream = st.logStreamName!;
    assert.match(stream, /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    assert.equal(st.arn, `arn:aws:logs:us-east-1:000000000000:log-group:${group}:log-stream:${stream}`);
    assert.ok(st.firstEventTimestamp! <= st.lastEventTimestamp! && st.lastIngestionTime! >= st.firstEventTimestamp!);
    assert.match(st.uploadSequenceToken!, /^\d{56}$/);
    // By ARN as logGroupIdentifier, too.
    const byArn = await logs.send(new DescribeLogStreamsCommand({ logGroupIdentifier: g.logGroupArn }));
    assert.equal(byArn.logStreams![0]!.logStreamName, stream);
  });

  it('GetLogEvents pages forward and backward, and the forward token stays put until new events arrive', async () => {
    const all = await until(
      'REPORT',
      () => logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream })),
      (r) => (r.events ?? []).some((e) => e.message!.startsWith('REPORT')),
    );
    const messages = all.events!.map((e) => e.message);
    assert.ok(messages.includes('first 0') && messages.includes('first 4'), messages.join('\n'));
    assert.ok(messages.some((m) => /^START RequestId: /.test(m!)), messages.join('\n'));
    // Forward from the head, two at a time.
    const fwd: OutputLogEvent[] = [];
    let token: string | undefined;
    for (let i = 0; i < 100; i++) {
      const r = await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true, limit: 2, nextToken: token }));
      if (r.nextForwardToken === token) {
        assert.deepEqual(r.events, []);
        break;
      }
      fwd.push(...r.events!);
      token = r.nextForwardToken;
    }
    assert.deepEqual(fwd.map((e) => e.message), messages);
    // Backward from the tail, two at a time.
    const tail = await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, limit: 2 }));
    assert.deepEqual(tail.events!.map((e) => e.message), messages.slice(-2));
    const back: OutputLogEvent[] = [...tail.events!];
    let btoken = tail.nextBackwardToken;
    for (let i = 0; i < 100; i++) {
      const r = await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, limit: 2, nextToken: btoken }));
      if (r.events!.length === 0) {
        assert.equal(r.nextBackwardToken, btoken);
        break;
      }
      back.unshift(...r.events!);
      btoken = r.nextBackwardToken;
    }
    assert.deepEqual(back.map((e) => e.message), messages);
    // Nothing new: the same token. Then exactly the new lines (the warm EE writes to the same stream).
    const again = await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, nextToken: token }));
    assert.equal(again.nextForwardToken, token);
    await invoke({ n: 2, tag: 'second' });
    const fresh = await until(
      'the new lines',
      () => logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, nextToken: token })),
      (r) => (r.events ?? []).some((e) => e.message!.startsWith('REPORT')),
    );
    const fm = fresh.events!.map((e) => e.message!);
    assert.equal(fm.filter((m) => m.startsWith('second')).length, 2);
    assert.ok(!fm.some((m) => m.startsWith('first')), fm.join('\n'));
    assert.ok(fresh.events!.every((e) => e.ingestionTime! >= e.timestamp! - 1000));
  });

  it('FilterLogEvents matches terms, phrases, ? alternatives, - exclusions and JSON selectors', async () => {
    const f = async (filterPattern: string) => (await allFiltered({ filterPattern })).map((e) => e.message!);
    assert.deepEqual(await f('first'), ['first 0', 'first 1', 'first 2', 'first 3', 'first 4']);
    assert.deepEqual(await f('"first 3"'), ['first 3']);
    assert.deepEqual(await f('?"first 1" ?"second 0"'), ['first 1', 'second 0']);
    assert.deepEqual((await f('second -1')), ['second 0']);
    assert.deepEqual(await f('{ $.level = "ERROR" }'), ['{"level":"ERROR","latency":150}']);
    assert.deepEqual(await f('{ $.latency > 100 && $.level = "ERR*" }'), ['{"level":"ERROR","latency":150}']);
    assert.deepEqual(await f('{ $.latency < 100 }'), []);
    assert.deepEqual(await f('FIRST'), [], 'terms are case-sensitive');
    const ev = (await allFiltered({ filterPattern: 'first' }))[0]!;
    assert.equal(ev.logStreamName, stream);
    assert.match(ev.eventId!, /^\d{56}$/);
    await rejects(logs.send(new FilterLogEventsCommand({ logGroupName: group, filterPattern: '[ip, user]' })), 'InvalidParameterException', /Space-delimited filter patterns .* not supported/);
    await rejects(logs.send(new FilterLogEventsCommand({ logGroupName: group, nextToken: 'nope' })), 'InvalidParameterException', 'The specified nextToken is invalid.');
  });

  it('returns each of 12,000 events exactly once across pages (FilterLogEvents, GetLogEvents)', async () => {
    // Two invokes of 6,000 lines: the log sink buffers at most 10,000 lines between flushes.
    for (const tag of ['bulkA', 'bulkB']) {
      await invoke({ n: 6000, tag });
      await until(`${tag} lines`, () => logs.send(new FilterLogEventsCommand({ logGroupName: group, filterPattern: `"${tag} 5999"` })), (r) => r.events!.length === 1);
    }
    const expected = new Set<string>();
    for (const tag of ['bulkA', 'bulkB']) for (let i = 0; i < 6000; i++) expected.add(`${tag} ${i}`);
    // Default page size (10,000): at least two pages.
    const pages: number[] = [];
    const seen: string[] = [];
    const ids = new Set<string>();
    let token: string | undefined;
    do {
      const r = await logs.send(new FilterLogEventsCommand({ logGroupName: group, filterPattern: '?bulkA ?bulkB', nextToken: token }));
      pages.push(r.events!.length);
      for (const e of r.events!) (seen.push(e.message!), ids.add(e.eventId!));
      token = r.nextToken;
    } while (token);
    assert.ok(pages.length >= 2 && pages[0]! <= 10_000, `pages ${pages}`);
    assert.equal(seen.length, 12_000);
    assert.equal(ids.size, 12_000);
    assert.deepEqual(new Set(seen), expected);
    // The SDK's paginator with small pages.
    const viaPaginator = await allFiltered({ filterPattern: 'bulkB' });
    assert.equal(viaPaginator.length, 6000);
    assert.equal(new Set(viaPaginator.map((e) => e.eventId)).size, 6000);
    // GetLogEvents forward from the head, 1,000 at a time.
    const streams = (await logs.send(new DescribeLogStreamsCommand({ logGroupName: group }))).logStreams!.map((x) => x.logStreamName!);
    const got: string[] = [];
    for (const st of streams) {
      let t: string | undefined;
      for (;;) {
        const r = await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: st, startFromHead: true, limit: 1000, nextToken: t }));
        if (r.nextForwardToken === t) break;
        got.push(...r.events!.map((e) => e.message!).filter((m) => m.startsWith('bulk')));
        t = r.nextForwardToken;
      }
    }
    assert.equal(got.length, 12_000);
    assert.deepEqual(new Set(got), expected);
  });

  it("boto3's filter_log_events paginator and get_log_events tokens return every event once", async () => {
    requirePythonModule('boto3');
    const script = `
import boto3, collections, json, sys
c = boto3.client('logs', endpoint_url=sys.argv[1], region_name='us-east-1',
                 aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
g = sys.argv[4]
ids = collections.Counter(); msgs = collections.Counter()
for page in c.get_paginator('filter_log_events').paginate(logGroupName=g, filterPattern='?bulkA ?bulkB', PaginationConfig={'PageSize': 1500}):
    for e in page['events']:
        ids[e['eventId']] += 1; msgs[e['message']] += 1
got = collections.Counter()
for st in [s['logStreamName'] for p in c.get_paginator('describe_log_streams').paginate(logGroupName=g) for s in p['logStreams']]:
    kw = dict(logGroupName=g, logStreamName=st, startFromHead=True, limit=2500)
    while True:
        r = c.get_log_events(**kw)
        for e in r['events']:
            if e['message'].startswith('bulk'): got[e['message']] += 1
        if r['nextForwardToken'] == kw.get('nextToken'): break
        kw['nextToken'] = r['nextForwardToken']
print(json.dumps({'filter': len(msgs), 'filterMax': max(msgs.values()), 'ids': len(ids), 'get': len(got), 'getMax': max(got.values())}))
`;
    const { stdout } = await run(tool('python3'), ['-c', script, s.endpoint, testCreds.accessKeyId, testCreds.secretAccessKey, group], { timeout: 120_000 });
    assert.deepEqual(JSON.parse(stdout), { filter: 12_000, filterMax: 1, ids: 12_000, get: 12_000, getMax: 1 });
  });

  it('PutLogEvents writes to a user group with AWS limits and rejections', async () => {
    const g = '/kumo-test/app';
    await logs.send(new CreateLogGroupCommand({ logGroupName: g }));
    await rejects(logs.send(new CreateLogGroupCommand({ logGroupName: g })), 'ResourceAlreadyExistsException', 'The specified log group already exists');
    await logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: 's1' }));
    await rejects(logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: 's1' })), 'ResourceAlreadyExistsException', 'The specified log stream already exists');
    const now = Date.now();
    const r = await logs.send(new PutLogEventsCommand({
      logGroupName: g, logStreamName: 's1',
      logEvents: [
        { timestamp: now - 15 * dayMs, message: 'too old' },
        { timestamp: now - 1000, message: 'one' },
        { timestamp: now, message: 'two' },
        { timestamp: now + 3 * 3600 * 1000, message: 'too new' },
      ],
    }));
    assert.deepEqual(r.rejectedLogEventsInfo, { tooOldLogEventEndIndex: 0, tooNewLogEventStartIndex: 3 });
    assert.match(r.nextSequenceToken!, /^\d{56}$/);
    const got = await logs.send(new GetLogEventsCommand({ logGroupName: g, logStreamName: 's1', startFromHead: true }));
    assert.deepEqual(got.events!.map((e) => [e.timestamp, e.message]), [[now - 1000, 'one'], [now, 'two']]);
    assert.ok(got.events!.every((e) => e.ingestionTime! >= now - 1000));
    await rejects(
      logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: 's1', logEvents: [{ timestamp: now, message: 'b' }, { timestamp: now - 1, message: 'a' }] })),
      'InvalidParameterException', 'Log events in a single PutLogEvents request must be in chronological order.',
    );
    await rejects(
      logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: 's1', logEvents: [{ timestamp: now - 2 * dayMs, message: 'a' }, { timestamp: now, message: 'b' }] })),
      'InvalidParameterException', 'The batch of log events in a single PutLogEvents request cannot span more than 24 hours.',
    );
    // 5 events of 209,990 bytes: 1,050,080 bytes with 26 per event, just over 1,048,576.
    const big = 'x'.repeat(209_990);
    await rejects(
      logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: 's1', logEvents: Array.from({ length: 5 }, () => ({ timestamp: now, message: big })) })),
      'InvalidParameterException', 'Upload too large: 1050080 bytes exceeds limit of 1048576',
    );
    await rejects(logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: 'nope', logEvents: [{ timestamp: now, message: 'x' }] })), 'ResourceNotFoundException', 'The specified log stream does not exist.');
    const st = (await logs.send(new DescribeLogStreamsCommand({ logGroupName: g }))).logStreams!;
    assert.deepEqual(st.map((x) => [x.logStreamName, x.firstEventTimestamp, x.lastEventTimestamp]), [['s1', now - 1000, now]]);
  });

  it('enforces retention: events older than the retention are deleted by the sweep', async () => {
    const g = '/kumo-test/retained';
    await logs.send(new CreateLogGroupCommand({ logGroupName: g }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: 's' }));
    const now = Date.now();
    await logs.send(new PutLogEventsCommand({
      logGroupName: g, logStreamName: 's',
      logEvents: [{ timestamp: now - 3 * dayMs, message: 'old 1' }, { timestamp: now - 3 * dayMs + 1, message: 'old 2' }],
    }));
    await logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: 's', logEvents: [{ timestamp: now, message: 'recent' }] }));
    const bytesBefore = (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: g }))).logGroups![0]!.storedBytes!;
    assert.equal(bytesBefore, 'old 1old 2recent'.length);
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: g, retentionInDays: 1 }));
    const desc = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: g }));
    assert.equal(desc.logGroups![0]!.retentionInDays, 1);
    const left = await until(
      'the sweep',
      () => logs.send(new GetLogEventsCommand({ logGroupName: g, logStreamName: 's', startFromHead: true })),
      (r) => r.events!.length === 1,
    );
    assert.equal(left.events![0]!.message, 'recent');
    const after = (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: g }))).logGroups![0]!;
    assert.equal(after.storedBytes, 'recent'.length);
    const st = (await logs.send(new DescribeLogStreamsCommand({ logGroupName: g }))).logStreams![0]!;
    assert.equal(st.firstEventTimestamp, now);
    // Events older than the retention are now refused as expired.
    const r = await logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: 's', logEvents: [{ timestamp: now - 2 * dayMs, message: 'expired' }] }));
    assert.deepEqual(r.rejectedLogEventsInfo, { expiredLogEventEndIndex: 0 });
    await logs.send(new DeleteRetentionPolicyCommand({ logGroupName: g }));
    assert.equal((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: g }))).logGroups![0]!.retentionInDays, undefined);
    await rejects(
      logs.send(new PutRetentionPolicyCommand({ logGroupName: g, retentionInDays: 2 })),
      'InvalidParameterException',
      "1 validation error detected: Value '2' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]",
    );
  });

  it("answers AWS's errors with AWS's messages", async () => {
    await rejects(logs.send(new DescribeLogStreamsCommand({ logGroupName: '/no/such' })), 'ResourceNotFoundException', 'The specified log group does not exist.');
    await rejects(logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: 'nope' })), 'ResourceNotFoundException', 'The specified log stream does not exist.');
    await rejects(logs.send(new DeleteLogGroupCommand({ logGroupName: '/no/such' })), 'ResourceNotFoundException', 'The specified log group does not exist.');
    await rejects(logs.send(new PutRetentionPolicyCommand({ logGroupName: '/no/such', retentionInDays: 1 })), 'ResourceNotFoundException', 'The specified log group does not exist.');
    await rejects(
      logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, limit: 10001 })),
      'InvalidParameterException', "1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000",
    );
    await rejects(
      logs.send(new CreateLogGroupCommand({ logGroupName: 'bad name!' })),
      'InvalidParameterException', "1 validation error detected: Value 'bad name!' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+",
    );
    await rejects(logs.send(new CreateLogGroupCommand({ logGroupName: 'a'.repeat(513) })), 'InvalidParameterException', 'Invalid LogGroup or LogStream, both must have length less than or equal to 512.');
    await rejects(
      logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/a', logGroupNamePattern: 'b' })),
      'InvalidParameterException', 'LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.',
    );
    await rejects(
      logs.send(new DescribeLogStreamsCommand({ logGroupName: group, logGroupIdentifier: group })),
      'ValidationException', 'LogGroup name and LogGroup ARN are mutually exclusive parameters.',
    );
    await rejects(logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, nextToken: 'f/123' })), 'InvalidParameterException', 'The specified nextToken is invalid.');
    // Signed for the logs service with the wrong secret: refused before any operation runs.
    const forged = new CloudWatchLogsClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: { ...testCreds, secretAccessKey: 'wrong' }, maxAttempts: 1 });
    try {
      await rejects(forged.send(new DescribeLogGroupsCommand({})), 'InvalidSignatureException', /signature we calculated does not match/);
    } finally {
      forged.destroy();
    }
  });

  it('lists groups and streams in pages, and deletes groups with their events', async () => {
    for (let i = 0; i < 3; i++) await logs.send(new CreateLogGroupCommand({ logGroupName: `/kumo-test/page-${i}` }));
    const names: string[] = [];
    let token: string | undefined;
    do {
      const r = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/kumo-test/', limit: 2, nextToken: token }));
      assert.ok(r.logGroups!.length <= 2);
      names.push(...r.logGroups!.map((g) => g.logGroupName!));
      token = r.nextToken;
    } while (token);
    assert.deepEqual(names, ['/kumo-test/app', '/kumo-test/page-0', '/kumo-test/page-1', '/kumo-test/page-2', '/kumo-test/retained']);
    const pattern = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePattern: 'PAGE-1' }));
    assert.deepEqual(pattern.logGroups!.map((g) => g.logGroupName), ['/kumo-test/page-1']);
    for (let i = 0; i < 3; i++) await logs.send(new CreateLogStreamCommand({ logGroupName: '/kumo-test/page-0', logStreamName: `st-${i}` }));
    const sts: string[] = [];
    for await (const p of paginateDescribeLogStreams({ client: logs, pageSize: 1 }, { logGroupName: '/kumo-test/page-0', descending: true })) {
      sts.push(...p.logStreams!.map((x) => x.logStreamName!));
    }
    assert.deepEqual(sts, ['st-2', 'st-1', 'st-0']);
    await logs.send(new DeleteLogGroupCommand({ logGroupName: '/kumo-test/app' }));
    assert.deepEqual((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/kumo-test/app' }))).logGroups, []);
    await rejects(logs.send(new GetLogEventsCommand({ logGroupName: '/kumo-test/app', logStreamName: 's1' })), 'ResourceNotFoundException', 'The specified log group does not exist.');
  });
});
