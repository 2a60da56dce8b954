import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateFunctionCommand, DeleteFunctionCommand, DeleteFunctionConcurrencyCommand, GetAccountSettingsCommand, GetFunctionCommand,
  GetFunctionConcurrencyCommand, InvokeCommand, LambdaClient, PutFunctionConcurrencyCommand, PutFunctionEventInvokeConfigCommand,
  TooManyRequestsException, waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { decode, encode, makeZip, role, startServer, storedLogLines, type RunningServer, workerPolicies } from './harness';

/**
 * Lambda's concurrency controls through the real server and
 * @aws-sdk/client-lambda (issue 13, items 1–3 and the async exception):
 * reserved concurrency and its errors, GetAccountSettings, the three
 * throttle reasons as the SDK parses them, and reserved 0 for async events.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const arnOf = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

/** A Node.js function that sleeps `sleepMs` of its event, then answers `{ok: true}`. */
async function deploySlow(c: LambdaClient, name: string): Promise<void> {
  const code = await makeZip({
    'index.js': 'exports.handler = async (e) => { if (e.sleepMs) await new Promise((r) => setTimeout(r, e.sleepMs)); return { ok: true }; };',
  });
  await c.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: code }, Timeout: 30 }));
  await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: name });
}

const invoke = (c: LambdaClient, name: string, payload: unknown = {}) => c.send(new InvokeCommand({ FunctionName: name, Payload: encode(payload) }));

/** The SDK's parsed throttle: the modelled exception class, status 429, AWS's message and the Reason member. */
async function throttled(p: Promise<unknown>, reason: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof TooManyRequestsException, `expected TooManyRequestsException, got ${String(e)}`);
    assert.equal(e.$metadata.httpStatusCode, 429);
    assert.equal(e.message, 'Rate Exceeded.');
    assert.equal(e.Reason, reason);
    assert.equal(e.Type, 'User');
    return true;
  });
}

async function rejects(p: Promise<unknown>, name: string, message: string): Promise<void> {
  await assert.rejects(p, (e: Error) => {
    assert.equal(e.name, name, e.message);
    assert.equal(e.message, message);
    return true;
  });
}

const floorMessage = (n: number) =>
  `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${n}].`;

