import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteStore } from '../store/sqlite/sqlite-store';
import { Deliveries, type OutboundMessage } from '../domain/delivery';
import { DomainError } from '../domain/errors';
import type { ScheduledRule, ScheduledRuleSource } from '../domain/scheduled-rules';
import type { ScheduleSpec } from './records';
import { ScheduleEngine } from './engine';
import { ScheduleService } from './schedule-service';

/**
 * The engine over the real SQLite store: repeated fires of seconds rates,
 * missed due times (within the tolerance: fired; beyond it: skipped), the
 * flexible window, at() with ActionAfterCompletion DELETE, retries and the
 * DLQ with Scheduler's attributes, and EventBridge's scheduled rules from an
 * in-process ScheduledRuleSource. The targets are recording sinks registered
 * with `Deliveries` (the integration tests use the real queue and function
 * services).
 */
const scope = { region: 'us-east-1', accountId: '000000000000' };
const queue = (n: string) => `arn:aws:sqs:us-east-1:000000000000:${n}`;
const settings = { allowSeconds: true, random: () => 0.5 };
const roleArn = 'arn:aws:iam::000000000000:role/r';

function setUp(failing: (arn: string) => Error | undefined = () => undefined) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-sched-'));
  const store = new SqliteStore(path.join(dir, 'kumo.db'));
  const got: { arn: string; msg: OutboundMessage; at: number }[] = [];
  const deliveries = new Deliveries();
  const sink = {
    send: async (arn: string, msg: OutboundMessage) => {
      const e = failing(arn);
      if (e) throw e;
      got.push({ arn, msg, at: Date.now() });
    },
  };
  deliveries.register('sqs', sink);
  deliveries.register('lambda', sink);
  const logs: string[] = [];
  return {
    store, got, deliveries, logs,
    service: new ScheduleService(store, deliveries, scope, settings),
    engine: (rules?: ScheduledRuleSource) => new ScheduleEngine({ store, deliveries, rules, settings, log: (l) => logs.push(l) }),
    done: async (engine?: ScheduleEngine) => {
      await engine?.stop();
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const until = async (what: string, check: () => boolean, timeoutMs = 10_000) => {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

const spec = (over: Partial<ScheduleSpec>): ScheduleSpec => ({
  expression: 'rate(1 minute)', timezone: 'UTC', state: 'ENABLED', flexibleWindow: { mode: 'OFF' }, actionAfterCompletion: 'NONE',
  target: { Arn: queue('q'), RoleArn: roleArn, RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 } },
  ...over,
});

test('a rate(1 second) schedule fires once per due time, each within a second of it, with the context attributes', async () => {
  const t = setUp();
  await t.service.start();
  const e = t.engine();
  t.service.onChange(() => e.poke());
  await e.start();
  try {
    await t.service.createSchedule({
      Name: 's', ScheduleExpression: 'rate(1 second)', FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: queue('q'), RoleArn: roleArn, Input: '{"t":"<aws.scheduler.scheduled-time>","a":"<aws.scheduler.schedule-arn>","n":<aws.scheduler.attempt-number>}' },
    });
    await until('4 fires', () => t.got.length >= 4);
    const bodies = t.got.map((g) => JSON.parse(g.msg.body) as { t: string; a: string; n: number });
    const times = bodies.map((b) => Date.parse(b.t));
    assert.equal(new Set(times).size, times.length, 'no due time twice');
    for (let i = 1; i < times.length; i++) assert.equal(times[i]! - times[i - 1]!, 1000);
    assert.equal(bodies[0]!.a, 'arn:aws:scheduler:us-east-1:000000000000:schedule/default/s');
    assert.equal(bodies[0]!.n, 1);
    // Within a second of the due time (scheduled-time is truncated to the second: allow for that).
    for (let i = 0; i < times.length; i++) assert.ok(t.got[i]!.at - times[i]! < 2000, `fire ${i} late by ${t.got[i]!.at - times[i]!} ms`);
  } finally {
    await t.done(e);
  }
});

test('a due time found late: within the tolerance it fires; beyond it (and beyond the flexible window) it is skipped', async () => {
  const t = setUp();
  await t.service.start();
  // Each schedule's StartDate (its rate anchor) is its first due time, that long ago: as if the server was down since.
  const T = Date.now();
  const mk = (name: string, agoMs: number, over: Partial<ScheduleSpec> = {}) => {
    const startMs = T - agoMs;
    return t.store.createSchedule(
      { group: 'default', name, arn: `arn:${name}`, spec: spec({ expression: 'rate(1 hour)', startMs, target: { ...spec({}).target, Arn: queue(name) }, ...over }) },
      () => ({ dueMs: startMs, fireMs: startMs }),
    );
  };
  await mk('recent', 30_000); // within the 60 s precision: fires
  await mk('old', 300_000); // 5 minutes late, no window: skipped
  await mk('flex', 300_000, { flexibleWindow: { mode: 'FLEXIBLE', maxMinutes: 10 } }); // within its 10-minute window: fires
  const e = t.engine();
  await e.start();
  try {
    await until('2 fires', () => t.got.length >= 2);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(t.got.map((g) => g.arn).sort(), [queue('flex'), queue('recent')]);
    assert.ok(t.logs.some((l) => l.includes('arn:old') && l.includes('missed')), t.logs.join('\n'));
    // Each moved on to its next due time on its grid, in the future.
    for (const [n, ago] of [['recent', 30_000], ['old', 300_000], ['flex', 300_000]] as const) {
      const s = await t.store.getSchedule('default', n);
      assert.equal(s!.nextDueMs, T - ago + 3_600_000, n);
    }
  } finally {
    await t.done(e);
  }
});

test('FLEXIBLE: the fire time is a random offset within the window after the due time', async () => {
  const t = setUp();
  await t.service.start();
  try {
    const s = await t.service.createSchedule({
      Name: 'f', ScheduleExpression: 'cron(0 12 * * ? *)', FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 10 }, Target: { Arn: queue('q'), RoleArn: roleArn },
    });
    // random() is 0.5 here: half of the 10-minute window.
    assert.equal(s.nextFireMs! - s.nextDueMs!, 300_000);
    assert.equal(new Date(s.nextDueMs!).getUTCHours(), 12);
  } finally {
    await t.done();
  }
});

