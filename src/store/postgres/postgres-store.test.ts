import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import pg from 'pg';
import { startPostgres, type ThrowawayPostgres } from '../../../test/postgres';
import { PostgresStore } from './postgres-store';
import { migrations } from './schema';
import { StoreConflict, type AliasRecord, type AsyncEvent, type LayerVersionRecord, type NewAsyncEvent, type VersionRecord } from '../types';

let pgServer: ThrowawayPostgres;
let dbs = 0;
async function freshStore(): Promise<{ store: PostgresStore; url: string }> {
  const url = await pgServer.createDatabase(`t${++dbs}`);
  return { store: await PostgresStore.open(url), url };
}

function version(fn: string, v: string, rev: string, extra: Partial<VersionRecord> = {}): VersionRecord {
  return {
    functionName: fn, version: v, envSealed: null, codeKey: `key-${fn}-${v}`, codeSha256: 'sha', codeSize: 100, revisionId: rev,
    lastModified: '2026-01-01T00:00:00.000+0000', state: 'Active', stateReason: null, stateReasonCode: null,
    lastUpdateStatus: 'Successful', lastUpdateStatusReason: null, lastUpdateStatusReasonCode: null,
    config: {
      runtime: 'nodejs20.x', handler: 'index.handler', role: 'r', description: 'nul \u0000 ok', timeoutSeconds: 3, memoryMb: 128,
      ephemeralStorageMb: 512, architectures: ['x86_64'], packageType: 'Zip', logFormat: 'Text', logGroup: `/aws/lambda/${fn}`,
      tracingMode: 'PassThrough', layers: [{ arn: 'arn:l:1', codeKey: 'layer-key', codeSize: 1, unzippedBytes: 1 }], envKeys: [],
    },
    ...extra,
  };
}
const alias = (fn: string, name: string, v: string, rev: string, weights: Record<string, number> = {}): AliasRecord => ({
  functionName: fn, name, functionVersion: v, description: '', additionalVersionWeights: weights, revisionId: rev,
});
const layer = (name: string, v: number): LayerVersionRecord => ({
  layerName: name, version: v, description: '', createdDate: 'd', codeKey: `lk-${name}-${v}`, codeSha256: 's', codeSize: 5, unzippedBytes: 5,
  compatibleRuntimes: [], compatibleArchitectures: [], statements: [], policyRevisionId: 'p0',
});
const event = (): NewAsyncEvent => ({
  id: randomUUID(), functionName: 'f', qualifier: '$LATEST', payload: Buffer.from([0, 1, 2, 255]), requestId: randomUUID(), attempts: 0,
  clientContext: 'cc',
});
/** A lease that outlives the test. */
const longLeaseMs = 3_600_000;

before(async () => {
  pgServer = await startPostgres();
});
after(() => pgServer?.stop());

