import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateEventSourceMappingCommand, CreateFunctionCommand, LambdaClient, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateStreamCommand, PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { makeZip, role, startServer, testCreds, type RunningServer, workerPolicies } from './harness';
import { allLogLines, drainQueue, isTransient, seededRandom, sleep } from './crash-helpers';
import { kinesisClient, readShard, text, waitActive } from './kinesis-helpers';

/**
 * Issue 14's reliability test: records go to a stream of several shards
 * while the server is `kill -9`ed at seeded random moments and restarted on
 * the same data; a stream event source mapping feeds a function that fails
 * every batch holding a "fail-…" record (MaximumRetryAttempts 2, OnFailure
 * an SQS queue). At the end, from the function's own log lines (BATCH per
 * invoke, read through the Logs API) and the OnFailure queue:
 *   - per shard the function saw the records in order: each invoke's first
 *     record is the next one after the previous invoke's last, or a replay
 *     (a retry, or a restart from the checkpoint) — never a skip;
 *   - every acknowledged record was in a batch that succeeded or in the
 *     range of an OnFailure record of its shard;
 *   - no shard went past a failing batch before its retries ran out: the
 *     first invoke beyond a failing record comes after at least
 *     MaximumRetryAttempts + 1 logged invokes holding it.
 */
const ACCOUNT = '000000000000';
const shardsCount = 4;
const recordsTotal = 480;
const putBatch = 10;
const failEvery = 41;
const maxRetries = 2;
const crashes = 3;
const drainDeadlineMs = 150_000;
const callRetryMs = 60_000;

const fCode = `exports.handler = async (event) => {
  const recs = event.Records.map((r) => ({ seq: r.kinesis.sequenceNumber, data: Buffer.from(r.kinesis.data, 'base64').toString() }));
  const fail = recs.some((r) => r.data.startsWith('fail'));
  console.log('BATCH ' + JSON.stringify({ shard: event.Records[0].eventID.split(':')[0], seqs: recs.map((r) => r.seq), fail }));
  if (fail) throw new Error('failing batch');
  return {};
};`;

interface Batch { shard: string; seqs: string[]; fail: boolean }
interface Clients { server: RunningServer; lambda: LambdaClient; k: KinesisClient; sqs: SQSClient; logs: CloudWatchLogsClient }

function clientsOf(server: RunningServer): Clients {
  const opts = { endpoint: server.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 };
  return { server, lambda: server.client, k: kinesisClient(server), sqs: new SQSClient(opts), logs: new CloudWatchLogsClient(opts) };
}
function destroy(c: Clients): void {
  c.k.destroy();
  c.sqs.destroy();
  c.logs.destroy();
}

