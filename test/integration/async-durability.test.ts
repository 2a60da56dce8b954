import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import { CreateFunctionCommand, InvokeCommand, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { encode, makeZip, role, startServer, type RunningServer, storedLogLines } from './harness';


/** The async queue's rows, read straight from the metadata database. */
function queueRows(dataDir: string): { request_id: string; lease_until_ms: number }[] {
  const db = new Database(path.join(dataDir, 'kumo.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT request_id, lease_until_ms FROM async_events').all() as { request_id: string; lease_until_ms: number }[];
  } finally {
    db.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function deployRecorder(s: RunningServer, name: string): Promise<void> {
  // Each run leaves "RAN <n>" in its log: the logs are what survives a crash, so they are what is counted.
  const code = await makeZip({
    'index.js': `exports.handler = async (e) => { await new Promise((r) => setTimeout(r, e.sleepMs)); console.log('RAN ' + e.n); return e.n; };`,
  });
  await s.client.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: code }, Timeout: 30 }));
  await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 30, minDelay: 1 }, { FunctionName: name });
}

describe('async events across a crash (issue 9, item 3)', () => {
  let s: RunningServer | undefined;
  /** Runs a test body; a failure carries the end of the server's output (an internal error is logged there). */
  const withOutput = (body: () => Promise<void>) => async () => {
    try {
      await body();
    } catch (e) {
      if (e instanceof Error && s) e.message += `\n--- server output (end) ---\n${s.output().slice(-4000)}`;
      throw e;
    }
  };
  afterEach(async () => {
    // A failed assertion must not leave a server running (it would keep the test process alive).
    if (s && s.proc.exitCode === null && s.proc.signalCode === null) await s.stop();
    s = undefined;
  });

  it('after kill -9 mid-delivery, every acknowledged event runs within seconds of the restart, and each run is in the logs', withOutput(async () => {
    const env = { KUMO_ASYNC_RETRY_DELAYS_MS: '200,200' };
    s = await startServer({ env });
    const dataDir = s.dataDir;
    await deployRecorder(s, 'recorder');

    const total = 150;
    const acked = new Map<number, string>(); // n → request id
    await Promise.all(
      Array.from({ length: total }, async (_, n) => {
        const r = await s!.client.send(new InvokeCommand({ FunctionName: 'recorder', InvocationType: 'Event', Payload: encode({ n, sleepMs: 1000 }) }));
        assert.equal(r.StatusCode, 202);
        acked.set(n, r.$metadata.requestId!);
      }),
    );
    assert.equal(acked.size, total);

    // Crash mid-delivery: some events have run, others are leased (running) or still waiting.
    for (let i = 0; i < 600; i++) {
      if ((await storedLogLines(dataDir, 'recorder')).filter((l) => /\tRAN \d+$/.test(l)).length >= 15) break;
      await sleep(50);
    }
    await s.kill9();
    const left = queueRows(dataDir);
    const leased = left.filter((r) => r.lease_until_ms > Date.now());
    assert.ok(left.length > 0 && left.length < total, `the crash was not mid-delivery (${left.length} events left)`);
    assert.ok(leased.length > 0, 'no event was leased when the server died: the test would not exercise lease recovery');

    s = await startServer({ dataDir, env });
    const restartedAt = Date.now();
    const recoveryMs = 30_000; // far below the 16-minute lease a dead process used to keep
    let missing: number[] = [];
    let lines: string[] = [];
    while (Date.now() - restartedAt < recoveryMs) {
      lines = await storedLogLines(dataDir, 'recorder');
      const ran = new Set(lines.map((l) => /\tRAN (\d+)$/.exec(l)?.[1]).filter((x) => x !== undefined).map(Number));
      missing = [...acked.keys()].filter((n) => !ran.has(n));
      if (!missing.length && queueRows(dataDir).length === 0) break;
      await sleep(200);
    }
    assert.deepEqual(missing, [], `acknowledged events that did not run within ${recoveryMs} ms of the restart`);
    // An event leaves the queue only once the lines of its run are stored: every request id has its REPORT.
    const reported = new Set(lines.map((l) => /^REPORT RequestId: (\S+)/.exec(l)?.[1]).filter((x) => x !== undefined));
    const unreported = [...acked.values()].filter((id) => !reported.has(id));
    assert.deepEqual(unreported, [], 'events were taken off the queue without their REPORT line stored');
    assert.equal(queueRows(dataDir).length, 0, 'events are still queued');
    await s.stop();
  }));

  it('an event whose row is gone from the queue has its log lines stored, even if the server dies at once', withOutput(async () => {
    s = await startServer();
    const dataDir = s.dataDir;
    await deployRecorder(s, 'recorder');
    // Warm: the event below runs in well under the log sink's 200 ms flush interval.
    await s.client.send(new InvokeCommand({ FunctionName: 'recorder', Payload: encode({ n: -1, sleepMs: 0 }) }));

    const db = new Database(path.join(dataDir, 'kumo.db'), { readonly: true, fileMustExist: true });
    const present = db.prepare('SELECT COUNT(*) AS n FROM async_events WHERE request_id = ?');
    const r = await s.client.send(new InvokeCommand({ FunctionName: 'recorder', InvocationType: 'Event', Payload: encode({ n: 7, sleepMs: 0 }) }));
    const requestId = r.$metadata.requestId!;
    const deadline = Date.now() + 20_000;
    while ((present.get(requestId) as { n: number }).n > 0 && Date.now() < deadline) {
      await sleep(1);
    }
    assert.equal((present.get(requestId) as { n: number }).n, 0, 'the event did not complete');
    // The row is gone (the event counts as done): crash right now.
    await s.kill9();
    db.close();

    const lines = await storedLogLines(dataDir, 'recorder');
    assert.ok(lines.includes(`START RequestId: ${requestId} Version: $LATEST`), 'START line lost');
    assert.ok(lines.some((l) => l.endsWith(`\t${requestId}\tINFO\tRAN 7`)), 'the function\'s own line lost');
    assert.ok(lines.includes(`END RequestId: ${requestId}`), 'END line lost');
    assert.ok(lines.some((l) => l.startsWith(`REPORT RequestId: ${requestId}\t`)), 'REPORT line lost');

    // Restart once to clean up what the crash left (containers, network).
    s = await startServer({ dataDir });
    await s.stop();
  }));
});
