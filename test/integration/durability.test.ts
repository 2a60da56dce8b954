import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { CreateFunctionCommand, GetFunctionConfigurationCommand, InvokeCommand, ListFunctionsCommand, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { decode, encode, makeZip, role, startServer } from './harness';
import { tool } from '../tools';

/** Every file under dir, recursively. */
function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

function runcContainers(dataDir: string): string {
  return execFileSync(tool('runc'), ['--root', path.join(dataDir, 'sandbox', 'runc-state'), 'list', '-q'], { encoding: 'utf8' }).trim();
}

describe('durability (restart, SIGTERM clean-up, kill -9, encryption at rest)', () => {
  it('keeps functions across a restart; SIGTERM leaves no container behind; secrets are not stored in clear', async () => {
    const secret = 'SECRET-VALUE-7f3a9c21';
    const codeMarker = 'CODE-MARKER-51e0aa';
    let s = await startServer();
    const dataDir = s.dataDir;
    await s.client.send(
      new CreateFunctionCommand({
        FunctionName: 'persist', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler',
        Code: { ZipFile: await makeZip({ 'index.js': `// ${codeMarker}\nexports.handler = async () => process.env.TOKEN;` }, {}) },
        Environment: { Variables: { TOKEN: secret } },
      }),
    );
    await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'persist' });
    assert.equal(decode((await s.client.send(new InvokeCommand({ FunctionName: 'persist' }))).Payload), JSON.stringify(secret));
    assert.notEqual(runcContainers(dataDir), '', 'a warm EE should be running');
    assert.equal(await s.stop(), 0);
    assert.equal(runcContainers(dataDir), '', 'SIGTERM left containers behind');
    const netns = execFileSync(tool('ip'), ['netns', 'list'], { encoding: 'utf8' });

    // The environment value and the code appear nowhere in the data dir in clear (the unpacked code cache aside).
    for (const f of walk(dataDir)) {
      if (f.includes(`${path.sep}code${path.sep}`)) continue;
      const bytes = fs.readFileSync(f);
      assert.ok(!bytes.includes(secret), `secret found in clear in ${f}`);
      if (f.includes(`${path.sep}blobs${path.sep}`)) assert.ok(!bytes.includes(codeMarker), `code found in clear in ${f}`);
    }
    assert.equal(fs.statSync(path.join(dataDir, 'master.key')).mode & 0o777, 0o600);

    s = await startServer({ dataDir });
    const g = await s.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'persist' }));
    assert.equal(g.State, 'Active');
    assert.deepEqual(g.Environment?.Variables, { TOKEN: secret });
    assert.equal(decode((await s.client.send(new InvokeCommand({ FunctionName: 'persist' }))).Payload), JSON.stringify(secret));
    await s.stop();
    void netns;
  });

  it('after kill -9 during CreateFunction, every acknowledged function is there and invocable, none half-created; leftovers are removed', async () => {
    let s = await startServer();
    const dataDir = s.dataDir;
    const zip = await makeZip({ 'index.js': 'exports.handler = async (e) => e.n * 2;' });
    // A warm EE exists when the crash happens.
    await s.client.send(new CreateFunctionCommand({ FunctionName: 'warm', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: zip } }));
    await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'warm' });
    await s.client.send(new InvokeCommand({ FunctionName: 'warm', Payload: encode({ n: 1 }) }));

    // Creates keep coming from 8 concurrent callers (a burst of 40 at once can be acknowledged by one group commit, leaving
    // nothing in flight to crash in): once a few are acknowledged, the server is killed with others still in flight.
    const acked: string[] = [];
    const failed: string[] = [];
    let next = 0;
    let crashed = false;
    const caller = async () => {
      while (!crashed && next < 400) {
        const name = `crash-${next++}`;
        try {
          await s.client.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: zip } }));
          acked.push(name);
        } catch {
          failed.push(name);
          return;
        }
      }
    };
    const callers = Array.from({ length: 8 }, caller);
    while (acked.length < 3) await new Promise((r) => setTimeout(r, 2));
    await s.kill9();
    crashed = true;
    await Promise.all(callers);
    assert.ok(acked.length >= 3 && failed.length > 0, `crash was not mid-way (${acked.length} acknowledged, ${failed.length} cut off)`);

    s = await startServer({ dataDir });
    assert.equal(runcContainers(dataDir), '', 'containers of the crashed server survived the restart');
    const listed: string[] = [];
    let marker: string | undefined;
    do {
      const page = await s.client.send(new ListFunctionsCommand({ Marker: marker }));
      listed.push(...page.Functions!.map((f) => f.FunctionName!));
      marker = page.NextMarker;
    } while (marker);
    for (const name of acked) assert.ok(listed.includes(name), `acknowledged ${name} was lost`);
    for (const name of listed) {
      await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 30, minDelay: 1 }, { FunctionName: name });
    }
    for (const name of [...acked.slice(0, 3), 'warm']) {
      const r = await s.client.send(new InvokeCommand({ FunctionName: name, Payload: encode({ n: 21 }) }));
      assert.equal(decode(r.Payload), '42');
    }
    await s.stop();
  });
});
