import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basicExecutionRoleArn, PolicyError, rolePoliciesOf, wiringPolicies } from './iam-policies';

const scope = { region: 'us-east-1', accountId: '000000000000' };

test('no Policies: AWSLambdaBasicExecutionRole only (SAM’s default)', () => {
  assert.deepEqual(rolePoliciesOf('Fn', undefined, scope, 'p'), { managedArns: [basicExecutionRoleArn], inline: [] });
});

test('managed names (with their /service-role/ path) and ARNs, documents, and policy templates as SAM expands them', () => {
  const r = rolePoliciesOf('Fn', [
    'AWSLambdaSQSQueueExecutionRole', 'AmazonSQSFullAccess', 'arn:aws:iam::000000000000:policy/mine',
    { Statement: [{ Effect: 'Allow', Action: 'sns:Publish', Resource: '*' }] },
    { SQSSendMessagePolicy: { QueueName: 'q' } },
    { KinesisStreamReadPolicy: { StreamName: 's' } },
    { CloudWatchPutMetricPolicy: {} },
  ], scope, 'Resources.Fn.Properties.Policies');
  assert.deepEqual(r.managedArns, [
    basicExecutionRoleArn, 'arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole', 'arn:aws:iam::aws:policy/AmazonSQSFullAccess', 'arn:aws:iam::000000000000:policy/mine',
  ]);
  assert.deepEqual(r.inline.map((x) => x.name), ['FnRolePolicy0', 'FnRolePolicy1', 'FnRolePolicy2', 'FnRolePolicy3']);
  assert.deepEqual(r.inline[1]!.document.Statement, [{ Effect: 'Allow', Action: ['sqs:SendMessage*'], Resource: 'arn:aws:sqs:us-east-1:000000000000:q' }]);
  assert.equal((r.inline[2]!.document.Statement[1] as { Resource: string }).Resource, 'arn:aws:kinesis:us-east-1:000000000000:stream/s');
});

test('a policy template Kumo does not expand, or one missing its parameter, is refused by name at its path', () => {
  assert.throws(() => rolePoliciesOf('Fn', [{ DynamoDBCrudPolicy: { TableName: 't' } }], scope, 'P'), (e: unknown) => e instanceof PolicyError && e.path === 'P[0]' && /DynamoDBCrudPolicy is not supported/.test(e.message));
  assert.throws(() => rolePoliciesOf('Fn', [{ SQSPollerPolicy: {} }], scope, 'P'), (e: unknown) => e instanceof PolicyError && e.path === 'P[0].SQSPollerPolicy.QueueName');
  assert.throws(() => rolePoliciesOf('Fn', [7], scope, 'P'), PolicyError);
});

test('SAM’s wiring policies: SQS and Kinesis events get AWS’s managed policies, DLQ and destinations a statement each', () => {
  const r = wiringPolicies('Fn', {
    Events: { Q: { Type: 'SQS', Properties: {} }, K: { Type: 'Kinesis', Properties: {} }, A: { Type: 'HttpApi' } },
    DeadLetterQueue: { Type: 'SNS', TargetArn: 'arn:aws:sns:us-east-1:000000000000:dlq' },
    EventInvokeConfig: { DestinationConfig: { OnSuccess: { Type: 'SQS', Destination: 'arn:aws:sqs:us-east-1:000000000000:ok' }, OnFailure: { Type: 'Lambda', Destination: 'arn:aws:lambda:us-east-1:000000000000:function:f' } } },
  }, rolePoliciesOf('Fn', undefined, scope, 'p'));
  assert.deepEqual(r.managedArns, [basicExecutionRoleArn, 'arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole', 'arn:aws:iam::aws:policy/service-role/AWSLambdaKinesisExecutionRole']);
  assert.deepEqual(r.inline, [{ name: 'FnRoleWiringPolicy', document: { Version: '2012-10-17', Statement: [
    { Effect: 'Allow', Action: 'sns:Publish', Resource: 'arn:aws:sns:us-east-1:000000000000:dlq' },
    { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:us-east-1:000000000000:ok' },
    { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:f' },
  ] } }]);
});
