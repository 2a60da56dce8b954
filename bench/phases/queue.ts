/**
 * Queues (issue 12): Kumo's SQS (JSON 1.0, signed, one server per store mode)
 * beside the emulators a user would run instead (sqslite: query; moto: JSON),
 * figure after figure, target after target (the starting target rotates):
 *
 * - SendMessage on 1 connection, sequential (msgs/s, p50/p99);
 * - SendMessage on `connections` closed loops for `queueSeconds`;
 * - receive+delete over a pre-filled queue: ReceiveMessage (10, no wait) then
 *   DeleteMessageBatch of what came, on `recvConnections` loops, until all
 *   `queueRecv` messages are deleted;
 * - Kumo only: queue → function through an event source mapping (BatchSize
 *   10, a no-op nodejs20.x function): from CreateEventSourceMapping until
 *   GetQueueAttributes shows no message visible or in flight.
 *
 * Every figure uses its own fresh queue (standard, default attributes).
 */
import http from 'node:http';
import { CreateEventSourceMappingCommand, DeleteEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { simultaneous } from '../lib/load';
import { sqs, sqsOk, type SqsEndpoint } from '../lib/sqs';
import { summarize } from '../lib/stats';
import type { QueueResult, Sizes } from '../lib/results';
import type { Kumo } from '../targets/kumo';
import type { QueueTarget } from '../targets/queue-peers';

/** Receive+delete loops: a consumer fleet of a few workers, as an SQS client library runs. */
export const recvConnections = 4;
/** Loops that pre-fill a queue with SendMessageBatch (not measured). */
const fillConnections = 8;
/** SQS's batch and receive maximum (quotas-messages.html): 10 entries per batch, 10 messages per receive. */
const batchEntriesMax = 10;
/** Unmeasured sends before a target's first measured figure. */
const warmupSends = 50;
/** A receive+delete or end-to-end figure not done by then is reported as timed out. */
const figureTimeoutMs = 120_000;
/** How often the end-to-end figure reads the queue's counts. */
const drainPollMs = 50;
/** Event source mapping pollers that start at once (AWS: 5), and as many warm EEs before the mapping starts. */
const pollersAtStart = 5;

export interface QueueSubject extends QueueTarget {
  /** Kumo: its server (for the end-to-end figure) and the no-op function the mapping invokes. */
  kumo?: { server: Kumo; functionName: string };
}

const body = '{"bench":true}';
const sampleError = (samples: string[], e: string | undefined) => {
  const m = e?.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>');
  if (m && samples.length < 5 && !samples.includes(m)) samples.push(m);
};

async function withAgent<T>(connections: number, fn: (a: http.Agent) => Promise<T>): Promise<T> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  try {
    return await fn(agent);
  } finally {
    agent.destroy();
  }
}

async function createQueue(ep: SqsEndpoint, name: string): Promise<string> {
  const url = await withAgent(1, (a) => sqsOk(ep, a, { op: 'CreateQueue', QueueName: name }).then((x) => x.queueUrl));
  if (!url) throw new Error(`CreateQueue ${name}: no QueueUrl in the answer`);
  return url;
}

/** `count` messages in batches of 10 over a few connections. */
async function fill(ep: SqsEndpoint, url: string, count: number): Promise<void> {
  let next = 0;
  await withAgent(fillConnections, (a) =>
    Promise.all(Array.from({ length: fillConnections }, async () => {
      while (next < count) {
        const n = Math.min(batchEntriesMax, count - next);
        next += n;
        await sqsOk(ep, a, { op: 'SendMessageBatch', QueueUrl: url, Entries: Array.from({ length: n }, (_, i) => ({ Id: `m${i}`, MessageBody: body })) });
      }
    })),
  );
}

async function sendSequential(ep: SqsEndpoint, url: string, n: number): Promise<NonNullable<QueueResult['send1']>> {
  const lat: number[] = [];
  const samples: string[] = [];
  let errors = 0;
  const t0 = performance.now();
  await withAgent(1, async (a) => {
    for (let i = 0; i < n; i++) {
      const o = await sqs(ep, a, { op: 'SendMessage', QueueUrl: url, MessageBody: body });
      if (o.ok) lat.push(o.ms);
      else errors++, sampleError(samples, o.error);
    }
  });
  const s = (performance.now() - t0) / 1000;
  return { ...summarize(lat), msgsPerSec: lat.length / s, requests: n, errors, errorSamples: samples };
}

