import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { CreateFunctionCommand, DeleteFunctionCommand, GetFunctionCommand, InvokeCommand, UpdateFunctionConfigurationCommand, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { CreateQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { makeZip, projectRoot, role, startServer, testCreds, type RunningServer } from './harness';
import { sqsClient } from './sqs-helpers';

/**
 * The audit trail (issue 17 item 4) through the real server: management
 * calls of every service become CloudTrail records that `LookupEvents`
 * returns (SDK v3's CloudTrail client), data-plane calls (Invoke,
 * SendMessage) are left out as CloudTrail leaves data events out, secrets
 * never reach the trail, and `kumo audit verify` finds a record changed in
 * the database file.
 */
describe('audit trail', () => {
  let s: RunningServer;
  let ct: CloudTrailClient;
  const fn = 'audited-fn';
  before(async () => {
    s = await startServer();
    ct = new CloudTrailClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
    const zip = await makeZip({ 'index.js': 'exports.handler = async () => 1;' });
    await s.client.send(new CreateFunctionCommand({
      FunctionName: fn, Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: zip }, Environment: { Variables: { DB_PASSWORD: 'hunter2' } },
    }));
    await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 30 }, { FunctionName: fn });
    await s.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: fn, MemorySize: 256 }));
    await s.client.send(new InvokeCommand({ FunctionName: fn }));
    const sqs = sqsClient(s);
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: 'audited-q' }))).QueueUrl!;
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'not audited' }));
    await assert.rejects(s.client.send(new GetFunctionCommand({ FunctionName: 'no-such-fn' })), { name: 'ResourceNotFoundException' });
  });
  after(async () => {
    ct.destroy();
    await s.stop();
  });

  it('LookupEvents returns the management calls newest first, in CloudTrail\'s record format, without data events or secrets', async () => {
    const r = await ct.send(new LookupEventsCommand({ MaxResults: 50 }));
    const names = r.Events!.map((e) => e.EventName);
    assert.ok(names.includes('CreateFunction20150331'), names.join(','));
    assert.ok(names.includes('UpdateFunctionConfiguration20150331'));
    assert.ok(names.includes('CreateQueue'));
    assert.ok(!names.includes('Invoke20150331') && !names.includes('SendMessage'), 'data events are not in the trail');
    const times = r.Events!.map((e) => e.EventTime!.getTime());
    assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
    const create = r.Events!.find((e) => e.EventName === 'CreateFunction20150331')!;
    assert.equal(create.EventSource, 'lambda.amazonaws.com');
    assert.equal(create.ReadOnly, 'false');
    assert.equal(create.AccessKeyId, testCreds.accessKeyId);
    assert.equal(create.Username, 'root');
    assert.deepEqual(create.Resources, [{ ResourceType: 'AWS::Lambda::Function', ResourceName: fn }]);
    const rec = JSON.parse(create.CloudTrailEvent!) as Record<string, any>;
    assert.equal(rec.eventVersion, '1.08');
    assert.equal(rec.eventType, 'AwsApiCall');
    assert.equal(rec.eventID, create.EventId);
    assert.equal(rec.userIdentity.type, 'Root');
    assert.equal(rec.userIdentity.arn, 'arn:aws:iam::000000000000:root');
    assert.equal(rec.recipientAccountId, '000000000000');
    assert.match(rec.eventTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(rec.sourceIPAddress, '127.0.0.1');
    assert.match(rec.userAgent, /aws-sdk-js/);
    assert.equal(rec.requestParameters.functionName, fn);
    assert.equal(rec.requestParameters.code.zipFile, 'HIDDEN_DUE_TO_SECURITY_REASONS');
    assert.equal(rec.requestParameters.environment.variables, 'HIDDEN_DUE_TO_SECURITY_REASONS');
    assert.equal(rec.responseElements.functionName, fn);
    assert.doesNotMatch(create.CloudTrailEvent!, /hunter2/);
    const failed = r.Events!.find((e) => e.EventName === 'GetFunction20150331' && JSON.parse(e.CloudTrailEvent!).errorCode);
    assert.ok(failed, 'a failed call is recorded with its error');
    const f = JSON.parse(failed.CloudTrailEvent!);
    assert.equal(f.errorCode, 'ResourceNotFoundException');
    assert.equal(f.readOnly, true);
    assert.equal(f.responseElements, null);
  });

  it('filters by one lookup attribute and pages with NextToken; refuses two attributes and a bad MaxResults', async () => {
    const byName = await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: fn }] }));
    assert.ok(byName.Events!.length >= 3);
    assert.ok(byName.Events!.every((e) => e.Resources?.[0]?.ResourceName === fn));
    const writes = await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'ReadOnly', AttributeValue: 'false' }] }));
    assert.ok(writes.Events!.every((e) => e.ReadOnly === 'false'));
    const p1 = await ct.send(new LookupEventsCommand({ MaxResults: 2 }));
    assert.equal(p1.Events!.length, 2);
    const p2 = await ct.send(new LookupEventsCommand({ MaxResults: 2, NextToken: p1.NextToken }));
    assert.ok(p2.Events!.length >= 1);
    assert.ok(!p2.Events!.some((e) => p1.Events!.some((x) => x.EventId === e.EventId)), 'pages do not overlap');
    await assert.rejects(ct.send(new LookupEventsCommand({
      LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'a' }, { AttributeKey: 'EventName', AttributeValue: 'b' }],
    })), { name: 'InvalidLookupAttributesException' });
    await assert.rejects(ct.send(new LookupEventsCommand({ MaxResults: 51 })), { name: 'InvalidMaxResultsException' });
    await assert.rejects(ct.send(new LookupEventsCommand({ StartTime: new Date(2_000_000_000_000), EndTime: new Date(1_000_000_000_000) })), { name: 'InvalidTimeRangeException' });
  });

  it('kumo audit verify passes on the trail as written and names the event whose record was changed in the database file', async () => {
    await s.client.send(new DeleteFunctionCommand({ FunctionName: fn }));
    await s.stop();
    const kumo = path.join(projectRoot, 'bin', 'kumo');
    const verify = () => spawnSync(kumo, ['audit', 'verify', '--data-dir', s.dataDir], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    const good = verify();
    assert.equal(good.status, 0, good.stdout + good.stderr);
    assert.match(good.stdout, /audit trail intact: \d+ events/);
    const db = new Database(path.join(s.dataDir, 'kumo.db'));
    const row = db.prepare("SELECT seq, body FROM audit_events WHERE event_name = 'UpdateFunctionConfiguration20150331'").get() as { seq: number; body: string };
    db.prepare('UPDATE audit_events SET body = ? WHERE seq = ?').run(row.body.replace('"memorySize":256', '"memorySize":128'), row.seq);
    db.close();
    const bad = verify();
    assert.equal(bad.status, 1, bad.stdout + bad.stderr);
    assert.match(bad.stdout + bad.stderr, new RegExp(`event ${row.seq}: its contents were changed after it was recorded`));
    // Cutting off the newest events is found too (the head row names the last one).
    const db2 = new Database(path.join(s.dataDir, 'kumo.db'));
    db2.prepare('UPDATE audit_events SET body = ? WHERE seq = ?').run(row.body, row.seq);
    db2.prepare('DELETE FROM audit_events WHERE seq = (SELECT max(seq) FROM audit_events)').run();
    db2.close();
    const cut = verify();
    assert.equal(cut.status, 1, cut.stdout + cut.stderr);
    assert.match(cut.stdout + cut.stderr, /the trail ends before its last recorded event/);
  });
});
