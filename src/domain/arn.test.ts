import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  eventBusArn, formatArn, functionArn, layerArn, layerVersionArn, logGroupArn, logStreamArn, parseArn, parseLambdaArn,
  parseLogGroupArn, queueArn, roleArn, ruleArn, stackArn, streamArn, topicArn,
} from './arn';

const scope = { region: 'us-east-1', accountId: '000000000000' };

test('parseArn splits the five fields and keeps colons in the resource', () => {
  assert.deepEqual(parseArn('arn:aws:lambda:us-east-1:000000000000:function:f:live'), {
    partition: 'aws', service: 'lambda', region: 'us-east-1', account: '000000000000', resource: 'function:f:live',
  });
  assert.deepEqual(parseArn('arn:aws:iam::000000000000:role/r'), { partition: 'aws', service: 'iam', region: '', account: '000000000000', resource: 'role/r' });
  assert.equal(parseArn('arn:aws:lambda:us-east-1:000000000000'), undefined, 'no resource field');
  assert.equal(parseArn('urn:aws:lambda:us-east-1:000000000000:function:f'), undefined);
  for (const s of ['arn:aws:logs:eu-west-1:123456789012:log-group:/a/b:*', 'arn:aws-cn:s3:::bucket']) assert.equal(formatArn(parseArn(s)!), s);
});

test('Lambda ARNs are built as AWS builds them', () => {
  assert.equal(functionArn(scope, 'f'), 'arn:aws:lambda:us-east-1:000000000000:function:f');
  assert.equal(functionArn(scope, 'f', '$LATEST'), 'arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST');
  assert.equal(layerArn(scope, 'l'), 'arn:aws:lambda:us-east-1:000000000000:layer:l');
  assert.equal(layerVersionArn(scope, 'l', 3), 'arn:aws:lambda:us-east-1:000000000000:layer:l:3');
  assert.equal(functionArn({ ...scope, partition: 'aws-cn' }, 'f'), 'arn:aws-cn:lambda:us-east-1:000000000000:function:f');
});

test('parseLambdaArn reads functions and layers, and nothing else', () => {
  assert.deepEqual(parseLambdaArn('arn:aws:lambda:eu-west-1:123456789012:function:my-fn:7'), { type: 'function', region: 'eu-west-1', account: '123456789012', name: 'my-fn', qualifier: '7' });
  assert.deepEqual(parseLambdaArn('arn:aws:lambda:us-east-1:000000000000:function:f'), { type: 'function', region: 'us-east-1', account: '000000000000', name: 'f', qualifier: undefined });
  assert.deepEqual(parseLambdaArn('arn:aws-us-gov:lambda:us-gov-west-1:000000000000:layer:l:12'), { type: 'layer', region: 'us-gov-west-1', account: '000000000000', name: 'l', version: 12 });
  assert.deepEqual(parseLambdaArn('arn:aws:lambda:us-east-1:000000000000:layer:l'), { type: 'layer', region: 'us-east-1', account: '000000000000', name: 'l', version: undefined });
  for (const bad of [
    'arn:aws:lambda:us-east-1:0000:function:f', // account not 12 digits
    'arn:aws:lambda::000000000000:function:f', // no region
    'arn:aws:sqs:us-east-1:000000000000:function:f', // another service
    'arn:aws:lambda:us-east-1:000000000000:function:f:1:2', // too many parts
    'arn:aws:lambda:us-east-1:000000000000:function:bad.name',
    'arn:aws:lambda:us-east-1:000000000000:layer:l:v1', // version not a number
    'arn:aws:lambda:us-east-1:000000000000:event-source-mapping:x',
    'arn:other:lambda:us-east-1:000000000000:function:f',
  ]) assert.equal(parseLambdaArn(bad), undefined, bad);
});

test('log group ARNs in both of AWS\'s forms', () => {
  assert.equal(logGroupArn(scope, '/aws/lambda/f'), 'arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/f');
  assert.equal(logStreamArn(scope, 'g', 's'), 'arn:aws:logs:us-east-1:000000000000:log-group:g:log-stream:s');
  assert.deepEqual(parseLogGroupArn('arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/f:*'), { region: 'us-east-1', account: '000000000000', name: '/aws/lambda/f' });
  assert.deepEqual(parseLogGroupArn('arn:aws:logs:us-east-1:000000000000:log-group:g'), { region: 'us-east-1', account: '000000000000', name: 'g' });
  assert.equal(parseLogGroupArn('arn:aws:logs:us-east-1:000000000000:log-group:'), undefined);
  assert.equal(parseLogGroupArn('/aws/lambda/f'), undefined);
  assert.equal(parseLogGroupArn('arn:aws:lambda:us-east-1:000000000000:log-group:g'), undefined);
});

test('the shapes the next services use', () => {
  assert.equal(queueArn(scope, 'q'), 'arn:aws:sqs:us-east-1:000000000000:q');
  assert.equal(topicArn(scope, 't'), 'arn:aws:sns:us-east-1:000000000000:t');
  assert.equal(streamArn(scope, 's'), 'arn:aws:kinesis:us-east-1:000000000000:stream/s');
  assert.equal(ruleArn(scope, 'r'), 'arn:aws:events:us-east-1:000000000000:rule/r');
  assert.equal(eventBusArn(scope, 'default'), 'arn:aws:events:us-east-1:000000000000:event-bus/default');
  assert.equal(roleArn(scope, 'r'), 'arn:aws:iam::000000000000:role/r');
  assert.equal(stackArn(scope, 'st', 'kumo'), 'arn:aws:cloudformation:us-east-1:000000000000:stack/st/kumo');
});