test('at() fires once; ActionAfterCompletion DELETE removes the schedule after it, NONE keeps it', async () => {
  const t = setUp();
  await t.service.start();
  const e = t.engine();
  t.service.onChange(() => e.poke());
  await e.start();
  try {
    const when = new Date(Date.now() + 1500).toISOString().slice(0, 19);
    for (const [name, action] of [['del', 'DELETE'], ['keep', 'NONE']] as const) {
      await t.service.createSchedule({
        Name: name, ScheduleExpression: `at(${when})`, FlexibleTimeWindow: { Mode: 'OFF' }, ActionAfterCompletion: action, Target: { Arn: queue(name), RoleArn: roleArn },
      });
    }
    await until('both fired', () => t.got.length >= 2);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(t.got.length, 2);
    await assert.rejects(t.service.getSchedule('del'), /Schedule del does not exist\./);
    const kept = await t.service.getSchedule('keep');
    assert.equal(kept.nextDueMs, undefined);
  } finally {
    await t.done(e);
  }
});

test('a failing target is retried, then dead-lettered with Scheduler\'s attributes; a missing target goes to the DLQ at once', async () => {
  let failures = 0;
  const t = setUp((arn) => {
    if (arn === queue('flaky') && failures++ < 1) return new DomainError('Throttled', 'Rate exceeded');
    if (arn === queue('gone')) return new DomainError('NotFound', 'The specified queue does not exist.');
    if (arn === queue('busy')) return new DomainError('Throttled', 'Rate exceeded');
    return undefined;
  });
  await t.service.start();
  const e = t.engine();
  t.service.onChange(() => e.poke());
  await e.start();
  try {
    const at = new Date(Date.now() + 1000).toISOString().slice(0, 19);
    const mk = (name: string, retries: number) => t.service.createSchedule({
      Name: name, ScheduleExpression: `at(${at})`, FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: queue(name), RoleArn: roleArn, Input: `{"s":"${name}"}`, RetryPolicy: { MaximumRetryAttempts: retries }, DeadLetterConfig: { Arn: queue('dlq') } },
    });
    await mk('flaky', 3);
    await mk('gone', 3);
    await mk('busy', 1);
    await until('flaky delivered, two dead letters', () => t.got.filter((g) => g.arn === queue('dlq')).length >= 2 && t.got.some((g) => g.arn === queue('flaky')), 15_000);
    const dead = t.got.filter((g) => g.arn === queue('dlq'));
    const byBody = new Map(dead.map((d) => [JSON.parse(d.msg.body).s as string, d.msg.attributes!]));
    const gone = byBody.get('gone')!;
    assert.equal(gone.ERROR_CODE!.StringValue, 'AWS.SimpleQueueService.NonExistentQueue');
    assert.equal(gone.ERROR_MESSAGE!.StringValue, 'The specified queue does not exist.');
    assert.equal(gone.RETRY_ATTEMPTS!.StringValue, '0');
    assert.equal(gone.EXHAUSTED_RETRY_CONDITION, undefined);
    assert.equal(gone.SCHEDULE_ARN!.StringValue, 'arn:aws:scheduler:us-east-1:000000000000:schedule/default/gone');
    assert.equal(gone.TARGET_ARN!.StringValue, queue('gone'));
    const busy = byBody.get('busy')!;
    assert.equal(busy.EXHAUSTED_RETRY_CONDITION!.StringValue, 'MaximumRetryAttemptsExceeded');
    assert.equal(busy.RETRY_ATTEMPTS!.StringValue, '1');
    assert.equal(busy.ERROR_CODE!.StringValue, 'ThrottlingException');
    assert.equal(byBody.has('flaky'), false);
  } finally {
    await t.done(e);
  }
});

