/**
 * The stream phase's load client: node:http with a keep-alive agent, speaking
 * Kinesis in JSON 1.1 (`X-Amz-Target: Kinesis_20131202.<Op>`,
 * `application/x-amz-json-1.1`: what @aws-sdk/client-kinesis sends when CBOR
 * is off). Requests to Kumo are SigV4-signed per request inside the timed
 * section (as sqs.ts); peers do not verify signatures and get a fixed,
 * unsigned Authorization naming `kinesis` (moto routes by its credential
 * scope; kinesalite only wants one present).
 */
import http from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@smithy/core/checksum';

export interface KinesisEndpoint {
  host: string;
  port: number;
  signer?: SignatureV4;
  authorization?: string;
}

export const peerAuthorization = 'AWS4-HMAC-SHA256 Credential=AKIDBENCH/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=0';

const peerDate = '20260101T000000Z';

export function makeKinesisSigner(region: string, accessKeyId: string, secretAccessKey: string): SignatureV4 {
  return new SignatureV4({ service: 'kinesis', region, credentials: { accessKeyId, secretAccessKey }, sha256: Sha256 });
}

export interface KinesisOutcome {
  ms: number;
  ok: boolean;
  error?: string;
  /** The name of the AWS error (`__type` without its namespace), when it failed with one. */
  errorName?: string;
  answer?: Record<string, any>;
}

/** One call, timed from before signing to the last byte of the answer. */
export async function kinesis(ep: KinesisEndpoint, agent: http.Agent, op: string, input: Record<string, unknown>, timeoutMs = 30_000): Promise<KinesisOutcome> {
  const t0 = performance.now();
  const body = Buffer.from(JSON.stringify(input));
  let headers: Record<string, string> = {
    'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `Kinesis_20131202.${op}`, host: `${ep.host}:${ep.port}`, 'content-length': String(body.length),
    // kinesalite refuses an Authorization without a date header (IncompleteSignatureException); it checks nothing else of it.
    ...(ep.authorization ? { authorization: ep.authorization, 'x-amz-date': peerDate } : {}),
  };
  if (ep.signer) headers = (await ep.signer.sign({ method: 'POST', protocol: 'http:', hostname: ep.host, port: ep.port, path: '/', query: {}, headers, body })).headers;
  return new Promise((resolve) => {
    const req = http.request({ host: ep.host, port: ep.port, method: 'POST', path: '/', headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (x: Buffer) => chunks.push(x));
      res.on('end', () => {
        const ms = performance.now() - t0;
        const text = Buffer.concat(chunks).toString('utf8');
        let answer: Record<string, any> = {};
        try {
          answer = text ? (JSON.parse(text) as Record<string, any>) : {};
        } catch {
          return resolve({ ms, ok: false, error: `${op}: HTTP ${res.statusCode}: unreadable answer: ${text.slice(0, 200)}` });
        }
        if (res.statusCode !== 200) {
          const errorName = String(answer.__type ?? '').split('#').pop();
          return resolve({ ms, ok: false, errorName, error: `${op}: HTTP ${res.statusCode}: ${text.slice(0, 300)}` });
        }
        resolve({ ms, ok: true, answer });
      });
      res.on('error', (e) => resolve({ ms: performance.now() - t0, ok: false, error: `${op}: ${e.message}` }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ ms: performance.now() - t0, ok: false, error: `${op}: ${e.message}` }));
    req.end(body);
  });
}

export async function kinesisOk(ep: KinesisEndpoint, agent: http.Agent, op: string, input: Record<string, unknown>): Promise<Record<string, any>> {
  const o = await kinesis(ep, agent, op, input);
  if (!o.ok) throw new Error(o.error);
  return o.answer!;
}
