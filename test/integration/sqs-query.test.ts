import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SignatureV4 } from '@smithy/signature-v4';
import { startServer, testCreds, type RunningServer } from './harness';
import { Sha256 } from './sha256';

/**
 * SQS's query protocol as older SDKs speak it: a SigV4-signed form POST
 * (`Action=…&Version=2012-11-05`) to `/` or to the queue URL, answered in XML
 * in SQS's namespace with flattened lists and maps.
 */
describe('SQS query protocol (form POST, XML)', () => {
  let s: RunningServer;
  const signer = new SignatureV4({ service: 'sqs', region: 'us-east-1', credentials: testCreds, sha256: Sha256 });
  const call = async (path: string, params: Record<string, string>): Promise<{ status: number; xml: string }> => {
    const body = new URLSearchParams({ Version: '2012-11-05', ...params }).toString();
    const host = `127.0.0.1:${s.port}`;
    const signed = await signer.sign({
      method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: s.port, path,
      headers: { host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body,
    });
    const r = await fetch(`http://${host}${path}`, { method: 'POST', headers: signed.headers as Record<string, string>, body });
    return { status: r.status, xml: await r.text() };
  };
  before(async () => {
    s = await startServer();
  });
  after(() => s?.stop());

  it('creates, sends with attributes, receives (flattened <Message>, <Attribute>, <MessageAttribute>), gets attributes, deletes', async () => {
    const c = await call('/', { Action: 'CreateQueue', QueueName: 'xq', 'Attribute.1.Name': 'VisibilityTimeout', 'Attribute.1.Value': '12', 'Tag.1.Key': 'team', 'Tag.1.Value': 'a' });
    assert.equal(c.status, 200, c.xml);
    assert.match(c.xml, /^<CreateQueueResponse xmlns="http:\/\/queue.amazonaws.com\/doc\/2012-11-05\/"><CreateQueueResult><QueueUrl>http:\/\/127.0.0.1:\d+\/000000000000\/xq<\/QueueUrl>/);
    const sent = await call('/000000000000/xq', {
      Action: 'SendMessage', MessageBody: 'hi <there>',
      'MessageAttribute.1.Name': 'k', 'MessageAttribute.1.Value.DataType': 'String', 'MessageAttribute.1.Value.StringValue': 'v',
    });
    assert.equal(sent.status, 200, sent.xml);
    assert.match(sent.xml, /<SendMessageResult><MessageId>[^<]+<\/MessageId><MD5OfMessageBody>[0-9a-f]{32}<\/MD5OfMessageBody><MD5OfMessageAttributes>[0-9a-f]{32}<\/MD5OfMessageAttributes><\/SendMessageResult>/);
    // No QueueUrl member: the queue is the path, as query clients post it.
    const got = await call('/000000000000/xq', { Action: 'ReceiveMessage', 'AttributeName.1': 'All', 'MessageAttributeName.1': 'All', MaxNumberOfMessages: '5' });
    assert.equal(got.status, 200, got.xml);
    assert.match(got.xml, /<ReceiveMessageResult><Message><MessageId>[^<]+<\/MessageId><ReceiptHandle>[^<]+<\/ReceiptHandle><MD5OfBody>[0-9a-f]{32}<\/MD5OfBody><Body>hi &#60;there&#62;<\/Body>/);
    assert.match(got.xml, /<Attribute><Name>ApproximateReceiveCount<\/Name><Value>1<\/Value><\/Attribute>/);
    assert.match(got.xml, /<MessageAttribute><Name>k<\/Name><Value><DataType>String<\/DataType><StringValue>v<\/StringValue><\/Value><\/MessageAttribute>/);
    const handle = /<ReceiptHandle>([^<]+)<\/ReceiptHandle>/.exec(got.xml)![1]!;
    const attrs = await call('/', { Action: 'GetQueueAttributes', QueueUrl: `http://127.0.0.1:${s.port}/000000000000/xq`, 'AttributeName.1': 'VisibilityTimeout' });
    assert.match(attrs.xml, /<GetQueueAttributesResult><Attribute><Name>VisibilityTimeout<\/Name><Value>12<\/Value><\/Attribute><\/GetQueueAttributesResult>/);
    const tags = await call('/000000000000/xq', { Action: 'ListQueueTags' });
    assert.match(tags.xml, /<Tag><Key>team<\/Key><Value>a<\/Value><\/Tag>/);
    const batch = await call('/000000000000/xq', {
      Action: 'SendMessageBatch',
      'SendMessageBatchRequestEntry.1.Id': 'a', 'SendMessageBatchRequestEntry.1.MessageBody': 'one',
      'SendMessageBatchRequestEntry.2.Id': 'b', 'SendMessageBatchRequestEntry.2.MessageBody': 'two', 'SendMessageBatchRequestEntry.2.DelaySeconds': '1000',
    });
    assert.match(batch.xml, /<SendMessageBatchResult><SendMessageBatchResultEntry><Id>a<\/Id><MessageId>/);
    assert.match(batch.xml, /<BatchResultErrorEntry><Id>b<\/Id><SenderFault>true<\/SenderFault><Code>InvalidParameterValue<\/Code>/);
    const del = await call('/000000000000/xq', { Action: 'DeleteMessage', ReceiptHandle: handle });
    assert.equal(del.status, 200, del.xml);
    assert.match(del.xml, /^<DeleteMessageResponse [^>]*><ResponseMetadata>/, 'an operation without output has no Result element');
    // An empty answer still has its Result element: the aws CLI v2 (query protocol) fails without it.
    await call('/000000000000/xq', { Action: 'PurgeQueue' });
    const empty = await call('/000000000000/xq', { Action: 'ReceiveMessage' });
    assert.match(empty.xml, /^<ReceiveMessageResponse [^>]*><ReceiveMessageResult><\/ReceiveMessageResult><ResponseMetadata>/);
    const list = await call('/', { Action: 'ListQueues' });
    assert.match(list.xml, /<ListQueuesResult><QueueUrl>http:\/\/127.0.0.1:\d+\/000000000000\/xq<\/QueueUrl><\/ListQueuesResult>/);
  });

  it('errors carry the query code (AWS.SimpleQueueService.NonExistentQueue) in the ErrorResponse', async () => {
    const r = await call('/000000000000/none', { Action: 'GetQueueAttributes', 'AttributeName.1': 'All' });
    assert.equal(r.status, 400);
    assert.match(r.xml, /<ErrorResponse xmlns="http:\/\/queue.amazonaws.com\/doc\/2012-11-05\/"><Error><Type>Sender<\/Type><Code>AWS.SimpleQueueService.NonExistentQueue<\/Code><Message>The specified queue does not exist.<\/Message>/);
    const e = await call('/', { Action: 'CreateQueue', QueueName: 'xq2', 'Attribute.1.Name': 'Nope', 'Attribute.1.Value': '1' });
    assert.match(e.xml, /<Code>InvalidAttributeName<\/Code><Message>Unknown Attribute Nope.<\/Message>/);
  });
});