/** An in-process ScheduledRuleSource (the event-bus domain implements the real one). */
class FakeRules implements ScheduledRuleSource {
  rules: ScheduledRule[] = [];
  fired: { arn: string; dueMs: number }[] = [];
  private listeners: (() => void)[] = [];
  async list() { return this.rules.map((r) => ({ ...r })); }
  onChange(l: () => void) {
    this.listeners.push(l);
    return () => { this.listeners = this.listeners.filter((x) => x !== l); };
  }
  async fire(arn: string, dueMs: number) { this.fired.push({ arn, dueMs }); }
  put(r: ScheduledRule) {
    this.rules = [...this.rules.filter((x) => x.arn !== r.arn), r];
    for (const l of this.listeners) l();
  }
}

test('scheduled rules from the ScheduledRuleSource fire on their due times; disabling or deleting one stops it', async () => {
  const t = setUp();
  const rules = new FakeRules();
  const arn = 'arn:aws:events:us-east-1:000000000000:rule/every-second';
  rules.put({ arn, scheduleExpression: 'rate(1 second)', enabled: true, sinceMs: Date.now() });
  const e = t.engine(rules);
  await e.start();
  try {
    await until('3 rule fires', () => rules.fired.length >= 3);
    const dues = rules.fired.map((f) => f.dueMs);
    for (let i = 1; i < dues.length; i++) assert.equal(dues[i]! - dues[i - 1]!, 1000);
    rules.put({ arn, scheduleExpression: 'rate(1 second)', enabled: false, sinceMs: Date.now() });
    await new Promise((r) => setTimeout(r, 300));
    const n = rules.fired.length;
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(rules.fired.length <= n + 1, `fired ${rules.fired.length - n} times after the disable`);
    assert.deepEqual(await t.store.listRuleTimers(), []);
    // A rule the source no longer lists has no timer either.
    rules.put({ arn: `${arn}-2`, scheduleExpression: 'cron(0 12 * * ? *)', enabled: true, sinceMs: Date.now() });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await t.store.listRuleTimers()).length, 1);
    rules.rules = [];
    rules.put({ arn: 'x', scheduleExpression: 'rate(5 minutes)', enabled: false, sinceMs: 0 });
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(await t.store.listRuleTimers(), []);
  } finally {
    await t.done(e);
  }
});
