import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CreateFunctionCommand, InvokeCommand, InvokeWithResponseStreamCommand, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { makeZip, role, startServer, type RunningServer } from '../integration/harness';
import { kumo, noStackTrace, ok, tmpDir, userEnv } from './helpers';

/**
 * `kumo cost` (issue 17 item 3) over a real server: invocations with their
 * REPORT lines, then the bill the CLI reads back with CloudWatch
 * GetMetricData: requests, GB-seconds as the billed durations (INIT
 * included) × memory say, rows per tag value, and a malformed price table
 * refused by name.
 */
describe('kumo cost', () => {
  let s: RunningServer;
  let env: Record<string, string>;
  /** Billed ms per function, from the REPORT lines: ceil(Duration + Init Duration). */
  const billedMs: Record<string, number[]> = { 'cost-small': [], 'cost-big': [] };

  before(async () => {
    s = await startServer();
    env = userEnv(s);
    const zip = await makeZip({ 'index.js': 'exports.handler = async (e) => { await new Promise((r) => setTimeout(r, e.ms)); return 1; };' });
    const fns: [string, number, string][] = [['cost-small', 128, 'web'], ['cost-big', 2048, 'batch']];
    for (const [name, mem, team] of fns) {
      await s.client.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', MemorySize: mem, Code: { ZipFile: zip }, Tags: { team } }));
      await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 30 }, { FunctionName: name });
    }
    for (const [name, n, ms] of [['cost-small', 4, 5], ['cost-big', 2, 50]] as const) {
      for (let k = 0; k < n; k++) {
        const r = await s.client.send(new InvokeCommand({ FunctionName: name, LogType: 'Tail', Payload: Buffer.from(JSON.stringify({ ms })) }));
        const report = Buffer.from(r.LogResult!, 'base64').toString().split('\n').find((l) => l.startsWith('REPORT'))!;
        const dur = Number(/\tDuration: ([0-9.]+) ms/.exec(report)![1]);
        const init = Number(/Init Duration: ([0-9.]+) ms/.exec(report)?.[1] ?? 0);
        billedMs[name]!.push(dur + init);
      }
    }
  });
  after(async () => {
    await s?.stop();
  });

  /** GB-s as the REPORT lines give it (their durations are rounded to 0.01 ms: ±1 ms per invocation). */
  const expectGbs = (name: string, mem: number, got: number) => {
    const ms = billedMs[name]!;
    const lo = ms.reduce((a, d) => a + Math.max(1, Math.ceil(d) - 1), 0);
    const hi = ms.reduce((a, d) => a + Math.ceil(d) + 1, 0);
    assert.ok(got >= (lo * mem) / 1024 / 1000 - 1e-9 && got <= (hi * mem) / 1024 / 1000 + 1e-9, `${name}: ${got} GB-s within [${lo}, ${hi}] ms × ${mem} MB`);
  };

  it('prints a bill per function: requests, GB-seconds of the billed durations, cost before the free tier, nothing after it', async () => {
    const r = await ok(['cost', '--json'], { env });
    const b = JSON.parse(r.stdout) as { rows: { key: string; requests: number; gbSeconds: number; cost: number; costAfterFreeTier: number }[]; total: { requests: number; cost: number; costAfterFreeTier: number } };
    const small = b.rows.find((x) => x.key === 'cost-small')!;
    const big = b.rows.find((x) => x.key === 'cost-big')!;
    assert.equal(small.requests, 4);
    assert.equal(big.requests, 2);
    expectGbs('cost-small', 128, small.gbSeconds);
    expectGbs('cost-big', 2048, big.gbSeconds);
    const price = (x: typeof small) => (x.requests / 1e6) * 0.2 + x.gbSeconds * 0.0000166667;
    assert.ok(Math.abs(small.cost - price(small)) < 1e-12 && Math.abs(big.cost - price(big)) < 1e-12);
    assert.equal(b.total.requests, 6);
    assert.equal(b.total.costAfterFreeTier, 0, 'within the free tier');
    const text = await ok(['cost', '--since', '2d'], { env });
    const lines = text.stdout.split('\n');
    assert.match(lines[1]!, /^FUNCTION\s+REQUESTS\s+GB-SECONDS\s+COST\s+AFTER FREE TIER$/);
    assert.match(lines.find((l) => l.startsWith('cost-small'))!, /^cost-small\s+4\s+[0-9.]+\s+[0-9.]+ USD\s+0\.00 USD$/);
    assert.match(lines.find((l) => l.startsWith('TOTAL'))!, /^TOTAL\s+6\s/);
    const one = JSON.parse((await ok(['cost', '--function', 'cost-big', '--json'], { env })).stdout) as { rows: { key: string }[] };
    assert.deepEqual(one.rows.map((x) => x.key), ['cost-big']);
  });

  it('InvokeWithResponseStream is billed too: a streamed response when its stream ends, a buffered one at once', async () => {
    const code = 'exports.handler = awslambda.streamifyResponse(async (e, s) => { s.write("a"); s.end("b"); });';
    await s.client.send(new CreateFunctionCommand({ FunctionName: 'cost-stream', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: await makeZip({ 'index.js': code }) } }));
    await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 30 }, { FunctionName: 'cost-stream' });
    for (const name of ['cost-stream', 'cost-small']) {
      const r = await s.client.send(new InvokeWithResponseStreamCommand({ FunctionName: name, Payload: Buffer.from('{"ms":1}') }));
      for await (const _ of r.EventStream!) { /* read to the end */ }
    }
    const b = JSON.parse((await ok(['cost', '--json'], { env })).stdout) as { rows: { key: string; requests: number }[] };
    assert.equal(b.rows.find((x) => x.key === 'cost-stream')?.requests, 1);
    assert.equal(b.rows.find((x) => x.key === 'cost-small')?.requests, 5);
  });

  it('--by tag:team has one row per tag value', async () => {
    const b = JSON.parse((await ok(['cost', '--by', 'tag:team', '--json'], { env })).stdout) as { rows: { key: string; requests: number }[] };
    assert.deepEqual(b.rows.map((x) => [x.key, x.requests]).sort(), [['(untagged)', 1], ['batch', 2], ['web', 5]]);
    const none = JSON.parse((await ok(['cost', '--by', 'tag:owner', '--json'], { env })).stdout) as { rows: { key: string; requests: number }[] };
    assert.deepEqual(none.rows.map((x) => [x.key, x.requests]), [['(untagged)', 8]]);
  });

  it('KUMO_PRICING_FILE replaces the prices; a malformed one is refused naming the member, without a stack trace', async () => {
    const dir = tmpDir('pricing');
    const file = path.join(dir, 'prices.json');
    const table = {
      currency: 'EUR', requestPricePerMillion: 1_000_000,
      durationTiers: { x86_64: [{ pricePerGbSecond: 0 }], arm64: [{ pricePerGbSecond: 0 }] },
      ephemeralStoragePricePerGbSecond: 0, freeTier: { requests: 5, gbSeconds: 0 },
    };
    fs.writeFileSync(file, JSON.stringify(table));
    const b = JSON.parse((await ok(['cost', '--json'], { env: { ...env, KUMO_PRICING_FILE: file } })).stdout) as { currency: string; total: { cost: number; costAfterFreeTier: number } };
    assert.equal(b.currency, 'EUR');
    // 8 requests at $1 each (1M per million), 5 of them free.
    assert.ok(Math.abs(b.total.cost - 8) < 1e-9 && Math.abs(b.total.costAfterFreeTier - 3) < 1e-9, JSON.stringify(b.total));
    fs.writeFileSync(file, JSON.stringify({ ...table, freeTier: { requests: -1, gbSeconds: 0 } }));
    let r = await kumo(['cost'], { env: { ...env, KUMO_PRICING_FILE: file } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /KUMO_PRICING_FILE: pricing table .*prices\.json: freeTier\.requests must be a non-negative number/);
    assert.ok(noStackTrace(r.stderr));
    fs.writeFileSync(file, '{"currency": ');
    r = await kumo(['cost'], { env: { ...env, KUMO_PRICING_FILE: file } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /KUMO_PRICING_FILE: .*prices\.json is not JSON/);
    r = await kumo(['cost', '--since', 'forever'], { env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--since must be a number of days or hours/);
  });
});
