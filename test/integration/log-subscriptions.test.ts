import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CreateFunctionCommand, InvokeCommand, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import {
  CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, DeleteSubscriptionFilterCommand, DescribeSubscriptionFiltersCommand,
  FilterLogEventsCommand, PutLogEventsCommand, PutSubscriptionFilterCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { encode, makeZip, role, startServer, testCreds, type RunningServer } from './harness';
import { startPostgres, type ThrowawayPostgres } from '../postgres';

/**
 * CloudWatch Logs subscription filters with a Lambda destination (issue 17
 * item 5) through the real server and @aws-sdk/client-cloudwatch-logs: the
 * destination receives AWS's `{"awslogs":{"data": …}}` event (decoded here:
 * base64, gzip, DATA_MESSAGE) with the matching events only; JSON patterns
 * on PutLogEvents' events; the per-group limit, the errors and their
 * messages; the self-subscription guard.
 */
describe('log subscription filters', () => {
  let s: RunningServer;
  let logs: CloudWatchLogsClient;
  const arn = (fn: string) => `arn:aws:lambda:us-east-1:000000000000:function:${fn}`;

  before(async () => {
    s = await startServer();
    logs = new CloudWatchLogsClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
    const src = 'exports.handler = async (e) => { for (const w of e.words) console.log(w); return 1; };';
    const dst = 'exports.handler = async (e) => { console.log("DELIVERY " + JSON.stringify(e)); return 1; };';
    for (const [name, code] of [['sub-src', src], ['sub-dst', dst]] as const) {
      await s.client.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: await makeZip({ 'index.js': code }) } }));
      await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 30 }, { FunctionName: name });
    }
    // The source's group exists once it has logged.
    await s.client.send(new InvokeCommand({ FunctionName: 'sub-src', Payload: encode({ words: ['before the filter alphamarker'] }) }));
    await waitFor(async () => (await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/sub-src' })).catch(() => ({ events: [] }))).events!.length > 0);
  });
  after(async () => {
    await s?.stop();
  });

  async function waitFor<T>(f: () => Promise<T | undefined | false>, ms = 20_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await f();
      if (v) return v;
      if (Date.now() > deadline) assert.fail('timed out');
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** The DATA_MESSAGEs the destination received so far, decoded. */
  async function deliveries(): Promise<Record<string, any>[]> {
    const r = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/sub-dst', filterPattern: 'DELIVERY' })).catch(() => ({ events: [] }));
    return (r.events ?? []).map((e) => {
      const ev = JSON.parse(e.message!.slice(e.message!.indexOf('DELIVERY ') + 9)) as { awslogs: { data: string } };
      assert.deepEqual(Object.keys(ev), ['awslogs']);
      assert.deepEqual(Object.keys(ev.awslogs), ['data']);
      return JSON.parse(gunzipSync(Buffer.from(ev.awslogs.data, 'base64')).toString()) as Record<string, any>;
    });
  }

  it('delivers the matching new events to the function as AWS\'s awslogs event, once', async () => {
    await logs.send(new PutSubscriptionFilterCommand({ logGroupName: '/aws/lambda/sub-src', filterName: 'markers', filterPattern: 'alphamarker -skipme', destinationArn: arn('sub-dst') }));
    await s.client.send(new InvokeCommand({ FunctionName: 'sub-src', Payload: encode({ words: ['one alphamarker', 'no match here', 'alphamarker skipme', 'two alphamarker'] }) }));
    const got = await waitFor(async () => {
      const d = await deliveries();
      return d.length > 0 && d;
    });
    assert.equal(got.length, 1);
    const msg = got[0]!;
    assert.deepEqual(Object.keys(msg), ['messageType', 'owner', 'logGroup', 'logStream', 'subscriptionFilters', 'logEvents']);
    assert.equal(msg.messageType, 'DATA_MESSAGE');
    assert.equal(msg.owner, '000000000000');
    assert.equal(msg.logGroup, '/aws/lambda/sub-src');
    assert.match(msg.logStream, /^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]+$/);
    assert.deepEqual(msg.subscriptionFilters, ['markers']);
    const events = msg.logEvents as { id: string; timestamp: number; message: string }[];
    assert.deepEqual(events.map((e) => e.message.trim().split('\t').at(-1)), ['one alphamarker', 'two alphamarker'], 'only new events that match; not the one before the filter');
    for (const e of events) {
      assert.deepEqual(Object.keys(e), ['id', 'timestamp', 'message']);
      assert.match(e.id, /^\d{56}$/);
      assert.equal(typeof e.timestamp, 'number');
    }
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal((await deliveries()).length, 1, 'delivered once');
  });

  it('a JSON pattern on PutLogEvents events of a group of its own', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'app/json' }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: 'app/json', logStreamName: 'web-1' }));
    await logs.send(new PutSubscriptionFilterCommand({ logGroupName: 'app/json', filterName: 'errors', filterPattern: '{ $.level = "ERROR" }', destinationArn: arn('sub-dst'), distribution: 'Random' }));
    const now = Date.now();
    await logs.send(new PutLogEventsCommand({
      logGroupName: 'app/json', logStreamName: 'web-1',
      logEvents: [
        { timestamp: now, message: '{"level":"INFO","msg":"fine"}' },
        { timestamp: now + 1, message: '{"level":"ERROR","msg":"broken"}' },
        { timestamp: now + 2, message: 'not json ERROR' },
      ],
    }));
    const msg = await waitFor(async () => (await deliveries()).find((d) => d.logGroup === 'app/json'));
    assert.equal(msg.logStream, 'web-1');
    assert.deepEqual(msg.subscriptionFilters, ['errors']);
    assert.deepEqual(msg.logEvents.map((e: { message: string; timestamp: number }) => [e.message, e.timestamp]), [['{"level":"ERROR","msg":"broken"}', now + 1]]);
    const d = await logs.send(new DescribeSubscriptionFiltersCommand({ logGroupName: 'app/json' }));
    assert.deepEqual(d.subscriptionFilters?.map((f) => [f.filterName, f.logGroupName, f.filterPattern, f.destinationArn, f.distribution]), [
      ['errors', 'app/json', '{ $.level = "ERROR" }', arn('sub-dst'), 'Random'],
    ]);
    assert.equal(typeof d.subscriptionFilters![0]!.creationTime, 'number');
  });

  it('AWS\'s limit and errors, and a function never subscribed to its own group', async () => {
    const put = (over: Partial<{ logGroupName: string; filterName: string; filterPattern: string; destinationArn: string }>) =>
      logs.send(new PutSubscriptionFilterCommand({ logGroupName: '/aws/lambda/sub-src', filterName: 'x', filterPattern: '', destinationArn: arn('sub-dst'), ...over }));
    const rejects = (p: Promise<unknown>, name: string, message: RegExp | string) =>
      assert.rejects(p, (e: Error) => (assert.equal(e.name, name, e.message), typeof message === 'string' ? assert.equal(e.message, message) : assert.match(e.message, message), true));
    await put({ filterName: 'second' });
    await rejects(put({ filterName: 'third' }), 'LimitExceededException', 'Resource limit exceeded.');
    await put({ filterName: 'second', filterPattern: 'changed' }); // replacing one at the limit
    await rejects(put({ logGroupName: 'no/such/group' }), 'ResourceNotFoundException', 'The specified log group does not exist.');
    await rejects(put({ filterName: 'third', destinationArn: arn('no-such-fn') }), 'InvalidParameterException',
      'Could not execute the lambda function. Make sure you have given CloudWatch Logs permission to execute your function.');
    await rejects(put({ filterName: 'third', destinationArn: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/x' }), 'InvalidParameterException', /Firehose/);
    await rejects(put({ filterName: 'third', filterPattern: '[ip, user]' }), 'InvalidParameterException', 'Invalid subscription filter pattern');
    await rejects(put({ filterName: 'bad:name' }), 'InvalidParameterException', /filterName/);
    await rejects(
      logs.send(new PutSubscriptionFilterCommand({ logGroupName: '/aws/lambda/sub-dst', filterName: 'loop', filterPattern: '', destinationArn: arn('sub-dst') })),
      'InvalidParameterException', /writes its own logs to \/aws\/lambda\/sub-dst/,
    );
    const d = await logs.send(new DescribeSubscriptionFiltersCommand({ logGroupName: '/aws/lambda/sub-src', limit: 1 }));
    assert.deepEqual(d.subscriptionFilters?.map((f) => f.filterName), ['markers']);
    const next = await logs.send(new DescribeSubscriptionFiltersCommand({ logGroupName: '/aws/lambda/sub-src', limit: 1, nextToken: d.nextToken }));
    assert.deepEqual(next.subscriptionFilters?.map((f) => [f.filterName, f.filterPattern]), [['second', 'changed']]);
    await rejects(logs.send(new DescribeSubscriptionFiltersCommand({ logGroupName: 'no/such/group' })), 'ResourceNotFoundException', 'The specified log group does not exist.');
    await logs.send(new DeleteSubscriptionFilterCommand({ logGroupName: '/aws/lambda/sub-src', filterName: 'second' }));
    await rejects(logs.send(new DeleteSubscriptionFilterCommand({ logGroupName: '/aws/lambda/sub-src', filterName: 'second' })), 'ResourceNotFoundException', 'The specified subscription filter does not exist.');
  });
});

/**
 * PostgreSQL mode, and the cursor across a kill -9: events delivered before
 * the crash are not delivered again after it (the cursor was durable), the
 * ones stored after the restart are; the filter is a PostgreSQL row.
 */
describe('log subscription filters in PostgreSQL mode, across a kill -9', () => {
  let pgServer: ThrowawayPostgres;
  let url: string;
  let s: RunningServer;
  let dataDir: string;
  before(async () => {
    pgServer = await startPostgres();
    url = await pgServer.createDatabase('kumo');
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-subs-pg-'));
    s = await startServer({ dataDir, env: { KUMO_DATABASE_URL: url } });
  });
  after(async () => {
    await s?.stop();
    pgServer?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers, survives the crash, delivers only what is new', async () => {
    const client = () => new CloudWatchLogsClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
    let logs = client();
    const dst = 'exports.handler = async (e) => { console.log("DELIVERY " + JSON.stringify(e)); return 1; };';
    await s.client.send(new CreateFunctionCommand({ FunctionName: 'pg-dst', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: await makeZip({ 'index.js': dst }) } }));
    await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 30 }, { FunctionName: 'pg-dst' });
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'pg/app' }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: 'pg/app', logStreamName: 's' }));
    await logs.send(new PutSubscriptionFilterCommand({ logGroupName: 'pg/app', filterName: 'all', filterPattern: '', destinationArn: 'arn:aws:lambda:us-east-1:000000000000:function:pg-dst' }));
    const delivered = async (): Promise<string[]> => {
      const r = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/pg-dst', filterPattern: 'DELIVERY' })).catch(() => ({ events: [] }));
      return (r.events ?? []).flatMap((e) => {
        const ev = JSON.parse(e.message!.slice(e.message!.indexOf('DELIVERY ') + 9)) as { awslogs: { data: string } };
        return (JSON.parse(gunzipSync(Buffer.from(ev.awslogs.data, 'base64')).toString()) as { logEvents: { message: string }[] }).logEvents.map((x) => x.message);
      });
    };
    const until = async (want: string[]) => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const got = (await delivered()).sort();
        if (got.length >= want.length || Date.now() > deadline) return got;
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    await logs.send(new PutLogEventsCommand({ logGroupName: 'pg/app', logStreamName: 's', logEvents: [{ timestamp: Date.now(), message: 'first' }] }));
    assert.deepEqual(await until(['first']), ['first']);
    // Let the cursor's advance settle, then crash.
    await new Promise((r) => setTimeout(r, 1500));
    await s.kill9();
    s = await startServer({ dataDir, env: { KUMO_DATABASE_URL: url } });
    logs = client();
    await logs.send(new PutLogEventsCommand({ logGroupName: 'pg/app', logStreamName: 's', logEvents: [{ timestamp: Date.now(), message: 'second' }] }));
    assert.deepEqual(await until(['first', 'second']), ['first', 'second']);
    await new Promise((r) => setTimeout(r, 2500));
    assert.deepEqual((await delivered()).sort(), ['first', 'second'], 'nothing delivered twice');
  });
});
