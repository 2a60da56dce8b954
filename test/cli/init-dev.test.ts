import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { GetFunctionCommand, InvokeCommand } from '@aws-sdk/client-lambda';
import { decode, type RunningServer } from '../integration/harness';
import { kumo, kumoBin, ok, tmpDir, writeTree, withServer } from './helpers';
import { tool } from '../tools';

/** What each blueprint's sample event must produce once deployed. */
const expected: Record<string, (out: unknown) => void> = {
  'hello-nodejs': (o) => assert.deepEqual(o, { message: 'Hello, Kumo!' }),
  'hello-python': (o) => assert.deepEqual(o, { message: 'Hello, Kumo!' }),
  'bash-runtime': (o) => assert.deepEqual(o, { runtime: 'bash', event: { text: 'Hello from bash' } }),
  'http-api': (o) => {
    const r = o as { statusCode: number; body: string };
    assert.equal(r.statusCode, 201);
    assert.deepEqual(JSON.parse(r.body), { created: { name: 'kumo' } });
  },
  'queue-consumer': (o) => assert.deepEqual(o, { batchItemFailures: [] }),
  'scheduled-job': (o) => assert.match((o as { rule: string }).rule, /:rule\/Every5Minutes$/),
};

describe('kumo init: blueprints', () => {
  let env: Record<string, string>;
  withServer((_s, e) => {
    env = e;
  });

  it('--list names the six blueprints', async () => {
    const r = await ok(['init', '--list'], { env });
    for (const b of Object.keys(expected)) assert.match(r.stdout, new RegExp(`^  ${b}\\s`, 'm'));
  });

  for (const bp of Object.keys(expected)) {
    it(`${bp}: scaffolds, its own test passes locally, deploys, and answers its sample event`, async () => {
      const root = tmpDir('init');
      const r = await ok(['init', '--blueprint', bp, `proj-${bp}`], { env, cwd: root });
      assert.match(r.stdout, new RegExp(`Created proj-${bp} from ${bp}`));
      const dir = path.join(root, `proj-${bp}`);
      for (const f of ['template.yaml', 'events/event.json']) assert.ok(fs.existsSync(path.join(dir, f)), f);
      assert.ok(!fs.existsSync(path.join(dir, 'blueprint.json')));
      const python = fs.readFileSync(path.join(dir, 'template.yaml'), 'utf8').includes('python3');
      const t = python
        ? spawnSync(tool('python3'), ['-m', 'unittest'], { cwd: dir, encoding: 'utf8' })
        : spawnSync(process.execPath, ['--test'], { cwd: dir, encoding: 'utf8' });
      assert.equal(t.status, 0, `${bp}'s local test failed:\n${t.stdout}\n${t.stderr}`);
      const d = await ok(['deploy'], { env, cwd: dir });
      assert.match(d.stdout, /\+ create\s+\w+Function/);
      if (bp === 'http-api') {
        // The HttpApi events are served: the printed output is Kumo's address, and it answers.
        const m = /ItemsUrl = (http:\/\/[a-z0-9]{10}\.execute-api\.us-east-1\.localhost:\d+\/items)/.exec(d.stdout);
        assert.ok(m, d.stdout);
        assert.equal(spawnSync(tool('curl'), ['-sS', '-o', '/dev/null', '-w', '%{http_code}', m[1]!], { encoding: 'utf8' }).stdout, '200');
      }
      const rec = JSON.parse(fs.readFileSync(path.join(dir, '.kumo-stack.json'), 'utf8')) as { resources: Record<string, { type: string }> };
      const fnId = Object.keys(rec.resources).find((k) => rec.resources[k]!.type === 'AWS::Serverless::Function')!;
      const inv = await ok(['invoke', fnId, '--event', 'events/event.json'], { env, cwd: dir });
      expected[bp]!(JSON.parse(inv.stdout));
      assert.match(inv.stderr, /REPORT RequestId/);
    });
  }

  it('asks which blueprint when run in a terminal (default hello-nodejs)', async () => {
    const root = tmpDir('init-tty');
    // script(1) runs kumo on a pseudo-terminal and feeds it our stdin: an empty answer takes the default.
    const r = spawnSync(tool('script'), ['-qec', `${kumoBin} init`, '/dev/null'], { cwd: root, env, input: '\n', encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Which blueprint\?\r?\n {2}1\) bash-runtime/);
    assert.match(r.stdout, /Number or name \[2\]: /);
    assert.ok(fs.existsSync(path.join(root, 'hello-nodejs', 'template.yaml')));
  });

  it('refuses a non-empty directory, an unknown blueprint, and asks for --blueprint without a terminal', async () => {
    const root = tmpDir('init-bad');
    fs.writeFileSync(path.join(root, 'keep.txt'), 'x');
    const full = await kumo(['init', '--blueprint', 'hello-nodejs', '.'], { env, cwd: root });
    assert.equal(full.code, 2);
    assert.match(full.stderr, /exists and is not empty/);
    const unknown = await kumo(['init', '--blueprint', 'cobol'], { env, cwd: root });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no blueprint 'cobol' \(kumo init --list names them: bash-runtime, hello-nodejs/);
    const noTty = await kumo(['init'], { env, cwd: root });
    assert.equal(noTty.code, 2);
    assert.match(noTty.stderr, /choose a blueprint with --blueprint NAME/);
  });
});

