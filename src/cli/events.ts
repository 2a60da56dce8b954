import { createHash } from 'node:crypto';
import { UsageError, type Parsed } from './args';

/**
 * `kumo generate-event <service> <event>`: sample events with the field names,
 * nesting and formats of the events AWS services send to Lambda (as in AWS's
 * documentation and SAM CLI's samples), generated here with the interesting
 * fields settable.
 */
type Opts = Record<string, string | undefined>;

interface EventKind {
  description: string;
  options: string[];
  make(o: Opts): unknown;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');
const common = (o: Opts) => ({
  region: o.region ?? 'us-east-1',
  account: o['account-id'] ?? '123456789012',
  partition: (o.region ?? 'us-east-1').startsWith('cn-') ? 'aws-cn' : 'aws',
});
const dnsSuffix = (region: string) => (region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com');
const trimSlash = (p: string) => p.replace(/^\/+/, '');

/** API Gateway's request time format: 09/Apr/2015:12:34:56 +0000. */
function apigwTime(d: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

const fixedTime = new Date(Date.UTC(2020, 2, 12, 19, 3, 58, 390));

export const eventKinds: Record<string, Record<string, EventKind>> = {
  apigateway: {
    'http-api-proxy': {
      description: 'HTTP API (payload format 2.0) request',
      options: ['body', 'path', 'method', 'stage', 'account-id', 'region'],
      make(o) {
        const c = common(o);
        const p = '/' + trimSlash(o.path ?? 'path/to/resource');
        const method = (o.method ?? 'POST').toUpperCase();
        return {
          version: '2.0',
          routeKey: '$default',
          rawPath: p,
          rawQueryString: 'parameter1=value1&parameter1=value2&parameter2=value',
          cookies: ['cookie1', 'cookie2'],
          headers: { Header1: 'value1', Header2: 'value1,value2' },
          queryStringParameters: { parameter1: 'value1,value2', parameter2: 'value' },
          requestContext: {
            accountId: c.account,
            apiId: 'api-id',
            authentication: {
              clientCert: {
                clientCertPem: 'CERT_CONTENT',
                subjectDN: 'www.example.com',
                issuerDN: 'Example issuer',
                serialNumber: 'a1:a1:a1:a1:a1:a1:a1:a1:a1:a1:a1:a1:a1:a1:a1:a1',
                validity: { notBefore: 'May 28 12:30:02 2019 GMT', notAfter: 'Aug  5 09:36:04 2021 GMT' },
              },
            },
            authorizer: { jwt: { claims: { claim1: 'value1', claim2: 'value2' }, scopes: ['scope1', 'scope2'] } },
            domainName: `id.execute-api.${c.region}.${dnsSuffix(c.region)}`,
            domainPrefix: 'id',
            http: { method, path: p, protocol: 'HTTP/1.1', sourceIp: '192.168.0.1/32', userAgent: 'agent' },
            requestId: 'id',
            routeKey: '$default',
            stage: o.stage ?? '$default',
            time: apigwTime(fixedTime),
            timeEpoch: fixedTime.getTime(),
          },
          body: b64(o.body ?? '{"test":"body"}'),
          pathParameters: { parameter1: 'value1' },
          isBase64Encoded: true,
          stageVariables: { stageVariable1: 'value1', stageVariable2: 'value2' },
        };
      },
    },
    'aws-proxy': {
      description: 'REST API proxy integration (payload format 1.0) request',
      options: ['body', 'path', 'method', 'stage', 'resource', 'account-id', 'region'],
      make(o) {
        const c = common(o);
        const p = trimSlash(o.path ?? 'path/to/resource');
        const method = (o.method ?? 'POST').toUpperCase();
        const resource = o.resource ?? '/{proxy+}';
        const stage = o.stage ?? 'prod';
        const headers: Record<string, string> = {
          Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/webp,*/*;q=0.8',
          'Accept-Encoding': 'gzip, deflate, sdch',
          'Accept-Language': 'en-US,en;q=0.8',
          'Cache-Control': 'max-age=0',
          'CloudFront-Forwarded-Proto': 'https',
          'CloudFront-Is-Desktop-Viewer': 'true',
          'CloudFront-Is-Mobile-Viewer': 'false',
          'CloudFront-Is-SmartTV-Viewer': 'false',
          'CloudFront-Is-Tablet-Viewer': 'false',
          'CloudFront-Viewer-Country': 'US',
          Host: `1234567890.execute-api.${c.region}.${dnsSuffix(c.region)}`,
          'Upgrade-Insecure-Requests': '1',
          'User-Agent': 'Custom User Agent String',
          Via: '1.1 08f323deadbeefa7af34d5feb414ce27.cloudfront.net (CloudFront)',
          'X-Amz-Cf-Id': 'cDehVQoZnx43VYQb9j2-nvCh-9z396Uhbp027Y2JvkCPNLmGJHqlaA==',
          'X-Forwarded-For': '127.0.0.1, 127.0.0.2',
          'X-Forwarded-Port': '443',
          'X-Forwarded-Proto': 'https',
        };
        return {
          body: b64(o.body ?? '{"test":"body"}'),
          resource,
          path: `/${p}`,
          httpMethod: method,
          isBase64Encoded: true,
          queryStringParameters: { foo: 'bar' },
          multiValueQueryStringParameters: { foo: ['bar'] },
          pathParameters: { proxy: `/${p}` },
          stageVariables: { baz: 'qux' },
          headers,
          multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
          requestContext: {
            accountId: c.account,
            resourceId: '123456',
            stage,
            requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
            requestTime: apigwTime(new Date(Date.UTC(2015, 3, 9, 12, 34, 56))),
            requestTimeEpoch: 1428582896000,
            identity: {
              cognitoIdentityPoolId: null,
              accountId: null,
              cognitoIdentityId: null,
              caller: null,
              accessKey: null,
              sourceIp: '127.0.0.1',
              cognitoAuthenticationType: null,
              cognitoAuthenticationProvider: null,
              userArn: null,
              userAgent: 'Custom User Agent String',
              user: null,
            },
            path: `/${stage}/${p}`,
            resourcePath: resource,
            httpMethod: method,
            apiId: '1234567890',
            protocol: 'HTTP/1.1',
          },
        };
      },
    },
  },
  sqs: {
    'receive-message': {
      description: 'a batch of one SQS message',
      options: ['body', 'queue', 'account-id', 'region'],
      make(o) {
        const c = common(o);
        const body = o.body ?? 'Hello from SQS!';
        return {
          Records: [
            {
              messageId: '19dd0b57-b21e-4ac1-bd88-01bbb068cb78',
              receiptHandle: 'MessageReceiptHandle',
              body,
              attributes: {
                ApproximateReceiveCount: '1',
                SentTimestamp: '1523232000000',
                SenderId: c.account,
                ApproximateFirstReceiveTimestamp: '1523232000001',
              },
              messageAttributes: {},
              md5OfBody: md5(body),
              eventSource: 'aws:sqs',
              eventSourceARN: `arn:${c.partition}:sqs:${c.region}:${c.account}:${o.queue ?? 'MyQueue'}`,
              awsRegion: c.region,
            },
          ],
        };
      },
    },
  },
  s3: {
    put: {
      description: 'an object was created (ObjectCreated:Put)',
      options: ['bucket', 'key', 'size', 'region'],
      make: (o) => s3Event(o, 'ObjectCreated:Put'),
    },
    delete: {
      description: 'an object was deleted (ObjectRemoved:Delete)',
      options: ['bucket', 'key', 'region'],
      make: (o) => s3Event(o, 'ObjectRemoved:Delete'),
    },
  },
  cloudwatch: {
    'scheduled-event': {
      description: 'an EventBridge (CloudWatch Events) schedule fired',
      options: ['rule', 'account-id', 'region'],
      make(o) {
        const c = common(o);
        return {
          id: 'cdc73f9d-aea9-11e3-9d5a-835b769c0d9c',
          'detail-type': 'Scheduled Event',
          source: 'aws.events',
          account: c.account,
          time: '1970-01-01T00:00:00Z',
          region: c.region,
          resources: [`arn:${c.partition}:events:${c.region}:${c.account}:rule/${o.rule ?? 'ExampleRule'}`],
          detail: {},
        };
      },
    },
  },
  sns: {
    notification: {
      description: 'an SNS notification',
      options: ['message', 'subject', 'topic', 'account-id', 'region'],
      make(o) {
        const c = common(o);
        const topicArn = `arn:${c.partition}:sns:${c.region}:${c.account}:${o.topic ?? 'ExampleTopic'}`;
        return {
          Records: [
            {
              EventSource: 'aws:sns',
              EventVersion: '1.0',
              EventSubscriptionArn: `${topicArn}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55`,
              Sns: {
                Type: 'Notification',
                MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
                TopicArn: topicArn,
                Subject: o.subject ?? 'example subject',
                Message: o.message ?? 'example message',
                Timestamp: '1970-01-01T00:00:00.000Z',
                SignatureVersion: '1',
                Signature: 'EXAMPLE',
                SigningCertUrl: 'EXAMPLE',
                UnsubscribeUrl: 'EXAMPLE',
                MessageAttributes: {
                  Test: { Type: 'String', Value: 'TestString' },
                  TestBinary: { Type: 'Binary', Value: 'TestBinary' },
                },
              },
            },
          ],
        };
      },
    },
  },
  kinesis: {
    'get-records': {
      description: 'a batch of one Kinesis record (data base64-encoded)',
      options: ['data', 'partition-key', 'sequence', 'region'],
      make(o) {
        const c = common(o);
        const seq = o.sequence ?? '49590338271490256608559692538361571095921575989136588898';
        return {
          Records: [
            {
              kinesis: {
                kinesisSchemaVersion: '1.0',
                partitionKey: o['partition-key'] ?? 'partitionKey-03',
                sequenceNumber: seq,
                data: b64(o.data ?? 'Hello, this is a test 123.'),
                approximateArrivalTimestamp: 1428537600.0,
              },
              eventSource: 'aws:kinesis',
              eventVersion: '1.0',
              eventID: `shardId-000000000000:${seq}`,
              eventName: 'aws:kinesis:record',
              invokeIdentityArn: `arn:${c.partition}:iam::EXAMPLE`,
              awsRegion: c.region,
              eventSourceARN: `arn:${c.partition}:kinesis:EXAMPLE`,
            },
          ],
        };
      },
    },
  },
  dynamodb: {
    update: {
      description: 'a stream batch: INSERT, MODIFY and REMOVE of one item',
      options: ['table', 'account-id', 'region'],
      make(o) {
        const c = common(o);
        const arn = `arn:${c.partition}:dynamodb:${c.region}:${c.account}:table/${o.table ?? 'ExampleTableWithStream'}/stream/2015-06-27T00:48:05.899`;
        const rec = (id: string, name: string, seq: string, size: number, images: Record<string, unknown>) => ({
          eventID: id,
          eventName: name,
          eventVersion: '1.1',
          eventSource: 'aws:dynamodb',
          awsRegion: c.region,
          dynamodb: {
            Keys: { Id: { N: '101' } },
            ...images,
            ApproximateCreationDateTime: 1428537600,
            SequenceNumber: seq,
            SizeBytes: size,
            StreamViewType: 'NEW_AND_OLD_IMAGES',
          },
          eventSourceARN: arn,
        });
        const item = (msg: string) => ({ Message: { S: msg }, Id: { N: '101' } });
        return {
          Records: [
            rec('c4ca4238a0b923820dcc509a6f75849b', 'INSERT', '4421584500000000017450439091', 26, { NewImage: item('New item!') }),
            rec('c81e728d9d4c2f636f067f89cc14862c', 'MODIFY', '4421584500000000017450439092', 59, {
              NewImage: item('This item has changed'),
              OldImage: item('New item!'),
            }),
            rec('eccbc87e4b5ce2fe28308fd9f2a7baf3', 'REMOVE', '4421584500000000017450439093', 38, { OldImage: item('This item has changed') }),
          ],
        };
      },
    },
  },
};

function s3Event(o: Opts, eventName: string): unknown {
  const c = common(o);
  const bucket = o.bucket ?? 'example-bucket';
  const object: Record<string, unknown> = { key: o.key ?? 'test/key' };
  if (eventName.startsWith('ObjectCreated')) {
    object.size = Number(o.size ?? 1024);
    object.eTag = '0123456789abcdef0123456789abcdef';
  }
  object.sequencer = '0A1B2C3D4E5F678901';
  return {
    Records: [
      {
        eventVersion: '2.0',
        eventSource: 'aws:s3',
        awsRegion: c.region,
        eventTime: '1970-01-01T00:00:00.000Z',
        eventName,
        userIdentity: { principalId: 'EXAMPLE' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: {
          'x-amz-request-id': 'EXAMPLE123456789',
          'x-amz-id-2': 'EXAMPLE123/5678abcdefghijklambdaisawesome/mnopqrstuvwxyzABCDEFGH',
        },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'testConfigRule',
          bucket: { name: bucket, ownerIdentity: { principalId: 'EXAMPLE' }, arn: `arn:${c.partition}:s3:::${bucket}` },
          object,
        },
      },
    ],
  };
}

/** Generates one event by SAM CLI's names; throws a UsageError listing what exists. */
export function generateEvent(service: string, event: string, opts: Opts): unknown {
  const svc = eventKinds[service];
  if (!svc) throw new UsageError(`unknown service '${service}'; services: ${Object.keys(eventKinds).join(', ')}`);
  const kind = svc[event];
  if (!kind) throw new UsageError(`unknown ${service} event '${event}'; ${service} events: ${Object.keys(svc).join(', ')}`);
  for (const k of Object.keys(opts)) {
    if (opts[k] !== undefined && !kind.options.includes(k)) {
      throw new UsageError(`${service} ${event} has no option --${k} (it takes ${kind.options.map((x) => '--' + x).join(' ')})`);
    }
  }
  if (opts.size !== undefined && !/^\d+$/.test(opts.size)) throw new UsageError('--size wants a number of bytes');
  return kind.make(opts);
}

export async function generateEventCommand({ positional, flags }: Parsed): Promise<number> {
  if (flags.list || positional.length === 0) {
    const lines = ['Events (kumo generate-event <service> <event> [options]):'];
    for (const [svc, kinds] of Object.entries(eventKinds)) {
      for (const [name, k] of Object.entries(kinds)) {
        lines.push(`  ${`${svc} ${name}`.padEnd(28)} ${k.description}; ${k.options.map((x) => '--' + x).join(' ')}`);
      }
    }
    process.stdout.write(lines.join('\n') + '\n');
    return flags.list ? 0 : 2;
  }
  const [service, event] = positional;
  if (!event) throw new UsageError(`which ${service} event? one of: ${Object.keys(eventKinds[service!] ?? {}).join(', ') || '(unknown service)'}`);
  const opts: Opts = {};
  for (const [k, v] of Object.entries(flags)) if (k !== 'list' && k !== 'help' && typeof v === 'string') opts[k] = v;
  process.stdout.write(JSON.stringify(generateEvent(service!, event, opts), null, 2) + '\n');
  return 0;
}
