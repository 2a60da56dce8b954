import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Kumo, noopCode } from '../targets/kumo';
import { runWarm } from './warm';
import type { Sizes, WarmResult } from '../lib/results';

/**
 * Tracing on and off in the same run (issue 17's Numbers: the warm path
 * within 5 %): two Kumo servers on SQLite, alike but for tracing — the second
 * exports every invocation's spans (KUMO_TRACING_SAMPLE_ALL=1, the most it
 * can do) to an OTLP/HTTP collector in this process that reads and discards
 * them — measured by the warm phase's interleaved rounds (same sizes, same
 * no-op nodejs20.x function). Targets `kumo-node-trace-off` and
 * `kumo-node-trace-on` (metrics on in both, as by default), and
 * `kumo-node-metrics-off` (a third server with KUMO_LAMBDA_METRICS=0 and
 * no tracing): metrics on vs off is trace-off vs metrics-off.
 */
export const tracingFunction = 'bench-trace-node';

export async function runTracing(sizes: Sizes, log: (s: string) => void, started: (k: Kumo) => void): Promise<{ results: WarmResult[]; exports: number; servers: Kumo[] }> {
  let requests = 0;
  const sink = http.createServer((req, res) => {
    let bytes = 0;
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      if (bytes > 0) requests++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/v1/traces`;
  const servers: Kumo[] = [];
  try {
    const off = await Kumo.start();
    started(off);
    servers.push(off);
    const on = await Kumo.start({ env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url, KUMO_TRACING_SAMPLE_ALL: '1' } });
    started(on);
    servers.push(on);
    const bare = await Kumo.start({ env: { KUMO_LAMBDA_METRICS: '0' } });
    started(bare);
    servers.push(bare);
    const code = noopCode['nodejs20.x'];
    for (const k of servers) await k.deploy(tracingFunction, 'nodejs20.x', code.handler, code.files);
    const targets = [
      off.warmTarget('kumo-node-trace-off', 'Kumo nodejs20.x, tracing off', tracingFunction),
      on.warmTarget('kumo-node-trace-on', 'Kumo nodejs20.x, tracing on (every invoke exported over OTLP)', tracingFunction),
      bare.warmTarget('kumo-node-metrics-off', 'Kumo nodejs20.x, tracing off, Lambda metrics off (KUMO_LAMBDA_METRICS=0)', tracingFunction),
    ];
    const results = await runWarm(targets, sizes, log);
    log(`TRACING: the collector received ${requests} OTLP requests`);
    return { results, exports: requests, servers };
  } finally {
    await new Promise<void>((r) => sink.close(() => r()));
  }
}
