/**
 * AWS's own Node.js runtime interface client (aws-lambda-ric on npm) as a
 * compatibility test of Kumo's Runtime API and of Kumo's nodejs runtime
 * (issue 19 item 7): one handler runs under AWS's RIC (a provided.al2023
 * function whose bootstrap starts it) and under Kumo's nodejs20.x runtime,
 * and must give the same answer, context, log line and error shape. Where
 * they differ, Kumo is wrong unless AWS documents otherwise.
 *
 * The RIC's native part (its bundled curl and aws-lambda-cpp, then node-gyp
 * against the host's Node.js headers) builds with Debian's autoconf,
 * automake, libtool, cmake and g++ (scripts/tools.manifest); the build, ~5
 * minutes, is kept in the temp dir and reused while the version is the same.
 * The Python RIC (awslambdaric) is on PyPI, which this machine cannot reach.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateFunctionCommand, InvokeCommand, LambdaClient, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { decode, encode, makeZip, role, startServer, type RunningServer } from './harness';
import { missingTools, tool } from '../tools';

/** The RIC release tested (its engines field accepts the host's Node.js 20). */
const ricVersion = '3.2.0';
const ricCache = path.join(os.tmpdir(), `kumo-test-aws-lambda-ric-${ricVersion}`);

function installRic(): string {
  const pkg = path.join(ricCache, 'node_modules', 'aws-lambda-ric');
  if (fs.existsSync(path.join(pkg, 'dist', 'rapid-client.node'))) return pkg;
  const problems = missingTools(['npm', 'autoconf', 'automake', 'libtoolize', 'cmake', 'g++', 'make']);
  if (problems.length) throw new Error(problems.join('\n'));
  const tmp = `${ricCache}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  fs.writeFileSync(path.join(tmp, 'package.json'), '{"private":true}');
  execFileSync(tool('npm'), ['install', '--no-audit', '--no-fund', `aws-lambda-ric@${ricVersion}`], {
    cwd: tmp,
    // node-gyp builds against the headers of the Node.js that runs it (Debian's, /usr/include/node), not a download.
    env: { ...process.env, npm_config_nodedir: '/usr', PATH: `${path.dirname(tool('g++'))}:/usr/bin:/bin` },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  fs.rmSync(ricCache, { recursive: true, force: true });
  fs.renameSync(tmp, ricCache);
  return pkg;
}

/** The RIC's runtime files (its bundled C sources are build inputs only). */
function ricFiles(pkg: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  const walk = (dir: string, rel: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(dir, e.name), `${rel}/${e.name}`);
      else out[`${rel}/${e.name}`] = fs.readFileSync(path.join(dir, e.name));
    }
  };
  for (const d of ['bin', 'dist']) walk(path.join(pkg, d), `node_modules/aws-lambda-ric/${d}`);
  out['node_modules/aws-lambda-ric/package.json'] = fs.readFileSync(path.join(pkg, 'package.json'));
  return out;
}

const handlerCode = `exports.handler = async (event, context) => {
  console.log('compare', JSON.stringify(event));
  if (event.fail) throw new RangeError('out of ' + event.fail);
  return {
    event,
    fn: context.functionName, version: context.functionVersion, mem: context.memoryLimitInMB,
    arn: context.invokedFunctionArn, group: context.logGroupName, rid: context.awsRequestId,
    stream: /^\\d{4}\\/\\d\\d\\/\\d\\d\\/\\[\\$LATEST\\][0-9a-f]{32}$/.test(context.logStreamName),
    remaining: context.getRemainingTimeInMillis() > 0 && context.getRemainingTimeInMillis() <= 3000,
    waits: context.callbackWaitsForEmptyEventLoop, identity: context.identity, cc: context.clientContext,
    region: process.env.AWS_REGION, task: process.env.LAMBDA_TASK_ROOT,
  };
};
`;

describe("AWS's Node.js runtime interface client against Kumo's Runtime API", () => {
  let s: RunningServer;
  let c: LambdaClient;
  before(async () => {
    const pkg = installRic();
    s = await startServer();
    c = s.client;
    const deploy = async (name: string, runtime: string, files: Record<string, string | Buffer>) => {
      await c.send(new CreateFunctionCommand({ FunctionName: name, Runtime: runtime as never, Role: role, Handler: 'index.handler', Code: { ZipFile: await makeZip(files) } }));
      await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: name });
    };
    await deploy('under-kumo', 'nodejs20.x', { 'index.js': handlerCode });
    await deploy('under-ric', 'provided.al2023', {
      'index.js': handlerCode,
      // AWS's documented use of the RIC as a custom runtime: `npx aws-lambda-ric <handler>` in the task root.
      bootstrap: '#!/bin/sh\ncd "$LAMBDA_TASK_ROOT"\nexec /usr/bin/node node_modules/aws-lambda-ric/bin/index.mjs "$_HANDLER"\n',
      ...ricFiles(pkg),
    });
  });
  after(async () => {
    await s?.stop();
  });

  const call = async (fn: string, payload: unknown) => {
    const r = await c.send(new InvokeCommand({ FunctionName: fn, Payload: encode(payload), LogType: 'Tail' }));
    return { r, body: decode(r.Payload), log: Buffer.from(r.LogResult ?? '', 'base64').toString('utf8') };
  };

  it('gives the same answer and context under both', async () => {
    const event = { n: 1, s: 'x', list: [true, null] };
    const kumo = await call('under-kumo', event);
    const ric = await call('under-ric', event);
    assert.equal(ric.r.FunctionError, undefined, ric.body);
    assert.equal(kumo.r.FunctionError, undefined, kumo.body);
    const k = JSON.parse(kumo.body);
    const a = JSON.parse(ric.body);
    assert.equal(a.fn, 'under-ric');
    assert.equal(a.arn, 'arn:aws:lambda:us-east-1:000000000000:function:under-ric');
    assert.equal(a.group, '/aws/lambda/under-ric');
    assert.equal(a.rid, ric.r.$metadata.requestId);
    assert.equal(k.rid, kumo.r.$metadata.requestId);
    for (const o of [k, a]) for (const key of ['fn', 'arn', 'group', 'rid']) delete o[key];
    assert.deepEqual(k, a);
  });

  it('writes the same log line format under both', async () => {
    const line = (log: string) => log.split('\n').find((l) => l.includes('compare {'));
    const kumo = await call('under-kumo', { log: 1 });
    const ric = await call('under-ric', { log: 1 });
    const shape = (l: string | undefined, rid: string) => l?.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t/, 'TS\t').replace(rid, 'RID');
    assert.equal(shape(line(ric.log), ric.r.$metadata.requestId!), 'TS\tRID\tINFO\tcompare {"log":1}', ric.log);
    assert.equal(shape(line(kumo.log), kumo.r.$metadata.requestId!), 'TS\tRID\tINFO\tcompare {"log":1}', kumo.log);
  });

  it('reports a thrown error in the same shape under both', async () => {
    const kumo = await call('under-kumo', { fail: 'range' });
    const ric = await call('under-ric', { fail: 'range' });
    assert.equal(kumo.r.FunctionError, 'Unhandled');
    assert.equal(ric.r.FunctionError, 'Unhandled');
    const k = JSON.parse(kumo.body);
    const a = JSON.parse(ric.body);
    assert.deepEqual(Object.keys(k).sort(), Object.keys(a).sort());
    assert.equal(k.errorType, a.errorType);
    assert.equal(k.errorMessage, a.errorMessage);
    assert.equal(k.trace[0], a.trace[0]);
    assert.equal(a.errorType, 'RangeError');
  });
});
