import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { CreateFunctionCommand, InvokeCommand, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { encode, makeZip, role, startServer, type RunningServer, storedLogLines } from './harness';
import { kumoBin, userEnv } from '../cli/helpers';

/**
 * Runs `bin/kumo args…` behind a reader that starts a second late, as a pager
 * or a busy pipe would: output the command leaves queued when it exits is lost.
 */
function kumoSlowReader(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(kumoBin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    setTimeout(() => p.stdout.on('data', (c: Buffer) => out.push(c)), 1000);
    const t = setTimeout(() => (p.kill('SIGKILL'), reject(new Error(`kumo ${args.join(' ')} did not finish`))), 120_000);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(t);
      if (code !== 0) reject(new Error(`kumo ${args.join(' ')} exited ${code}: ${err}`));
      else resolve(Buffer.concat(out).toString('utf8'));
    });
  });
}


/** Waits for the invocation's REPORT line (written after the response), then returns every stored line. */
async function linesOf(dataDir: string, fn: string, requestId: string): Promise<string[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const lines = await storedLogLines(dataDir, fn);
    if (lines.some((l) => l.startsWith(`REPORT RequestId: ${requestId}\t`)) || Date.now() > deadline) return lines;
    await new Promise((r) => setTimeout(r, 200));
  }
}

function missingNumbers(lines: string[], re: RegExp, n: number): number[] {
  const seen = new Set<number>();
  for (const l of lines) {
    const m = re.exec(l);
    if (m) seen.add(Number(m[1]));
  }
  const missing: number[] = [];
  for (let i = 0; i < n; i++) if (!seen.has(i)) missing.push(i);
  return missing;
}

describe('function logs are kept whole (issue 9, item 8)', () => {
  let s: RunningServer;
  before(async () => {
    s = await startServer();
    const code = await makeZip({
      'index.js': `exports.handler = async (e) => {
        if (e.burst) process.stdout.write(Array.from({ length: e.n }, (_, i) => 'BURST ' + i).join('\\n') + '\\n');
        else for (let i = 0; i < e.n; i++) console.log('LINE ' + i);
        return e.n;
      };`,
    });
    await s.client.send(new CreateFunctionCommand({ FunctionName: 'chatty', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: code }, Timeout: 60, MemorySize: 512 }));
    await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'chatty' });
  });
  after(async () => {
    await s.stop();
  });

  it('12,000 console lines are all stored with END and REPORT, and `kumo logs --since 30m` prints every one', async () => {
    const n = 12_000;
    const r = await s.client.send(new InvokeCommand({ FunctionName: 'chatty', Payload: encode({ n }) }));
    assert.equal(r.FunctionError, undefined);
    const id = r.$metadata.requestId!;
    const lines = await linesOf(s.dataDir, 'chatty', id);
    assert.deepEqual(missingNumbers(lines, /\tINFO\tLINE (\d+)$/, n), [], 'function lines were dropped');
    assert.ok(lines.includes(`END RequestId: ${id}`), 'END line dropped');
    assert.ok(lines.some((l) => l.startsWith(`REPORT RequestId: ${id}\t`)), 'REPORT line dropped');
    assert.ok(!lines.some((l) => l.startsWith('LOGS_DROPPED')), 'lines were reported dropped');

    const printed = (await kumoSlowReader(['logs', 'chatty', '--since', '30m'], userEnv(s))).split('\n');
    assert.deepEqual(missingNumbers(printed, /\tINFO\tLINE (\d+)$/, n), [], '`kumo logs --since 30m` left lines out');
    assert.ok(printed.some((l) => l.endsWith(` END RequestId: ${id}`)), '`kumo logs` left END out');
    assert.ok(printed.some((l) => l.includes(` REPORT RequestId: ${id}\t`)), '`kumo logs` left REPORT out');
  });

  it('50,000 lines written at once are all stored with END and REPORT, and `kumo logs --since 30m` prints every one', async () => {
    const n = 50_000;
    const r = await s.client.send(new InvokeCommand({ FunctionName: 'chatty', Payload: encode({ n, burst: true }) }));
    assert.equal(r.FunctionError, undefined);
    const id = r.$metadata.requestId!;
    const lines = await linesOf(s.dataDir, 'chatty', id);
    assert.deepEqual(missingNumbers(lines, /^BURST (\d+)$/, n), [], 'function lines were dropped');
    assert.ok(lines.includes(`END RequestId: ${id}`), 'END line dropped');
    assert.ok(lines.some((l) => l.startsWith(`REPORT RequestId: ${id}\t`)), 'REPORT line dropped');
    // The burst comes before END in the log, as the function printed it before returning.
    assert.ok(lines.indexOf(`BURST ${n - 1}`) < lines.indexOf(`END RequestId: ${id}`), 'output stored after END');

    const printed = (await kumoSlowReader(['logs', 'chatty', '--since', '30m'], userEnv(s))).split('\n');
    assert.deepEqual(missingNumbers(printed, / BURST (\d+)$/, n), [], '`kumo logs --since 30m` left lines out');
    assert.deepEqual(missingNumbers(printed, /\tINFO\tLINE (\d+)$/, 12_000), [], 'the earlier invocation\'s lines are cut');
    assert.ok(printed.some((l) => l.includes(` REPORT RequestId: ${id}\t`)), '`kumo logs` left REPORT out');
  });
});
