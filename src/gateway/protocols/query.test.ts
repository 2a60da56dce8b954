import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeQuery, encodeQuery, encodeQueryError, queryMap, keyDepthMax } from './query';
import { clientError, ServiceError } from '../errors';

test('query decoding: member lists, numbered lists, entry maps, nested structures', () => {
  const form = new URLSearchParams(
    'Action=CreateQueue&Version=2012-11-05&QueueName=q&Attribute.1.Name=DelaySeconds&Attribute.1.Value=5&Attribute.2.Name=VisibilityTimeout&Attribute.2.Value=30' +
      '&Tags.member.2.Key=b&Tags.member.1.Key=a&Tags.member.1.Value=1&Tags.member.2.Value=2&Attributes.entry.1.key=k&Attributes.entry.1.value=v&Outer.Inner.Leaf=x',
  );
  const d = decodeQuery(form);
  assert.ok(d.ok);
  assert.equal(d.value.action, 'CreateQueue');
  assert.equal(d.value.version, '2012-11-05');
  assert.deepEqual(d.value.input, {
    QueueName: 'q',
    Attribute: [{ Name: 'DelaySeconds', Value: '5' }, { Name: 'VisibilityTimeout', Value: '30' }],
    Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }],
    Attributes: { k: 'v' },
    Outer: { Inner: { Leaf: 'x' } },
  });
});

test('query decoding refuses what would make us allocate without bound or is contradictory', () => {
  // A key one level deeper than keyDepthMax (12: CloudWatch GetMetricData's keys nest 9 deep) is refused.
  for (const bad of ['A.100000.B=1', 'A.0=1', 'a..b=1', 'A=1&A.B=2', 'A.B=2&A=1', `${'x.'.repeat(keyDepthMax)}y=1`]) {
    const d = decodeQuery(new URLSearchParams(bad));
    assert.equal(d.ok, false, bad);
  }
  assert.equal(decodeQuery(new URLSearchParams('MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Name=FunctionName')).ok, true, "GetMetricData's deepest key");
});

test('query encoding: result wrapper, members, maps, escaping, errors with Sender/Receiver', () => {
  const w = encodeQuery('GetThing', 'https://x/doc/', 'rid-1', { Name: 'a<b', Items: ['1', '2'], Attrs: queryMap({ k: 'v&' }), Ok: true });
  assert.equal(
    w.body,
    '<GetThingResponse xmlns="https://x/doc/"><GetThingResult><Name>a&#60;b</Name><Items><member>1</member><member>2</member></Items>' +
      '<Attrs><entry><key>k</key><value>v&#38;</value></entry></Attrs><Ok>true</Ok></GetThingResult>' +
      '<ResponseMetadata><RequestId>rid-1</RequestId></ResponseMetadata></GetThingResponse>',
  );
  const e = encodeQueryError('ns', 'rid-2', new ServiceError('QueueDoesNotExist', clientError(400), 'The specified queue does not exist.'));
  assert.equal(e.status, 400);
  assert.equal(
    e.body,
    '<ErrorResponse xmlns="ns"><Error><Type>Sender</Type><Code>QueueDoesNotExist</Code><Message>The specified queue does not exist.</Message></Error><RequestId>rid-2</RequestId></ErrorResponse>',
  );
});

test('query decoding: a map whose entries are named Name/Value (SNS MessageAttributes) becomes a map', () => {
  const form = new URLSearchParams(
    'Action=Publish&MessageAttributes.entry.1.Name=color&MessageAttributes.entry.1.Value.DataType=String&MessageAttributes.entry.1.Value.StringValue=red',
  );
  const d = decodeQuery(form);
  assert.ok(d.ok);
  assert.deepEqual(d.value.input, { MessageAttributes: { color: { DataType: 'String', StringValue: 'red' } } });
});

test('query encoding: an empty output is an empty result element (botocore reads it); no output, none', () => {
  assert.match(String(encodeQuery('TagResource', 'ns', 'r', {}).body), /<TagResourceResponse xmlns="ns"><TagResourceResult><\/TagResourceResult><ResponseMetadata>/);
  assert.doesNotMatch(String(encodeQuery('DeleteTopic', 'ns', 'r', undefined).body), /Result/);
});
