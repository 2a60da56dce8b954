/**
 * The one load client every target is measured with: node:http with a
 * keep-alive agent, POSTing Lambda Invoke requests
 * (`/2015-03-31/functions/NAME/invocations`). Requests to Kumo are SigV4-signed
 * on every call with the signer and SHA-256 the AWS SDK for JavaScript v3 uses
 * in Node.js (@smithy/signature-v4 + @smithy/core/checksum), so the signing
 * cost lands in the measured latency as it does for a real SDK caller.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@smithy/core/checksum';

export interface Endpoint {
  host: string;
  port: number;
  functionName: string;
  /** Present for targets that verify SigV4 (Kumo). */
  signer?: SignatureV4;
}

export function makeSigner(region: string, accessKeyId: string, secretAccessKey: string): SignatureV4 {
  return new SignatureV4({ service: 'lambda', region, credentials: { accessKeyId, secretAccessKey }, sha256: Sha256 });
}

export interface InvokeOutcome {
  ms: number;
  ok: boolean;
  status?: number;
  headers?: http.IncomingHttpHeaders;
  body?: Buffer;
  error?: string;
}

export interface InvokeOptions {
  payload?: Buffer;
  /** Called per request instead of `payload` (e.g. to carry the send time). */
  makePayload?: () => Buffer;
  /** Extra Lambda headers: X-Amz-Invocation-Type, X-Amz-Log-Type… */
  headers?: Record<string, string>;
  /** Status that counts as success: 200 (RequestResponse) or 202 (Event). */
  expectStatus?: number;
  timeoutMs?: number;
}

const defaultPayload = Buffer.from('{"bench":true}');

/** One Invoke, timed from before signing to the last byte of the response. */
export async function invoke(ep: Endpoint, agent: http.Agent, opts: InvokeOptions = {}): Promise<InvokeOutcome> {
  const body = opts.makePayload?.() ?? opts.payload ?? defaultPayload;
  const path = `/2015-03-31/functions/${encodeURIComponent(ep.functionName)}/invocations`;
  const t0 = performance.now();
  let headers: Record<string, string> = {
    host: `${ep.host}:${ep.port}`,
    'content-type': 'application/octet-stream',
    'content-length': String(body.length),
    'amz-sdk-invocation-id': randomUUID(),
    'amz-sdk-request': 'attempt=1; max=1',
    ...opts.headers,
  };
  if (ep.signer) {
    const signed = await ep.signer.sign({
      method: 'POST',
      protocol: 'http:',
      hostname: ep.host,
      port: ep.port,
      path,
      query: {},
      headers,
      body,
    });
    headers = signed.headers;
  }
  const expect = opts.expectStatus ?? 200;
  return new Promise((resolve) => {
    const req = http.request({ host: ep.host, port: ep.port, method: 'POST', path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const ms = performance.now() - t0;
        const b = Buffer.concat(chunks);
        let error: string | undefined;
        if (res.statusCode !== expect) error = `HTTP ${res.statusCode}: ${b.toString('utf8').slice(0, 200)}`;
        else if (res.headers['x-amz-function-error']) error = `function error: ${b.toString('utf8').slice(0, 200)}`;
        else if (expect === 200 && !b.toString('utf8').includes('"ok"')) error = `unexpected body: ${b.toString('utf8').slice(0, 200)}`;
        resolve({ ms, ok: !error, status: res.statusCode, headers: res.headers, body: b, error });
      });
      res.on('error', (e) => resolve({ ms: performance.now() - t0, ok: false, error: e.message }));
    });
    req.setTimeout(opts.timeoutMs ?? 30_000, () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ ms: performance.now() - t0, ok: false, error: e.message }));
    req.end(body);
  });
}

export interface PhaseResult {
  /** Latencies of the successful requests, ms. */
  latencies: number[];
  requests: number;
  errors: number;
  errorSamples: string[];
  /** Wall time of the phase, ms (first request sent → last response). */
  elapsedMs: number;
}

function emptyPhase(): PhaseResult {
  return { latencies: [], requests: 0, errors: 0, errorSamples: [], elapsedMs: 0 };
}

function record(r: PhaseResult, o: InvokeOutcome): void {
  r.requests++;
  if (o.ok) r.latencies.push(o.ms);
  else {
    r.errors++;
    // One sample per kind of error: request ids are masked so that repeats of one error collapse.
    const e = o.error?.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>');
    if (r.errorSamples.length < 5 && e && !r.errorSamples.includes(e)) r.errorSamples.push(e);
  }
}

/** `n` requests one after another on one kept-alive connection. */
export async function sequential(ep: Endpoint, n: number, opts: InvokeOptions = {}): Promise<PhaseResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const r = emptyPhase();
  const t0 = performance.now();
  try {
    for (let i = 0; i < n; i++) record(r, await invoke(ep, agent, opts));
  } finally {
    r.elapsedMs = performance.now() - t0;
    agent.destroy();
  }
  return r;
}

/** `connections` closed loops for `durationMs`, each on its own kept-alive connection. */
export async function concurrent(ep: Endpoint, connections: number, durationMs: number, opts: InvokeOptions = {}): Promise<PhaseResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  const r = emptyPhase();
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  try {
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (performance.now() < deadline) record(r, await invoke(ep, agent, opts));
      }),
    );
  } finally {
    r.elapsedMs = performance.now() - t0;
    agent.destroy();
  }
  return r;
}

/** Exactly `count` requests spread over `connections` closed loops (as fast as they are answered). */
export async function countedConcurrent(ep: Endpoint, connections: number, count: number, opts: InvokeOptions = {}): Promise<PhaseResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  const r = emptyPhase();
  let issued = 0;
  const t0 = performance.now();
  try {
    await Promise.all(
      Array.from({ length: Math.min(connections, count) }, async () => {
        while (issued < count) {
          issued++;
          record(r, await invoke(ep, agent, opts));
        }
      }),
    );
  } finally {
    r.elapsedMs = performance.now() - t0;
    agent.destroy();
  }
  return r;
}

/** `count` requests fired at once, each on its own connection; resolves when all have answered. */
export async function simultaneous(ep: Endpoint, count: number, opts: InvokeOptions = {}): Promise<{ result: PhaseResult; outcomes: InvokeOutcome[] }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: count, maxFreeSockets: count });
  const r = emptyPhase();
  const t0 = performance.now();
  let outcomes: InvokeOutcome[] = [];
  try {
    outcomes = await Promise.all(Array.from({ length: count }, () => invoke(ep, agent, { timeoutMs: 120_000, ...opts })));
    for (const o of outcomes) record(r, o);
  } finally {
    r.elapsedMs = performance.now() - t0;
    agent.destroy();
  }
  return { result: r, outcomes };
}

export function mergePhases(parts: PhaseResult[]): PhaseResult {
  const m = emptyPhase();
  for (const p of parts) {
    for (const l of p.latencies) m.latencies.push(l);
    m.requests += p.requests;
    m.errors += p.errors;
    m.elapsedMs += p.elapsedMs;
    for (const e of p.errorSamples) if (m.errorSamples.length < 5 && !m.errorSamples.includes(e)) m.errorSamples.push(e);
  }
  return m;
}
