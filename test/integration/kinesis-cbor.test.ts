import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SignatureV4 } from '@smithy/signature-v4';
import { cbor, dateToTag } from '@smithy/core/cbor';
import { startServer, testCreds, type RunningServer } from './harness';
import { Sha256 } from './sha256';

/**
 * Kinesis's JSON 1.1 operations with CBOR bodies (`Content-Type:
 * application/x-amz-cbor-1.1`), as the Java SDK and the KPL send them:
 * signed requests over HTTP/1.1, CBOR answers (blobs as byte strings,
 * timestamps as tagged epoch values), and errors as CBOR `__type` maps.
 */
describe('Kinesis with CBOR bodies (application/x-amz-cbor-1.1)', () => {
  let s: RunningServer;
  before(async () => {
    s = await startServer();
  });
  after(async () => {
    await s?.stop();
  });

  async function call(op: string, input: Record<string, unknown>): Promise<{ status: number; type: string | null; body: Record<string, unknown> }> {
    const url = new URL(s.endpoint);
    const body = Buffer.from(cbor.serialize(input));
    const signer = new SignatureV4({ credentials: testCreds, region: 'us-east-1', service: 'kinesis', sha256: Sha256 });
    const signed = await signer.sign({
      method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/',
      headers: { host: url.host, 'content-type': 'application/x-amz-cbor-1.1', 'x-amz-target': `Kinesis_20131202.${op}` }, body,
    });
    const res = await fetch(s.endpoint, { method: 'POST', headers: signed.headers as Record<string, string>, body });
    const bytes = new Uint8Array(await res.arrayBuffer());
    return { status: res.status, type: res.headers.get('content-type'), body: cbor.deserialize(bytes) as Record<string, unknown> };
  }

  it('create, put with a byte-string blob, read it back as bytes with a timestamp; errors are CBOR', async () => {
    assert.equal((await call('CreateStream', { StreamName: 'c', ShardCount: 1 })).status, 200);
    await new Promise((r) => setTimeout(r, 200));
    const put = await call('PutRecord', { StreamName: 'c', PartitionKey: 'p', Data: new Uint8Array([0, 1, 2, 255]) });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.type, 'application/x-amz-cbor-1.1');
    assert.equal(put.body.ShardId, 'shardId-000000000000');
    const it = await call('GetShardIterator', { StreamName: 'c', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' });
    const got = await call('GetRecords', { ShardIterator: it.body.ShardIterator });
    assert.equal(got.status, 200, JSON.stringify(got.body));
    const rec = (got.body.Records as Record<string, unknown>[])[0]!;
    assert.deepEqual([...(rec.Data as Uint8Array)], [0, 1, 2, 255]);
    assert.equal(rec.SequenceNumber, put.body.SequenceNumber);
    const ts = rec.ApproximateArrivalTimestamp;
    const tagged = ts as { tag?: number; value?: number };
    assert.equal(tagged.tag, 1, 'a timestamp is CBOR tag 1');
    const ms = tagged.value! * 1000;
    assert.ok(Math.abs(ms - Date.now()) < 60_000, `arrival ${String(ts)}`);
    const at = await call('GetShardIterator', { StreamName: 'c', ShardId: 'shardId-000000000000', ShardIteratorType: 'AT_TIMESTAMP', Timestamp: dateToTag(new Date(ms + 60_000)) });
    assert.equal(at.status, 200, 'a tag-1 Timestamp is read');
    assert.deepEqual((await call('GetRecords', { ShardIterator: at.body.ShardIterator })).body.Records, []);
    const missing = await call('DescribeStream', { StreamName: 'nope' });
    assert.equal(missing.status, 400);
    assert.equal(missing.type, 'application/x-amz-cbor-1.1');
    assert.equal(missing.body.__type, 'ResourceNotFoundException');
    assert.equal(missing.body.message, 'Stream nope under account 000000000000 not found.');
  });
});