async function sendConcurrent(ep: SqsEndpoint, url: string, connections: number, seconds: number): Promise<NonNullable<QueueResult['sendConc']>> {
  const lat: number[] = [];
  const samples: string[] = [];
  let errors = 0;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  await withAgent(connections, (a) =>
    Promise.all(Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        const o = await sqs(ep, a, { op: 'SendMessage', QueueUrl: url, MessageBody: body });
        if (o.ok) lat.push(o.ms);
        else errors++, sampleError(samples, o.error);
      }
    })),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const s = summarize(lat);
  return { msgsPerSec: lat.length / elapsed, connections, seconds, p50: s.p50, p99: s.p99, requests: lat.length + errors, errors, errorSamples: samples };
}

/** Each loop: receive up to 10, delete them in one batch; a loop ends on an empty receive (nothing visible is left) or when all are deleted. */
async function receiveDelete(t: QueueSubject, url: string, messages: number): Promise<NonNullable<QueueResult['recv']>> {
  const ep = t.endpoint;
  const samples: string[] = [];
  let errors = 0, deleted = 0, receives = 0;
  const t0 = performance.now();
  const deadline = t0 + figureTimeoutMs;
  await withAgent(recvConnections, (a) =>
    Promise.all(Array.from({ length: recvConnections }, async () => {
      while (deleted < messages && performance.now() < deadline) {
        const r = await sqs(ep, a, { op: 'ReceiveMessage', QueueUrl: url, MaxNumberOfMessages: batchEntriesMax, WaitTimeSeconds: 0 });
        receives++;
        if (!r.ok) {
          errors++, sampleError(samples, r.error);
          continue;
        }
        const handles = r.answer!.receiptHandles;
        if (!handles.length) break;
        if (t.noDeleteBatch) {
          for (const h of new Set(handles)) {
            const d = await sqs(ep, a, { op: 'DeleteMessage', QueueUrl: url, ReceiptHandle: h });
            if (!d.ok) errors++, sampleError(samples, d.error);
          }
          deleted += handles.length;
        } else {
          const d = await sqs(ep, a, { op: 'DeleteMessageBatch', QueueUrl: url, Entries: handles.map((h, i) => ({ Id: `d${i}`, ReceiptHandle: h })) });
          if (d.ok) deleted += handles.length;
          else errors++, sampleError(samples, d.error);
        }
      }
    })),
  );
  const s = (performance.now() - t0) / 1000;
  // The queue must be empty: every message received and deleted, none deleted without being received.
  const left = await withAgent(1, (a) => queueDepth(ep, a, url));
  if (deleted < messages || left) errors++, sampleError(samples, `${deleted} of ${messages} messages received and deleted, ${left} left in the queue`);
  return { msgsPerSec: Math.min(deleted, messages) / s, messages, deleted, connections: recvConnections, receives, errors, errorSamples: samples, ...(t.noDeleteBatch ? { deleteNote: t.noDeleteBatch } : {}) };
}

async function queueDepth(ep: SqsEndpoint, a: http.Agent, url: string): Promise<number> {
  const x = await sqsOk(ep, a, { op: 'GetQueueAttributes', QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] });
  // sqslite answers ApproximateNumberOfMessages only (counting received messages too): what is not answered counts 0.
  return Number(x.attributes.ApproximateNumberOfMessages ?? 0) + Number(x.attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
}

/** Queue → function through a mapping: fill, warm `pollersAtStart` EEs, create the mapping, time until the queue is empty. */
async function endToEnd(t: QueueSubject, events: number, log: (s: string) => void): Promise<NonNullable<QueueResult['e2e']>> {
  const { server, functionName } = t.kumo!;
  const ep = t.endpoint;
  const url = await createQueue(ep, `bench-e2e-${Date.now()}`);
  await fill(ep, url, events);
  const arn = (await withAgent(1, (a) => sqsOk(ep, a, { op: 'GetQueueAttributes', QueueUrl: url, AttributeNames: ['QueueArn'] }))).attributes.QueueArn;
  if (!arn) throw new Error('GetQueueAttributes: no QueueArn');
  const warm = await simultaneous(server.endpoint(functionName), pollersAtStart);
  if (warm.result.errors) throw new Error(`warming ${functionName}: ${warm.result.errorSamples[0]}`);
  const reportsBefore = server.logs(functionName, 'REPORT RequestId').length;
  // The role may read the source before the clock starts (as a user grants it before creating a mapping).
  await server.grantEventSources();
  const t0 = performance.now();
  const m = await server.client.send(new CreateEventSourceMappingCommand({ FunctionName: functionName, EventSourceArn: arn, BatchSize: batchEntriesMax }));
  let timedOut = false;
  await withAgent(1, async (a) => {
    for (;;) {
      if ((await queueDepth(ep, a, url)) === 0) break;
      if (performance.now() - t0 > figureTimeoutMs) {
        timedOut = true;
        break;
      }
      await new Promise((r) => setTimeout(r, drainPollMs));
    }
  });
  const drainedMs = performance.now() - t0;
  await server.client.send(new DeleteEventSourceMappingCommand({ UUID: m.UUID }));
  let invokes: number | undefined;
  try {
    invokes = server.logs(functionName, 'REPORT RequestId').length - reportsBefore;
  } catch (e) {
    log(`  queue ${t.key}: could not count the function's invokes: ${(e as Error).message}`);
  }
  return { events, eventsPerSec: timedOut ? NaN : events / (drainedMs / 1000), drainedMs, invokes, timedOut };
}

