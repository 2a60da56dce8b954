import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  CreateEventBusCommand, DeleteEventBusCommand, DescribeEventBusCommand, EventBridgeClient, ListEventBusesCommand, PutEventsCommand,
  PutPermissionCommand, PutRuleCommand, PutTargetsCommand, RemovePermissionCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateStreamCommand, DeleteResourcePolicyCommand, DeleteStreamCommand, DescribeStreamSummaryCommand, GetRecordsCommand, GetResourcePolicyCommand,
  GetShardIteratorCommand, KinesisClient, ListShardsCommand, PutRecordCommand, PutResourcePolicyCommand,
} from '@aws-sdk/client-kinesis';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { startServer, testCreds, type RunningServer } from './harness';
import { rejection } from './sqs-helpers';
import { until } from './sns-helpers';
import { waitActive } from './kinesis-helpers';
import { startPostgres, type ThrowawayPostgres } from '../postgres';

const home = '000000000000';
const other = '111111111111';
const third = '222222222222';
const region = 'us-east-1';
const busArn = (acct: string, name: string) => `arn:aws:events:${region}:${acct}:event-bus/${name}`;
const streamArn = (acct: string, name: string) => `arn:aws:kinesis:${region}:${acct}:stream/${name}`;

type Creds = { accessKeyId: string; secretAccessKey: string };
const credsOf = (dataDir: string, acct: string): Creds =>
  JSON.parse(fs.readFileSync(path.join(dataDir, 'accounts', acct, 'credentials.json'), 'utf8')) as Creds;

function clients(endpoint: string, credentials: Creds) {
  const base = { endpoint, region, credentials, maxAttempts: 1 };
  return { eb: new EventBridgeClient(base), kin: new KinesisClient(base), sqs: new SQSClient(base), iam: new IAMClient(base) };
}
type Clients = ReturnType<typeof clients>;
const destroy = (c: Clients | undefined) => c && Object.values(c).forEach((x) => x.destroy());

async function fails(p: Promise<unknown>, name: string, message?: string | RegExp, what = 'the call'): Promise<void> {
  const e = await rejection(p).catch((x: Error) => assert.fail(`${what}: ${x.message}`));
  assert.equal(e.name, name, e.message);
  if (typeof message === 'string') assert.equal(e.message, message);
  else if (message) assert.match(e.message, message);
}

const policyOf = async (eb: EventBridgeClient, Name?: string) => {
  const p = (await eb.send(new DescribeEventBusCommand({ Name }))).Policy;
  return p === undefined ? undefined : (JSON.parse(p) as { Version?: string; Statement: Record<string, unknown>[] });
};

