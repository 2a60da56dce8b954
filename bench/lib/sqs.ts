/**
 * The queue phase's load client: node:http with a keep-alive agent, speaking
 * SQS in the protocol a target understands — JSON 1.0 (`X-Amz-Target:
 * AmazonSQS.<Op>`, `application/x-amz-json-1.0`: what @aws-sdk/client-sqs
 * sends) or query (form POST `Action=<Op>&…&Version=2012-11-05`, XML answers:
 * the only one sqslite speaks). Requests to Kumo are SigV4-signed per request
 * inside the timed section, as in `load.ts`; peers do not verify signatures
 * and are not signed (moto reads the service from the Authorization header's
 * credential scope, so it gets a fixed, unsigned one naming `sqs`).
 */
import http from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@smithy/core/checksum';

export type SqsProtocol = 'json' | 'query';

export interface SqsEndpoint {
  host: string;
  port: number;
  /** Host header (sqslite builds and parses queue URLs from `localhost:<port>`). */
  hostHeader: string;
  protocol: SqsProtocol;
  /** Present for targets that verify SigV4 (Kumo). */
  signer?: SignatureV4;
  /** A fixed Authorization header for targets that route by it but do not verify it (moto). */
  authorization?: string;
}

export function makeSqsSigner(region: string, accessKeyId: string, secretAccessKey: string): SignatureV4 {
  return new SignatureV4({ service: 'sqs', region, credentials: { accessKeyId, secretAccessKey }, sha256: Sha256 });
}

/** What the phase reads from an answer, the same for both protocols. */
export interface SqsAnswer {
  queueUrl?: string;
  receiptHandles: string[];
  attributes: Record<string, string>;
  /** Batch entries that failed. */
  failed: number;
}

export interface SqsOutcome {
  ms: number;
  ok: boolean;
  error?: string;
  answer?: SqsAnswer;
}

/** The operations the phase uses, with their input in the JSON protocol's shape. */
export type SqsCall =
  | { op: 'CreateQueue'; QueueName: string }
  | { op: 'SendMessage'; QueueUrl: string; MessageBody: string }
  | { op: 'SendMessageBatch'; QueueUrl: string; Entries: { Id: string; MessageBody: string }[] }
  | { op: 'ReceiveMessage'; QueueUrl: string; MaxNumberOfMessages: number; WaitTimeSeconds: number }
  | { op: 'DeleteMessageBatch'; QueueUrl: string; Entries: { Id: string; ReceiptHandle: string }[] }
  | { op: 'DeleteMessage'; QueueUrl: string; ReceiptHandle: string }
  | { op: 'GetQueueAttributes'; QueueUrl: string; AttributeNames: string[] };

/** The query protocol's flattened members of a call (`<Member>.N.<Field>`, 1-based). */
function queryForm(c: SqsCall): URLSearchParams {
  const f = new URLSearchParams({ Action: c.op });
  for (const [k, v] of Object.entries(c)) {
    if (k === 'op') continue;
    if (k === 'Entries') {
      const entry = `${c.op}RequestEntry`;
      (v as Record<string, string>[]).forEach((e, i) => {
        for (const [ek, ev] of Object.entries(e)) f.set(`${entry}.${i + 1}.${ek}`, ev);
      });
    } else if (k === 'AttributeNames') (v as string[]).forEach((n, i) => f.set(`AttributeName.${i + 1}`, n));
    else f.set(k, String(v));
  }
  f.set('Version', '2012-11-05');
  return f;
}

const unescapeXml = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&#x?[0-9a-fA-F]+;/g, (m) => String.fromCodePoint(m[2] === 'x' ? parseInt(m.slice(3, -1), 16) : parseInt(m.slice(2, -1), 10))).replace(/&amp;/g, '&');

function parseXml(x: string): SqsAnswer {
  const all = (tag: string) => [...x.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => unescapeXml(m[1]!));
  const attributes: Record<string, string> = {};
  for (const m of x.matchAll(/<Attribute>\s*<Name>([^<]*)<\/Name>\s*<Value>([^<]*)<\/Value>\s*<\/Attribute>/g)) attributes[unescapeXml(m[1]!)] = unescapeXml(m[2]!);
  return { queueUrl: all('QueueUrl')[0], receiptHandles: all('ReceiptHandle'), attributes, failed: (x.match(/<BatchResultErrorEntry>/g) ?? []).length };
}

function parseJson(b: string): SqsAnswer {
  const o = (b ? JSON.parse(b) : {}) as { QueueUrl?: string; Messages?: { ReceiptHandle: string }[]; Attributes?: Record<string, string>; Failed?: unknown[] };
  return { queueUrl: o.QueueUrl, receiptHandles: (o.Messages ?? []).map((m) => m.ReceiptHandle), attributes: o.Attributes ?? {}, failed: o.Failed?.length ?? 0 };
}

/** One call, timed from before signing to the last byte of the answer. A failed batch entry fails the call. */
export async function sqs(ep: SqsEndpoint, agent: http.Agent, c: SqsCall, timeoutMs = 30_000): Promise<SqsOutcome> {
  const t0 = performance.now();
  let body: Buffer;
  let headers: Record<string, string>;
  if (ep.protocol === 'json') {
    const { op, ...input } = c;
    body = Buffer.from(JSON.stringify(input));
    headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${op}` };
  } else {
    body = Buffer.from(queryForm(c).toString());
    headers = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
  }
  headers = { ...headers, host: ep.hostHeader, 'content-length': String(body.length), ...(ep.authorization ? { authorization: ep.authorization } : {}) };
  if (ep.signer) {
    headers = (await ep.signer.sign({ method: 'POST', protocol: 'http:', hostname: ep.host, port: ep.port, path: '/', query: {}, headers, body })).headers;
  }
  return new Promise((resolve) => {
    const req = http.request({ host: ep.host, port: ep.port, method: 'POST', path: '/', headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (x: Buffer) => chunks.push(x));
      res.on('end', () => {
        const ms = performance.now() - t0;
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) return resolve({ ms, ok: false, error: `${c.op}: HTTP ${res.statusCode}: ${text.slice(0, 300)}` });
        let answer: SqsAnswer;
        try {
          answer = ep.protocol === 'json' ? parseJson(text) : parseXml(text);
        } catch (e) {
          return resolve({ ms, ok: false, error: `${c.op}: unreadable answer (${(e as Error).message}): ${text.slice(0, 200)}` });
        }
        if (answer.failed) return resolve({ ms, ok: false, answer, error: `${c.op}: ${answer.failed} failed entries: ${text.slice(0, 300)}` });
        resolve({ ms, ok: true, answer });
      });
      res.on('error', (e) => resolve({ ms: performance.now() - t0, ok: false, error: `${c.op}: ${e.message}` }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ ms: performance.now() - t0, ok: false, error: `${c.op}: ${e.message}` }));
    req.end(body);
  });
}

/** A call that must succeed (set-up steps, not measured). */
export async function sqsOk(ep: SqsEndpoint, agent: http.Agent, c: SqsCall): Promise<SqsAnswer> {
  const o = await sqs(ep, agent, c);
  if (!o.ok) throw new Error(o.error);
  return o.answer!;
}
