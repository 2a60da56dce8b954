/**
 * Durable async invokes (InvocationType Event): the 202 latency (sequential,
 * then under `connections` concurrent senders) and end to end, accepted →
 * handler ran. The handler logs `BENCH_RAN <send time> <run time>` (the EE
 * shares the host's clock); the harness reads those lines with
 * `kumo logs NAME --filter BENCH_RAN` until every event has run.
 */
import { countedConcurrent, sequential } from '../lib/load';
import { summarize } from '../lib/stats';
import type { AsyncResult, Sizes } from '../lib/results';
import type { Kumo } from '../targets/kumo';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runAsync(kumo: Kumo, fn: string, sizes: Sizes, timeoutMs: number, log: (s: string) => void): Promise<AsyncResult> {
  const ep = kumo.endpoint(fn);
  const opts = {
    headers: { 'x-amz-invocation-type': 'Event' },
    expectStatus: 202,
    makePayload: () => Buffer.from(JSON.stringify({ t: Date.now() })),
  };
  const seq = await sequential(ep, sizes.asyncSeq, opts);
  log(`  async: ${sizes.asyncSeq} sequential Event invokes, 202 p50 ${summarize(seq.latencies).p50.toFixed(2)} ms${seq.errors ? `, ${seq.errors} errors` : ''}`);
  // Let the sequential events run before the batch, so the batch's end-to-end rate is its own.
  const deadline0 = Date.now() + timeoutMs;
  while (Date.now() < deadline0 && ranLines(kumo, fn).length < sizes.asyncSeq - seq.errors) await sleep(500);

  const batchStart = Date.now();
  const batch = await countedConcurrent(ep, sizes.connections, sizes.asyncEvents, opts);
  const accepted = batch.requests - batch.errors;
  log(`  async: ${sizes.asyncEvents} Event invokes over ${sizes.connections} connections: ${(accepted / (batch.elapsedMs / 1000)).toFixed(0)} accepted/s${batch.errors ? `, ${batch.errors} errors` : ''}`);

  const expected = sizes.asyncSeq - seq.errors + accepted;
  const deadline = Date.now() + timeoutMs;
  let lines: string[] = [];
  for (;;) {
    lines = ranLines(kumo, fn);
    if (lines.length >= expected || Date.now() > deadline) break;
    await sleep(500);
  }
  const runs = lines.map((l) => /BENCH_RAN (\d+) (\d+)/.exec(l)).filter((m): m is RegExpExecArray => !!m).map((m) => ({ sent: Number(m[1]), ran: Number(m[2]) }));
  const inBatch = runs.filter((r) => r.sent >= batchStart);
  const lastRan = Math.max(...inBatch.map((r) => r.ran));
  const e2eMs = lastRan - batchStart;
  log(`  async: ${runs.length}/${expected} handler runs seen; batch ran end to end in ${e2eMs} ms`);
  return {
    database: kumo.database,
    seq202: { ...summarize(seq.latencies), errors: seq.errors },
    batch: {
      events: sizes.asyncEvents,
      accepted,
      errors: batch.errors,
      acceptedPerSec: accepted / (batch.elapsedMs / 1000),
      latency202: summarize(batch.latencies),
      errorSamples: batch.errorSamples,
    },
    e2e: {
      ran: runs.length,
      expected,
      eventsPerSec: inBatch.length && e2eMs > 0 ? inBatch.length / (e2eMs / 1000) : NaN,
      lastRanAfterMs: e2eMs,
      latency: summarize(inBatch.map((r) => r.ran - r.sent)),
      timedOut: runs.length < expected,
    },
  };
}

function ranLines(kumo: Kumo, fn: string): string[] {
  return kumo.logs(fn, 'BENCH_RAN');
}
