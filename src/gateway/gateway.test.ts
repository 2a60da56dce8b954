import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CloudWatchClient, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { AwsSmithyRpcV2CborProtocol } from '@aws-sdk/core/protocols';
import { GetAccountSettingsCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { Gateway } from './gateway';
import { rootCallerResolver } from './credentials';
import { clientError, ServiceError } from './errors';
import type { Members, ServiceDefinition } from './service';

/**
 * The gateway's protocols, driven by AWS's own SDK clients over real HTTP:
 * the services here are test doubles of the operations' handlers (the
 * gateway is what is under test), each speaking its service's real
 * protocol: JSON 1.1 (CloudWatch Logs), query + XML (STS), JSON 1.0 and
 * Smithy RPC v2 CBOR (CloudWatch metrics), rest-json (Lambda).
 */
const creds = { accessKeyId: 'AKIDGATEWAYTEST00000', secretAccessKey: 'gateway-test-secret-000000000000000000' };
const region = 'us-east-1';
const seen: { service: string; op: string; input: Members; protocol: string; key: string | undefined }[] = [];

const notFoundSpec = clientError(400);
/** An error of the kind a domain throws: no AWS name, mapped by the service's `mapError`. */
class GroupMissing extends Error {}
const services: ServiceDefinition[] = [
  {
    name: 'logs',
    signingName: 'logs',
    errors: { ResourceNotFoundException: notFoundSpec },
    json: { targetPrefix: 'Logs_20140328', version: '1.1' },
    mapError: (e) => (e instanceof GroupMissing ? new ServiceError('ResourceNotFoundException', notFoundSpec, e.message) : undefined),
    operations: {
      DescribeLogGroups: {
        async handle(input, ctx) {
          seen.push({ service: 'logs', op: 'DescribeLogGroups', input, protocol: ctx.protocol, key: ctx.accessKeyId });
          if (input.logGroupNamePrefix === 'missing') throw new ServiceError('ResourceNotFoundException', notFoundSpec, 'The specified log group does not exist.');
          if (input.logGroupNamePrefix === 'crash') throw new Error('boom: internal detail');
          if (input.logGroupNamePrefix === 'domain') throw new GroupMissing('The specified log group does not exist.');
          return { logGroups: [{ logGroupName: `${input.logGroupNamePrefix as string}-1`, creationTime: 1700000000000, storedBytes: 0 }], nextToken: 'n1' };
        },
      },
    },
  },
  {
    name: 'sts',
    signingName: 'sts',
    errors: { InvalidIdentityToken: clientError(400) },
    query: { apiVersion: '2011-06-15', xmlNamespace: 'https://sts.amazonaws.com/doc/2011-06-15/' },
    operations: {
      GetCallerIdentity: {
        async handle(input, ctx) {
          seen.push({ service: 'sts', op: 'GetCallerIdentity', input, protocol: ctx.protocol, key: ctx.accessKeyId });
          return { UserId: ctx.accessKeyId, Account: '000000000000', Arn: 'arn:aws:iam::000000000000:user/test & <co>' };
        },
      },
    },
  },
  {
    name: 'monitoring',
    signingName: 'monitoring',
    errors: { ResourceNotFound: clientError(404) },
    json: { targetPrefix: 'GraniteServiceVersion20100801', version: '1.0' },
    cbor: { serviceName: 'GraniteServiceVersion20100801' },
    query: { apiVersion: '2010-08-01', xmlNamespace: 'http://monitoring.amazonaws.com/doc/2010-08-01/' },
    operations: {
      ListMetrics: {
        async handle(input, ctx) {
          seen.push({ service: 'monitoring', op: 'ListMetrics', input, protocol: ctx.protocol, key: ctx.accessKeyId });
          if (input.Namespace === 'missing') throw new ServiceError('ResourceNotFound', clientError(404), 'no such namespace');
          return { Metrics: [{ Namespace: input.Namespace, MetricName: 'Invocations', Dimensions: [{ Name: 'FunctionName', Value: 'f' }] }] };
        },
      },
    },
  },
  {
    name: 'lambda',
    signingName: 'lambda',
    errors: { InvalidSignatureException: clientError(403) },
    internalErrorName: 'ServiceException',
    restJson: {
      routes: [
        {
          method: 'GET', path: ['2016-08-19', 'account-settings'], operation: 'GetAccountSettings', bodyBytesMax: 1024, auth: true,
          async handle() {
            return { status: 200, json: { AccountLimit: { ConcurrentExecutions: 7 } } };
          },
        },
      ],
    },
  },
];

describe('gateway: one port, every protocol, AWS SDK v3 clients', () => {
  let gw: Gateway;
  let endpoint = '';
  const internal: unknown[] = [];
  before(async () => {
    gw = new Gateway({ region, callers: rootCallerResolver(creds, '000000000000'), services, onInternalError: (e) => internal.push(e) });
    const addr: AddressInfo = await gw.listen(0, '127.0.0.1');
    endpoint = `http://127.0.0.1:${addr.port}`;
  });
  after(() => gw.close(100));
  const opts = () => ({ endpoint, region, credentials: creds, maxAttempts: 1 });

  test('JSON 1.1 (X-Amz-Target): members in, members out, errors by __type', async () => {
    const c = new CloudWatchLogsClient(opts());
    const r = await c.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/lambda/f', limit: 5 }));
    assert.equal(r.logGroups?.[0]?.logGroupName, '/aws/lambda/f-1');
    assert.equal(r.logGroups?.[0]?.creationTime, 1700000000000);
    assert.equal(r.nextToken, 'n1');
    assert.deepEqual(seen.at(-1), { service: 'logs', op: 'DescribeLogGroups', input: { logGroupNamePrefix: '/aws/lambda/f', limit: 5 }, protocol: 'json', key: creds.accessKeyId });
    await assert.rejects(c.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'missing' })), (e: Error & { $metadata: { httpStatusCode: number } }) => {
      assert.equal(e.name, 'ResourceNotFoundException');
      assert.equal(e.message, 'The specified log group does not exist.');
      assert.equal(e.$metadata.httpStatusCode, 400);
      return true;
    });
    // A domain error becomes the service's AWS error through its mapError hook; anything it does not map stays internal.
    await assert.rejects(c.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'domain' })), (e: Error & { $metadata: { httpStatusCode: number } }) => {
      assert.equal(e.name, 'ResourceNotFoundException');
      assert.equal(e.message, 'The specified log group does not exist.');
      assert.equal(e.$metadata.httpStatusCode, 400);
      return true;
    });
    // An unexpected failure is the generic internal error; the detail stays on the server.
    await assert.rejects(c.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'crash' })), (e: Error) => {
      assert.equal(e.name, 'InternalFailure');
      assert.doesNotMatch(e.message, /boom/);
      return true;
    });
    assert.match(String(internal.at(-1)), /boom/);
    c.destroy();
  });

  test('query protocol: form in, XML out (escaped), signature checked for the service', async () => {
    const c = new STSClient(opts());
    const r = await c.send(new GetCallerIdentityCommand({}));
    assert.deepEqual({ UserId: r.UserId, Account: r.Account, Arn: r.Arn }, { UserId: creds.accessKeyId, Account: '000000000000', Arn: 'arn:aws:iam::000000000000:user/test & <co>' });
    assert.equal(seen.at(-1)!.protocol, 'query');
    const bad = new STSClient({ ...opts(), credentials: { ...creds, secretAccessKey: 'wrong' } });
    await assert.rejects(bad.send(new GetCallerIdentityCommand({})), (e: Error & { $metadata: { httpStatusCode: number } }) => {
      assert.equal(e.name, 'SignatureDoesNotMatch');
      assert.match(e.message, /^The request signature we calculated does not match/);
      assert.equal(e.$metadata.httpStatusCode, 403);
      return true;
    });
    c.destroy();
    bad.destroy();
  });

  test('JSON 1.0 and Smithy RPC v2 CBOR reach the same operation', async () => {
    const json = new CloudWatchClient(opts());
    const r1 = await json.send(new ListMetricsCommand({ Namespace: 'AWS/Lambda' }));
    assert.equal(seen.at(-1)!.protocol, 'json');
    assert.equal(r1.Metrics?.[0]?.Dimensions?.[0]?.Value, 'f');
    const cbor = new CloudWatchClient({ ...opts(), protocol: AwsSmithyRpcV2CborProtocol });
    const r2 = await cbor.send(new ListMetricsCommand({ Namespace: 'AWS/Lambda' }));
    assert.equal(seen.at(-1)!.protocol, 'rpc-v2-cbor');
    assert.deepEqual(seen.at(-1)!.input, { Namespace: 'AWS/Lambda' });
    assert.equal(r2.Metrics?.[0]?.MetricName, 'Invocations');
    await assert.rejects(cbor.send(new ListMetricsCommand({ Namespace: 'missing' })), (e: Error) => e.name === 'ResourceNotFound' && e.message === 'no such namespace');
    json.destroy();
    cbor.destroy();
  });

  test('rest-json routes by method and path; the signing service must be the one addressed', async () => {
    const c = new LambdaClient(opts());
    const r = await c.send(new GetAccountSettingsCommand({}));
    assert.equal(r.AccountLimit?.ConcurrentExecutions, 7);
    c.destroy();
    // A Logs request signed for Lambda's scope is refused by the signature check.
    const res = await fetch(`${endpoint}/`, {
      method: 'POST',
      headers: {
        'x-amz-target': 'Logs_20140328.DescribeLogGroups',
        'content-type': 'application/x-amz-json-1.1',
        authorization: `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=00`,
        'x-amz-date': '20260101T000000Z',
      },
      body: '{}',
    });
    const body = (await res.json()) as { __type: string };
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('x-amzn-errortype'), body.__type);
    assert.match(body.__type, /Signature|Incomplete/);
  });

  test('an unknown target or action is UnknownOperationException in that protocol', async () => {
    const res = await fetch(`${endpoint}/`, { method: 'POST', headers: { 'x-amz-target': 'Logs_20140328.NoSuchThing', 'content-type': 'application/x-amz-json-1.1' }, body: '{}' });
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { __type: 'UnknownOperationException', message: 'Unknown operation' });
    const none = await fetch(`${endpoint}/nowhere`);
    assert.equal((await none.json() as { message: string }).message, 'Unknown operation');
  });
});

