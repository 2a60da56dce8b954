/**
 * Streams (issue 14): Kumo's Kinesis (JSON 1.1, signed, one server per store
 * mode) beside the emulators a user would run instead (kinesalite, in
 * memory; moto's server), figure after figure:
 *
 * - PutRecords, batches of 500 records (100-byte data, random partition
 *   keys) on 1 connection for `streamBatches` batches, then on 8 closed
 *   loops for `streamSeconds`: accepted records/s (records a target
 *   throttled, ProvisionedThroughputExceededException in the answer's
 *   Records, are counted apart and not as accepted);
 * - GetRecords: every record of that stream read back from TRIM_HORIZON
 *   (Limit 10,000) on 4 connections over its shards: records/s;
 * - Kumo only: stream → function through an event source mapping (a fresh
 *   4-shard stream pre-filled with `streamE2e` records, TRIM_HORIZON,
 *   BatchSize 500, a function that only logs how many records it got): from
 *   CreateEventSourceMapping until the logged counts reach every record
 *   (read with `kumo logs` every 250 ms, so the figure is slightly low).
 *
 * The put stream has `putShards` shards on every target: Kumo enforces
 * Kinesis's per-shard write limit (1,000 records/s), the peers enforce none.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { CreateEventSourceMappingCommand, DeleteEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { kinesis, kinesisOk, type KinesisEndpoint } from '../lib/kinesis';
import type { Sizes, StreamResult } from '../lib/results';
import type { Kumo } from '../targets/kumo';

/** Shards of the measured stream (kinesalite is started with a shard limit above it). */
export const putShards = 50;
const e2eShards = 4;
/** PutRecords' maximum (Kinesis API reference): 500 records per call. */
const putBatch = 500;
const putConnections = 8;
const getConnections = 4;
const dataBytes = 100;
const figureTimeoutMs = 180_000;

export interface StreamSubject {
  key: string;
  label: string;
  endpoint: KinesisEndpoint;
  kumo?: { server: Kumo; functionName: string };
}

const data = randomBytes(dataBytes).toString('base64');
const batch = () => ({ Records: Array.from({ length: putBatch }, () => ({ Data: data, PartitionKey: randomBytes(8).toString('hex') })) });

async function withAgent<T>(n: number, fn: (a: http.Agent) => Promise<T>): Promise<T> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: n, maxFreeSockets: n });
  try {
    return await fn(agent);
  } finally {
    agent.destroy();
  }
}