describe('crash test: a Kinesis event source mapping under kill -9 (issue 14)', () => {
  it(`SQLite: ${recordsTotal} records on ${shardsCount} shards, ${crashes} crashes: in order per shard, none lost, failing batches retried before moving on`, { timeout: 300_000 }, async () => {
    const seed = Number(process.env.KUMO_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const rand = seededRandom(seed);
    console.log(`[kinesis] crash seed ${seed} (rerun with KUMO_CRASH_SEED=${seed})`);
    let cur = clientsOf(await startServer({ grant: workerPolicies }));
    const dataDir = cur.server.dataDir;
    try {
      await cur.k.send(new CreateStreamCommand({ StreamName: 'S', ShardCount: shardsCount }));
      await waitActive(cur.k, 'S');
      const d = await cur.sqs.send(new CreateQueueCommand({ QueueName: 'D' }));
      const dPath = new URL(d.QueueUrl!).pathname;
      await cur.lambda.send(new CreateFunctionCommand({
        FunctionName: 'F', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Timeout: 5, Code: { ZipFile: await makeZip({ 'index.js': fCode }) },
      }));
      await waitUntilFunctionActiveV2({ client: cur.lambda, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'F' });
      await cur.lambda.send(new CreateEventSourceMappingCommand({
        FunctionName: 'F', EventSourceArn: `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/S`, StartingPosition: 'TRIM_HORIZON',
        BatchSize: 10, MaximumRetryAttempts: maxRetries, DestinationConfig: { OnFailure: { Destination: `arn:aws:sqs:us-east-1:${ACCOUNT}:D` } },
      }));

      const acked = new Map<string, { shard: string; data: string }>(); // sequence number → record
      const unexpected: string[] = [];
      let unknownCalls = 0;
      const untilAnswered = async <T>(call: (c: Clients) => Promise<T>): Promise<T> => {
        const giveUpAt = Date.now() + callRetryMs;
        for (;;) {
          if (Date.now() > giveUpAt) throw new Error(`no server answered for ${callRetryMs} ms`);
          try {
            return await call(cur);
          } catch (e) {
            if (!isTransient(e)) {
              unexpected.push(`${(e as Error).name}: ${(e as Error).message}`);
              throw e;
            }
            unknownCalls++;
            await sleep(100);
          }
        }
      };
      const producer = async () => {
        for (let first = 0; first < recordsTotal; first += putBatch) {
          let pending = Array.from({ length: Math.min(putBatch, recordsTotal - first) }, (_, j) => first + j);
          while (pending.length) {
            const recs = pending.map((i) => ({ PartitionKey: `key-${i % 13}`, Data: Buffer.from(i % failEvery === 7 ? `fail-${i}` : `ok-${i}`) }));
            const r = await untilAnswered((c) => c.k.send(new PutRecordsCommand({ StreamName: 'S', Records: recs })));
            const retry: number[] = [];
            r.Records!.forEach((x, j) => {
              if (x.SequenceNumber) acked.set(x.SequenceNumber, { shard: x.ShardId!, data: recs[j]!.Data.toString() });
              else retry.push(pending[j]!); // throttled: put again
            });
            pending = retry;
            if (pending.length) await sleep(200);
          }
          await sleep(150); // spread the puts over the crashes
        }
      };
      const starts: number[] = [];
      const crasher = async () => {
        for (let c = 0; c < crashes; c++) {
          const waitMs = Math.round(1500 + rand() * 2000);
          await sleep(waitMs);
          console.log(`[kinesis] crash ${c + 1}/${crashes}: kill -9 after ${waitMs} ms (acked so far: ${acked.size})`);
          const dead = cur;
          await dead.server.kill9();
          const t0 = Date.now();
          const next = clientsOf(await startServer({ grant: workerPolicies, dataDir }));
          starts.push(Date.now() - t0);
          cur = next;
          destroy(dead);
        }
      };
      await Promise.all([producer(), crasher()]);
      assert.deepEqual(unexpected, [], 'calls refused for another reason than the crash');

      // Every record of the stream (acknowledged or from a cut call), per shard in order.
      const shardIds = Array.from({ length: shardsCount }, (_, i) => `shardId-${String(i).padStart(12, '0')}`);
      const stream = new Map<string, { seq: string; data: string }[]>();
      for (const sh of shardIds) stream.set(sh, (await readShard(cur.k, 'S', sh)).map((r) => ({ seq: r.SequenceNumber!, data: text(r) })));
      for (const [seq, a] of acked) assert.ok(stream.get(a.shard)!.some((r) => r.seq === seq), `acknowledged ${seq} is in the stream`);
      const failing = [...stream.values()].flat().filter((r) => r.data.startsWith('fail'));

      // Drain: every record in a succeeded batch or covered by an OnFailure record.
      const inD: { shard: string; start: string; end: string; condition: string; count: number }[] = [];
      const batchesOf = async () => (await allLogLines(cur.logs, 'F').catch(() => [] as string[]))
        .map((l) => /BATCH (\{.*\})/.exec(l)?.[1]).filter((x): x is string => !!x).map((x) => JSON.parse(x) as Batch);
      const covered = (shard: string, seq: string) => inD.some((m) => m.shard === shard && m.start <= seq && seq <= m.end);
      let batches: Batch[] = [];
      let missing: string[] = [];
      const t0 = Date.now();
      for (;;) {
        batches = await batchesOf();
        for (const m of await drainQueue(cur.sqs, `${cur.server.endpoint}${dPath}`)) {
          const b = JSON.parse(m.Body!);
          inD.push({ shard: b.KinesisBatchInfo.shardId, start: b.KinesisBatchInfo.startSequenceNumber, end: b.KinesisBatchInfo.endSequenceNumber, condition: b.requestContext.condition, count: b.requestContext.approximateInvokeCount });
        }
        const ok = new Set(batches.filter((b) => !b.fail).flatMap((b) => b.seqs));
        missing = [...stream].flatMap(([sh, rs]) => rs.filter((r) => !ok.has(r.seq) && !covered(sh, r.seq)).map((r) => `${sh}:${r.data}`));
        if (missing.length === 0) break;
        if (Date.now() - t0 > drainDeadlineMs) assert.fail(`not processed within ${drainDeadlineMs} ms: ${missing.slice(0, 20).join(' ')} (${missing.length})`);
        await sleep(1000);
      }

      // Per shard: in order, never a skip.
      let replays = 0;
      for (const sh of shardIds) {
        const order = stream.get(sh)!.map((r) => r.seq);
        const index = new Map(order.map((s, i) => [s, i]));
        let prevLast = -1;
        for (const b of batches.filter((x) => x.shard === sh)) {
          const idx = b.seqs.map((s) => index.get(s)!);
          assert.deepEqual(idx, idx.map((_, j) => idx[0]! + j), `${sh}: a batch is consecutive records in order`);
          if (idx[0]! <= prevLast) replays++;
          else assert.equal(idx[0], prevLast + 1, `${sh}: an invoke starts right after the previous one's last record (or replays)`);
          prevLast = Math.max(prevLast, idx.at(-1)!);
        }
      }
      // No shard went past a failing batch before its retries ran out.
      for (const f of failing) {
        const sh = [...stream].find(([, rs]) => rs.some((r) => r.seq === f.seq))![0];
        const mine = batches.filter((b) => b.shard === sh);
        const firstBeyond = mine.findIndex((b) => b.seqs.some((s) => s > f.seq) && !b.seqs.includes(f.seq));
        const before = (firstBeyond === -1 ? mine : mine.slice(0, firstBeyond)).filter((b) => b.seqs.includes(f.seq)).length;
        assert.ok(before >= maxRetries + 1, `${sh}: ${f.data} was tried ${before} times before the shard moved on`);
        assert.ok(covered(sh, f.seq), `${f.data} is in an OnFailure record`);
      }
      for (const m of inD) {
        assert.equal(m.condition, 'RetryAttemptsExhausted');
        assert.equal(m.count, maxRetries + 1);
      }
      const good = [...stream.values()].flat().filter((r) => !r.data.startsWith('fail'));
      const goodInFailed = good.filter((r) => inD.some((m) => m.start <= r.seq && r.seq <= m.end)).length;
      console.log(`[kinesis] SUMMARY records ${[...stream.values()].flat().length} (acknowledged ${acked.size}, unknown calls ${unknownCalls}), ` +
        `invokes ${batches.length} (${replays} replays), failing records ${failing.length}, OnFailure records ${inD.length} (good records in them ${goodInFailed}), ` +
        `restarts ${starts.map((ms) => `${ms}ms`).join(' ')}, seed ${seed}`);
    } catch (e) {
      if (e instanceof Error) e.message += `\n--- server output (end) ---\n${cur.server.output().slice(-4000)}`;
      throw e;
    } finally {
      destroy(cur);
      if (cur.server.proc.exitCode === null && cur.server.proc.signalCode === null) await cur.server.stop();
    }
  });
});