describe('gateway: HTTP/1.1 and HTTP/2 (h2c) on one port; close with clients still connected', () => {
  const start = async () => {
    const gw = new Gateway({ region, callers: rootCallerResolver(creds, '000000000000'), services, onInternalError: () => {} });
    const addr: AddressInfo = await gw.listen(0, '127.0.0.1');
    return { gw, endpoint: `http://127.0.0.1:${addr.port}` };
  };

  test('an SDK over HTTP/2 (signing :authority) and one over HTTP/1.1 keep-alive are both served, and close() ends promptly with their connections open', async () => {
    const { gw, endpoint } = await start();
    const { NodeHttp2Handler } = await import('@smithy/node-http-handler');
    const h2 = new CloudWatchLogsClient({ endpoint, region, credentials: creds, maxAttempts: 1, requestHandler: new NodeHttp2Handler() });
    const h1 = new CloudWatchLogsClient({ endpoint, region, credentials: creds, maxAttempts: 1 });
    const a = await h2.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'h2' }));
    const b = await h1.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'h1' }));
    assert.ok(a.logGroups && b.logGroups);
    const t0 = Date.now();
    // Both clients keep their connections open; a close that cannot see them would wait the whole grace.
    await gw.close(5_000);
    assert.ok(Date.now() - t0 < 2_000, `close took ${Date.now() - t0} ms`);
    h1.destroy();
    h2.destroy();
  });
});
