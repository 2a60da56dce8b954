import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAliasCommand, CreateFunctionCommand, DeleteAliasCommand, DeleteFunctionConcurrencyCommand, DeleteProvisionedConcurrencyConfigCommand,
  GetProvisionedConcurrencyConfigCommand, InvokeCommand, LambdaClient, ListProvisionedConcurrencyConfigsCommand, PublishVersionCommand,
  PutFunctionConcurrencyCommand, PutProvisionedConcurrencyConfigCommand, TooManyRequestsException, UpdateAliasCommand,
  UpdateFunctionConfigurationCommand, waitUntilFunctionActiveV2, waitUntilFunctionUpdatedV2,
  type GetProvisionedConcurrencyConfigCommandOutput,
} from '@aws-sdk/client-lambda';
import { decode, encode, makeZip, role, startServer, type RunningServer } from './harness';
import { eeFreezerStates, removeDataDir, tagOf } from './host-traces';

/**
 * Provisioned concurrency (issue 13, item 4) and the host's EE memory budget
 * (item 6) through the real server, real runc EEs and @aws-sdk/client-lambda.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const arnOf = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

/** Answers how its EE was initialised, after sleeping `ms` of its event. */
const initTypeCode = `exports.handler = async (e) => {
  if (e && e.exit) process.exit(1);
  if (e && e.ms) await new Promise((r) => setTimeout(r, e.ms));
  return process.env.AWS_LAMBDA_INITIALIZATION_TYPE + ' ' + process.env.AWS_LAMBDA_FUNCTION_VERSION;
};`;

async function deploy(c: LambdaClient, name: string, memoryMb = 128): Promise<void> {
  await c.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', MemorySize: memoryMb, Timeout: 30,
    Code: { ZipFile: await makeZip({ 'index.js': initTypeCode }) },
  }));
  await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: name });
}

async function invokeTail(c: LambdaClient, name: string, qualifier?: string, ms = 0): Promise<{ initType: string; version: string; log: string }> {
  const r = await c.send(new InvokeCommand({ FunctionName: name, Qualifier: qualifier, Payload: encode({ ms }), LogType: 'Tail' }));
  assert.equal(r.FunctionError, undefined, decode(r.Payload));
  const [initType, version] = (JSON.parse(decode(r.Payload)) as string).split(' ');
  return { initType: initType!, version: version!, log: Buffer.from(r.LogResult ?? '', 'base64').toString() };
}

async function rejects(p: Promise<unknown>, name: string, message: string): Promise<void> {
  await assert.rejects(p, (e: Error) => {
    assert.equal(e.name, name, e.message);
    assert.equal(e.message, message);
    return true;
  });
}

/** Polls GetProvisionedConcurrencyConfig until its Status is not IN_PROGRESS (init of a Node.js EE takes well under the bound). */
async function settled(c: LambdaClient, name: string, qualifier: string): Promise<GetProvisionedConcurrencyConfigCommandOutput> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await c.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: qualifier }));
    if (r.Status !== 'IN_PROGRESS' || Date.now() > deadline) return r;
    await sleep(100);
  }
}

/** Waits until the host runs `n` EEs of this server (their cgroups). */
async function eeCount(tag: string, n: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (eeFreezerStates(tag).size !== n && Date.now() < deadline) await sleep(50);
  assert.equal(eeFreezerStates(tag).size, n, `EEs on the host: ${[...eeFreezerStates(tag).keys()].join(', ')}`);
}

