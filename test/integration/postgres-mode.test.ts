import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import {
  CreateAliasCommand, CreateFunctionCommand, DeleteFunctionConcurrencyCommand, GetAccountSettingsCommand, GetAliasCommand, GetFunctionCommand,
  InvokeCommand, ListFunctionsCommand, ListTagsCommand, ListVersionsByFunctionCommand, PublishVersionCommand, PutFunctionConcurrencyCommand,
  TagResourceCommand, TooManyRequestsException, waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { decode, encode, makeZip, role, startServer, testCreds, type RunningServer } from './harness';
import { startPostgres, type ThrowawayPostgres } from '../postgres';

const ARN = 'arn:aws:lambda:us-east-1:000000000000';
const code = () =>
  makeZip({ 'index.js': `exports.handler = async (e) => { console.log('got ' + JSON.stringify(e)); return { n: e.n ?? null }; };` });

/** The real server with KUMO_DATABASE_URL: the SDK's view is the same as on SQLite; the rows are in PostgreSQL. */
describe('PostgreSQL mode (KUMO_DATABASE_URL)', () => {
  let pgServer: ThrowawayPostgres;
  let url: string;
  let s: RunningServer;
  let logs: CloudWatchLogsClient;
  const start = async (dataDir?: string) => {
    s = await startServer({ dataDir, env: { KUMO_DATABASE_URL: url } });
    logs = new CloudWatchLogsClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
  };
  const logLines = async (fn: string) => {
    const r = await logs.send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${fn}` }));
    return (r.events ?? []).map((e) => e.message ?? '');
  };
  const eventually = async (what: string, ok: () => Promise<boolean>, ms = 30_000) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (await ok().catch(() => false)) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.fail(`not within ${ms} ms: ${what}`);
  };

  before(async () => {
    pgServer = await startPostgres();
    url = await pgServer.createDatabase('kumo');
    await start();
  });
  after(async () => {
    logs?.destroy();
    await s?.stop();
    pgServer?.stop();
  });

  it('create, invoke, async, versions, aliases, tags, logs through the SDK; the rows are in PostgreSQL', async () => {
    const c = s.client;
    await c.send(new CreateFunctionCommand({ FunctionName: 'pgfn', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: await code() } }));
    await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'pgfn' });
    const r = await c.send(new InvokeCommand({ FunctionName: 'pgfn', Payload: encode({ n: 1 }) }));
    assert.deepEqual(JSON.parse(decode(r.Payload)), { n: 1 });
    const a = await c.send(new InvokeCommand({ FunctionName: 'pgfn', InvocationType: 'Event', Payload: encode({ n: 2 }) }));
    assert.equal(a.StatusCode, 202);
    await eventually('the async event ran and logged', async () => (await logLines('pgfn')).some((l) => l.includes('got {"n":2}')));
    const v = await c.send(new PublishVersionCommand({ FunctionName: 'pgfn' }));
    assert.equal(v.Version, '1');
    await c.send(new CreateAliasCommand({ FunctionName: 'pgfn', Name: 'live', FunctionVersion: '1' }));
    assert.equal((await c.send(new GetAliasCommand({ FunctionName: 'pgfn', Name: 'live' }))).FunctionVersion, '1');
    const viaAlias = await c.send(new InvokeCommand({ FunctionName: 'pgfn', Qualifier: 'live', Payload: encode({ n: 3 }) }));
    assert.equal(viaAlias.ExecutedVersion, '1');
    assert.deepEqual((await c.send(new ListVersionsByFunctionCommand({ FunctionName: 'pgfn' }))).Versions!.map((x) => x.Version), ['$LATEST', '1']);
    await c.send(new TagResourceCommand({ Resource: `${ARN}:function:pgfn`, Tags: { team: 'db' } }));
    assert.deepEqual((await c.send(new ListTagsCommand({ Resource: `${ARN}:function:pgfn` }))).Tags, { team: 'db' });
    // Metadata, queue and logs went to PostgreSQL; no SQLite database was created in the data dir.
    assert.equal(fs.existsSync(path.join(s.dataDir, 'kumo.db')), false);
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      assert.deepEqual((await db.query('SELECT name, tags FROM functions')).rows, [{ name: 'pgfn', tags: '{"team":"db"}' }]);
      assert.ok(Number((await db.query(`SELECT COUNT(*) AS n FROM log_events WHERE log_group = '/aws/lambda/pgfn'`)).rows[0].n) > 0);
    } finally {
      await db.end();
    }
  });

  it('PostgreSQL restarted under load: calls get a success or ServiceException, then succeed; acknowledged async events run', async () => {
    const c = s.client;
    const outcomes = new Map<string, number>();
    const acked: number[] = [];
    let stop = false;
    const load = (async () => {
      for (let n = 100; !stop; n++) {
        try {
          const r = await c.send(new InvokeCommand({ FunctionName: 'pgfn', InvocationType: 'Event', Payload: encode({ n }) }));
          if (r.StatusCode === 202) acked.push(n);
          outcomes.set('ok', (outcomes.get('ok') ?? 0) + 1);
        } catch (e) {
          const name = (e as Error).name;
          if (!outcomes.has(name)) console.log(`# first ${name}: ${(e as Error).message}`);
          outcomes.set(name, (outcomes.get(name) ?? 0) + 1);
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 500));
    await pgServer.restart();
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    await load;
    for (const name of outcomes.keys()) assert.ok(name === 'ok' || name === 'ServiceException', `unexpected outcome ${name}: ${[...outcomes]}\n${s.output().slice(-3000)}`);
    assert.ok(acked.length > 0);
    // Reconnected: later calls succeed.
    assert.equal((await c.send(new GetFunctionCommand({ FunctionName: 'pgfn' }))).Configuration!.FunctionName, 'pgfn');
    assert.equal((await c.send(new ListFunctionsCommand({}))).Functions!.length, 1);
    // Every acknowledged event runs (at least once), including those accepted just before the restart.
    await eventually(`all ${acked.length} acknowledged events ran`, async () => {
      const lines = (await logLines('pgfn')).join('\n');
      return acked.every((n) => lines.includes(`got {"n":${n}}`));
    }, 60_000);
    console.log(`# outcomes during the restart: ${JSON.stringify(Object.fromEntries(outcomes))}`);
  });

  it('a restarted Kumo server finds its functions in PostgreSQL', async () => {
    const dataDir = s.dataDir;
    logs.destroy();
    assert.equal(await s.stop(), 0);
    await start(dataDir);
    const r = await s.client.send(new InvokeCommand({ FunctionName: 'pgfn', Qualifier: 'live', Payload: encode({ n: 9 }) }));
    assert.deepEqual(JSON.parse(decode(r.Payload)), { n: 9 });
  });
  it('reserved concurrency in PostgreSQL: two concurrent puts that do not fit together, one wins; reserved 0 throttles', async () => {
    const c = s.client;
    for (const n of ['rc1', 'rc2']) {
      await c.send(new CreateFunctionCommand({ FunctionName: n, Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: await code() } }));
      await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: n });
    }
    // 900 of the default 1,000 may be reserved: 500 each fits alone, not both.
    const got = await Promise.allSettled(['rc1', 'rc2'].map((n) => c.send(new PutFunctionConcurrencyCommand({ FunctionName: n, ReservedConcurrentExecutions: 500 }))));
    assert.deepEqual(got.map((g) => g.status).sort(), ['fulfilled', 'rejected']);
    const lost = got.find((g) => g.status === 'rejected') as PromiseRejectedResult;
    assert.equal((lost.reason as Error).name, 'InvalidParameterValueException');
    assert.equal((await c.send(new GetAccountSettingsCommand({}))).AccountLimit?.UnreservedConcurrentExecutions, 500);
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      assert.deepEqual((await db.query('SELECT reserved FROM function_concurrency')).rows, [{ reserved: 500 }]);
    } finally {
      await db.end();
    }
    for (const n of ['rc1', 'rc2']) await c.send(new DeleteFunctionConcurrencyCommand({ FunctionName: n }));
    await c.send(new PutFunctionConcurrencyCommand({ FunctionName: 'rc1', ReservedConcurrentExecutions: 0 }));
    await assert.rejects(c.send(new InvokeCommand({ FunctionName: 'rc1' })), (e: unknown) => e instanceof TooManyRequestsException && e.Reason === 'ReservedFunctionConcurrentInvocationLimitExceeded');
    // A restarted server loads the reservation from PostgreSQL.
    const dataDir = s.dataDir;
    logs.destroy();
    assert.equal(await s.stop(), 0);
    await start(dataDir);
    await assert.rejects(s.client.send(new InvokeCommand({ FunctionName: 'rc1' })), (e: unknown) => e instanceof TooManyRequestsException);
    await s.client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'rc1' }));
  });
});
