import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { allServices, type ServiceDeps } from './index';
import type { Members, OperationContext, ServiceDefinition } from '../gateway/service';
import type { Principal } from '../identity/types';
import { CodeUrlSigner } from './lambda/code-url';

/**
 * The invariant "every operation of every service has an IAM action"
 * (ARCHITECTURE.md): each service declares `iam`, and its table resolves
 * every operation it serves (RPC operations and signed REST routes) to an
 * action and at least one resource, so no operation is silently unauthorised
 * — an operation added without an IAM entry fails here. Then, per service,
 * the action and resources of a sample input of each operation family.
 */

/** Deps that are never called while building the definitions (anything read off them is a callable stand-in). */
const stand: unknown = new Proxy(function () {}, { get: (_, k) => (k === 'then' ? undefined : k === Symbol.toPrimitive ? () => 'stand-in' : stand), apply: () => stand });
const codeUrls = new CodeUrlSigner();
const deps = new Proxy({}, { get: (_, k) => (k === 'region' ? 'us-east-1' : k === 'accountId' ? '111122223333' : k === 'codeUrls' ? codeUrls : stand) }) as ServiceDeps;
const services = allServices(deps);

const principal: Principal = { type: 'IAMUser', accountId: '111122223333', arn: 'arn:aws:iam::111122223333:user/alice', principalId: 'AIDAALICE', accessKeyId: 'AKIAALICE', userName: 'alice' };
const ctx = (over: Partial<OperationContext> = {}): OperationContext => ({ requestId: 'r', accessKeyId: 'AKIAALICE', region: 'us-east-1', baseUrl: 'http://localhost:9001', protocol: 'json', path: '/', principal, ...over });

/**
 * The only calls answered without an identity-policy check (`resources` → []):
 * STS GetCallerIdentity (AWS answers any valid caller) and AssumeRole
 * (decided by the role's trust policy and the caller's own sts:AssumeRole
 * permission inside the identity domain, src/identity/).
 */
const noPermissionNeeded = new Set(['sts:GetCallerIdentity', 'sts:AssumeRole']);

function signedOperations(s: ServiceDefinition): string[] {
  const ops = new Set(Object.keys(s.operations ?? {}));
  for (const r of s.restJson?.routes ?? []) if (r.auth) ops.add(r.operation);
  return [...ops];
}

function authz(service: string, op: string, input: Members, over: Partial<OperationContext> = {}): { action: string; resources: readonly string[] } {
  const s = services.find((x) => x.name === service)!;
  const iam = s.iam!;
  return { action: `${iam.prefix}:${iam.actions?.[op] ?? op}`, resources: iam.resources(op, input, ctx(over)) };
}

describe('IAM: every operation of every service is authorised', () => {
  test('each service declares iam, and every operation it serves resolves to an action and resources', () => {
    assert.ok(services.length >= 13);
    for (const s of services) {
      assert.ok(s.iam, `${s.name} declares no iam`);
      const ops = signedOperations(s);
      assert.ok(ops.length > 0, s.name);
      for (const op of ops) {
        const action = `${s.iam.prefix}:${s.iam.actions?.[op] ?? op}`;
        assert.match(action, /^[a-z0-9-]+:[A-Za-z0-9]+$/, `${s.name} ${op}`);
        let resources: readonly string[] = [];
        assert.doesNotThrow(() => (resources = s.iam!.resources(op, {}, ctx())), `${s.name} ${op} has no IAM entry`);
        if (resources.length === 0) assert.ok(noPermissionNeeded.has(`${s.name}:${op}`), `${s.name} ${op}: no resources means no authorisation, which only ${[...noPermissionNeeded].join(', ')} may have`);
      }
    }
  });

  test('an operation missing from a table is refused loudly, never let through', () => {
    const lambda = services.find((s) => s.name === 'lambda')!;
    assert.throws(() => lambda.iam!.resources('NoSuchOperation', {}, ctx()), /no IAM resources declared for lambda:NoSuchOperation/);
  });

  test('the refusal of each service is the error its model or front end names', () => {
    const byName = Object.fromEntries(services.map((s) => [s.name, s.iam!.accessDenied]));
    assert.deepEqual(byName.lambda, { name: 'AccessDeniedException', spec: { status: 403, fault: 'client', messageKey: 'Message' } });
    assert.equal(byName.sqs!.name, 'AccessDenied');
    assert.equal(byName.sqs!.spec.status, 403);
    assert.deepEqual({ n: byName.sns!.name, s: byName.sns!.spec.status }, { n: 'AuthorizationError', s: 403 });
    for (const s of ['kinesis', 'events', 'logs', 'ssm', 'scheduler', 'cloudtrail', 'apigateway']) assert.equal(byName[s]!.name, 'AccessDeniedException', s);
    assert.equal(byName.cloudwatch!.name, 'AccessDenied');
  });
});

