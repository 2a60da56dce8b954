import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CreateFunctionCommand, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { makeZip, role, startServer, testCreds, type RunningServer } from '../integration/harness';
import { kumo, noStackTrace, ok, tmpDir, userEnv } from './helpers';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store';

/** `kumo` help, configuration, invoke, ls, rm, logs and generate-event against a real server. */
describe('kumo CLI: configuration and function commands', () => {
  let s: RunningServer;
  let env: Record<string, string>;
  before(async () => {
    s = await startServer();
    env = userEnv(s);
    const code = await makeZip({
      'index.js': `exports.handler = async (e) => { console.log('event ' + JSON.stringify(e)); if (e.fail) throw new Error('asked to fail'); return { got: e }; };`,
    });
    for (const name of ['cli-echo', 'cli-doomed']) {
      await s.client.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: code } }));
      await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 30 }, { FunctionName: name });
    }
  });
  after(async () => {
    await s.stop();
  });

  it('kumo --help names every command, and each command has help with examples', async () => {
    const main = await ok(['--help'], { env });
    for (const c of ['server', 'init', 'deploy', 'dev', 'invoke', 'logs', 'ls', 'rm', 'generate-event', 'KUMO_ENDPOINT']) assert.match(main.stdout, new RegExp(c));
    for (const c of ['server', 'init', 'deploy', 'dev', 'invoke', 'logs', 'ls', 'rm', 'generate-event']) {
      const h = await ok([c, '--help'], { env });
      assert.match(h.stdout, /^Usage: kumo /, c);
      assert.match(h.stdout, /Examples:\n {2}\S/, `${c} --help has examples`);
    }
    const bad = await kumo(['invoke', 'x', '--evnt', 'f'], { env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown option --evnt/);
    const unknown = await kumo(['frobnicate'], { env });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  });

  it('invoke prints the result on stdout and the log tail on stderr; --event file and stdin', async () => {
    const dir = tmpDir('invoke');
    fs.writeFileSync(path.join(dir, 'e.json'), '{"from":"file"}');
    const r = await ok(['invoke', 'cli-echo', '--event', 'e.json'], { env, cwd: dir });
    assert.deepEqual(JSON.parse(r.stdout), { got: { from: 'file' } });
    assert.match(r.stderr, /START RequestId: \S+ Version: \$LATEST/);
    assert.match(r.stderr, /event \{"from":"file"\}/);
    assert.match(r.stderr, /REPORT RequestId: .*Duration: /);
    const piped = await ok(['invoke', 'cli-echo', '--event', '-'], { env, input: '{"from":"stdin"}' });
    assert.deepEqual(JSON.parse(piped.stdout), { got: { from: 'stdin' } });
    const inline = await ok(['invoke', 'cli-echo', '--payload', '{"a":1}', '--no-logs'], { env });
    assert.deepEqual(JSON.parse(inline.stdout), { got: { a: 1 } });
    assert.equal(inline.stderr, '');
  });

  it('invoke of a failing function exits 1 with the error payload; a missing function shows the AWS error', async () => {
    const r = await kumo(['invoke', 'cli-echo', '--payload', '{"fail":true}'], { env });
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.stdout).errorMessage, 'asked to fail');
    assert.match(r.stderr, /FunctionError: Unhandled/);
    const missing = await kumo(['invoke', 'no-such-fn'], { env });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^kumo: ResourceNotFoundException: Function not found: arn:aws:lambda:us-east-1:000000000000:function:no-such-fn:\$LATEST\n$/);
    const badEvent = await kumo(['invoke', 'cli-echo', '--payload', '{nope'], { env });
    assert.equal(badEvent.code, 2);
    assert.match(badEvent.stderr, /the event is not JSON/);
  });

  it('invoke --qualifier reaches a version (or reports the AWS error for a missing one)', async () => {
    const r = await kumo(['invoke', 'cli-echo', '--qualifier', '$LATEST', '--payload', '{}', '--no-logs'], { env });
    assert.equal(r.code, 0, r.stderr);
    const missing = await kumo(['invoke', 'cli-echo', '--qualifier', 'nope', '--no-logs'], { env });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^kumo: \w+Exception: /);
    assert.ok(noStackTrace(missing.stderr));
  });

  it('invoke --async queues an Event invocation', async () => {
    const r = await ok(['invoke', 'cli-echo', '--async', '--payload', '{"later":true}'], { env });
    assert.match(r.stdout, /queued \(status 202/);
  });

  it('ls lists functions as a table and as JSON', async () => {
    const r = await ok(['ls'], { env });
    assert.match(r.stdout, /^NAME\s+RUNTIME\s+MEMORY\s+TIMEOUT\s+STATE\s+LAST MODIFIED\n/);
    assert.match(r.stdout, /cli-echo\s+nodejs20\.x\s+128 MB\s+3 s\s+Active/);
    const j = JSON.parse((await ok(['ls', '--json'], { env })).stdout) as { FunctionName: string }[];
    assert.ok(j.some((f) => f.FunctionName === 'cli-doomed'));
  });

  it('logs reads over the API (--since, --filter) and from the data dir (--data-dir)', async () => {
    await ok(['invoke', 'cli-echo', '--payload', '{"marker":"logs-test"}', '--no-logs'], { env });
    let r = await ok(['logs', 'cli-echo', '--since', '5m'], { env });
    for (let i = 0; i < 20 && !r.stdout.includes('logs-test'); i++) {
      await new Promise((res) => setTimeout(res, 250));
      r = await ok(['logs', 'cli-echo', '--since', '5m'], { env });
    }
    assert.match(r.stdout, /^\d{4}-\d\d-\d\dT\S+Z \d{4}\/\d\d\/\d\d\/\[\$LATEST\]\w+ START RequestId/m);
    assert.match(r.stdout, /event \{"marker":"logs-test"\}/);
    const filtered = await ok(['logs', 'cli-echo', '--filter', 'logs-test'], { env });
    assert.equal(filtered.stdout.trim().split('\n').length, 1);
    const local = await ok(['logs', 'cli-echo', '--data-dir', s.dataDir, '--filter', 'logs-test'], { env: userEnv(undefined) });
    assert.equal(local.stdout, filtered.stdout);
    const bad = await kumo(['logs', 'cli-echo', '--since', 'yesterday'], { env });
    assert.equal(bad.code, 2);
    // --filter is a CloudWatch Logs filter pattern, answered by the server's FilterLogEvents.
    const alt = await ok(['logs', 'cli-echo', '--filter', '?"marker\\":\\"logs-test" ?no-such-text -START'], { env });
    assert.equal(alt.stdout, filtered.stdout);
    const refused = await kumo(['logs', 'cli-echo', '--filter', '[ip, user]'], { env });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^kumo: InvalidParameterException: Space-delimited filter patterns/);
  });

  it('logs --data-dir reads read-only: a data dir of another schema version is refused and left as it was', async () => {
    const dir = tmpDir('schema');
    const store = new SqliteStore(path.join(dir, 'kumo.db'));
    await store.appendLogs([{ group: '/aws/lambda/old', stream: 's', events: [{ timestampMs: Date.now(), message: 'from before' }] }]);
    await store.close();
    const logsDb = path.join(dir, 'kumo-logs.db');
    const version = (v?: number) => {
      const d = new Database(logsDb);
      try {
        if (v !== undefined) d.pragma(`user_version = ${v}`);
        return d.pragma('user_version', { simple: true }) as number;
      } finally {
        d.close();
      }
    };
    const current = version();
    assert.match((await ok(['logs', 'old', '--data-dir', dir], { env: userEnv(undefined) })).stdout, /from before/);
    for (const [v, why] of [[current + 1, 'it was written by a newer Kumo'], [current - 1, 'start this version of the Kumo server once to migrate it']] as const) {
      version(v);
      const r = await kumo(['logs', 'old', '--data-dir', dir], { env: userEnv(undefined) });
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stderr, `kumo: cannot read the logs in ${dir}: ${logsDb} has schema version ${v}, this Kumo reads version ${current} (${why})\n`);
      assert.ok(noStackTrace(r.stderr));
      assert.equal(version(), v, 'not migrated');
    }
  });

  it('logs --follow prints lines as they arrive', async () => {
    const { spawn } = await import('node:child_process');
    const kumoBin = (await import('./helpers.js')).kumoBin;
    const p = spawn(kumoBin, ['logs', 'cli-doomed', '--follow'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise((res) => setTimeout(res, 800));
    await ok(['invoke', 'cli-doomed', '--payload', '{"follow":"me"}', '--no-logs'], { env });
    for (let i = 0; i < 40 && !out.includes('"follow":"me"'); i++) await new Promise((res) => setTimeout(res, 100));
    p.kill('SIGINT');
    await new Promise((res) => p.on('exit', res));
    assert.match(out, /event \{"follow":"me"\}/);
  });

  it('credentials: the data dir credentials.json for a local server; AWS profiles; a clear error without any', async () => {
    const dataDir = tmpDir('creds');
    fs.writeFileSync(path.join(dataDir, 'credentials.json'), JSON.stringify(testCreds));
    const viaDataDir = await ok(['ls'], { env: userEnv(undefined, { KUMO_ENDPOINT: s.endpoint, KUMO_DATA_DIR: dataDir }) });
    assert.match(viaDataDir.stdout, /cli-echo/);
    const profileEnv = userEnv(undefined, { KUMO_ENDPOINT: s.endpoint, AWS_PROFILE: 'kumo' });
    fs.writeFileSync(profileEnv.AWS_SHARED_CREDENTIALS_FILE!, `[kumo]\naws_access_key_id = ${testCreds.accessKeyId}\naws_secret_access_key = ${testCreds.secretAccessKey}\n`);
    assert.match((await ok(['ls'], { env: profileEnv })).stdout, /cli-echo/);
    const none = await kumo(['ls'], { env: userEnv(undefined, { KUMO_ENDPOINT: s.endpoint, KUMO_DATA_DIR: tmpDir('empty') }) });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^kumo: no credentials for http:\/\/127\.0\.0\.1:\d+/);
    const wrong = await kumo(['ls'], { env: userEnv(undefined, { KUMO_ENDPOINT: s.endpoint, AWS_ACCESS_KEY_ID: 'AKIDWRONG00000000000', AWS_SECRET_ACCESS_KEY: 'x' }) });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /^kumo: UnrecognizedClientException: The security token included in the request is invalid\.\n$/);
    const down = await kumo(['ls'], { env: userEnv(s, { KUMO_ENDPOINT: 'http://127.0.0.1:9' }) });
    assert.equal(down.code, 1);
    assert.match(down.stderr, /^kumo: cannot reach the Kumo server at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)/);
    for (const r of [none, wrong, down]) assert.ok(noStackTrace(r.stderr), r.stderr);
  });

  it('rm deletes functions and reports the AWS error for a missing one', async () => {
    const r = await ok(['rm', 'cli-doomed'], { env });
    assert.equal(r.stdout, 'deleted cli-doomed\n');
    const again = await kumo(['rm', 'cli-doomed'], { env });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /ResourceNotFoundException: Function not found: .*cli-doomed/);
    assert.doesNotMatch((await ok(['ls'], { env })).stdout, /cli-doomed/);
  });
});