export async function runQueue(targets: QueueSubject[], sizes: Sizes, log: (s: string) => void): Promise<QueueResult[]> {
  const results = new Map<string, QueueResult>(targets.map((t) => [t.key, { target: t.key, label: t.label, protocol: t.protocol === 'json' ? 'JSON 1.0' : 'query', database: t.kumo?.server.database, failures: [] }]));
  const fail = (t: QueueSubject, what: string, e: unknown) => {
    const msg = `${what}: ${(e as Error).message.slice(0, 500)}`;
    results.get(t.key)!.failures.push(msg);
    log(`  queue ${t.key}: FAILED ${msg}`);
  };
  const stamp = Date.now();
  const rotate = (round: number) => targets.map((_, i) => targets[(i + round) % targets.length]!);

  // Warm-up: a queue per target and unmeasured sends (first-use costs, JIT).
  const sendUrl = new Map<string, string>();
  for (const t of targets) {
    try {
      const url = await createQueue(t.endpoint, `bench-send-${stamp}`);
      await sendSequential(t.endpoint, url, warmupSends);
      sendUrl.set(t.key, url);
    } catch (e) {
      fail(t, 'set-up', e);
    }
  }
  const live = () => targets.filter((t) => sendUrl.has(t.key));

  for (const t of rotate(0).filter((x) => sendUrl.has(x.key))) {
    try {
      const r = await sendSequential(t.endpoint, sendUrl.get(t.key)!, sizes.queueSeq);
      results.get(t.key)!.send1 = r;
      log(`  queue ${t.key}: ${sizes.queueSeq} sequential SendMessage, ${r.msgsPerSec.toFixed(0)} msgs/s, p50 ${r.p50.toFixed(3)} ms${r.errors ? `, ${r.errors} ERRORS: ${r.errorSamples[0]}` : ''}`);
    } catch (e) {
      fail(t, 'SendMessage, 1 connection', e);
    }
  }
  for (const t of rotate(1).filter((x) => sendUrl.has(x.key))) {
    try {
      const r = await sendConcurrent(t.endpoint, sendUrl.get(t.key)!, sizes.connections, sizes.queueSeconds);
      results.get(t.key)!.sendConc = r;
      log(`  queue ${t.key}: SendMessage on ${sizes.connections} connections for ${sizes.queueSeconds} s, ${r.msgsPerSec.toFixed(0)} msgs/s${r.errors ? `, ${r.errors} ERRORS: ${r.errorSamples[0]}` : ''}`);
    } catch (e) {
      fail(t, `SendMessage, ${sizes.connections} connections`, e);
    }
  }
  for (const t of rotate(2).filter((x) => sendUrl.has(x.key))) {
    try {
      const url = await createQueue(t.endpoint, `bench-recv-${stamp}`);
      await fill(t.endpoint, url, sizes.queueRecv);
      const r = await receiveDelete(t, url, sizes.queueRecv);
      results.get(t.key)!.recv = r;
      log(`  queue ${t.key}: receive+delete ${r.deleted}/${r.messages} on ${r.connections} connections, ${r.msgsPerSec.toFixed(0)} msgs/s${r.errors ? `, ${r.errors} ERRORS: ${r.errorSamples[0]}` : ''}`);
    } catch (e) {
      fail(t, 'receive+delete', e);
    }
  }
  for (const t of live().filter((x) => x.kumo)) {
    try {
      const r = await endToEnd(t, sizes.queueE2e, log);
      results.get(t.key)!.e2e = r;
      log(`  queue ${t.key}: ${r.events} messages → ${t.kumo!.functionName} through a mapping in ${r.drainedMs.toFixed(0)} ms, ${r.eventsPerSec.toFixed(0)} events/s, ${r.invokes ?? '?'} invokes${r.timedOut ? ' TIMED OUT' : ''}`);
    } catch (e) {
      fail(t, 'queue → function', e);
    }
  }
  return [...results.values()];
}
