import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SNSClient } from '@aws-sdk/client-sns';
import { testCreds, type RunningServer } from './harness';

/** One POST an endpoint received. */
export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  json: Record<string, unknown>;
}

/**
 * An HTTP endpoint on 127.0.0.1 (loopback only) recording what SNS POSTs;
 * `answer` decides each response (default 200; `'hang'` never answers, as a
 * stuck endpoint).
 */
export async function recorder(): Promise<{
  url: string; got: Received[]; answer: (r: Received) => number | 'hang'; close(): Promise<void>;
}> {
  const state = {
    url: '', got: [] as Received[], answer: (_r: Received): number | 'hang' => 200,
    close: async () => undefined as void,
  };
  const hung: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(body) as Record<string, unknown>;
      } catch {
        json = {};
      }
      const r = { headers: req.headers, body, json };
      state.got.push(r);
      const a = state.answer(r);
      if (a === 'hang') hung.push(res);
      else res.writeHead(a).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  state.close = async () => {
    for (const h of hung) h.destroy();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return state;
}

export function snsClient(s: RunningServer): SNSClient {
  return new SNSClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
}

/** Waits until `check` holds. */
export async function until<T>(what: string, f: () => Promise<T> | T, check: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (check(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** GETs a URL on loopback (SubscribeURL, SigningCertURL). */
export async function get(url: string): Promise<{ status: number; body: string }> {
  const r = await fetch(url);
  return { status: r.status, body: await r.text() };
}
