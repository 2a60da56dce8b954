import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SqliteStore } from '../store/sqlite/sqlite-store';
import { DomainError, notFound } from '../domain/errors';
import { functionArn } from '../domain/arn';
import { parseFunctionName } from '../control/arn';
import { version } from '../../test/store-contract-records';
import { FakeQueueSource } from '../../test/fakes/queue-source';
import { EventSourceMappingService, type MappingFunctions } from './mappings';
import { RoleAccess, rolePrincipal } from '../identity/role-access';
import { EventSourcePollers } from './pollers';
import type { MappingInvoker } from './queue-poller';

const scope = { region: 'us-east-1', accountId: '000000000000' };

/** The functions the mappings see: `f` (timeout 3 s) with alias `live`, and `slow` (timeout 60 s). */
const functions: MappingFunctions = {
  ref: (raw, q) => {
    const r = parseFunctionName(raw, scope, { use: 'get' });
    return { name: r.name, qualifier: r.qualifier ?? q };
  },
  get: async (raw, q) => {
    const r = parseFunctionName(raw, scope, { use: 'get' });
    const qualifier = r.qualifier ?? q;
    const known: Record<string, number> = { f: 3, slow: 60 };
    if (!(r.name in known) || (qualifier !== undefined && qualifier !== 'live')) throw notFound(`Function not found: ${functionArn(scope, r.name, qualifier)}`);
    return version(r.name, '$LATEST', { config: { ...version(r.name, '$LATEST').config, timeoutSeconds: known[r.name]! } });
  },
  arn: (name, q) => functionArn(scope, name, q),
};

function open() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-esm-'));
  const store = new SqliteStore(path.join(dir, 'kumo.db'));
  const queues = new FakeQueueSource();
  const q1 = queues.createQueue('q1', { visibilityTimeoutS: 30 });
  const invoked: string[] = [];
  const invoker: MappingInvoker = {
    resolve: async () => ({}),
    invoke: async (input) => {
      invoked.push(...(JSON.parse(input.payload.toString()) as { Records: { body: string }[] }).Records.map((r) => r.body));
      return { payload: Buffer.from('null'), executedVersion: '$LATEST', requestId: 'r' };
    },
  };
  const mappings = new EventSourceMappingService(store, functions, queues, scope);
  const pollers = new EventSourcePollers(store, queues, invoker, { log: () => undefined });
  pollers.attach(mappings);
  const close = async () => {
    await pollers.stop();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { store, queues, q1, invoked, mappings, pollers, close };
}

async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const rejectsWith = (p: Promise<unknown>, kind: string, message: string | RegExp) =>
  assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof DomainError, String(e));
    assert.equal(e.kind, kind);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });

