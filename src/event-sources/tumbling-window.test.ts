import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventSourceMappingRecord } from '../domain/event-source-mapping';
import type { InvokeInput, InvokeResult } from '../invoke/service';
import { SqliteStore } from '../store/sqlite/sqlite-store';
import { FakeStreamSource } from '../../test/fakes/stream-source';
import { mapping } from '../../test/store-contract-esm';
import { StreamPoller } from './stream-poller';
import type { KinesisEventRecord } from './kinesis-event';
import { windowEventPayload, windowStartMs } from './tumbling-window';

/**
 * Tumbling windows (stream-poller.ts step 9) over the in-process StreamSource
 * fake (it passes the real adapter's contract suite) and a real SQLite
 * checkpoint store; the function is in-process and sees the whole event.
 */
interface WindowEvent {
  Records: KinesisEventRecord[];
  window: { start: string; end: string };
  state: Record<string, any>;
  shardId: string;
  eventSourceARN: string;
  isFinalInvokeForWindow: boolean;
  isWindowTerminatedEarly: boolean;
}
type Handler = (e: WindowEvent) => { error?: boolean; payload?: unknown };

class Invoker {
  readonly events: WindowEvent[] = [];
  constructor(public handler: Handler) {}
  async resolve(): Promise<unknown> {
    return { rec: { config: { role: 'arn:aws:iam::000000000000:role/r' } } };
  }
  async invoke(input: InvokeInput): Promise<InvokeResult> {
    const e = JSON.parse(input.payload.toString('utf8')) as WindowEvent;
    this.events.push(e);
    const r = this.handler(e);
    return { payload: Buffer.from(JSON.stringify(r.payload ?? null)), executedVersion: '$LATEST', requestId: 'r', ...(r.error ? { functionError: 'Unhandled' as const } : {}) };
  }
}

/** The aggregating function of AWS's example: counts records into the state, answers `{state}`. */
const counting: Handler = (e) => ({ payload: { state: { count: (e.state.count ?? 0) + e.Records.length } } });