/** Event bus policies (PutPermission) and Kinesis stream policies (PutResourcePolicy), enforced across accounts, on one store mode. */
function suite(mode: 'sqlite' | 'postgres') {
  describe(`event bus and stream resource policies across accounts (issue 18, ${mode})`, () => {
    let s: RunningServer;
    let pg: ThrowawayPostgres | undefined;
    let a: Clients;
    let b: Clients;
    let c: Clients;
    let queueUrl: string;
    const env = (): Record<string, string> => ({ KUMO_ACCOUNTS: `${other},${third}`, ...(pg ? { KUMO_DATABASE_URL: pg.url } : {}) });
    type Ev = { id: string; account: string; detail: { n: number } };
    /** The next `n` events on the owner's queue (each deleted once read). */
    const collect = async (n: number): Promise<Ev[]> => {
      const got: Ev[] = [];
      await until(`${n} event(s) on the owner's queue`, async () => {
        const r = await a.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }));
        for (const m of r.Messages ?? []) {
          got.push(JSON.parse(m.Body!) as Ev);
          await a.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
        }
        return got.length;
      }, (k) => k >= n);
      return got;
    };
    const connect = () => {
      a = clients(s.endpoint, testCreds);
      b = clients(s.endpoint, credsOf(s.dataDir, other));
      c = clients(s.endpoint, credsOf(s.dataDir, third));
    };

    before(async () => {
      if (mode === 'postgres') pg = await startPostgres();
      s = await startServer({ env: env() });
      connect();
    });
    after(async () => {
      for (const x of [a, b, c]) destroy(x);
      await s?.stop();
      pg?.stop();
    });

    it('PutPermission (statements), DescribeEventBus and ListEventBuses answer the policy; RemovePermission by id and all', async () => {
      assert.equal(await policyOf(a.eb), undefined, 'no policy at first');
      await a.eb.send(new PutPermissionCommand({ Action: 'events:PutEvents', Principal: other, StatementId: 'allow-b' }));
      assert.deepEqual(await policyOf(a.eb), {
        Version: '2012-10-17',
        Statement: [{ Sid: 'allow-b', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${other}:root` }, Action: 'events:PutEvents', Resource: busArn(home, 'default') }],
      });
      // The same statement id again replaces that statement; another is added.
      await a.eb.send(new PutPermissionCommand({ EventBusName: 'default', Action: 'events:PutEvents', Principal: '*', StatementId: 'allow-b' }));
      await a.eb.send(new PutPermissionCommand({ Action: 'events:PutEvents', Principal: third, StatementId: 'allow_c' }));
      const two = await policyOf(a.eb);
      assert.deepEqual(two!.Statement.map((x) => [x.Sid, x.Principal]), [['allow-b', '*'], ['allow_c', { AWS: `arn:aws:iam::${third}:root` }]]);
      const listed = (await a.eb.send(new ListEventBusesCommand({}))).EventBuses!.find((x) => x.Name === 'default')!;
      assert.deepEqual(JSON.parse(listed.Policy!), two);

      await a.eb.send(new RemovePermissionCommand({ StatementId: 'allow-b' }));
      assert.deepEqual((await policyOf(a.eb))!.Statement.map((x) => x.Sid), ['allow_c']);
      await fails(a.eb.send(new RemovePermissionCommand({ StatementId: 'allow-b' })), 'ResourceNotFoundException', 'Statement with the provided id does not exist.');
      await a.eb.send(new RemovePermissionCommand({ RemoveAllPermissions: true }));
      assert.equal(await policyOf(a.eb), undefined);
      await fails(a.eb.send(new RemovePermissionCommand({ StatementId: 'allow_c' })), 'ResourceNotFoundException', 'Statement with the provided id does not exist.');
      await fails(a.eb.send(new RemovePermissionCommand({ RemoveAllPermissions: true })), 'ResourceNotFoundException', 'EventBus does not have a policy.');
      // The last statement removed by id takes the policy with it.
      await a.eb.send(new PutPermissionCommand({ Action: 'events:PutEvents', Principal: other, StatementId: 'only' }));
      await a.eb.send(new RemovePermissionCommand({ StatementId: 'only' }));
      assert.equal(await policyOf(a.eb), undefined);
    });

    it('PutPermission with a Policy document replaces the policy; AWS\'s errors leave the policy as it was', async () => {
      await a.eb.send(new CreateEventBusCommand({ Name: 'orders' }));
      const doc = {
        Version: '2012-10-17',
        Statement: [{ Sid: 'from-b', Effect: 'Allow', Principal: { AWS: other }, Action: ['events:PutEvents'], Resource: busArn(home, 'orders') }],
      };
      await a.eb.send(new PutPermissionCommand({ EventBusName: 'orders', Action: 'events:PutEvents', Principal: third, StatementId: 'gone-soon' }));
      await a.eb.send(new PutPermissionCommand({ EventBusName: 'orders', Policy: JSON.stringify(doc) }));
      assert.deepEqual(await policyOf(a.eb, 'orders'), doc, 'the document as given');
      const before = (await a.eb.send(new DescribeEventBusCommand({ Name: 'orders' }))).Policy;

      const bad: [PutPermissionCommand, string, string | RegExp][] = [
        [new PutPermissionCommand({ EventBusName: 'nope', Action: 'events:PutEvents', Principal: '*', StatementId: 'x' }), 'ResourceNotFoundException', 'Event bus nope does not exist.'],
        [new PutPermissionCommand({ EventBusName: 'orders', Action: 'events:PutRule', Principal: other, StatementId: 'x' }), 'ValidationException', "Provided value in parameter 'action' is not supported."],
        [new PutPermissionCommand({ EventBusName: 'orders', Action: 'events:PutEvents', StatementId: 'x' }), 'ValidationException', 'Parameter Principal must be specified.'],
        [new PutPermissionCommand({ EventBusName: 'orders', Action: 'events:PutEvents', Principal: other }), 'ValidationException', 'Parameter StatementId must be specified.'],
        [new PutPermissionCommand({ EventBusName: 'orders', Action: 'events:PutEvents', Principal: 'someone', StatementId: 'x' }), 'ValidationException',
          "1 validation error detected: Value 'someone' at 'principal' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\d{12}|\\*)"],
        [new PutPermissionCommand({ EventBusName: 'orders', Action: 'events:PutEvents', Principal: other, StatementId: 'bad id!' }), 'ValidationException',
          "1 validation error detected: Value 'bad id!' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+"],
        [new PutPermissionCommand({ EventBusName: 'orders', Action: 'events:PutEvents', Principal: other, StatementId: 'x', Condition: { Type: 'StringEquals', Key: 'aws:PrincipalOrgID', Value: 'o-1234567890' } }),
          'ValidationException', "Value of the parameter 'principal' must be '*' when the parameter 'condition' is set."],
        [new PutPermissionCommand({ EventBusName: 'orders', Action: 'events:PutEvents', Principal: '*', StatementId: 'x', Condition: { Type: 'StringEquals', Key: 'aws:PrincipalOrgID', Value: 'o-1234567890' } }),
          'ValidationException', /^Kumo does not support Condition on PutPermission: it has no AWS Organizations/],
        [new PutPermissionCommand({ EventBusName: 'orders', Policy: '{not json' }), 'ValidationException', 'This policy contains invalid Json'],
        [new PutPermissionCommand({ EventBusName: 'orders', Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: '*' }] }) }),
          'ValidationException', 'Missing required field Principal'],
        [new PutPermissionCommand({ EventBusName: 'orders', Policy: JSON.stringify(doc), StatementId: 'x' }), 'ValidationException', /cannot be given together with StatementId/],
        [new PutPermissionCommand({
          EventBusName: 'orders',
          Policy: JSON.stringify({ Version: '2012-10-17', Statement: Array.from({ length: 100 }, (_, i) => ({ Sid: `s${i}`, Effect: 'Allow', Principal: { AWS: other }, Action: 'events:PutEvents', Resource: busArn(home, 'orders') })) }),
        }), 'PolicyLengthExceededException', /^The final policy size \(\d+\) is bigger than the limit \(10240\)\.$/],
      ];
      for (const [i, [cmd, name, message]] of bad.entries()) await fails(a.eb.send(cmd), name, message, `refused call ${i}`);
      // Statements past 10 KB, one at a time.
      for (let i = 0; ; i++) {
        const e = await a.eb.send(new PutPermissionCommand({ EventBusName: 'orders', Action: 'events:PutEvents', Principal: other, StatementId: `fill-${i}-${'x'.repeat(50)}` })).catch((x: Error) => x);
        if (e instanceof Error) {
          assert.equal(e.name, 'PolicyLengthExceededException');
          break;
        }
        assert.ok(i < 100, 'the policy never became too large');
      }
      await a.eb.send(new PutPermissionCommand({ EventBusName: 'orders', Policy: JSON.stringify(doc) }));
      assert.equal((await a.eb.send(new DescribeEventBusCommand({ Name: 'orders' }))).Policy, before, 'nothing of the refused calls was kept');
      await fails(a.eb.send(new RemovePermissionCommand({ EventBusName: 'orders' })), 'ValidationException', 'Parameter StatementId is required.');
      await fails(a.eb.send(new RemovePermissionCommand({ EventBusName: 'nope', StatementId: 'x' })), 'ResourceNotFoundException', 'Event bus nope does not exist.');

      // A deleted bus takes its policy along: a new bus of that name has none.
      await a.eb.send(new DeleteEventBusCommand({ Name: 'orders' }));
      await a.eb.send(new CreateEventBusCommand({ Name: 'orders' }));
      assert.equal(await policyOf(a.eb, 'orders'), undefined);
    });

    it('another account\'s PutEvents on a bus is refused with AWS\'s message until the bus policy allows it; the event then reaches the owner\'s target', async () => {
      await a.eb.send(new CreateEventBusCommand({ Name: 'shared' }));
      queueUrl = (await a.sqs.send(new CreateQueueCommand({ QueueName: 'partner-events' }))).QueueUrl!;
      const qArn = (await a.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
      assert.equal(qArn, `arn:aws:sqs:${region}:${home}:partner-events`);
      await a.eb.send(new PutRuleCommand({ Name: 'partner', EventBusName: 'shared', EventPattern: JSON.stringify({ source: ['partner'] }) }));
      await a.eb.send(new PutTargetsCommand({ Rule: 'partner', EventBusName: 'shared', Targets: [{ Id: 'q', Arn: qArn }] }));
      const entry = (detail: object, bus = busArn(home, 'shared')) => ({ EventBusName: bus, Source: 'partner', DetailType: 'hello', Detail: JSON.stringify(detail) });

      await fails(b.eb.send(new PutEventsCommand({ Entries: [entry({ n: 0 })] })), 'AccessDeniedException',
        `User: arn:aws:iam::${other}:root is not authorized to perform: events:PutEvents on resource: ${busArn(home, 'shared')} because no resource-based policy allows the events:PutEvents action`);
      // Nor may it read the bus or change its rules: the policy names no such action.
      await fails(b.eb.send(new DescribeEventBusCommand({ Name: busArn(home, 'shared') })), 'AccessDeniedException', /events:DescribeEventBus/);

      await a.eb.send(new PutPermissionCommand({ EventBusName: 'shared', Action: 'events:PutEvents', Principal: other, StatementId: 'b' }));
      const r = await b.eb.send(new PutEventsCommand({ Entries: [entry({ n: 1 })] }));
      assert.equal(r.FailedEntryCount, 0, JSON.stringify(r.Entries));
      const [ev] = await collect(1);
      assert.equal(ev!.id, r.Entries![0]!.EventId);
      assert.equal(ev!.account, other, 'the event carries the sender\'s account');
      assert.deepEqual(ev!.detail, { n: 1 });
      // Only the account named: the third is refused.
      await fails(c.eb.send(new PutEventsCommand({ Entries: [entry({ n: 2 })] })), 'AccessDeniedException', /because no resource-based policy allows the events:PutEvents action/);
      // Entries naming buses of two accounts are refused as a whole, clearly.
      await fails(b.eb.send(new PutEventsCommand({ Entries: [entry({ n: 3 }), entry({ n: 4 }, 'default')] })), 'ValidationException',
        `Kumo does not support a PutEvents whose entries name event buses of different accounts (${home}, ${other}): send one PutEvents per account.`);

      // The caller's own identity policies count too: an IAM user of the allowed account needs events:PutEvents.
      await b.iam.send(new CreateUserCommand({ UserName: 'sender' }));
      const key = (await b.iam.send(new CreateAccessKeyCommand({ UserName: 'sender' }))).AccessKey!;
      const user = clients(s.endpoint, { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
      try {
        await fails(user.eb.send(new PutEventsCommand({ Entries: [entry({ n: 5 })] })), 'AccessDeniedException',
          `User: arn:aws:iam::${other}:user/sender is not authorized to perform: events:PutEvents on resource: ${busArn(home, 'shared')} because no identity-based policy allows the events:PutEvents action`);
        await b.iam.send(new PutUserPolicyCommand({
          UserName: 'sender', PolicyName: 'put',
          PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: busArn(home, 'shared') }] }),
        }));
        const ok = await until('the user\'s identity policy to apply', () => user.eb.send(new PutEventsCommand({ Entries: [entry({ n: 6 })] })).catch((e: Error) => e), (x) => !(x instanceof Error));
        assert.equal((ok as { FailedEntryCount?: number }).FailedEntryCount, 0);
      } finally {
        destroy(user);
      }

      // A Policy document: anyone whose account is the third one (Principal "*" with aws:PrincipalAccount); the other account's statement is gone.
      await a.eb.send(new PutPermissionCommand({
        EventBusName: 'shared',
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Sid: 'third', Effect: 'Allow', Principal: '*', Action: 'events:PutEvents', Resource: busArn(home, 'shared'), Condition: { StringEquals: { 'aws:PrincipalAccount': third } } }],
        }),
      }));
      assert.equal((await c.eb.send(new PutEventsCommand({ Entries: [entry({ n: 7 })] }))).FailedEntryCount, 0);
      await fails(b.eb.send(new PutEventsCommand({ Entries: [entry({ n: 8 })] })), 'AccessDeniedException', /because no resource-based policy allows/);
      // An explicit Deny wins over an allow.
      await a.eb.send(new PutPermissionCommand({
        EventBusName: 'shared',
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Sid: 'all', Effect: 'Allow', Principal: '*', Action: 'events:PutEvents', Resource: busArn(home, 'shared') },
            { Sid: 'notThird', Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${third}:root` }, Action: 'events:PutEvents', Resource: busArn(home, 'shared') },
          ],
        }),
      }));
      await fails(c.eb.send(new PutEventsCommand({ Entries: [entry({ n: 9 })] })), 'AccessDeniedException', /with an explicit deny in a resource-based policy/);
      assert.equal((await b.eb.send(new PutEventsCommand({ Entries: [entry({ n: 10 })] }))).FailedEntryCount, 0);
      // n=6 (the user), n=7 (third), n=10 (other) reach the queue, with their senders' accounts.
      const seen = await collect(3);
      assert.deepEqual(seen.map((e) => [e.detail.n, e.account]).sort((x, y) => Number(x[0]) - Number(y[0])), [[6, other], [7, third], [10, other]]);
      // The owner's own bus of the same name in the other account is untouched: B has none.
      await fails(b.eb.send(new DescribeEventBusCommand({ Name: 'shared' })), 'ResourceNotFoundException', 'Event bus shared does not exist.');
    });

    it('Kinesis PutResourcePolicy / GetResourcePolicy / DeleteResourcePolicy round trip and AWS\'s errors', async () => {
      await a.kin.send(new CreateStreamCommand({ StreamName: 'feed', ShardCount: 1 }));
      await waitActive(a.kin, 'feed');
      const arn = streamArn(home, 'feed');
      assert.deepEqual(JSON.parse((await a.kin.send(new GetResourcePolicyCommand({ ResourceARN: arn }))).Policy!), {}, 'no policy yet: {}');
      const write = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'write', Effect: 'Allow', Principal: { AWS: other }, Action: 'kinesis:PutRecord', Resource: arn }] });
      await a.kin.send(new PutResourcePolicyCommand({ ResourceARN: arn, Policy: write }));
      assert.equal((await a.kin.send(new GetResourcePolicyCommand({ ResourceARN: arn }))).Policy, write);
      const readWrite = JSON.stringify({
        Version: '2012-10-17',
        Statement: [{
          Sid: 'readWrite', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${other}:root` },
          Action: ['kinesis:PutRecord', 'kinesis:PutRecords', 'kinesis:GetShardIterator', 'kinesis:GetRecords', 'kinesis:DescribeStreamSummary'], Resource: arn,
        }],
      });
      await a.kin.send(new PutResourcePolicyCommand({ ResourceARN: arn, Policy: readWrite }));
      assert.equal((await a.kin.send(new GetResourcePolicyCommand({ ResourceARN: arn }))).Policy, readWrite, 'a put replaces the policy');
      await a.kin.send(new DeleteResourcePolicyCommand({ ResourceARN: arn }));
      assert.equal((await a.kin.send(new GetResourcePolicyCommand({ ResourceARN: arn }))).Policy, '{}');
      await fails(a.kin.send(new DeleteResourcePolicyCommand({ ResourceARN: arn })), 'ResourceNotFoundException', `No resource policy found for resource ARN ${arn}.`);

      const missing = streamArn(home, 'nope');
      await fails(a.kin.send(new PutResourcePolicyCommand({ ResourceARN: missing, Policy: write })), 'ResourceNotFoundException', `Stream nope under account ${home} not found.`);
      await fails(a.kin.send(new GetResourcePolicyCommand({ ResourceARN: missing })), 'ResourceNotFoundException', `Stream nope under account ${home} not found.`);
      await fails(a.kin.send(new PutResourcePolicyCommand({ ResourceARN: `${arn}/consumer/c:1700000000`, Policy: write })), 'ResourceNotFoundException', /Kumo has no enhanced fan-out consumers/);
      await fails(a.kin.send(new PutResourcePolicyCommand({ ResourceARN: 'arn:aws:sqs:us-east-1:000000000000:q', Policy: write })), 'ValidationException',
        "1 validation error detected: Value 'arn:aws:sqs:us-east-1:000000000000:q' at 'resourceARN' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:.*stream/\\S+");
      await fails(a.kin.send(new PutResourcePolicyCommand({ ResourceARN: arn, Policy: '{"Statement":' })), 'InvalidArgumentException', 'Policy is not a valid resource policy: Syntax errors in policy.');
      await fails(a.kin.send(new PutResourcePolicyCommand({ ResourceARN: arn, Policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'kinesis:PutRecord', Resource: arn }] }) })),
        'InvalidArgumentException', 'Policy is not a valid resource policy: Missing required field Principal');
      const big = JSON.stringify({ Version: '2012-10-17', Statement: Array.from({ length: 150 }, (_, i) => ({ Sid: `s${i}`, Effect: 'Allow', Principal: { AWS: other }, Action: 'kinesis:PutRecord', Resource: arn })) });
      await fails(a.kin.send(new PutResourcePolicyCommand({ ResourceARN: arn, Policy: big })), 'LimitExceededException', /a stream's resource policy is at most 20480 bytes/);
      assert.equal((await a.kin.send(new GetResourcePolicyCommand({ ResourceARN: arn }))).Policy, '{}', 'nothing of the refused puts was kept');
      // A deleted stream takes its policy along.
      await a.kin.send(new CreateStreamCommand({ StreamName: 'brief', ShardCount: 1 }));
      await waitActive(a.kin, 'brief');
      await a.kin.send(new PutResourcePolicyCommand({ ResourceARN: streamArn(home, 'brief'), Policy: write }));
      await a.kin.send(new DeleteStreamCommand({ StreamName: 'brief' }));
      await a.kin.send(new CreateStreamCommand({ StreamName: 'brief', ShardCount: 1 }));
      await waitActive(a.kin, 'brief');
      assert.equal((await a.kin.send(new GetResourcePolicyCommand({ ResourceARN: streamArn(home, 'brief') }))).Policy, '{}');
    });

    it('another account\'s PutRecord, GetShardIterator, GetRecords and DescribeStreamSummary by StreamARN: refused without the stream\'s policy, allowed by it', async () => {
      const arn = streamArn(home, 'feed');
      const put = (k: KinesisClient, data: string) => k.send(new PutRecordCommand({ StreamARN: arn, PartitionKey: 'p', Data: Buffer.from(data) }));
      await fails(put(b.kin, 'x'), 'AccessDeniedException',
        `User: arn:aws:iam::${other}:root is not authorized to perform: kinesis:PutRecord on resource: ${arn} because no resource-based policy allows the kinesis:PutRecord action`);
      await fails(b.kin.send(new GetShardIteratorCommand({ StreamARN: arn, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' })), 'AccessDeniedException', /kinesis:GetShardIterator/);

      await a.kin.send(new PutResourcePolicyCommand({
        ResourceARN: arn,
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{
            Sid: 'b', Effect: 'Allow', Principal: { AWS: other },
            Action: ['kinesis:PutRecord', 'kinesis:GetShardIterator', 'kinesis:GetRecords', 'kinesis:DescribeStreamSummary'], Resource: arn,
          }],
        }),
      }));
      const r = await put(b.kin, 'from-b');
      assert.equal(r.ShardId, 'shardId-000000000000');
      assert.equal((await b.kin.send(new DescribeStreamSummaryCommand({ StreamARN: arn }))).StreamDescriptionSummary!.StreamARN, arn);
      // B has a stream of the same name: the iterator of A's stream reads A's records, by the iterator alone.
      await b.kin.send(new CreateStreamCommand({ StreamName: 'feed', ShardCount: 1 }));
      await waitActive(b.kin, 'feed');
      await b.kin.send(new PutRecordCommand({ StreamName: 'feed', PartitionKey: 'p', Data: Buffer.from('b-own') }));
      const it = (await b.kin.send(new GetShardIteratorCommand({ StreamARN: arn, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator!;
      const got = await b.kin.send(new GetRecordsCommand({ ShardIterator: it }));
      assert.deepEqual(got.Records!.map((x) => Buffer.from(x.Data!).toString()), ['from-b']);
      const got2 = await b.kin.send(new GetRecordsCommand({ ShardIterator: it, StreamARN: arn }));
      assert.deepEqual(got2.Records!.map((x) => Buffer.from(x.Data!).toString()), ['from-b']);
      const own = (await b.kin.send(new GetShardIteratorCommand({ StreamName: 'feed', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator!;
      assert.deepEqual((await b.kin.send(new GetRecordsCommand({ ShardIterator: own }))).Records!.map((x) => Buffer.from(x.Data!).toString()), ['b-own']);

      // Only what the policy allows, only to the account it names.
      await fails(b.kin.send(new ListShardsCommand({ StreamARN: arn })), 'AccessDeniedException', /kinesis:ListShards/);
      await fails(put(c.kin, 'c'), 'AccessDeniedException', /because no resource-based policy allows the kinesis:PutRecord action/);
      await fails(c.kin.send(new GetRecordsCommand({ ShardIterator: it })), 'AccessDeniedException', /kinesis:GetRecords on resource: arn:aws:kinesis:us-east-1:000000000000:stream\/feed/);
      // Only the stream's own account manages its policy.
      await fails(b.kin.send(new GetResourcePolicyCommand({ ResourceARN: arn })), 'AccessDeniedException', /kinesis:GetResourcePolicy/);
    });

    it('a restart keeps the bus and stream policies, and they are enforced again', async () => {
      await s.stop();
      for (const x of [a, b, c]) destroy(x);
      s = await startServer({ dataDir: s.dataDir, env: env() });
      connect();
      const p = await policyOf(a.eb, 'shared');
      assert.deepEqual(p!.Statement.map((x) => x.Sid), ['all', 'notThird']);
      assert.match((await a.kin.send(new GetResourcePolicyCommand({ ResourceARN: streamArn(home, 'feed') }))).Policy!, /"Sid":"b"/);
      const entry = { EventBusName: busArn(home, 'shared'), Source: 'partner', DetailType: 'hello', Detail: '{"n":11}' };
      assert.equal((await b.eb.send(new PutEventsCommand({ Entries: [entry] }))).FailedEntryCount, 0);
      await fails(c.eb.send(new PutEventsCommand({ Entries: [entry] })), 'AccessDeniedException', /explicit deny/);
      await b.kin.send(new PutRecordCommand({ StreamARN: streamArn(home, 'feed'), PartitionKey: 'p', Data: Buffer.from('after-restart') }));
      await fails(c.kin.send(new PutRecordCommand({ StreamARN: streamArn(home, 'feed'), PartitionKey: 'p', Data: Buffer.from('c') })), 'AccessDeniedException');
    });
  });
}

suite('sqlite');
suite('postgres');