describe('reserved concurrency and account settings (default account limit 1,000)', () => {
  let s: RunningServer;
  let c: LambdaClient;
  before(async () => {
    s = await startServer({ grant: workerPolicies });
    c = s.client;
    await deploySlow(c, 'slow');
  });
  after(async () => {
    await s?.stop();
  });

  it('Put/Get/Delete answer as AWS recorded them, with their errors; GetFunction shows the reservation', async () => {
    await rejects(c.send(new PutFunctionConcurrencyCommand({ FunctionName: 'nope', ReservedConcurrentExecutions: 1 })), 'ResourceNotFoundException', `Function not found: ${arnOf('nope')}:$LATEST`);
    await rejects(c.send(new GetFunctionConcurrencyCommand({ FunctionName: 'nope' })), 'ResourceNotFoundException', `Function not found: ${arnOf('nope')}`);
    await rejects(c.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'nope' })), 'ResourceNotFoundException', `Function not found: ${arnOf('nope')}`);
    await rejects(
      c.send(new PutFunctionConcurrencyCommand({ FunctionName: `${arnOf('slow')}:$LATEST`, ReservedConcurrentExecutions: 0 })),
      'InvalidParameterValueException',
      'This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN.',
    );
    await rejects(
      c.send(new PutFunctionConcurrencyCommand({ FunctionName: 'slow', ReservedConcurrentExecutions: -1 })), 'ValidationException',
      "1 validation error detected: Value '-1' at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 0",
    );
    await rejects(
      c.send(new PutFunctionConcurrencyCommand({ FunctionName: 'slow' } as never)), 'ValidationException',
      "1 validation error detected: Value null at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must not be null",
    );
    // Nothing reserved yet: Get answers an empty object, GetFunction has no Concurrency.
    assert.equal((await c.send(new GetFunctionConcurrencyCommand({ FunctionName: 'slow' }))).ReservedConcurrentExecutions, undefined);
    assert.equal((await c.send(new GetFunctionCommand({ FunctionName: 'slow' }))).Concurrency, undefined);

    assert.equal((await c.send(new PutFunctionConcurrencyCommand({ FunctionName: 'slow', ReservedConcurrentExecutions: 0 }))).ReservedConcurrentExecutions, 0);
    assert.equal((await c.send(new PutFunctionConcurrencyCommand({ FunctionName: arnOf('slow'), ReservedConcurrentExecutions: 3 }))).ReservedConcurrentExecutions, 3);
    assert.equal((await c.send(new GetFunctionConcurrencyCommand({ FunctionName: 'slow' }))).ReservedConcurrentExecutions, 3);
    assert.deepEqual((await c.send(new GetFunctionCommand({ FunctionName: 'slow' }))).Concurrency, { ReservedConcurrentExecutions: 3 });
    const settings = await c.send(new GetAccountSettingsCommand({}));
    assert.equal(settings.AccountLimit?.ConcurrentExecutions, 1000);
    assert.equal(settings.AccountLimit?.UnreservedConcurrentExecutions, 997);

    // The floor: 1,000 − 100 may be reserved in all; more (or more than the account) is refused with AWS's text.
    await rejects(c.send(new PutFunctionConcurrencyCommand({ FunctionName: 'slow', ReservedConcurrentExecutions: 1001 })), 'InvalidParameterValueException', floorMessage(100));
    await rejects(c.send(new PutFunctionConcurrencyCommand({ FunctionName: 'slow', ReservedConcurrentExecutions: 901 })), 'InvalidParameterValueException', floorMessage(100));
    assert.equal((await c.send(new GetFunctionConcurrencyCommand({ FunctionName: 'slow' }))).ReservedConcurrentExecutions, 3, 'a refused put changes nothing');
    assert.equal((await c.send(new PutFunctionConcurrencyCommand({ FunctionName: 'slow', ReservedConcurrentExecutions: 900 }))).ReservedConcurrentExecutions, 900);
    assert.equal((await c.send(new GetAccountSettingsCommand({}))).AccountLimit?.UnreservedConcurrentExecutions, 100);
    await deploySlow(c, 'other');
    await rejects(c.send(new PutFunctionConcurrencyCommand({ FunctionName: 'other', ReservedConcurrentExecutions: 1 })), 'InvalidParameterValueException', floorMessage(100));
    assert.equal((await c.send(new PutFunctionConcurrencyCommand({ FunctionName: 'other', ReservedConcurrentExecutions: 0 }))).ReservedConcurrentExecutions, 0, 'zero always fits');
    await c.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'other' }));

    const del = await c.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'slow' }));
    assert.equal(del.$metadata.httpStatusCode, 204);
    assert.equal((await c.send(new GetFunctionConcurrencyCommand({ FunctionName: 'slow' }))).ReservedConcurrentExecutions, undefined);
    const after = await c.send(new GetAccountSettingsCommand({}));
    assert.equal(after.AccountLimit?.UnreservedConcurrentExecutions, 1000);
    for (const k of ['CodeSizeUnzipped', 'CodeSizeZipped', 'TotalCodeSize'] as const) assert.ok((after.AccountLimit?.[k] ?? 0) > 0, k);
    assert.equal(after.AccountUsage?.FunctionCount, 2);
  });

  it('reserved 0 throttles every synchronous invoke with ReservedFunctionConcurrentInvocationLimitExceeded, parsed by the SDK', async () => {
    assert.equal((await invoke(c, 'slow')).StatusCode, 200);
    await c.send(new PutFunctionConcurrencyCommand({ FunctionName: 'slow', ReservedConcurrentExecutions: 0 }));
    await throttled(invoke(c, 'slow'), 'ReservedFunctionConcurrentInvocationLimitExceeded');
    await throttled(invoke(c, 'slow'), 'ReservedFunctionConcurrentInvocationLimitExceeded');
    await c.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'slow' }));
    assert.equal((await invoke(c, 'slow')).StatusCode, 200, 'deleting the reservation lets it run again');
  });

  it('reserved 1: of two concurrent slow invokes one runs and the other is throttled', async () => {
    await c.send(new PutFunctionConcurrencyCommand({ FunctionName: 'slow', ReservedConcurrentExecutions: 1 }));
    const first = invoke(c, 'slow', { sleepMs: 1500 });
    await sleep(300);
    await throttled(invoke(c, 'slow'), 'ReservedFunctionConcurrentInvocationLimitExceeded');
    assert.deepEqual(JSON.parse(decode((await first).Payload)), { ok: true });
    assert.equal((await invoke(c, 'slow')).StatusCode, 200, 'the slot is free again');
    await c.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'slow' }));
  });

  it('an async event for a function reserved at 0 goes straight to OnFailure as ZeroReservedConcurrency', async () => {
    const rec = await makeZip({ 'app.py': 'import json\ndef handler(e, c):\n    print("GOT " + json.dumps(e))\n    return 1\n' });
    await c.send(new CreateFunctionCommand({ FunctionName: 'dest', Runtime: 'python3.11', Role: role, Handler: 'app.handler', Code: { ZipFile: rec } }));
    await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'dest' });
    await c.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'slow', MaximumRetryAttempts: 2, DestinationConfig: { OnFailure: { Destination: arnOf('dest') } } }));
    await c.send(new PutFunctionConcurrencyCommand({ FunctionName: 'slow', ReservedConcurrentExecutions: 0 }));
    const t0 = Date.now();
    const r = await c.send(new InvokeCommand({ FunctionName: 'slow', InvocationType: 'Event', Payload: encode({ n: 7 }) }));
    assert.equal(r.StatusCode, 202, 'accepted: the throttle is the queue\'s to handle');
    const requestId = r.$metadata.requestId;
    let got: Record<string, any> | undefined;
    while (!got && Date.now() - t0 < 20_000) {
      const lines = await storedLogLines(s.dataDir, 'dest');
      const m = lines.map((l) => /GOT (\{.*\})$/.exec(l)?.[1]).find((x) => x !== undefined);
      if (m) got = JSON.parse(m) as Record<string, any>;
      else await sleep(200);
    }
    assert.ok(got, 'the OnFailure destination received the record');
    assert.deepEqual(Object.keys(got).sort(), ['requestContext', 'requestPayload', 'timestamp', 'version']);
    assert.deepEqual(got.requestContext, {
      requestId, functionArn: `${arnOf('slow')}:$LATEST`, condition: 'ZeroReservedConcurrency', approximateInvokeCount: 0,
    });
    assert.deepEqual(got.requestPayload, { n: 7 });
    assert.ok(!(await storedLogLines(s.dataDir, 'slow')).some((l) => l.startsWith('ASYNC_DEFERRED')), 'not retried as an ordinary throttle');
  });

  it('DeleteFunction removes the reservation with the function', async () => {
    await c.send(new PutFunctionConcurrencyCommand({ FunctionName: 'other', ReservedConcurrentExecutions: 5 }));
    await c.send(new DeleteFunctionCommand({ FunctionName: 'other' }));
    assert.equal((await c.send(new GetAccountSettingsCommand({}))).AccountLimit?.UnreservedConcurrentExecutions, 1000);
    await deploySlow(c, 'other');
    assert.equal((await c.send(new GetFunctionConcurrencyCommand({ FunctionName: 'other' }))).ReservedConcurrentExecutions, undefined);
    assert.equal((await invoke(c, 'other')).StatusCode, 200);
  });

  it('a reservation survives a restart of the server', async () => {
    await c.send(new PutFunctionConcurrencyCommand({ FunctionName: 'other', ReservedConcurrentExecutions: 0 }));
    await s.stop();
    s = await startServer({ grant: workerPolicies, dataDir: s.dataDir });
    c = s.client;
    assert.equal((await c.send(new GetAccountSettingsCommand({}))).AccountLimit?.UnreservedConcurrentExecutions, 1000);
    await throttled(invoke(c, 'other'), 'ReservedFunctionConcurrentInvocationLimitExceeded');
  });
});