const dirs: string[] = [];
const stores: SqliteStore[] = [];
const pollers: StreamPoller[] = [];
after(async () => {
  await Promise.all(pollers.map((p) => p.stop()));
  for (const s of stores) await s.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function setup(o: { windowS: number; batchSize: number; handler: Handler; rec?: Partial<EventSourceMappingRecord> }) {
  const source = new FakeStreamSource();
  const arn = source.createStream('s', 1);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-tumbling-'));
  dirs.push(dir);
  const store = new SqliteStore(path.join(dir, 'kumo.db'));
  stores.push(store);
  const invoker = new Invoker(o.handler);
  const rec = mapping('00000000-0000-4000-8000-0000000000bb', {
    eventSourceArn: arn, state: 'Enabled', batchSize: o.batchSize, maximumBatchingWindowInSeconds: 0,
    stream: { startingPosition: 'TRIM_HORIZON', parallelizationFactor: 1, maximumRetryAttempts: -1, maximumRecordAgeInSeconds: -1, bisectBatchOnFunctionError: false, tumblingWindowInSeconds: o.windowS },
    ...o.rec,
  });
  const make = () => {
    const p = new StreamPoller(rec, {
      streams: source, invoker, checkpoints: store, report: () => undefined, log: () => undefined,
      deliveries: { send: async () => undefined }, idlePollMs: 20, discoveryMs: 30, retryBackoffMs: 10,
    });
    pollers.push(p);
    p.start();
    return p;
  };
  return { source, arn, store, invoker, rec, make };
}

async function until(what: string, ok: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('tumbling windows', () => {
  test('windows aligned to arrival; state passed between a window\'s invocations; final invoke with no records once it closed; dropped after', async () => {
    const t = setup({ windowS: 60, batchSize: 2, handler: counting });
    const w1 = windowStartMs(Date.now(), 60) - 120_000;
    const w2 = w1 + 60_000;
    for (let i = 0; i < 5; i++) t.source.put(t.arn, 'k', `a${i}`, w1 + 1_000 + i * 7_000);
    for (let i = 0; i < 3; i++) t.source.put(t.arn, 'k', `b${i}`, w2 + 59_000 + i * 300);
    t.make();
    await until('both final invokes', () => t.invoker.events.filter((e) => e.isFinalInvokeForWindow).length === 2);
    const ev = t.invoker.events;
    assert.deepEqual(ev.map((e) => [e.window.start, e.Records.length, e.state.count ?? 0, e.isFinalInvokeForWindow]), [
      [iso(w1), 2, 0, false], [iso(w1), 2, 2, false], [iso(w1), 1, 4, false], [iso(w1), 0, 5, true],
      [iso(w2), 2, 0, false], [iso(w2), 1, 2, false], [iso(w2), 0, 3, true],
    ]);
    assert.deepEqual(ev[0]!.state, {}, 'a window starts with {}');
    for (const e of ev) {
      assert.equal(e.window.end, iso(Date.parse(e.window.start) + 60_000));
      assert.equal(e.shardId, 'shardId-000000000000');
      assert.equal(e.eventSourceARN, t.arn);
      assert.equal(e.isWindowTerminatedEarly, false);
      assert.deepEqual(Object.keys(e).sort(), ['Records', 'eventSourceARN', 'isFinalInvokeForWindow', 'isWindowTerminatedEarly', 'shardId', 'state', 'window']);
    }
    await sleep(50);
    const [cp] = await t.store.listCheckpoints(t.rec.uuid);
    assert.equal(cp!.window, undefined, 'the state is dropped after the final invoke');
    assert.equal(Buffer.from(ev[5]!.Records[0]!.kinesis.data, 'base64').toString(), 'b2');
  });

  test('an answer without state fails the invocation: retried with the same state, nothing newer of the shard runs meanwhile', async () => {
    let fails = 2;
    const t = setup({ windowS: 60, batchSize: 1, handler: (e) => (e.Records.length && e.state.count === 1 && fails-- > 0 ? { payload: { batchItemFailures: [] } } : counting(e)) });
    const w = windowStartMs(Date.now(), 60) - 60_000;
    for (let i = 0; i < 3; i++) t.source.put(t.arn, 'k', `r${i}`, w + i);
    t.make();
    await until('the final invoke', () => t.invoker.events.some((e) => e.isFinalInvokeForWindow));
    const seen = t.invoker.events.map((e) => [e.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString()).join(), e.state.count ?? 0]);
    assert.deepEqual(seen, [['r0', 0], ['r1', 1], ['r1', 1], ['r1', 1], ['r2', 2], ['', 3]]);
  });

  test('a failing final invoke is retried and blocks the next window', async () => {
    let fails = 2;
    const t = setup({ windowS: 60, batchSize: 10, handler: (e) => (e.isFinalInvokeForWindow && e.state.count === 1 && fails-- > 0 ? { error: true } : counting(e)) });
    const w = windowStartMs(Date.now(), 60) - 120_000;
    t.source.put(t.arn, 'k', 'a', w + 10);
    t.source.put(t.arn, 'k', 'b', w + 60_010);
    t.make();
    await until('the second final invoke', () => t.invoker.events.filter((e) => e.isFinalInvokeForWindow).length === 4);
    assert.deepEqual(t.invoker.events.map((e) => [e.window.start, e.Records.length, e.isFinalInvokeForWindow]), [
      [iso(w), 1, false], [iso(w), 0, true], [iso(w), 0, true], [iso(w), 0, true], [iso(w + 60_000), 1, false], [iso(w + 60_000), 0, true],
    ]);
  });

  test('the open window and its state are stored with the checkpoint: a new poller resumes the window with that state', async () => {
    const t = setup({ windowS: 900, batchSize: 1, handler: counting });
    let start = windowStartMs(Date.now(), 900);
    if (start + 900_000 - Date.now() < 30_000) start += 900_000; // the window must stay open through the test
    t.source.put(t.arn, 'k', 'a', start + 1);
    t.source.put(t.arn, 'k', 'b', start + 2);
    const p1 = t.make();
    await until('two invocations', () => t.invoker.events.length === 2);
    await sleep(50);
    await p1.stop();
    const [cp] = await t.store.listCheckpoints(t.rec.uuid);
    assert.deepEqual(JSON.parse(cp!.window!), { startMs: start, state: { count: 2 }, terminatedEarly: false });
    t.source.put(t.arn, 'k', 'c', start + 3);
    t.make();
    await until('the third invocation', () => t.invoker.events.length === 3);
    assert.deepEqual(t.invoker.events[2]!.state, { count: 2 });
    assert.equal(Buffer.from(t.invoker.events[2]!.Records[0]!.kinesis.data, 'base64').toString(), 'c', 'nothing before the checkpoint again');
    assert.equal(t.invoker.events.some((e) => e.isFinalInvokeForWindow), false, 'the window is still open');
  });

  test('a state over 1 MB ends the window early: a final invoke marked isWindowTerminatedEarly, then the window goes on from {}', async () => {
    const big = 'x'.repeat(1024 * 1024);
    const t = setup({ windowS: 60, batchSize: 1, handler: (e) => (e.isFinalInvokeForWindow ? { payload: { state: {} } } : { payload: { state: { n: (e.state.n ?? 0) + 1, ...(e.state.n === 1 ? { big } : {}) } } }) });
    const w = windowStartMs(Date.now(), 60) - 60_000;
    for (let i = 0; i < 3; i++) t.source.put(t.arn, 'k', `r${i}`, w + i);
    t.make();
    await until('two final invokes', () => t.invoker.events.filter((e) => e.isFinalInvokeForWindow).length === 2);
    assert.deepEqual(t.invoker.events.map((e) => [e.Records.length, e.state.n ?? 0, e.isFinalInvokeForWindow, e.isWindowTerminatedEarly]), [
      [1, 0, false, false], [1, 1, false, false], [0, 2, true, true], [1, 0, false, false], [0, 1, true, false],
    ]);
    assert.equal(t.invoker.events[2]!.state.big, big, 'the early final invoke carries the state that passed the limit');
    assert.ok(t.invoker.events.every((e) => e.window.start === iso(w)), 'one window throughout');
  });

  test('the event serialises as AWS\'s KinesisTimeWindowEvent sample', () => {
    const b = windowEventPayload(['{"x":1}'], { window: { startMs: Date.parse('2020-12-09T07:04:00Z'), state: { '1': 282, '2': 715 }, terminatedEarly: false }, windowSeconds: 120, shardId: 'shardId-000000000006', streamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/lambda-stream', final: false });
    assert.deepEqual(JSON.parse(b.toString()), {
      Records: [{ x: 1 }], window: { start: '2020-12-09T07:04:00Z', end: '2020-12-09T07:06:00Z' }, state: { '1': 282, '2': 715 },
      shardId: 'shardId-000000000006', eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/lambda-stream', isFinalInvokeForWindow: false, isWindowTerminatedEarly: false,
    });
  });
});