describe('IAM: actions and resources per service', () => {
  const fn = 'arn:aws:lambda:us-east-1:111122223333:function';
  test('lambda: functions (qualified when a version or alias is named), layers, mappings, tags', () => {
    assert.deepEqual(authz('lambda', 'Invoke', { FunctionName: 'f' }), { action: 'lambda:InvokeFunction', resources: [`${fn}:f`] });
    assert.deepEqual(authz('lambda', 'Invoke', { FunctionName: 'f', Qualifier: 'prod' }), { action: 'lambda:InvokeFunction', resources: [`${fn}:f:prod`] });
    assert.deepEqual(authz('lambda', 'Invoke', { FunctionName: 'f:3' }).resources, [`${fn}:f:3`]);
    assert.deepEqual(authz('lambda', 'InvokeWithResponseStream', { FunctionName: `${fn}:g` }), { action: 'lambda:InvokeFunction', resources: [`${fn}:g`] });
    assert.deepEqual(authz('lambda', 'InvokeAsync', { FunctionName: 'f' }), { action: 'lambda:InvokeAsync', resources: [`${fn}:f`] });
    assert.deepEqual(authz('lambda', 'GetFunction', { FunctionName: '111122223333:function:f' }), { action: 'lambda:GetFunction', resources: [`${fn}:f`] });
    assert.deepEqual(authz('lambda', 'ListFunctions', {}), { action: 'lambda:ListFunctions', resources: ['*'] });
    assert.deepEqual(authz('lambda', 'CreateFunction', { FunctionName: 'new' }), { action: 'lambda:CreateFunction', resources: [`${fn}:new`] });
    assert.deepEqual(authz('lambda', 'UpdateFunctionCode', { FunctionName: 'f' }).resources, [`${fn}:f`]);
    assert.deepEqual(authz('lambda', 'GetAlias', { FunctionName: 'f', Name: 'live' }).resources, [`${fn}:f:live`]);
    assert.deepEqual(authz('lambda', 'CreateAlias', { FunctionName: 'f', Name: 'live' }).resources, [`${fn}:f`]);
    assert.deepEqual(authz('lambda', 'GetLayerVersion', { LayerName: 'deps', version: '2' }), { action: 'lambda:GetLayerVersion', resources: ['arn:aws:lambda:us-east-1:111122223333:layer:deps:2'] });
    assert.deepEqual(authz('lambda', 'PublishLayerVersion', { LayerName: 'deps' }).resources, ['arn:aws:lambda:us-east-1:111122223333:layer:deps']);
    assert.deepEqual(authz('lambda', 'GetEventSourceMapping', { UUID: 'u-1' }).resources, ['arn:aws:lambda:us-east-1:111122223333:event-source-mapping:u-1']);
    assert.deepEqual(authz('lambda', 'CreateEventSourceMapping', { FunctionName: 'f' }).resources, ['*']);
    assert.deepEqual(authz('lambda', 'TagResource', { Resource: `${fn}:f` }).resources, [`${fn}:f`]);
    assert.deepEqual(authz('lambda', 'GetPolicy', { FunctionName: 'f', Qualifier: '1' }), { action: 'lambda:GetPolicy', resources: [`${fn}:f:1`] });
    assert.deepEqual(authz('lambda', 'GetLayerVersionByArn', { Arn: 'arn:aws:lambda:us-east-1:111122223333:layer:deps:1' }), { action: 'lambda:GetLayerVersion', resources: ['arn:aws:lambda:us-east-1:111122223333:layer:deps:1'] });
  });

  test('sqs: the queue of its URL (or the path a query client posted to); batches are their single actions; ListQueues names none', () => {
    const q = 'arn:aws:sqs:us-east-1:111122223333:jobs';
    assert.deepEqual(authz('sqs', 'SendMessage', { QueueUrl: 'http://localhost:9001/111122223333/jobs' }), { action: 'sqs:SendMessage', resources: [q] });
    assert.deepEqual(authz('sqs', 'SendMessageBatch', { QueueUrl: 'http://h/111122223333/jobs' }), { action: 'sqs:SendMessage', resources: [q] });
    assert.deepEqual(authz('sqs', 'DeleteMessageBatch', { QueueUrl: 'http://h/111122223333/jobs' }).action, 'sqs:DeleteMessage');
    assert.deepEqual(authz('sqs', 'ChangeMessageVisibilityBatch', { QueueUrl: 'http://h/111122223333/jobs' }).action, 'sqs:ChangeMessageVisibility');
    assert.deepEqual(authz('sqs', 'ReceiveMessage', {}, { path: '/111122223333/jobs' }).resources, [q]);
    assert.deepEqual(authz('sqs', 'CreateQueue', { QueueName: 'jobs' }).resources, [q]);
    assert.deepEqual(authz('sqs', 'GetQueueUrl', { QueueName: 'jobs', QueueOwnerAWSAccountId: '444455556666' }).resources, ['arn:aws:sqs:us-east-1:444455556666:jobs']);
    assert.deepEqual(authz('sqs', 'ListQueues', {}).resources, ['*']);
    const handle = Buffer.from(JSON.stringify({ taskId: 't', sourceArn: q })).toString('base64');
    assert.deepEqual(authz('sqs', 'CancelMessageMoveTask', { TaskHandle: handle }).resources, [q]);
    assert.equal(services.find((s) => s.name === 'sqs')!.iam!.messageAction!('sqs:SendMessage'), 'sqs:sendmessage');
  });

  test('sns: topics; a subscription operation names its topic; PublishBatch is Publish', () => {
    const t = 'arn:aws:sns:us-east-1:111122223333:alerts';
    assert.deepEqual(authz('sns', 'Publish', { TopicArn: t }), { action: 'sns:Publish', resources: [t] });
    assert.deepEqual(authz('sns', 'PublishBatch', { TopicArn: t }), { action: 'sns:Publish', resources: [t] });
    assert.deepEqual(authz('sns', 'Unsubscribe', { SubscriptionArn: `${t}:0b7f-11` }).resources, [t]);
    assert.deepEqual(authz('sns', 'CreateTopic', { Name: 'alerts' }).resources, [t]);
    assert.deepEqual(authz('sns', 'ListTopics', {}).resources, ['*']);
    assert.equal(services.find((s) => s.name === 'sns')!.iam!.messageAction!('sns:Publish'), 'SNS:Publish');
  });

  test('kinesis: streams by name or ARN, consumers by ARN', () => {
    const s = 'arn:aws:kinesis:us-east-1:111122223333:stream/clicks';
    assert.deepEqual(authz('kinesis', 'PutRecords', { StreamName: 'clicks' }), { action: 'kinesis:PutRecords', resources: [s] });
    assert.deepEqual(authz('kinesis', 'DescribeStreamSummary', { StreamARN: s }).resources, [s]);
    assert.deepEqual(authz('kinesis', 'SubscribeToShard', { ConsumerARN: `${s}/consumer/c:1` }).resources, [`${s}/consumer/c:1`]);
    assert.deepEqual(authz('kinesis', 'ListStreams', {}).resources, ['*']);
  });

  test('events: buses, rules (rule/[bus/]name), PutEvents on each bus named', () => {
    const a = 'arn:aws:events:us-east-1:111122223333';
    assert.deepEqual(authz('events', 'PutRule', { Name: 'r' }).resources, [`${a}:rule/r`]);
    assert.deepEqual(authz('events', 'PutTargets', { Rule: 'r', EventBusName: 'orders' }).resources, [`${a}:rule/orders/r`]);
    assert.deepEqual(authz('events', 'DescribeEventBus', {}).resources, [`${a}:event-bus/default`]);
    assert.deepEqual(authz('events', 'PutEvents', { Entries: [{ EventBusName: 'orders' }, {}, { EventBusName: 'orders' }] }), { action: 'events:PutEvents', resources: [`${a}:event-bus/orders`, `${a}:event-bus/default`] });
    assert.deepEqual(authz('events', 'PutPermission', { EventBusName: 'orders' }), { action: 'events:PutPermission', resources: [`${a}:event-bus/orders`] });
    // A rule on another account's bus (EventBusName an ARN) is that account's rule.
    assert.deepEqual(authz('events', 'PutRule', { Name: 'r', EventBusName: 'arn:aws:events:us-east-1:444455556666:event-bus/shared' }).resources, ['arn:aws:events:us-east-1:444455556666:rule/shared/r']);
  });

  test('several accounts: the account a call names by ARN (ownerAccount), else none (the signer\'s)', () => {
    const owner = (service: string, op: string, input: Members) => services.find((x) => x.name === service)!.ownerAccount!(op, input, ctx());
    const bus = 'arn:aws:events:us-east-1:444455556666:event-bus/shared';
    assert.equal(owner('events', 'PutEvents', { Entries: [{ EventBusName: bus }, { EventBusName: bus }] }), '444455556666');
    assert.equal(owner('events', 'PutEvents', { Entries: [{ EventBusName: 'default' }, {}] }), undefined);
    assert.equal(owner('events', 'PutEvents', { Entries: [{ EventBusName: `arn:aws:events:us-east-1:111122223333:event-bus/mine` }] }), undefined);
    assert.throws(() => owner('events', 'PutEvents', { Entries: [{ EventBusName: bus }, { EventBusName: 'default' }] }),
      /Kumo does not support a PutEvents whose entries name event buses of different accounts \(111122223333, 444455556666\)/);
    assert.equal(owner('events', 'PutRule', { Name: 'r', EventBusName: bus }), '444455556666');
    assert.equal(owner('events', 'DescribeEventBus', { Name: bus }), '444455556666');
    assert.equal(owner('events', 'TagResource', { ResourceARN: 'arn:aws:events:us-east-1:444455556666:rule/shared/r' }), '444455556666');
    assert.equal(owner('events', 'PutPermission', { EventBusName: 'orders' }), undefined);
    const st = 'arn:aws:kinesis:us-east-1:444455556666:stream/feed';
    assert.equal(owner('kinesis', 'PutRecord', { StreamARN: st }), '444455556666');
    assert.equal(owner('kinesis', 'PutResourcePolicy', { ResourceARN: st }), '444455556666');
    assert.equal(owner('kinesis', 'DescribeStreamConsumer', { ConsumerARN: `${st}/consumer/c:1` }), '444455556666');
    assert.equal(owner('kinesis', 'PutRecord', { StreamName: 'feed' }), undefined);
  });

  test('scheduler, ssm, logs, cloudwatch, cloudtrail, apigateway', () => {
    assert.deepEqual(authz('scheduler', 'GetSchedule', { Name: 's', groupName: 'g' }).resources, ['arn:aws:scheduler:us-east-1:111122223333:schedule/g/s']);
    assert.deepEqual(authz('scheduler', 'CreateSchedule', { Name: 's' }).resources, ['arn:aws:scheduler:us-east-1:111122223333:schedule/default/s']);
    assert.deepEqual(authz('scheduler', 'DeleteScheduleGroup', { Name: 'g' }).resources, ['arn:aws:scheduler:us-east-1:111122223333:schedule-group/g']);
    assert.deepEqual(authz('ssm', 'GetParameter', { Name: '/app/db' }), { action: 'ssm:GetParameter', resources: ['arn:aws:ssm:us-east-1:111122223333:parameter/app/db'] });
    assert.deepEqual(authz('ssm', 'GetParameter', { Name: 'plain:2' }).resources, ['arn:aws:ssm:us-east-1:111122223333:parameter/plain']);
    assert.deepEqual(authz('ssm', 'GetParameters', { Names: ['a', '/b/c'] }).resources, ['arn:aws:ssm:us-east-1:111122223333:parameter/a', 'arn:aws:ssm:us-east-1:111122223333:parameter/b/c']);
    assert.deepEqual(authz('ssm', 'DescribeParameters', {}).resources, ['*']);
    assert.deepEqual(authz('logs', 'CreateLogGroup', { logGroupName: '/aws/lambda/f' }).resources, ['arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/f']);
    assert.deepEqual(authz('logs', 'PutLogEvents', { logGroupName: 'g', logStreamName: 's' }).resources, ['arn:aws:logs:us-east-1:111122223333:log-group:g:log-stream:s']);
    assert.deepEqual(authz('cloudwatch', 'PutMetricData', { Namespace: 'x' }), { action: 'cloudwatch:PutMetricData', resources: ['*'] });
    assert.deepEqual(authz('cloudtrail', 'LookupEvents', {}), { action: 'cloudtrail:LookupEvents', resources: ['*'] });
    assert.deepEqual(authz('apigateway', 'CreateRoute', { ApiId: 'a1' }, { path: '/v2/apis/a1/routes' }), { action: 'apigateway:POST', resources: ['arn:aws:apigateway:us-east-1::/apis/a1/routes'] });
    assert.deepEqual(authz('apigateway', 'GetApis', {}, { path: '/v2/apis' }), { action: 'apigateway:GET', resources: ['arn:aws:apigateway:us-east-1::/apis'] });
    assert.deepEqual(authz('apigateway', 'DeleteStage', {}, { path: '/v2/apis/a1/stages/prod' }).action, 'apigateway:DELETE');
  });
});
