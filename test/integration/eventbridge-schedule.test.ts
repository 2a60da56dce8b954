import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { Keyring } from '../../src/keys/keyring';
import { QueueService } from '../../src/queues/queue-service';
import { QueueSourceAdapter } from '../../src/queues/source';
import { Deliveries } from '../../src/domain/delivery';
import { BusService } from '../../src/events/bus-service';
import { EventPublisher } from '../../src/events/put-events';
import { EventDeliveryWorker } from '../../src/events/delivery-worker';
import { BusScheduledRules } from '../../src/events/scheduled-rules';
import { until } from './sns-helpers';

/**
 * Scheduled rules through the seam the schedule engine calls
 * (`ScheduledRuleSource`, src/domain/scheduled-rules.ts), on the real store,
 * queue service and delivery worker: `list` shows the rule with its
 * expression and state, `onChange` fires on changes, and `fire` delivers
 * AWS's "Scheduled Event" for the due time (the engine itself, which decides
 * when, is src/schedules/'s).
 */
describe('EventBridge scheduled rules (ScheduledRuleSource)', () => {
  const scope = { region: 'us-east-1', accountId: '000000000000' };
  let dir: string;
  let store: SqliteStore;
  let queues: QueueService;
  let worker: EventDeliveryWorker;
  let source: BusScheduledRules;
  let buses: BusService;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-eb-sched-'));
    store = new SqliteStore(path.join(dir, 'kumo.db'));
    queues = new QueueService(store, await Keyring.open(dir), scope);
    const deliveries = new Deliveries();
    deliveries.register('sqs', new QueueSourceAdapter(queues));
    let w: EventDeliveryWorker | undefined;
    const publisher = new EventPublisher(store, scope, () => w?.wake());
    source = new BusScheduledRules(store, scope, () => w?.wake());
    buses = new BusService({ store, scope, canDeliver: (arn) => deliveries.accepts(arn), scheduledChanged: () => source.changed() });
    w = worker = new EventDeliveryWorker({ store, deliveries, publisher, log: () => undefined });
    await buses.ensureDefaultBus();
    worker.start();
  });
  after(async () => {
    await worker?.stop();
    await store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('list, onChange and fire: the Scheduled Event reaches the target with the due time; a disabled rule does not fire', async () => {
    await queues.createQueue('ticks', {}, {});
    let changes = 0;
    const unsubscribe = source.onChange(() => changes++);
    const rule = await buses.putRule({ Name: 'tick', ScheduleExpression: 'rate(5 minutes)' });
    await buses.putTargets('tick', undefined, [{ Id: 'q', Arn: 'arn:aws:sqs:us-east-1:000000000000:ticks', unsupported: [] }]);
    assert.equal(changes, 1);
    const listed = await source.list();
    assert.deepEqual(listed.map((r) => [r.arn, r.scheduleExpression, r.enabled]), [[rule.arn, 'rate(5 minutes)', true]]);
    assert.equal(listed[0]!.sinceMs, rule.sinceMs);
    const due = Date.UTC(2025, 0, 2, 3, 5, 0);
    await source.fire(rule.arn, due);
    const [m] = await until('the scheduled event', () => queues.receiveMessages('ticks', { max: 10 }), (x) => x.length > 0, 10_000);
    const ev = JSON.parse(m!.body) as Record<string, unknown>;
    assert.deepEqual({ ...ev, id: undefined }, {
      version: '0', id: undefined, 'detail-type': 'Scheduled Event', source: 'aws.events', account: scope.accountId,
      time: '2025-01-02T03:05:00Z', region: scope.region, resources: [rule.arn], detail: {},
    });
    await buses.setRuleState('tick', undefined, 'DISABLED');
    assert.equal(changes, 2);
    assert.equal((await source.list())[0]!.enabled, false);
    await source.fire(rule.arn, due + 300_000);
    await new Promise((r) => setTimeout(r, 700));
    assert.deepEqual(await queues.receiveMessages('ticks', { max: 10, visibilityS: 0 }), [], 'a disabled rule delivers nothing');
    unsubscribe();
    await buses.setRuleState('tick', undefined, 'ENABLED');
    assert.equal(changes, 2, 'unsubscribed');
  });
});