describe('a small account: KUMO_ACCOUNT_CONCURRENCY=2 and a scaling rate of 1 EE per minute', () => {
  let s: RunningServer;
  let c: LambdaClient;
  before(async () => {
    s = await startServer({ grant: workerPolicies, env: { KUMO_ACCOUNT_CONCURRENCY: '2', KUMO_SCALING_RATE_EES: '1', KUMO_SCALING_RATE_WINDOW_MS: '60000' } });
    c = s.client;
    await Promise.all(['a', 'b', 'd'].map((n) => deploySlow(c, n)));
  });
  after(async () => {
    await s?.stop();
  });

  it('GetAccountSettings reports the limit; below 100 the whole limit is the floor: only 0 can be reserved', async () => {
    const st = await c.send(new GetAccountSettingsCommand({}));
    assert.equal(st.AccountLimit?.ConcurrentExecutions, 2);
    assert.equal(st.AccountLimit?.UnreservedConcurrentExecutions, 2);
    await rejects(c.send(new PutFunctionConcurrencyCommand({ FunctionName: 'a', ReservedConcurrentExecutions: 1 })), 'InvalidParameterValueException', floorMessage(2));
    await c.send(new PutFunctionConcurrencyCommand({ FunctionName: 'a', ReservedConcurrentExecutions: 0 }));
    await c.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'a' }));
  });

  it('the third concurrent execution in the account is throttled with ConcurrentInvocationLimitExceeded', async () => {
    const running = [invoke(c, 'a', { sleepMs: 2000 }), invoke(c, 'b', { sleepMs: 2000 })];
    await sleep(400);
    await throttled(invoke(c, 'd'), 'ConcurrentInvocationLimitExceeded');
    for (const r of await Promise.all(running)) assert.equal(r.StatusCode, 200);
    assert.equal((await invoke(c, 'd')).StatusCode, 200, 'room again once they finished');
  });

  it('a second EE of a function within the scaling rate is throttled with FunctionInvocationRateLimitExceeded; warm reuse is not', async () => {
    // a has one warm EE (its single token of the minute went to that cold start).
    const busy = invoke(c, 'a', { sleepMs: 1500 });
    await sleep(300);
    await throttled(invoke(c, 'a'), 'FunctionInvocationRateLimitExceeded');
    assert.equal((await busy).StatusCode, 200);
    for (let i = 0; i < 3; i++) assert.equal((await invoke(c, 'a')).StatusCode, 200, `warm invoke ${i} spends no token`);
  });
});