describe('PostgresStore', () => {
  test('an unreachable database: open fails naming it, without its password', async () => {
    await assert.rejects(PostgresStore.open('postgres://kumo:s3cret@127.0.0.1:1/x'), (e: Error) => {
      assert.match(e.message, /^PostgreSQL at postgres:\/\/kumo:\*\*\*@127\.0\.0\.1:1\/x \(KUMO_DATABASE_URL\): .*ECONNREFUSED/);
      assert.doesNotMatch(e.message, /s3cret/);
      return true;
    });
  });

  test('migrations: a second open finds the schema current; a newer schema is refused', async () => {
    const { store, url } = await freshStore();
    await store.close();
    const again = await PostgresStore.open(url);
    await again.close();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      assert.deepEqual((await c.query('SELECT version FROM schema_version')).rows, [{ version: migrations.length }]);
      await c.query('UPDATE schema_version SET version = 99');
    } finally {
      await c.end();
    }
    await assert.rejects(PostgresStore.open(url), /schema \(version 99\) is newer than this Kumo/);
  });

  test('functions, versions, aliases, tags, layers: every method, byte-wise name order', async () => {
    const { store } = await freshStore();
    try {
      for (const n of ['b', 'a', 'B', 'a_1']) await store.createFunction({ name: n, createdAt: 'c', latest: version(n, '$LATEST', 'r0') });
      await assert.rejects(store.createFunction({ name: 'a', createdAt: 'c', latest: version('a', '$LATEST', 'r0') }), StoreConflict);
      assert.equal((await store.getFunction('a'))!.latest.config.description, 'nul \u0000 ok');
      assert.equal(await store.getFunction('zz'), undefined);
      assert.deepEqual((await store.listFunctions(undefined, 10)).map((f) => f.name), ['B', 'a', 'a_1', 'b']);
      assert.deepEqual((await store.listFunctions('a', 2)).map((f) => f.name), ['a_1', 'b']);
      assert.equal(await store.updateLatest(version('a', '$LATEST', 'r1'), 'wrong'), false);
      assert.equal(await store.updateLatest(version('a', '$LATEST', 'r1', { codeKey: 'k2' }), 'r0'), true);
      assert.equal((await store.getFunction('a'))!.latest.revisionId, 'r1');
      // Publish: numbers allocated in order, never reused; a stale revision publishes nothing.
      assert.equal(await store.publishVersion('a', 'r0', (v) => version('a', v, 'x')), undefined);
      const v1 = await store.publishVersion('a', 'r1', (v) => version('a', v, `p${v}`));
      const v2 = await store.publishVersion('a', 'r1', (v) => version('a', v, `p${v}`));
      assert.deepEqual([v1!.version, v2!.version], ['1', '2']);
      for (let i = 0; i < 9; i++) await store.publishVersion('a', 'r1', (v) => version('a', v, `p${v}`));
      assert.deepEqual((await store.listVersions('a', 0, 100)).map((v) => v.version), ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11']);
      assert.deepEqual((await store.listVersions('a', 9, 1)).map((v) => v.version), ['10']);
      assert.equal((await store.getVersion('a', '2'))!.revisionId, 'p2');
      assert.deepEqual(await store.countFunctions(), { count: 4, totalCodeSize: 100 * 15 });
      const keys = await store.referencedCodeKeys();
      assert.ok(keys.has('k2') && keys.has('key-a-1') && keys.has('layer-key'));
      // Aliases: CAS, referenced versions cannot be deleted.
      await store.createAlias(alias('a', 'live', '1', 'ar0', { '2': 0.5 }));
      await assert.rejects(store.createAlias(alias('a', 'live', '1', 'ar0')), StoreConflict);
      await store.createAlias(alias('a', 'dev', '3', 'ar0'));
      assert.deepEqual((await store.listAliases('a', undefined, 10)).map((x) => x.name), ['dev', 'live']);
      assert.deepEqual((await store.listAliases('a', 'dev', 10)).map((x) => x.name), ['live']);
      assert.deepEqual(await store.deleteVersion('a', '2'), { deleted: false, aliases: ['live'] });
      assert.deepEqual(await store.deleteVersion('a', '1'), { deleted: false, aliases: ['live'] });
      assert.equal(await store.updateAlias(alias('a', 'live', '1', 'ar1'), 'nope'), false);
      assert.equal(await store.updateAlias(alias('a', 'live', '1', 'ar1'), 'ar0'), true);
      assert.equal((await store.getAlias('a', 'live'))!.revisionId, 'ar1');
      assert.deepEqual(await store.deleteVersion('a', '2'), { deleted: true, aliases: [] });
      assert.deepEqual(await store.deleteVersion('a', '$LATEST'), { deleted: false, aliases: [] });
      assert.equal(await store.getVersion('a', '2'), undefined);
      assert.equal(await store.deleteAlias('a', 'dev'), true);
      assert.equal(await store.deleteAlias('a', 'dev'), false);
      // Tags.
      assert.deepEqual(await store.getTags('a'), {});
      assert.equal(await store.setTags('a', { k: 'v' }), true);
      assert.deepEqual(await store.getTags('a'), { k: 'v' });
      assert.equal(await store.setTags('nope', {}), false);
      assert.equal(await store.getTags('nope'), undefined);
      // Delete: versions and aliases go with the function; a deleted number is not reused.
      assert.equal(await store.deleteFunction('a'), true);
      assert.equal(await store.deleteFunction('a'), false);
      assert.equal(await store.getAlias('a', 'live'), undefined);
      await store.createFunction({ name: 'a', createdAt: 'c', latest: version('a', '$LATEST', 'n0') });
      assert.equal((await store.publishVersion('a', 'n0', (v) => version('a', v, 'q')))!.version, '1');
      // Layers.
      for (const n of ['lb', 'la', 'la']) await store.publishLayerVersion(n, (v) => layer(n, v));
      assert.deepEqual((await store.listLayerVersions('la', Infinity, 10)).map((l) => l.version), [2, 1]);
      assert.deepEqual((await store.listLayerVersions('la', 2, 10)).map((l) => l.version), [1]);
      assert.deepEqual((await store.listLayers(undefined, 10)).map((l) => [l.layerName, l.version]), [['la', 2], ['lb', 1]]);
      assert.deepEqual((await store.listLayers('la', 10)).map((l) => l.layerName), ['lb']);
      assert.equal(await store.updateLayerVersionPolicy({ ...layer('la', 2), policyRevisionId: 'p1' }, 'bad'), false);
      assert.equal(await store.updateLayerVersionPolicy({ ...layer('la', 2), policyRevisionId: 'p1' }, 'p0'), true);
      assert.equal((await store.getLayerVersion('la', 2))!.policyRevisionId, 'p1');
      assert.equal(await store.deleteLayerVersion('la', 2), true);
      assert.equal(await store.deleteLayerVersion('la', 2), false);
      assert.equal((await store.publishLayerVersion('la', (v) => layer('la', v))).version, 3);
    } finally {
      await store.close();
    }
  });

  test('concurrent compare-and-swap: of two writers with the same revision exactly one wins', async () => {
    const { store, url } = await freshStore();
    const other = await PostgresStore.open(url);
    try {
      await store.createFunction({ name: 'f', createdAt: 'c', latest: version('f', '$LATEST', 'r0') });
      for (let i = 0; i < 10; i++) {
        const res = await Promise.all([
          store.updateLatest(version('f', '$LATEST', `a${i}`), i === 0 ? 'r0' : `w${i - 1}`),
          other.updateLatest(version('f', '$LATEST', `b${i}`), i === 0 ? 'r0' : `w${i - 1}`),
        ]);
        assert.equal(res.filter(Boolean).length, 1, `round ${i}: ${res}`);
        const won = (await store.getFunction('f'))!.latest.revisionId;
        await store.updateLatest(version('f', '$LATEST', `w${i}`), won);
      }
      // Creating the same name at once: one succeeds, the other is a StoreConflict.
      const created = await Promise.allSettled([
        store.createFunction({ name: 'g', createdAt: 'c', latest: version('g', '$LATEST', 'r0') }),
        other.createFunction({ name: 'g', createdAt: 'c', latest: version('g', '$LATEST', 'r0') }),
      ]);
      assert.equal(created.filter((r) => r.status === 'fulfilled').length, 1);
      assert.ok(created.some((r) => r.status === 'rejected' && r.reason instanceof StoreConflict));
      // Publishing at once from two stores: distinct numbers.
      const pubs = await Promise.all([1, 2, 3, 4].map((i) => (i % 2 ? store : other).publishVersion('g', 'r0', (v) => version('g', v, `p${v}`))));
      assert.deepEqual(pubs.map((p) => Number(p!.version)).sort(), [1, 2, 3, 4]);
      const layers = await Promise.all([1, 2, 3, 4].map((i) => (i % 2 ? store : other).publishLayerVersion('L', (v) => layer('L', v))));
      assert.deepEqual(layers.map((l) => l.version).sort(), [1, 2, 3, 4]);
    } finally {
      await other.close();
      await store.close();
    }
  });

  test('SKIP LOCKED: two stores leasing at once never lease one event twice; recovery and wake-ups', async () => {
    const { store, url } = await freshStore();
    const other = await PostgresStore.open(url);
    try {
      let woken = 0;
      const unsubscribe = other.onAsyncEnqueued(() => woken++);
      await new Promise((r) => setTimeout(r, 300)); // the LISTEN connection is up
      const evs = Array.from({ length: 200 }, () => event());
      await Promise.all(evs.map((e) => store.enqueueAsync(e)));
      await store.enqueueAsync(event(), 120_000); // not due yet
      const seen: string[] = [];
      await Promise.all(
        [store, other, store, other].map(async (s, i) => {
          for (;;) {
            const batch = await s.leaseDueAsync(60_000, 7, `owner-${i % 2}`);
            if (!batch.length) return;
            seen.push(...batch.map((b) => b.id));
          }
        }),
      );
      assert.equal(seen.length, 200);
      assert.equal(new Set(seen).size, 200);
      assert.ok(woken >= 1, 'a NOTIFY reached the other store');
      unsubscribe();
      const e0 = evs[0]!;
      // Every due event is leased for 60 s; the one not due yet is due later.
      const next = await store.nextAsyncDueInMs();
      assert.ok(next !== undefined && next > 50_000 && next <= 60_000, `the leases end first (in ${next} ms)`);
      // The leased payload and fields come back as stored.
      await store.rescheduleAsync(e0.id, 1, 0);
      const [again] = await other.leaseDueAsync(1000, 1, 'owner-x');
      const { enqueuedAtMs: _, ...got } = again!;
      assert.deepEqual({ ...got, payload: [...got.payload] }, { ...e0, attempts: 1, payload: [0, 1, 2, 255] });
      await other.deleteAsync(e0.id);
      // Recovery: owners 0, 1 and x never had a heartbeat: a starting queue releases all their leases, not its own.
      await store.rescheduleAsync(evs[1]!.id, 0, 0);
      assert.equal((await store.leaseDueAsync(60_000, 1, 'live')).length, 1);
      const released = await store.recoverAsyncLeases('live');
      assert.equal(released, 198);
      assert.equal((await other.leaseDueAsync(60_000, 500, 'late')).length, 198, 'released events are due at once');
      // A live owner (heartbeat fresh) keeps its leases when another server starts.
      assert.equal(await other.recoverAsyncLeases('late'), 0, 'the lease of "live" stays: its heartbeat is fresh');
      assert.equal((await other.leaseDueAsync(60_000, 500, 'late')).length, 0);
    } finally {
      await other.close();
      await store.close();
    }
  });

  test('a server that dies holding leases: another live one releases them once its heartbeat is stale, never before', async () => {
    const { url } = await freshStore();
    const timing = { ownerHeartbeatMs: 200, ownerStaleMs: 1_000 };
    const survivor = await PostgresStore.open(url, timing);
    try {
      await survivor.enqueueAsync({ ...event(), id: 'held' });
      // A real crash: another process registers as an owner, leases the event, reports, and is SIGKILLed.
      const child = spawn(process.execPath, ['-e', `
        const { PostgresStore } = require(${JSON.stringify(__filename.replace(/\.test\.js$/, '.js'))});
        (async () => {
          const s = await PostgresStore.open(${JSON.stringify(url)}, ${JSON.stringify(timing)});
          await s.recoverAsyncLeases('doomed');
          const got = await s.leaseDueAsync(3600000, 10, 'doomed');
          process.stdout.write('leased ' + got.length + '\\n');
        })();`], { stdio: ['ignore', 'pipe', 'inherit'] });
      const leased = await new Promise<string>((resolve) => child.stdout!.on('data', (c: Buffer) => resolve(c.toString())));
      assert.equal(leased.trim(), 'leased 1');
      // Alive (heartbeating): a starting server does not take its lease.
      assert.equal(await survivor.recoverAsyncLeases('survivor'), 0);
      assert.equal((await survivor.leaseDueAsync(60_000, 10, 'survivor')).length, 0);
      // Listeners are woken when the sweep releases it: their queues had planned to look again only when the 1-hour lease ended.
      let wakes = 0;
      const unsubscribe = survivor.onAsyncEnqueued(() => wakes++);
      await new Promise((r) => setTimeout(r, 300)); // the LISTEN is in place
      wakes = 0;
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const killedAt = Date.now();
      // The survivor's periodic sweep releases it after the stale time.
      let got: AsyncEvent[] = [];
      while (got.length === 0 && Date.now() - killedAt < 10_000) {
        await new Promise((r) => setTimeout(r, 100));
        got = await survivor.leaseDueAsync(60_000, 10, 'survivor');
      }
      assert.deepEqual(got.map((e) => e.id), ['held']);
      assert.ok(Date.now() - killedAt >= 500, 'not released while the heartbeat was fresh');
      for (let i = 0; i < 40 && wakes === 0; i++) await new Promise((r) => setTimeout(r, 50));
      unsubscribe();
      assert.ok(wakes >= 1, 'the release of the dead owner\'s lease woke no listener');
    } finally {
      await survivor.close();
    }
  });

  test('leases, due times and event ages are the database\'s clock: servers whose clocks are an hour off agree', async () => {
    const { store, url } = await freshStore();
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    const hourMs = 3_600_000;
    const leaseMs = 60_000;
    /** What a store in a process whose clock is `skewMs` off sees: it enqueues `id` due now, leases it for `leaseMs`. */
    const skewedServer = async (skewMs: number, id: string, lease: boolean) => {
      const child = spawn(process.execPath, ['-e', `
        const realNow = Date.now;
        Date.now = () => realNow() + ${skewMs};
        const { PostgresStore } = require(${JSON.stringify(__filename.replace(/\.test\.js$/, '.js'))});
        (async () => {
          const s = await PostgresStore.open(${JSON.stringify(url)});
          await s.enqueueAsync({ id: ${JSON.stringify(id)}, functionName: 'f', qualifier: '$LATEST', payload: Buffer.from('x'), requestId: 'r', attempts: 0 });
          const got = ${lease} ? await s.leaseDueAsync(${leaseMs}, 10, 'skewed') : [];
          const next = await s.nextAsyncDueInMs();
          process.stdout.write(JSON.stringify({ leased: got.map((e) => e.id), ageMs: got.map((e) => Date.now() - e.enqueuedAtMs), next }));
          await s.close();
        })();`], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      const code = await new Promise((r) => child.once('exit', r));
      assert.equal(code, 0, `the skewed server ran: ${out}`);
      return JSON.parse(out) as { leased: string[]; ageMs: number[]; next: number | undefined };
    };
    const dbRow = async (id: string) =>
      (await db.query<{ lease_left: number; due_in: number; age: number }>(
        `SELECT lease_until_ms - t.now AS lease_left, due_at_ms - t.now AS due_in, t.now - enqueued_at_ms AS age
         FROM async_events, (SELECT floor(extract(epoch from now()) * 1000)::bigint AS now) t WHERE id = $1`, [id],
      )).rows.map((r) => ({ lease_left: Number(r.lease_left), due_in: Number(r.due_in), age: Number(r.age) }))[0]!;
    try {
      // A server an hour behind leases an event: with its own clock the lease would have ended an hour ago for everyone else.
      const behind = await skewedServer(-hourMs, 'behind', true);
      assert.deepEqual(behind.leased, ['behind']);
      assert.ok(behind.ageMs[0]! >= 0 && behind.ageMs[0]! < 10_000, `its age on the skewed clock is small (${behind.ageMs[0]} ms), not an hour`);
      assert.ok(behind.next! > leaseMs - 10_000 && behind.next! <= leaseMs, `it sees its lease end in ${behind.next} ms`);
      const row = await dbRow('behind');
      assert.ok(row.lease_left > leaseMs - 10_000 && row.lease_left <= leaseMs, `stored lease end = the database's now() + ${leaseMs} ms (${row.lease_left} ms left)`);
      assert.ok(row.age >= 0 && row.age < 10_000, `stored enqueue time = the database's (${row.age} ms ago)`);
      assert.deepEqual(await store.leaseDueAsync(longLeaseMs, 10, 'here'), [], 'a server with the right clock does not get the leased event');
      const next = await store.nextAsyncDueInMs();
      assert.ok(next! > leaseMs - 10_000 && next! <= leaseMs, `and sees the same lease end (in ${next} ms)`);
      // A server an hour ahead enqueues: with its own clock the event would be due in an hour for everyone else.
      const ahead = await skewedServer(hourMs, 'ahead', false);
      assert.equal(ahead.next, 0, 'due at once on its side');
      assert.ok(Math.abs((await dbRow('ahead')).due_in) < 10_000, 'stored due time = the database\'s now()');
      const [got, ...rest] = await store.leaseDueAsync(longLeaseMs, 10, 'here');
      assert.deepEqual([got?.id, rest.length], ['ahead', 0], 'the event is due at once here too');
      assert.ok(Date.now() - got!.enqueuedAtMs < 10_000, 'and its age here is small, not an hour negative');
    } finally {
      await db.end();
      await store.close();
    }
  });

  test('logs: appends with group/stream upserts, reads, CloudWatch Logs metadata, expiry', async () => {
    const { store } = await freshStore();
    try {
      await store.appendLogs([{ group: '/g', stream: 's1', events: [{ timestampMs: 10, message: 'a\u0000b' }, { timestampMs: 5, message: 'é' }] }]);
      await store.appendLogs([{ group: '/g', stream: 's2', events: [{ timestampMs: 7, message: 'xyz' }] }], { durable: true });
      await store.appendLogs([], { durable: true });
      const g = (await store.getLogGroup('/g'))!;
      assert.equal(g.storedBytes, 3 + 2 + 3);
      const s1 = (await store.getLogStream('/g', 's1'))!;
      assert.deepEqual([s1.firstEventMs, s1.lastEventMs, s1.sequence, s1.storedBytes], [5, 10, 1, 5]);
      const all = await store.readLogs('/g', { limit: 10 });
      assert.deepEqual(all.map((e) => e.message), ['a\u0000b', 'é', 'xyz']);
      assert.deepEqual((await store.readLogs('/g', { limit: 2 })).map((e) => e.message), ['é', 'xyz'], 'a tail: the newest, oldest first');
      assert.deepEqual((await store.readLogs('/g', { afterId: all[0]!.id, limit: 1 })).map((e) => e.message), ['é']);
      assert.deepEqual((await store.readLogs('/g', { filter: 'y', limit: 10 })).map((e) => e.message), ['xyz']);
      assert.deepEqual((await store.readLogs('/g', { stream: 's2', sinceMs: 0, limit: 10 })).map((e) => e.message), ['xyz']);
      // CloudWatch Logs metadata.
      assert.equal(await store.createLogGroup({ name: '/g', createdMs: 1, kmsKeyId: null }), false);
      assert.equal(await store.createLogGroup({ name: '/h', createdMs: 1, kmsKeyId: 'k' }), true);
      assert.deepEqual((await store.listLogGroups({ limit: 10 })).map((x) => x.name), ['/g', '/h']);
      assert.deepEqual((await store.listLogGroups({ prefix: '/h', limit: 10 })).map((x) => x.kmsKeyId), ['k']);
      assert.deepEqual((await store.listLogGroups({ contains: 'G', limit: 10 })).map((x) => x.name), ['/g']);
      assert.deepEqual((await store.listLogGroups({ afterName: '/g', limit: 10 })).map((x) => x.name), ['/h']);
      assert.equal(await store.setLogRetention('/g', 1), true);
      assert.equal(await store.setLogRetention('/nope', 1), false);
      assert.deepEqual(await store.logGroupsWithRetention(), [{ name: '/g', retentionDays: 1 }]);
      assert.equal(await store.createLogStream('/h', 'a', 1), 'created');
      assert.equal(await store.createLogStream('/h', 'a', 1), 'exists');
      assert.equal(await store.createLogStream('/nope', 'a', 1), 'no-group');
      assert.equal(await store.putLogEvents('/h', 'a', [{ timestampMs: 1, message: 'm1' }, { timestampMs: 2, message: 'm2' }], 99), 1);
      assert.equal(await store.putLogEvents('/h', 'a', [{ timestampMs: 3, message: 'm3' }], 100), 2);
      assert.equal(await store.putLogEvents('/h', 'gone', [{ timestampMs: 3, message: 'm3' }], 100), undefined);
      await store.createLogStream('/h', 'b', 1);
      const byName = await store.listLogStreams('/h', { orderBy: 'LogStreamName', descending: true, limit: 10 });
      assert.deepEqual(byName.map((x) => x.name), ['b', 'a']);
      const byTime = await store.listLogStreams('/h', { orderBy: 'LastEventTime', descending: false, limit: 10 });
      assert.deepEqual(byTime.map((x) => x.name), ['b', 'a'], 'a stream without events sorts as 0');
      assert.deepEqual((await store.listLogStreams('/h', { orderBy: 'LastEventTime', descending: false, after: { key: 0, name: 'b' }, limit: 10 })).map((x) => x.name), ['a']);
      assert.deepEqual((await store.listLogStreams('/h', { prefix: 'a', orderBy: 'LogStreamName', descending: false, limit: 10 })).map((x) => x.name), ['a']);
      const ev = await store.readStreamEvents('/h', 'a', { fromEnd: true, limit: 2 });
      assert.deepEqual(ev.map((e) => [e.message, e.ingestionMs]), [['m2', 99], ['m3', 100]]);
      assert.deepEqual((await store.readStreamEvents('/h', 'a', { fromEnd: false, before: { timestampMs: ev[0]!.timestampMs, id: ev[0]!.id }, limit: 9 })).map((e) => e.message), ['m1']);
      assert.deepEqual((await store.readStreamEvents('/h', 'a', { fromEnd: false, startMs: 2, endMs: 3, limit: 9 })).map((e) => e.message), ['m2']);
      assert.deepEqual((await store.scanGroupEvents('/g', { limit: 10 })).map((e) => e.message), ['é', 'xyz', 'a\u0000b']);
      assert.deepEqual((await store.scanGroupEvents('/g', { streams: ['s2'], limit: 10 })).map((e) => e.message), ['xyz']);
      assert.deepEqual((await store.scanGroupEvents('/g', { streamPrefix: 's1', startMs: 6, limit: 10 })).map((e) => e.message), ['a\u0000b']);
      // Expiry keeps the stream statistics true.
      assert.equal(await store.expireLogEvents('/g', 8, 1), 1);
      assert.equal(await store.expireLogEvents('/g', 8, 10), 1);
      const s1After = (await store.getLogStream('/g', 's1'))!;
      assert.deepEqual([s1After.firstEventMs, s1After.storedBytes], [10, 3]);
      assert.equal((await store.getLogStream('/g', 's2'))!.firstEventMs, null);
      assert.equal(await store.deleteLogStream('/h', 'a'), true);
      assert.equal(await store.deleteLogStream('/h', 'a'), false);
      assert.equal(await store.deleteLogGroup('/g'), true);
      assert.equal(await store.deleteLogGroup('/g'), false);
      assert.deepEqual(await store.readLogs('/g', { limit: 10 }), []);
    } finally {
      await store.close();
    }
  });

  test('PostgreSQL restarted under load: calls in flight fail or succeed, later calls succeed, acknowledged writes survive', async () => {
    const { store } = await freshStore();
    try {
      let woken = 0;
      const unsubscribe = store.onAsyncEnqueued(() => woken++);
      const acked: string[] = [];
      let failures = 0;
      let stop = false;
      const load = (async () => {
        let i = 0;
        while (!stop) {
          const ev = event();
          ev.id = `ev-${i++}`;
          try {
            await store.enqueueAsync(ev);
            acked.push(ev.id);
          } catch (e) {
            failures++;
            assert.ok(e instanceof Error);
            await new Promise((r) => setTimeout(r, 20));
          }
        }
      })();
      await new Promise((r) => setTimeout(r, 300));
      await pgServer.restart();
      await new Promise((r) => setTimeout(r, 300));
      stop = true;
      await load;
      const before = acked.length;
      // The pool reconnects: the next calls succeed.
      await store.enqueueAsync({ ...event(), id: 'after' });
      const leased = await store.leaseDueAsync(60_000, 100_000, 'o');
      const ids = new Set(leased.map((e) => e.id));
      for (const id of acked) assert.ok(ids.has(id), `acknowledged ${id} survived`);
      assert.ok(ids.has('after'));
      assert.ok(before > 0);
      assert.ok(failures > 0, 'some calls fell into the outage (else the restart was not under load)');
      // The LISTEN connection came back: a wake-up after the restart arrives.
      const w = woken;
      for (let i = 0; i < 50 && woken === w; i++) {
        await store.enqueueAsync({ ...event(), id: `w${i}` });
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(woken > w, 'wake-ups resume after the restart');
      unsubscribe();
      console.log(`# restart: ${acked.length} acknowledged, ${failures} failed during the outage`);
    } finally {
      await store.close();
    }
  });
});
