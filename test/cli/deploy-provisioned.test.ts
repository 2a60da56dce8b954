import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { GetProvisionedConcurrencyConfigCommand, InvokeCommand } from '@aws-sdk/client-lambda';
import { decode, type RunningServer } from '../integration/harness';
import { ok, tmpDir, writeTree, withServer } from './helpers';

describe('kumo deploy: ProvisionedConcurrencyConfig on an AutoPublishAlias function', () => {
  let s: RunningServer;
  let env: Record<string, string>;
  withServer((srv, e) => {
    s = srv;
    env = e;
  });

  it('puts the config on the alias; the alias is served by a provisioned EE', async () => {
    const dir = path.join(tmpDir('pc'), 'pc');
    writeTree(dir, {
      'template.yaml':
        'Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n' +
        '      CodeUri: src/\n      Handler: app.handler\n      Runtime: nodejs20.x\n      AutoPublishAlias: live\n' +
        '      ProvisionedConcurrencyConfig:\n        ProvisionedConcurrentExecutions: 1\n',
      'src/app.js': 'exports.handler = async () => process.env.AWS_LAMBDA_INITIALIZATION_TYPE;\n',
    });
    const r = await ok(['deploy'], { env, cwd: dir });
    assert.doesNotMatch(r.stdout + r.stderr, /ProvisionedConcurrencyConfig.*(not|ignored)/i, 'not reported as left out');
    const deadline = Date.now() + 30_000;
    let status: string | undefined;
    while (Date.now() < deadline) {
      status = (await s.client.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'pc-Fn', Qualifier: 'live' }))).Status;
      if (status !== 'IN_PROGRESS') break;
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(status, 'READY');
    const out = await s.client.send(new InvokeCommand({ FunctionName: 'pc-Fn', Qualifier: 'live' }));
    assert.equal(JSON.parse(decode(out.Payload)), 'provisioned-concurrency');
  });
});