describe('provisioned concurrency', () => {
  let s: RunningServer;
  let c: LambdaClient;
  let tag: string;
  before(async () => {
    s = await startServer();
    c = s.client;
    tag = tagOf(s.dataDir);
    await deploy(c, 'pc');
    await c.send(new PublishVersionCommand({ FunctionName: 'pc' }));
    await c.send(new CreateAliasCommand({ FunctionName: 'pc', Name: 'live', FunctionVersion: '1' }));
  });
  after(async () => {
    await s?.stop();
    await removeDataDir(s?.dataDir);
  });

  it('refuses $LATEST, a missing function, version or alias, and a non-positive amount with AWS\'s errors', async () => {
    await rejects(
      c.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '$LATEST', ProvisionedConcurrentExecutions: 1 })),
      'InvalidParameterValueException', 'Provisioned Concurrency Configs cannot be applied to unpublished function versions.',
    );
    for (const cmd of [
      new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '$LATEST' }),
      new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '$LATEST' }),
    ]) {
      await rejects(c.send(cmd as never), 'InvalidParameterValueException', 'The function resource provided must be an alias or a published version.');
    }
    await rejects(
      c.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'nope', Qualifier: '1', ProvisionedConcurrentExecutions: 1 })),
      'ResourceNotFoundException', `Function not found: ${arnOf('nope')}`,
    );
    await rejects(
      c.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '9', ProvisionedConcurrentExecutions: 1 })),
      'ResourceNotFoundException', `Function not found: ${arnOf('pc')}:9`,
    );
    await rejects(
      c.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: 'gone' })),
      'ResourceNotFoundException', `Cannot find alias arn: ${arnOf('pc')}:gone`,
    );
    await rejects(
      c.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '1' })),
      'ProvisionedConcurrencyConfigNotFoundException', 'No Provisioned Concurrency Config found for this function',
    );
    await rejects(
      c.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '1', ProvisionedConcurrentExecutions: 0 })),
      'ValidationException',
      "1 validation error detected: Value '0' at 'provisionedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    await rejects(
      c.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'nope' })),
      'ResourceNotFoundException', `Function not found: ${arnOf('nope')}`,
    );
    assert.deepEqual((await c.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'pc' }))).ProvisionedConcurrencyConfigs, []);
  });

  it('a put answers IN_PROGRESS, the EE is initialised ahead (READY) with provisioned-concurrency, and invokes skip the cold start', async () => {
    assert.equal(eeFreezerStates(tag).size, 0);
    const put = await c.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: 'live', ProvisionedConcurrentExecutions: 1 }));
    assert.equal(put.$metadata.httpStatusCode, 202);
    assert.equal(put.Status, 'IN_PROGRESS');
    assert.equal(put.RequestedProvisionedConcurrentExecutions, 1);
    assert.equal(put.AllocatedProvisionedConcurrentExecutions, 0);
    assert.match(put.LastModified ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    const got = await settled(c, 'pc', 'live');
    assert.equal(got.Status, 'READY', got.StatusReason);
    assert.equal(got.AllocatedProvisionedConcurrentExecutions, 1);
    assert.equal(got.AvailableProvisionedConcurrentExecutions, 1);
    assert.equal(got.LastModified, put.LastModified);
    await eeCount(tag, 1); // started before any invoke

    for (const q of ['live', '1']) {
      const r = await invokeTail(c, 'pc', q);
      assert.equal(r.initType, 'provisioned-concurrency', `via ${q}`);
      assert.match(r.log, /REPORT RequestId: /);
      assert.doesNotMatch(r.log, /Init Duration/, 'init happened ahead');
    }
    await eeCount(tag, 1);
    // $LATEST has no provisioned concurrency: an on-demand cold start.
    const latest = await invokeTail(c, 'pc');
    assert.equal(latest.initType, 'on-demand');
    assert.match(latest.log, /Init Duration: [\d.]+ ms/);

    const list = await c.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'pc' }));
    assert.deepEqual(list.ProvisionedConcurrencyConfigs?.map((x) => [x.FunctionArn, x.Status, x.RequestedProvisionedConcurrentExecutions]), [
      [`${arnOf('pc')}:live`, 'READY', 1],
    ]);
  });

  it('spill-over beyond the provisioned EEs is on-demand', async () => {
    const [a, b] = await Promise.all([invokeTail(c, 'pc', 'live', 800), invokeTail(c, 'pc', 'live', 800)]);
    assert.deepEqual([a.initType, b.initType].sort(), ['on-demand', 'provisioned-concurrency']);
  });

  it('counts against the reservation: more than the reserved concurrency is refused (its own old amount aside)', async () => {
    await c.send(new PutFunctionConcurrencyCommand({ FunctionName: 'pc', ReservedConcurrentExecutions: 1 }));
    await rejects(
      c.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: 'live', ProvisionedConcurrentExecutions: 2 })),
      'InvalidParameterValueException', 'Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function',
    );
    await c.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'pc' }));
  });

  it('deleting the config tears its EEs down; deleting the alias too', async () => {
    const before = eeFreezerStates(tag).size;
    await c.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: 'live' }));
    await eeCount(tag, before - 1);
    await rejects(
      c.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: 'live' })),
      'ProvisionedConcurrencyConfigNotFoundException', 'No Provisioned Concurrency Config found for this function',
    );
    // Deleting a config that does not exist succeeds.
    await c.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: 'live' }));

    await c.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: 'live', ProvisionedConcurrentExecutions: 1 }));
    assert.equal((await settled(c, 'pc', 'live')).Status, 'READY');
    await eeCount(tag, before);
    await c.send(new DeleteAliasCommand({ FunctionName: 'pc', Name: 'live' }));
    await eeCount(tag, before - 1);
    assert.deepEqual((await c.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'pc' }))).ProvisionedConcurrencyConfigs, []);
  });

  it('a restarted server provisions the stored configs again', async () => {
    await c.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '1', ProvisionedConcurrentExecutions: 1 }));
    assert.equal((await settled(c, 'pc', '1')).Status, 'READY');
    const dataDir = s.dataDir;
    assert.equal(await s.stop(), 0);
    s = await startServer({ dataDir });
    c = s.client;
    const got = await settled(c, 'pc', '1');
    assert.equal(got.Status, 'READY', got.StatusReason);
    await eeCount(tag, 1);
    const r = await invokeTail(c, 'pc', '1');
    assert.equal(r.initType, 'provisioned-concurrency');
    assert.doesNotMatch(r.log, /Init Duration/);
  });

  it('an EE that fails is replaced by a new provisioned one', async () => {
    const [before] = [...eeFreezerStates(tag).keys()];
    const r = await c.send(new InvokeCommand({ FunctionName: 'pc', Qualifier: '1', Payload: encode({ exit: true }) }));
    assert.equal(r.FunctionError, 'Unhandled');
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (eeFreezerStates(tag).has(before!) || eeFreezerStates(tag).size !== 1)) await sleep(50);
    assert.equal((await settled(c, 'pc', '1')).Status, 'READY');
    const now = [...eeFreezerStates(tag).keys()];
    assert.equal(now.length, 1);
    assert.notEqual(now[0], before, 'a new EE');
    const again = await invokeTail(c, 'pc', '1');
    assert.equal(again.initType, 'provisioned-concurrency');
    assert.doesNotMatch(again.log, /Init Duration/);
  });

  it('a config on an alias follows the alias to its new version', async () => {
    await c.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'pc', Description: 'two' }));
    await waitUntilFunctionUpdatedV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'pc' });
    await c.send(new PublishVersionCommand({ FunctionName: 'pc' }));
    await c.send(new CreateAliasCommand({ FunctionName: 'pc', Name: 'blue', FunctionVersion: '1' }));
    // Version 1 has a config of its own: one config per version (AWS's conflict, both ways).
    await rejects(
      c.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: 'blue', ProvisionedConcurrentExecutions: 1 })),
      'ResourceConflictException', "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version",
    );
    await c.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '1' }));
    await c.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: 'blue', ProvisionedConcurrentExecutions: 1 }));
    await rejects(
      c.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '1', ProvisionedConcurrentExecutions: 1 })),
      'ResourceConflictException', 'Version is pointed by a Provisioned Concurrency alias',
    );
    assert.equal((await settled(c, 'pc', 'blue')).Status, 'READY');
    await c.send(new UpdateAliasCommand({ FunctionName: 'pc', Name: 'blue', FunctionVersion: '2' }));
    const deadline = Date.now() + 30_000;
    let r = await invokeTail(c, 'pc', 'blue');
    while (r.initType !== 'provisioned-concurrency' && Date.now() < deadline) {
      await sleep(100);
      r = await invokeTail(c, 'pc', 'blue');
    }
    assert.deepEqual([r.initType, r.version], ['provisioned-concurrency', '2']);
    await c.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: 'blue' }));
  });

  it('an init that fails makes the config FAILED with a reason', async () => {
    await c.send(new CreateFunctionCommand({
      FunctionName: 'bad', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler',
      Code: { ZipFile: await makeZip({ 'index.js': 'throw new Error("init boom");' }) },
    }));
    await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'bad' });
    await c.send(new PublishVersionCommand({ FunctionName: 'bad' }));
    await c.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'bad', Qualifier: '1', ProvisionedConcurrentExecutions: 1 }));
    const got = await settled(c, 'bad', '1');
    assert.equal(got.Status, 'FAILED');
    assert.equal(got.StatusReason, 'FUNCTION_ERROR_INIT_FAILURE');
    assert.equal(got.AllocatedProvisionedConcurrentExecutions, 0);
  });
});