async function createStream(ep: KinesisEndpoint, name: string, shards: number): Promise<void> {
  await withAgent(1, async (a) => {
    await kinesisOk(ep, a, 'CreateStream', { StreamName: name, ShardCount: shards });
    for (let i = 0; i < 600; i++) {
      const d = await kinesisOk(ep, a, 'DescribeStreamSummary', { StreamName: name });
      if (d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${name} never became ACTIVE`);
  });
}

interface PutTally { accepted: number; throttled: number; errors: number; samples: string[] }
async function putOnce(ep: KinesisEndpoint, a: http.Agent, name: string, t: PutTally): Promise<void> {
  const o = await kinesis(ep, a, 'PutRecords', { StreamName: name, ...batch() });
  if (!o.ok) {
    if (o.errorName === 'ProvisionedThroughputExceededException') t.throttled += putBatch;
    else t.errors++, t.samples.length < 3 && t.samples.push(o.error ?? '');
    return;
  }
  const failed = Number(o.answer!.FailedRecordCount ?? 0);
  t.accepted += putBatch - failed;
  t.throttled += failed;
}

async function putFigure(ep: KinesisEndpoint, name: string, connections: number, until: (elapsedMs: number, batches: number) => boolean): Promise<NonNullable<StreamResult['put1']>> {
  const t: PutTally = { accepted: 0, throttled: 0, errors: 0, samples: [] };
  let batches = 0;
  const t0 = performance.now();
  await withAgent(connections, (a) => Promise.all(Array.from({ length: connections }, async () => {
    while (!until(performance.now() - t0, batches)) {
      batches++;
      await putOnce(ep, a, name, t);
    }
  })));
  const s = (performance.now() - t0) / 1000;
  return { recordsPerSec: t.accepted / s, accepted: t.accepted, throttled: t.throttled, batches, connections, seconds: s, errors: t.errors, errorSamples: t.samples };
}

async function getFigure(ep: KinesisEndpoint, name: string): Promise<NonNullable<StreamResult['get']>> {
  const samples: string[] = [];
  let records = 0, calls = 0, errors = 0, throttled = 0;
  const t0 = performance.now();
  await withAgent(getConnections, async (a) => {
    const shards = ((await kinesisOk(ep, a, 'ListShards', { StreamName: name })).Shards as { ShardId: string }[]).map((s) => s.ShardId);
    await Promise.all(Array.from({ length: getConnections }, async () => {
      for (let sh = shards.shift(); sh !== undefined; sh = shards.shift()) {
        let it: string | undefined = (await kinesisOk(ep, a, 'GetShardIterator', { StreamName: name, ShardId: sh, ShardIteratorType: 'TRIM_HORIZON' })).ShardIterator;
        while (it && performance.now() - t0 < figureTimeoutMs) {
          const o = await kinesis(ep, a, 'GetRecords', { ShardIterator: it, Limit: 10_000 });
          calls++;
          if (!o.ok) {
            if (o.errorName === 'ProvisionedThroughputExceededException') throttled++, await new Promise((r) => setTimeout(r, 200));
            else if (errors++, samples.length < 3) samples.push(o.error ?? '');
            if (o.errorName !== 'ProvisionedThroughputExceededException') break;
            continue;
          }
          const n = (o.answer!.Records as unknown[]).length;
          records += n;
          // An empty page ends the shard only when the target says it is not behind (Kinesis may answer empty pages while behind).
          if (n === 0 && !(Number(o.answer!.MillisBehindLatest ?? 0) > 0)) break;
          it = o.answer!.NextShardIterator;
        }
      }
    }));
  });
  const s = (performance.now() - t0) / 1000;
  return { recordsPerSec: records / s, records, calls, throttled, connections: getConnections, errors, errorSamples: samples };
}

async function endToEnd(t: StreamSubject, events: number, stamp: number): Promise<NonNullable<StreamResult['e2e']>> {
  const { server, functionName } = t.kumo!;
  const name = `bench-e2e-${stamp}`;
  await createStream(t.endpoint, name, e2eShards);
  const tally: PutTally = { accepted: 0, throttled: 0, errors: 0, samples: [] };
  await withAgent(1, async (a) => {
    while (tally.accepted < events) {
      const before = tally.throttled;
      await putOnce(t.endpoint, a, name, tally);
      if (tally.errors) throw new Error(`filling ${name}: ${tally.samples[0]}`);
      if (tally.throttled > before) await new Promise((r) => setTimeout(r, 250));
    }
  });
  const total = tally.accepted;
  const arn = (await withAgent(1, (a) => kinesisOk(t.endpoint, a, 'DescribeStreamSummary', { StreamName: name }))).StreamDescriptionSummary.StreamARN as string;
  const counted = () => server.logs(functionName, 'RECORDS ').reduce((n, l) => n + Number(/RECORDS (\d+)/.exec(l)?.[1] ?? 0), 0);
  const before = counted();
  // The role may read the source before the clock starts (as a user grants it before creating a mapping).
  await server.grantEventSources();
  const t0 = performance.now();
  const m = await server.client.send(new CreateEventSourceMappingCommand({ FunctionName: functionName, EventSourceArn: arn, StartingPosition: 'TRIM_HORIZON', BatchSize: putBatch }));
  let seen = 0;
  let timedOut = false;
  for (;;) {
    seen = counted() - before;
    if (seen >= total) break;
    if (performance.now() - t0 > figureTimeoutMs) {
      timedOut = true;
      break;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const ms = performance.now() - t0;
  await server.client.send(new DeleteEventSourceMappingCommand({ UUID: m.UUID }));
  return { records: total, processed: seen, recordsPerSec: timedOut ? NaN : total / (ms / 1000), drainedMs: ms, shards: e2eShards, batchSize: putBatch, timedOut };
}

export async function runStream(targets: StreamSubject[], sizes: Sizes, log: (s: string) => void): Promise<StreamResult[]> {
  const stamp = Date.now();
  const out: StreamResult[] = [];
  for (const t of targets) {
    const r: StreamResult = { target: t.key, label: t.label, database: t.kumo?.server.database, shards: putShards, failures: [] };
    out.push(r);
    const fail = (what: string, e: unknown) => {
      r.failures.push(`${what}: ${(e as Error).message.slice(0, 500)}`);
      log(`  stream ${t.key}: FAILED ${what}: ${(e as Error).message.slice(0, 300)}`);
    };
    const name = `bench-put-${stamp}`;
    try {
      await createStream(t.endpoint, name, putShards);
      await putFigure(t.endpoint, name, 1, (_ms, b) => b >= 2); // warm-up
    } catch (e) {
      fail('set-up', e);
      continue;
    }
    try {
      r.put1 = await putFigure(t.endpoint, name, 1, (_ms, b) => b >= sizes.streamBatches);
      log(`  stream ${t.key}: PutRecords ×500 on 1 connection: ${r.put1.recordsPerSec.toFixed(0)} records/s (${r.put1.accepted} accepted, ${r.put1.throttled} throttled${r.put1.errors ? `, ${r.put1.errors} ERRORS: ${r.put1.errorSamples[0]}` : ''})`);
    } catch (e) {
      fail('PutRecords, 1 connection', e);
    }
    try {
      r.put8 = await putFigure(t.endpoint, name, putConnections, (ms) => ms >= sizes.streamSeconds * 1000);
      log(`  stream ${t.key}: PutRecords ×500 on ${putConnections} connections for ${sizes.streamSeconds} s: ${r.put8.recordsPerSec.toFixed(0)} records/s (${r.put8.accepted} accepted, ${r.put8.throttled} throttled${r.put8.errors ? `, ${r.put8.errors} ERRORS: ${r.put8.errorSamples[0]}` : ''})`);
    } catch (e) {
      fail(`PutRecords, ${putConnections} connections`, e);
    }
    try {
      r.get = await getFigure(t.endpoint, name);
      log(`  stream ${t.key}: GetRecords of ${r.get.records} records on ${r.get.connections} connections: ${r.get.recordsPerSec.toFixed(0)} records/s (${r.get.calls} calls, ${r.get.throttled} throttled${r.get.errors ? `, ${r.get.errors} ERRORS: ${r.get.errorSamples[0]}` : ''})`);
    } catch (e) {
      fail('GetRecords', e);
    }
    if (t.kumo) {
      try {
        r.e2e = await endToEnd(t, sizes.streamE2e, stamp);
        log(`  stream ${t.key}: ${r.e2e.records} records → ${t.kumo.functionName} through a mapping in ${r.e2e.drainedMs.toFixed(0)} ms: ${r.e2e.recordsPerSec.toFixed(0)} records/s${r.e2e.timedOut ? ` TIMED OUT (${r.e2e.processed} processed)` : ''}`);
      } catch (e) {
        fail('stream → function', e);
      }
    }
  }
  return out;
}
