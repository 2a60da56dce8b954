import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startPostgres, type ThrowawayPostgres } from '../postgres';
import { PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { startServer, type RunningServer } from './harness';
import { sqsClient } from './sqs-helpers';
import { eventsClient } from './events-helpers';

/**
 * An event PutEvents acknowledged reaches every matching target even when
 * the server is killed with -9 before its deliveries are done: the outbox
 * rows were committed (and fsynced) before the answer, and the next start
 * delivers what is left.
 */
/** The server a case is running (stopped after it, also when the case failed half-way). */
let live: RunningServer | undefined;
after(async () => {
  await live?.stop();
});

describe('EventBridge durability (kill -9)', () => {
  it('SQLite: acknowledged events pending at a kill -9 are delivered after the restart, to every target', async () => {
    const s = await putKillRestart((dataDir) => startServer({ dataDir }), async (dataDir) => {
      const db = new Database(path.join(dataDir, 'kumo.db'));
      try {
        return (db.prepare('SELECT COUNT(*) AS n FROM eb_deliveries').get() as { n: number }).n;
      } finally {
        db.close();
      }
    });
    await s.stop();
  });
});

// A crashed server's leases run out after KUMO_EVENTS_LEASE_MS (3 s here, 60 s by default) on PostgreSQL: the restart then delivers them.
describe('EventBridge on PostgreSQL (KUMO_DATABASE_URL)', () => {
  let pgc: ThrowawayPostgres;
  before(async () => {
    pgc = await startPostgres();
  });
  after(async () => {
    await pgc?.stop();
  });

  it('acknowledged events pending at a kill -9 are delivered after the restart, to every target', async () => {
    const url = await pgc.createDatabase('eb_durability');
    const s = await putKillRestart((dataDir) => startServer({ dataDir, env: { KUMO_DATABASE_URL: url, KUMO_EVENTS_LEASE_MS: '3000' } }), async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        return Number((await c.query<{ n: string }>('SELECT COUNT(*) AS n FROM eb_deliveries')).rows[0]!.n);
      } finally {
        await c.end();
      }
    });
    await s.stop();
  });
});

/** 200 events to a rule with two queue targets, kill -9 right after the last acknowledgement, restart: every event reaches both queues. */
async function putKillRestart(start: (dataDir?: string) => Promise<RunningServer>, pendingAfterKill: (dataDir: string) => Promise<number>): Promise<RunningServer> {
  {
    let s = (live = await start());
    let eb = eventsClient(s);
    let sqs = sqsClient(s);
    const queues: { url: string; arn: string }[] = [];
    for (const name of ['dur-a', 'dur-b']) {
      const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
      const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
      queues.push({ url, arn });
    }
    await eb.send(new PutRuleCommand({ Name: 'dur', EventPattern: '{"source": ["dur"]}' }));
    await eb.send(new PutTargetsCommand({ Rule: 'dur', Targets: queues.map((q, i) => ({ Id: `q${i}`, Arn: q.arn })) }));
    // Enough events that the worker cannot have sent them all when the last PutEvents is answered.
    const calls = await Promise.all(Array.from({ length: 20 }, (_, c) => eb.send(new PutEventsCommand({
      Entries: Array.from({ length: 10 }, (_, i) => ({ Source: 'dur', DetailType: 'd', Detail: JSON.stringify({ n: c * 10 + i }) })),
    }))));
    const ids = new Set(calls.flatMap((r) => r.Entries!.map((e) => e.EventId!)));
    assert.equal(ids.size, 200);
    eb.destroy();
    sqs.destroy();
    await s.kill9();
    const pending = await pendingAfterKill(s.dataDir);
    assert.ok(pending > 0, 'the kill came while deliveries were pending (else this test proves nothing)');
    s = live = await start(s.dataDir);
    eb = eventsClient(s);
    sqs = sqsClient(s);
    try {
      for (const q of queues) {
        const seen = new Set<string>();
        const end = Date.now() + 60_000;
        while (seen.size < ids.size && Date.now() < end) {
          const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: q.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
          for (const m of r.Messages ?? []) seen.add(JSON.parse(m.Body!).id as string);
          if (r.Messages?.length) {
            await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: q.url, Entries: r.Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
          }
        }
        assert.deepEqual([...ids].filter((id) => !seen.has(id)), [], `every acknowledged event reached ${q.arn} (${pending} deliveries were pending at the kill)`);
      }
    } finally {
      eb.destroy();
      sqs.destroy();
    }
    return s;
  }
}