describe('the host\'s EE memory budget (KUMO_EE_MEMORY_BUDGET_MB=256)', () => {
  let s: RunningServer;
  let c: LambdaClient;
  let tag: string;
  before(async () => {
    // Counts the EEs on the host against a small budget: pre-initialised EEs (prewarm.test.ts) would be extra ones.
    s = await startServer({ env: { KUMO_EE_MEMORY_BUDGET_MB: '256', KUMO_PREWARM: '0' } });
    c = s.client;
    tag = tagOf(s.dataDir);
    for (const n of ['x', 'a', 'b']) await deploy(c, n);
    await deploy(c, 'huge', 512);
    await c.send(new PublishVersionCommand({ FunctionName: 'x' }));
  });
  after(async () => {
    await s?.stop();
    await removeDataDir(s?.dataDir);
  });

  it('a cold start evicts the least recently used idle on-demand EE, never a provisioned one; no room at all is a 429', async () => {
    await c.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'x', Qualifier: '1', ProvisionedConcurrentExecutions: 1 }));
    assert.equal((await settled(c, 'x', '1')).Status, 'READY');
    assert.equal((await invokeTail(c, 'a')).initType, 'on-demand');
    await eeCount(tag, 2); // 256 MB promised: x's provisioned EE and a's
    const ids = new Set(eeFreezerStates(tag).keys());
    assert.equal((await invokeTail(c, 'b')).initType, 'on-demand', 'b fits by evicting a');
    await eeCount(tag, 2);
    const now = [...eeFreezerStates(tag).keys()];
    assert.equal(now.filter((id) => ids.has(id)).length, 1, 'one of the two EEs was replaced');
    assert.equal((await invokeTail(c, 'x', '1')).initType, 'provisioned-concurrency', 'x kept its provisioned EE');
    assert.equal((await c.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'x', Qualifier: '1' }))).Status, 'READY');

    // b busy, x provisioned: nothing can be evicted for a.
    const busy = invokeTail(c, 'b', undefined, 1500);
    await sleep(300);
    await assert.rejects(c.send(new InvokeCommand({ FunctionName: 'a', Payload: encode({}) })), (e: unknown) => {
      assert.ok(e instanceof TooManyRequestsException, String(e));
      assert.equal(e.$metadata.httpStatusCode, 429);
      assert.equal(e.Reason, 'ConcurrentInvocationLimitExceeded');
      assert.equal(e.message, 'Rate Exceeded.');
      return true;
    });
    // A second request for b while its one EE is busy: no room for another, so it waits for that EE (not a 429).
    const t0 = Date.now();
    assert.equal((await invokeTail(c, 'b')).initType, 'on-demand');
    assert.ok(Date.now() - t0 >= 300, 'it waited for the busy EE');
    await eeCount(tag, 2);
    await busy;
    // More memory than the whole budget can never fit.
    await assert.rejects(c.send(new InvokeCommand({ FunctionName: 'huge', Payload: encode({}) })), TooManyRequestsException);
    // Once b is idle again, a fits by evicting it.
    assert.equal((await invokeTail(c, 'a')).initType, 'on-demand');
  });
});

