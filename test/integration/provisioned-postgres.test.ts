import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import {
  CreateAliasCommand, CreateFunctionCommand, GetProvisionedConcurrencyConfigCommand, InvokeCommand, PublishVersionCommand,
  PutProvisionedConcurrencyConfigCommand, waitUntilFunctionActiveV2, type LambdaClient,
} from '@aws-sdk/client-lambda';
import { decode, encode, makeZip, role, startServer, type RunningServer } from './harness';
import { startPostgres, type ThrowawayPostgres } from '../postgres';

/** Provisioned concurrency with KUMO_DATABASE_URL: the config is a PostgreSQL row, provisioned again by a restarted server. */
describe('provisioned concurrency in PostgreSQL mode', () => {
  let pgServer: ThrowawayPostgres;
  let url: string;
  let s: RunningServer;
  before(async () => {
    pgServer = await startPostgres();
    url = await pgServer.createDatabase('kumo');
    s = await startServer({ env: { KUMO_DATABASE_URL: url } });
  });
  after(async () => {
    await s?.stop();
    pgServer?.stop();
  });

  const ready = async (c: LambdaClient) => {
    const end = Date.now() + 30_000;
    for (;;) {
      const r = await c.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'pgpc', Qualifier: 'live' }));
      if (r.Status !== 'IN_PROGRESS' || Date.now() > end) return r.Status;
      await new Promise((res) => setTimeout(res, 100));
    }
  };

  it('put, READY, stored in PostgreSQL; a restarted server provisions it again', async () => {
    const c = s.client;
    const code = await makeZip({ 'index.js': 'exports.handler = async () => process.env.AWS_LAMBDA_INITIALIZATION_TYPE;' });
    await c.send(new CreateFunctionCommand({ FunctionName: 'pgpc', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: code } }));
    await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'pgpc' });
    await c.send(new PublishVersionCommand({ FunctionName: 'pgpc' }));
    await c.send(new CreateAliasCommand({ FunctionName: 'pgpc', Name: 'live', FunctionVersion: '1' }));
    await c.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pgpc', Qualifier: 'live', ProvisionedConcurrentExecutions: 1 }));
    assert.equal(await ready(c), 'READY');
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      assert.deepEqual((await db.query('SELECT function_name, qualifier, requested FROM provisioned_concurrency')).rows, [
        { function_name: 'pgpc', qualifier: 'live', requested: 1 },
      ]);
    } finally {
      await db.end();
    }
    const dataDir = s.dataDir;
    assert.equal(await s.stop(), 0);
    s = await startServer({ dataDir, env: { KUMO_DATABASE_URL: url } });
    assert.equal(await ready(s.client), 'READY');
    const r = await s.client.send(new InvokeCommand({ FunctionName: 'pgpc', Qualifier: 'live', Payload: encode({}), LogType: 'Tail' }));
    assert.equal(JSON.parse(decode(r.Payload)), 'provisioned-concurrency');
    assert.doesNotMatch(Buffer.from(r.LogResult ?? '', 'base64').toString(), /Init Duration/);
  });
});