describe('kumo generate-event', () => {
  const env = userEnv(undefined);
  const gen = async (...args: string[]) => JSON.parse((await ok(['generate-event', ...args], { env })).stdout) as Record<string, any>;

  it('apigateway http-api-proxy: payload format 2.0 with the body base64-encoded', async () => {
    const e = await gen('apigateway', 'http-api-proxy', '--body', '{"a":1}', '--path', 'items', '--method', 'put');
    assert.equal(e.version, '2.0');
    assert.equal(e.routeKey, '$default');
    assert.equal(e.rawPath, '/items');
    assert.equal(e.requestContext.http.method, 'PUT');
    assert.equal(e.requestContext.http.path, '/items');
    assert.equal(e.isBase64Encoded, true);
    assert.equal(Buffer.from(e.body, 'base64').toString(), '{"a":1}');
    assert.equal(typeof e.requestContext.timeEpoch, 'number');
    assert.match(e.requestContext.time, /^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
    assert.deepEqual(Object.keys(e).sort(), ['body', 'cookies', 'headers', 'isBase64Encoded', 'pathParameters', 'queryStringParameters', 'rawPath', 'rawQueryString', 'requestContext', 'routeKey', 'stageVariables', 'version']);
  });

  it('apigateway aws-proxy: REST proxy event with multi-value headers and stage path', async () => {
    const e = await gen('apigateway', 'aws-proxy', '--path', 'users/1', '--method', 'GET', '--stage', 'prod');
    assert.equal(e.httpMethod, 'GET');
    assert.equal(e.path, '/users/1');
    assert.equal(e.resource, '/{proxy+}');
    assert.equal(e.requestContext.path, '/prod/users/1');
    assert.equal(e.requestContext.stage, 'prod');
    assert.deepEqual(e.multiValueHeaders.Accept, [e.headers.Accept]);
    assert.equal(e.requestContext.identity.sourceIp, '127.0.0.1');
  });

  it('sqs, s3, cloudwatch, sns, kinesis and dynamodb events have AWS field names and computed fields', async () => {
    const sqs = await gen('sqs', 'receive-message', '--body', 'hello', '--queue', 'orders');
    const rec = sqs.Records[0];
    assert.equal(rec.eventSource, 'aws:sqs');
    assert.equal(rec.eventSourceARN, 'arn:aws:sqs:us-east-1:123456789012:orders');
    assert.equal(rec.md5OfBody, '5d41402abc4b2a76b9719d911017c592');
    assert.equal(rec.attributes.ApproximateReceiveCount, '1');
    const s3 = await gen('s3', 'put', '--bucket', 'photos', '--key', 'a/b.jpg', '--size', '2048');
    assert.equal(s3.Records[0].eventName, 'ObjectCreated:Put');
    assert.equal(s3.Records[0].s3.bucket.arn, 'arn:aws:s3:::photos');
    assert.deepEqual(s3.Records[0].s3.object, { key: 'a/b.jpg', size: 2048, eTag: '0123456789abcdef0123456789abcdef', sequencer: '0A1B2C3D4E5F678901' });
    const cw = await gen('cloudwatch', 'scheduled-event', '--rule', 'nightly');
    assert.equal(cw['detail-type'], 'Scheduled Event');
    assert.equal(cw.source, 'aws.events');
    assert.deepEqual(cw.resources, ['arn:aws:events:us-east-1:123456789012:rule/nightly']);
    const sns = await gen('sns', 'notification', '--message', 'm', '--subject', 's', '--topic', 't');
    assert.equal(sns.Records[0].EventSource, 'aws:sns');
    assert.equal(sns.Records[0].Sns.TopicArn, 'arn:aws:sns:us-east-1:123456789012:t');
    assert.equal(sns.Records[0].Sns.Message, 'm');
    const k = await gen('kinesis', 'get-records', '--data', 'payload', '--partition-key', 'pk');
    assert.equal(Buffer.from(k.Records[0].kinesis.data, 'base64').toString(), 'payload');
    assert.equal(k.Records[0].eventName, 'aws:kinesis:record');
    assert.equal(k.Records[0].eventID, `shardId-000000000000:${k.Records[0].kinesis.sequenceNumber}`);
    const ddb = await gen('dynamodb', 'update', '--table', 'users');
    assert.deepEqual(ddb.Records.map((r: { eventName: string }) => r.eventName), ['INSERT', 'MODIFY', 'REMOVE']);
    assert.match(ddb.Records[0].eventSourceARN, /^arn:aws:dynamodb:us-east-1:123456789012:table\/users\/stream\//);
    assert.deepEqual(ddb.Records[1].dynamodb.OldImage.Message, { S: 'New item!' });
  });

  it('unknown services, events and options are usage errors listing what exists', async () => {
    const svc = await kumo(['generate-event', 'ftp', 'upload'], { env });
    assert.equal(svc.code, 2);
    assert.match(svc.stderr, /unknown service 'ftp'; services: apigateway, sqs, s3/);
    const ev = await kumo(['generate-event', 'sqs', 'send'], { env });
    assert.match(ev.stderr, /unknown sqs event 'send'; sqs events: receive-message/);
    const opt = await kumo(['generate-event', 'sqs', 'receive-message', '--bucket', 'b'], { env });
    assert.match(opt.stderr, /sqs receive-message has no option --bucket/);
    const list = await ok(['generate-event', '--list'], { env });
    assert.match(list.stdout, /dynamodb update/);
  });
});
