/**
 * `kumo deploy` of a SAM template with `Architectures: [arm64]` (issue 20,
 * item 8): on an x86_64 host with the set-up's emulator the Node.js function
 * deploys as written and runs on arm64; a Python one is refused naming
 * --architecture-fallback, which deploys it for the host's architecture
 * and says so.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { GetFunctionConfigurationCommand, InvokeCommand } from '@aws-sdk/client-lambda';
import { decode, type RunningServer } from '../integration/harness';
import { hostArchitecture } from '../../src/runtimes/registry';
import { kumo, ok, tmpDir, withServer, writeTree } from './helpers';

describe('kumo deploy: Architectures [arm64]', { skip: hostArchitecture() !== 'x86_64' && 'arm64 is native on this host' }, () => {
  let s: RunningServer;
  let env: Record<string, string>;
  withServer((srv, e) => {
    s = srv;
    env = e;
  });

  it('deploys an arm64 Node.js function as written; an arm64 Python one needs --architecture-fallback, which deploys it for x86_64 and says so', async () => {
    const dir = path.join(tmpDir('arm64'), 'arm64-app');
    writeTree(dir, {
      'template.yaml': `Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Architectures: [arm64]
Resources:
  Node:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "exports.handler = async () => ({ arch: process.arch, machine: require('os').machine() })"
      Handler: index.handler
      Runtime: nodejs22.x
  Py:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "def handler(e, c):\\n    import platform\\n    return platform.machine()\\n"
      Handler: index.handler
      Runtime: python3.11
`,
    });
    const refused = await kumo(['deploy'], { env, cwd: dir });
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(refused.stdout, /Architectures arm64 is not supported by this Kumo server for python3\.11: .*\(kumo deploy --architecture-fallback would deploy Py on x86_64\)/);
    const r = await ok(['deploy', '--architecture-fallback'], { env, cwd: dir });
    assert.match(r.stdout, /! Py: this server does not run python3\.11 on arm64; deploying for x86_64 instead \(--architecture-fallback\)/);
    assert.doesNotMatch(r.stdout, /! Node:/, 'the arm64 Node.js function needs no fallback');
    const config = (name: string) => s.client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    assert.deepEqual((await config('arm64-app-Node')).Architectures, ['arm64']);
    assert.deepEqual((await config('arm64-app-Py')).Architectures, ['x86_64']);
    const invoke = async (name: string) => {
      const out = await s.client.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{}') }));
      assert.equal(out.FunctionError, undefined, decode(out.Payload));
      return JSON.parse(decode(out.Payload)) as unknown;
    };
    assert.deepEqual(await invoke('arm64-app-Node'), { arch: 'arm64', machine: 'aarch64' });
    assert.equal(await invoke('arm64-app-Py'), 'x86_64');
    const again = await ok(['deploy', '--architecture-fallback'], { env, cwd: dir });
    assert.match(again.stdout, /deployed: no changes/);
  });
});