describe('provisioned EEs and the idle reaper (KUMO_EE_IDLE_MS=1000)', () => {
  let s: RunningServer;
  let c: LambdaClient;
  let tag: string;
  before(async () => {
    // Counts the EEs on the host: pre-initialised EEs (prewarm.test.ts) would be extra ones.
    s = await startServer({ env: { KUMO_EE_IDLE_MS: '1000', KUMO_PREWARM: '0' } });
    c = s.client;
    tag = tagOf(s.dataDir);
    await deploy(c, 'kept');
    await c.send(new PublishVersionCommand({ FunctionName: 'kept' }));
  });
  after(async () => {
    await s?.stop();
    await removeDataDir(s?.dataDir);
  });

  it('an idle on-demand EE is reaped, a provisioned one is kept (frozen while idle) and still serves without a cold start', async () => {
    await c.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'kept', Qualifier: '1', ProvisionedConcurrentExecutions: 1 }));
    assert.equal((await settled(c, 'kept', '1')).Status, 'READY');
    const [provisionedEe] = [...eeFreezerStates(tag).keys()];
    assert.equal((await invokeTail(c, 'kept')).initType, 'on-demand');
    await eeCount(tag, 2);
    await sleep(2500); // past the idle time and a reaper pass (every second here)
    await eeCount(tag, 1);
    assert.deepEqual([...eeFreezerStates(tag)], [[provisionedEe, 'FROZEN']]);
    const r = await invokeTail(c, 'kept', '1');
    assert.equal(r.initType, 'provisioned-concurrency');
    assert.doesNotMatch(r.log, /Init Duration/);
  });
});
