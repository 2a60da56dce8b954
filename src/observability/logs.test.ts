import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteStore } from '../store/sqlite/sqlite-store';
import type { LogBatch, Store } from '../store/types';
import { LogSink } from './logs';

function tempStore(): SqliteStore {
  return new SqliteStore(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-logs-')), 'kumo.db'));
}

async function all(store: Store, group: string): Promise<string[]> {
  const out: string[] = [];
  let afterId = 0;
  for (;;) {
    const rows = await store.readLogs(group, { afterId, limit: 10_000 });
    out.push(...rows.map((r) => r.message));
    if (rows.length < 10_000) return out;
    afterId = rows[rows.length - 1]!.id;
  }
}

describe('LogSink', () => {
  it('keeps 100,000 lines pushed in one go, writing as it goes (not only every 200 ms)', async () => {
    const store = tempStore();
    const sink = new LogSink(store);
    for (let i = 0; i < 100_000; i++) sink.pushOutput('/g', 's', `line ${i}`);
    sink.push('/g', 's', 'END RequestId: x');
    // Threshold flushes are under way before any timer: most lines are written once the microtasks ran.
    await Promise.resolve();
    await sink.flush();
    const lines = await all(store, '/g');
    assert.equal(lines.length, 100_001);
    assert.equal(lines[0], 'line 0');
    assert.equal(lines[99_999], 'line 99999');
    assert.equal(lines[100_000], 'END RequestId: x');
    assert.equal(sink.dropped, 0);
    await store.close();
  });

  it('durable() resolves only after the lines pushed before it are in the store; calls in a turn share a write', async () => {
    const store = tempStore();
    let writes = 0;
    let durableWrites = 0;
    const counting: Store = Object.create(store, {
      appendLogs: {
        value: async (b: LogBatch[], o?: { durable?: boolean }) => {
          writes++;
          if (o?.durable) durableWrites++;
          return store.appendLogs(b, o);
        },
      },
    });
    const sink = new LogSink(counting);
    sink.push('/g', 's', 'START RequestId: a');
    sink.push('/g', 's', 'REPORT RequestId: a');
    const a = sink.durable();
    sink.push('/g', 's', 'REPORT RequestId: b');
    const b = sink.durable();
    await Promise.all([a, b]);
    assert.deepEqual(await all(store, '/g'), ['START RequestId: a', 'REPORT RequestId: a', 'REPORT RequestId: b']);
    assert.equal(writes, 1);
    assert.equal(durableWrites, 1);
    await store.close();
  });

  it('while the store fails, platform lines are kept, function output past the bound is dropped and a LOGS_DROPPED line says how much', async () => {
    const store = tempStore();
    let failing = true;
    const flaky: Store = Object.create(store, {
      appendLogs: {
        value: async (b: LogBatch[], o?: { durable?: boolean }) => {
          if (failing) throw new Error('disk full');
          return store.appendLogs(b, o);
        },
      },
    });
    const sink = new LogSink(flaky);
    const quiet = console.error;
    console.error = () => {};
    try {
      const line = 'x'.repeat(1000);
      // ~200 MB of output against a 64 MiB bound; a platform line every 10,000 lines.
      for (let i = 0; i < 200_000; i++) {
        sink.pushOutput('/g', 's', line);
        if (i % 10_000 === 0) sink.push('/g', 's', `START RequestId: r${i}`);
        if (i % 1000 === 0) await new Promise((r) => setImmediate(r));
      }
      assert.ok(sink.dropped > 0, 'nothing was dropped: the bound was not reached');
      failing = false;
      await sink.flush().catch(() => undefined);
      await sink.flush();
    } finally {
      console.error = quiet;
    }
    const lines = await all(store, '/g');
    for (let i = 0; i < 200_000; i += 10_000) assert.ok(lines.includes(`START RequestId: r${i}`), `platform line r${i} lost`);
    const kept = lines.filter((l) => l.startsWith('xxx')).length;
    const notice = lines.find((l) => l.startsWith('LOGS_DROPPED '));
    assert.ok(notice, 'no LOGS_DROPPED line');
    const m = /^LOGS_DROPPED Dropped Records: (\d+)\tDropped Bytes: (\d+)\t/.exec(notice!);
    assert.ok(m, notice);
    assert.equal(Number(m![1]), sink.dropped);
    assert.equal(Number(m![2]), sink.dropped * 1000);
    assert.equal(kept + sink.dropped, 200_000, 'every function line is either stored or counted as dropped');
    await store.close();
  });
});

describe('SqliteStore.readLogs', () => {
  it('pages forward from sinceMs/afterId without gaps; without either returns the newest lines', async () => {
    const store = tempStore();
    await store.appendLogs([{ group: '/g', stream: 's', events: Array.from({ length: 25 }, (_, i) => ({ timestampMs: 1000 + i, message: `m${i}` })) }]);
    assert.deepEqual((await store.readLogs('/g', { limit: 3 })).map((r) => r.message), ['m22', 'm23', 'm24']);
    const since = await store.readLogs('/g', { sinceMs: 1005, limit: 3 });
    assert.deepEqual(since.map((r) => r.message), ['m5', 'm6', 'm7']);
    const next = await store.readLogs('/g', { sinceMs: 1005, afterId: since[2]!.id, limit: 3 });
    assert.deepEqual(next.map((r) => r.message), ['m8', 'm9', 'm10']);
    await store.close();
  });
});