describe('EventSourceMappingService with the pollers', () => {
  test('create answers Creating with AWS defaults; the pollers settle it Enabled and deliver the queue', async () => {
    const t = open();
    try {
      const m = await t.mappings.create({ EventSourceArn: t.q1, FunctionName: 'f:live', otherMembers: [] });
      assert.equal(m.state, 'Creating');
      assert.equal(m.stateTransitionReason, 'USER_INITIATED');
      assert.equal(m.batchSize, 10);
      assert.equal(m.maximumBatchingWindowInSeconds, 0);
      assert.equal(m.functionArn, 'arn:aws:lambda:us-east-1:000000000000:function:f:live', 'qualified, as given');
      assert.equal(m.arn, `arn:aws:lambda:us-east-1:000000000000:event-source-mapping:${m.uuid}`);
      await until(async () => (await t.mappings.get(m.uuid)).state === 'Enabled', 'Enabled');
      t.queues.send(t.q1, 'hello');
      await until(() => t.invoked.includes('hello'), 'the delivery');
      await until(async () => (await t.mappings.get(m.uuid)).lastProcessingResult === 'OK', 'LastProcessingResult OK');
    } finally {
      await t.close();
    }
  });

  test("refuses with AWS's messages: a queue that does not exist, a visibility timeout below the function's timeout, FIFO limits", async () => {
    const t = open();
    try {
      await rejectsWith(t.mappings.create({ EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:nope', FunctionName: 'f', otherMembers: [] }), 'InvalidParameter',
        'Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist or you do not have access to it.');
      await rejectsWith(t.mappings.create({ EventSourceArn: t.q1, FunctionName: 'slow', otherMembers: [] }), 'InvalidParameter',
        'Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds');
      const fifo = t.queues.createQueue('q.fifo', { visibilityTimeoutS: 30 });
      await rejectsWith(t.mappings.create({ EventSourceArn: fifo, FunctionName: 'f', BatchSize: 11, MaximumBatchingWindowInSeconds: 1, otherMembers: [] }), 'InvalidParameter', /FIFO queues must be less than or equal to 10/);
      await rejectsWith(t.mappings.create({ EventSourceArn: t.q1, FunctionName: 'nope', otherMembers: [] }), 'NotFound', 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope');
      assert.deepEqual((await t.mappings.list({})).mappings, [], 'nothing stored');
    } finally {
      await t.close();
    }
  });

  test('a second mapping of the same queue and function is ResourceConflict naming the first UUID; another qualifier is another mapping', async () => {
    const t = open();
    try {
      const m = await t.mappings.create({ EventSourceArn: t.q1, FunctionName: 'f', otherMembers: [] });
      await rejectsWith(t.mappings.create({ EventSourceArn: t.q1, FunctionName: 'f', otherMembers: [] }), 'Conflict', new RegExp(`mapping already exists\\. Please update or delete the existing mapping with UUID ${m.uuid}$`));
      await t.mappings.create({ EventSourceArn: t.q1, FunctionName: 'f:live', otherMembers: [] });
      assert.equal((await t.mappings.list({ functionName: 'f' })).mappings.length, 2);
    } finally {
      await t.close();
    }
  });

  test('update: Disabling → Disabled stops the pollers, Enabling → Enabled restarts them; a new configuration is Updating → Enabled', async () => {
    const t = open();
    try {
      const m = await t.mappings.create({ EventSourceArn: t.q1, FunctionName: 'f', otherMembers: [] });
      await until(async () => (await t.mappings.get(m.uuid)).state === 'Enabled', 'Enabled');
      const off = await t.mappings.update(m.uuid, { Enabled: false, otherMembers: [] });
      assert.equal(off.state, 'Disabling');
      await until(async () => (await t.mappings.get(m.uuid)).state === 'Disabled', 'Disabled');
      assert.equal(t.pollers.poller(m.uuid), undefined);
      t.queues.send(t.q1, 'while-disabled');
      await sleep(100);
      assert.deepEqual(t.invoked, [], 'a disabled mapping receives nothing');
      assert.equal((await t.mappings.update(m.uuid, { Enabled: true, otherMembers: [] })).state, 'Enabling');
      await until(() => t.invoked.includes('while-disabled'), 'delivery after enabling');
      await rejectsWith(t.mappings.update(m.uuid, { BatchSize: 50, otherMembers: [] }), 'InvalidParameter', 'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10');
      const up = await t.mappings.update(m.uuid, { BatchSize: 50, MaximumBatchingWindowInSeconds: 2, otherMembers: [] });
      assert.equal(up.state, 'Updating');
      await until(async () => (await t.mappings.get(m.uuid)).state === 'Enabled', 'Enabled again');
      assert.equal(t.pollers.poller(m.uuid)?.rec.batchSize, 50, 'the pollers run the new configuration');
      await rejectsWith(t.mappings.update(m.uuid, { FunctionName: 'slow', otherMembers: [] }), 'InvalidParameter', 'Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds');
    } finally {
      await t.close();
    }
  });

  test('delete answers Deleting; the pollers stop and the mapping is gone', async () => {
    const t = open();
    try {
      const m = await t.mappings.create({ EventSourceArn: t.q1, FunctionName: 'f', otherMembers: [] });
      await until(async () => (await t.mappings.get(m.uuid)).state === 'Enabled', 'Enabled');
      const d = await t.mappings.delete(m.uuid);
      assert.equal(d.state, 'Deleting');
      await until(async () => !(await t.store.getEventSourceMapping(m.uuid)), 'the row gone');
      assert.equal(t.pollers.poller(m.uuid), undefined);
      await rejectsWith(t.mappings.get(m.uuid), 'NotFound', 'The resource you requested does not exist.');
    } finally {
      await t.close();
    }
  });

  test('list pages with Marker/MaxItems and filters by source and function', async () => {
    const t = open();
    try {
      const q2 = t.queues.createQueue('q2', { visibilityTimeoutS: 30 });
      const a = await t.mappings.create({ EventSourceArn: t.q1, FunctionName: 'f', otherMembers: [] });
      const b = await t.mappings.create({ EventSourceArn: q2, FunctionName: 'f', otherMembers: [] });
      const c = await t.mappings.create({ EventSourceArn: q2, FunctionName: 'f:live', otherMembers: [] });
      const all = [a, b, c].map((x) => x.uuid).sort();
      const p1 = await t.mappings.list({ maxItems: 2 });
      assert.deepEqual(p1.mappings.map((x) => x.uuid), all.slice(0, 2));
      const p2 = await t.mappings.list({ maxItems: 2, marker: p1.nextMarker });
      assert.deepEqual(p2.mappings.map((x) => x.uuid), all.slice(2));
      assert.equal(p2.nextMarker, undefined);
      assert.deepEqual((await t.mappings.list({ eventSourceArn: q2 })).mappings.map((x) => x.uuid).sort(), [b.uuid, c.uuid].sort());
      assert.equal((await t.mappings.list({ functionName: 'arn:aws:lambda:us-east-1:000000000000:function:f' })).mappings.length, 3);
      assert.deepEqual((await t.mappings.list({ functionName: 'f:live' })).mappings.map((x) => x.uuid), [c.uuid], 'a qualified name lists that ARN only');
    } finally {
      await t.close();
    }
  });

  test('a start finishes what a stop interrupted: Deleting is removed, Creating becomes Enabled', async () => {
    const t = open();
    try {
      const m = await t.mappings.create({ EventSourceArn: t.q1, FunctionName: 'f', otherMembers: [] });
      await t.pollers.reconcile(m.uuid);
      const cur = (await t.store.getEventSourceMapping(m.uuid))!;
      await t.store.updateEventSourceMapping({ ...cur, state: 'Deleting', revisionId: 'x' }, cur.revisionId);
      const q2 = t.queues.createQueue('q2', { visibilityTimeoutS: 30 });
      const n = await t.store.listEventSourceMappings({ limit: 10 });
      await t.store.createEventSourceMapping({ ...n[0]!, uuid: '00000000-0000-4000-8000-00000000000f', eventSourceArn: q2, state: 'Creating', revisionId: 'y' });
      const fresh = new EventSourcePollers(t.store, t.queues, { resolve: async () => ({}), invoke: async () => ({ payload: Buffer.from('null'), executedVersion: '$LATEST', requestId: 'r' }) }, { log: () => undefined });
      await fresh.start();
      assert.equal(await t.store.getEventSourceMapping(m.uuid), undefined);
      assert.equal((await t.store.getEventSourceMapping('00000000-0000-4000-8000-00000000000f'))?.state, 'Enabled');
      await fresh.stop();
    } finally {
      await t.close();
    }
  });
});

describe('EventSourceMappingService: the function role must be allowed to read the source (issue 18)', () => {
  /** A fake authorizer (unit test only; the real one is IAM's): the role may do what `allowed` lists, on any resource. */
  const roleAccess = (allowed: string[]): RoleAccess => new RoleAccess({ authorize: (_p, r) => (allowed.includes(r.action) ? { allowed: true } : { allowed: false, reason: 'ImplicitDeny', policyType: 'identity-based' }) });

  test('a role without sqs:ReceiveMessage (or DeleteMessage, GetQueueAttributes) is refused with AWS’s message; nothing is created', async () => {
    const t = open();
    try {
      t.mappings.roleAccess = roleAccess(['sqs:DeleteMessage', 'sqs:GetQueueAttributes']);
      await rejectsWith(t.mappings.create({ EventSourceArn: t.q1, FunctionName: 'f', otherMembers: [] }), 'InvalidParameter', 'The function execution role does not have permissions to call ReceiveMessage on SQS');
      t.mappings.roleAccess = roleAccess(['sqs:ReceiveMessage', 'sqs:GetQueueAttributes']);
      await rejectsWith(t.mappings.create({ EventSourceArn: t.q1, FunctionName: 'f', otherMembers: [] }), 'InvalidParameter', 'The function execution role does not have permissions to call DeleteMessage on SQS');
      assert.equal((await t.store.listEventSourceMappings({ limit: 100 })).length, 0);
      t.mappings.roleAccess = roleAccess(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes']);
      const m = await t.mappings.create({ EventSourceArn: t.q1, FunctionName: 'f', otherMembers: [] });
      assert.equal(m.functionName, 'f');
    } finally {
      await t.close();
    }
  });

  test('the role is asked as a session of the function’s role named after the function', () => {
    const p = rolePrincipal('arn:aws:iam::000000000000:role/service/worker-role', 'f');
    assert.equal(p.arn, 'arn:aws:sts::000000000000:assumed-role/worker-role/f');
    assert.equal(p.roleArn, 'arn:aws:iam::000000000000:role/service/worker-role');
    assert.equal(p.type, 'AssumedRole');
  });
});