describe('kumo dev: hot reload', () => {
  let s: RunningServer;
  let env: Record<string, string>;
  withServer((srv, e) => {
    s = srv;
    env = e;
  });

  it('redeploys only the changed function (--debug: test/integration/debug.test.ts)', async () => {
    const dir = path.join(tmpDir('dev'), 'devapp');
    const code = (v: string) => `exports.handler = async () => ${JSON.stringify(v)};\n`;
    writeTree(dir, {
      'template.yaml': `Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function:\n    Runtime: nodejs20.x\n    Handler: app.handler\n    Timeout: 5\nResources:\n  A:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: a/\n  B:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: b/\n`,
      'a/app.js': code('a1'),
      'b/app.js': code('b1'),
    });
    const p = spawn(kumoBin, ['dev'], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const waitFor = async (re: RegExp, from: number, ms = 30_000) => {
      const t0 = Date.now();
      while (!re.test(out.slice(from))) {
        if (Date.now() - t0 > ms) throw new Error(`kumo dev did not print ${re} in time:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const call = async (fn: string) => decode((await s.client.send(new InvokeCommand({ FunctionName: fn }))).Payload);
    try {
      await waitFor(/watching for changes/, 0);
      assert.equal((await s.client.send(new GetFunctionCommand({ FunctionName: 'devapp-A' }))).Configuration!.Timeout, 5);
      assert.equal(await call('devapp-A'), '"a1"');
      assert.equal(await call('devapp-B'), '"b1"');
      const revB = (await s.client.send(new GetFunctionCommand({ FunctionName: 'devapp-B' }))).Configuration!.RevisionId;

      const mark = out.length;
      const t0 = Date.now();
      fs.writeFileSync(path.join(dir, 'a/app.js'), code('a2'));
      await waitFor(/kumo dev: ready in \d+ ms/, mark);
      const took = Date.now() - t0;
      assert.match(out.slice(mark), /code changed: A\n/);
      assert.doesNotMatch(out.slice(mark), /\bB\b.*AWS::Serverless::Function/);
      assert.equal(await call('devapp-A'), '"a2"');
      assert.equal((await s.client.send(new GetFunctionCommand({ FunctionName: 'devapp-B' }))).Configuration!.RevisionId, revB, 'B untouched');
      // Within a second on an idle machine; generous here because the suite may share the CPU.
      assert.ok(took < 8000, `redeploy took ${took} ms`);
      process.stdout.write(`# kumo dev redeployed A in ${took} ms\n`);

      // A template change redeploys what the template changed.
      const mark2 = out.length;
      const t = fs.readFileSync(path.join(dir, 'template.yaml'), 'utf8');
      fs.writeFileSync(path.join(dir, 'template.yaml'), t.replace('      CodeUri: b/\n', '      CodeUri: b/\n      MemorySize: 256\n'));
      await waitFor(/kumo dev: ready in/, mark2);
      assert.match(out.slice(mark2), /template changed/);
      assert.equal((await s.client.send(new GetFunctionCommand({ FunctionName: 'devapp-B' }))).Configuration!.MemorySize, 256);
    } finally {
      p.kill('SIGINT');
      await new Promise((r) => p.on('exit', r));
    }
    assert.match(out, /kumo dev: stopped/);
  });
});
