import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startServer, testCreds, type RunningServer } from './harness';
import { tool } from '../tools';

const run = promisify(execFile);

/**
 * boto3 (Debian's python3-boto3, as `make deps` installs it) drives the
 * services issue 15, 17 and 20 added, unchanged: EventBridge (a bus, a rule
 * with a pattern, a queue target, PutEvents reaching the queue, a scheduled
 * rule, TestEventPattern), EventBridge Scheduler (a group, a schedule, its
 * paginator), SSM Parameter Store (a SecureString read back decrypted and
 * the by-path paginator) and CloudTrail's lookup_events.
 */
const script = String.raw`
import json, sys, time, boto3
endpoint, key, secret = sys.argv[1:4]
kw = dict(endpoint_url=endpoint, region_name='us-east-1', aws_access_key_id=key, aws_secret_access_key=secret)
ev, sch, sqs, ssm, ct = (boto3.client(n, **kw) for n in ('events', 'scheduler', 'sqs', 'ssm', 'cloudtrail'))
out = {}
url = sqs.create_queue(QueueName='boto3-q')['QueueUrl']
qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=['QueueArn'])['Attributes']['QueueArn']
ev.create_event_bus(Name='boto3-bus')
ev.put_rule(Name='r', EventBusName='boto3-bus', EventPattern=json.dumps({'source': ['app'], 'detail': {'n': [{'numeric': ['>', 1]}]}}))
ev.put_targets(Rule='r', EventBusName='boto3-bus', Targets=[{'Id': 'q', 'Arn': qarn}])
put = ev.put_events(Entries=[{'EventBusName': 'boto3-bus', 'Source': 'app', 'DetailType': 't', 'Detail': json.dumps({'n': 2})},
                             {'EventBusName': 'boto3-bus', 'Source': 'app', 'DetailType': 't', 'Detail': json.dumps({'n': 0})}])
out['failed'] = put['FailedEntryCount']
msgs = []
for _ in range(10):
    msgs += sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1, MaxNumberOfMessages=10).get('Messages', [])
    if msgs: break
out['routed'] = [json.loads(m['Body'])['detail'] for m in msgs]
out['test'] = ev.test_event_pattern(EventPattern=json.dumps({'source': [{'prefix': 'ap'}]}), Event=json.dumps({'id': '1', 'account': '000000000000', 'source': 'app', 'time': '2026-01-01T00:00:00Z', 'region': 'us-east-1', 'resources': [], 'detail-type': 'x', 'detail': {}}))['Result']
ev.put_rule(Name='nightly', ScheduleExpression='cron(0 3 * * ? *)')
out['rule'] = ev.describe_rule(Name='nightly')['ScheduleExpression']
sch.create_schedule_group(Name='g')
for i in range(3):
    sch.create_schedule(Name='s%d' % i, GroupName='g', ScheduleExpression='rate(5 minutes)', FlexibleTimeWindow={'Mode': 'OFF'},
                        Target={'Arn': qarn, 'RoleArn': 'arn:aws:iam::000000000000:role/r'})
names = []
for page in sch.get_paginator('list_schedules').paginate(GroupName='g', PaginationConfig={'PageSize': 2}):
    names += [s['Name'] for s in page['Schedules']]
out['schedules'] = sorted(names)
out['schedule'] = sch.get_schedule(Name='s0', GroupName='g')['ScheduleExpression']
ssm.put_parameter(Name='/app/db/password', Value='hunter2', Type='SecureString')
ssm.put_parameter(Name='/app/db/host', Value='db.local', Type='String')
out['secret'] = ssm.get_parameter(Name='/app/db/password', WithDecryption=True)['Parameter']['Value']
out['sealed'] = ssm.get_parameter(Name='/app/db/password')['Parameter']['Value'] != 'hunter2'
byp = []
for page in ssm.get_paginator('get_parameters_by_path').paginate(Path='/app', Recursive=True, PaginationConfig={'PageSize': 1}):
    byp += [p['Name'] for p in page['Parameters']]
out['bypath'] = sorted(byp)
out['trail'] = [e['EventName'] for e in ct.lookup_events(LookupAttributes=[{'AttributeKey': 'EventSource', 'AttributeValue': 'ssm.amazonaws.com'}])['Events']]
print(json.dumps(out))
`;

describe('boto3 against EventBridge, Scheduler, Parameter Store and CloudTrail', () => {
  let s: RunningServer;
  before(async () => {
    s = await startServer();
  });
  after(async () => {
    await s.stop();
  });

  it('works unchanged', async () => {
    const { stdout } = await run(tool('python3'), ['-c', script, s.endpoint, testCreds.accessKeyId, testCreds.secretAccessKey], { timeout: 120_000 });
    const out = JSON.parse(stdout) as Record<string, unknown>;
    assert.equal(out.failed, 0);
    assert.deepEqual(out.routed, [{ n: 2 }], 'only the matching event reached the queue');
    assert.equal(out.test, true);
    assert.equal(out.rule, 'cron(0 3 * * ? *)');
    assert.deepEqual(out.schedules, ['s0', 's1', 's2']);
    assert.equal(out.schedule, 'rate(5 minutes)');
    assert.equal(out.secret, 'hunter2');
    assert.equal(out.sealed, true);
    assert.deepEqual(out.bypath, ['/app/db/host', '/app/db/password']);
    // Writes are in the trail before they are answered; reads are recorded too (CloudTrail management read events), on the side.
    const trail = out.trail as string[];
    assert.equal(trail.filter((n) => n === 'PutParameter').length, 2);
    assert.ok(trail.every((n) => ['PutParameter', 'GetParameter', 'GetParametersByPath'].includes(n)), trail.join(','));
    assert.deepEqual(trail.slice(-2), ['PutParameter', 'PutParameter'], 'newest first: the puts came before the reads');
  });
});
