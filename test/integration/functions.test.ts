import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateFunctionCommand, DeleteFunctionCommand, GetAccountSettingsCommand, GetFunctionCommand,
  GetFunctionConfigurationCommand, LambdaClient, ListFunctionsCommand, UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand, waitUntilFunctionActiveV2, waitUntilFunctionUpdatedV2, paginateListFunctions,
} from '@aws-sdk/client-lambda';
import { createHash } from 'node:crypto';
import { makeZip, role, startServer, testCreds, type RunningServer } from './harness';

/** yazl refuses unsafe names, so build a zip with a same-length safe name and patch the bytes. */
async function zipWithEntryName(unsafe: string): Promise<Buffer> {
  const safe = 'a'.repeat(unsafe.length);
  const zip = await makeZip({ [safe]: 'x' });
  let at = 0;
  while ((at = zip.indexOf(safe, at)) !== -1) zip.write(unsafe, at), (at += safe.length);
  return zip;
}

const nodeCode = (msg: string) => makeZip({ 'index.js': `exports.handler = async () => (${JSON.stringify(msg)});` });

async function expectError(p: Promise<unknown>, name: string, message?: RegExp | string, status?: number) {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { $metadata?: { httpStatusCode?: number } };
    assert.equal(err.name, name, `expected ${name}, got ${err.name}: ${err.message}`);
    if (message instanceof RegExp) assert.match(err.message, message);
    else if (message !== undefined) assert.equal(err.message, message);
    if (status !== undefined) assert.equal(err.$metadata?.httpStatusCode, status);
    return;
  }
  assert.fail(`expected ${name}`);
}

describe('control plane (AWS SDK v3 against the real server)', () => {
  let s: RunningServer;
  let c: LambdaClient;
  before(async () => {
    s = await startServer();
    c = s.client;
  });
  after(async () => {
    await s.stop();
  });

  it('creates a function with AWS fields and formats, Pending then Active', async () => {
    const zip = await nodeCode('hi');
    const r = await c.send(
      new CreateFunctionCommand({ FunctionName: 'fn-create', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: zip } }),
    );
    assert.equal(r.$metadata.httpStatusCode, 201);
    assert.equal(r.FunctionArn, 'arn:aws:lambda:us-east-1:000000000000:function:fn-create');
    assert.equal(r.CodeSha256, createHash('sha256').update(zip).digest('base64'));
    assert.equal(r.CodeSize, zip.length);
    assert.equal(r.Version, '$LATEST');
    assert.equal(r.State, 'Pending');
    assert.equal(r.Timeout, 3);
    assert.equal(r.MemorySize, 128);
    assert.deepEqual(r.EphemeralStorage, { Size: 512 });
    assert.equal(r.PackageType, 'Zip');
    assert.deepEqual(r.Architectures, ['x86_64']);
    assert.deepEqual(r.LoggingConfig, { LogFormat: 'Text', LogGroup: '/aws/lambda/fn-create' });
    assert.match(r.LastModified!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    assert.match(r.RevisionId!, /^[0-9a-f-]{36}$/);
    await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'fn-create' });
    const g = await c.send(new GetFunctionCommand({ FunctionName: 'fn-create' }));
    assert.equal(g.Configuration!.State, 'Active');
    assert.equal(g.Configuration!.LastUpdateStatus, 'Successful');
    assert.notEqual(g.Configuration!.RevisionId, r.RevisionId);
    // Code.Location downloads the very zip.
    const res = await fetch(g.Code!.Location!);
    assert.equal(res.status, 200);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), zip);
    assert.equal(g.Code!.RepositoryType, 'S3');
    // A tampered location is refused.
    // (Flip the signature's first hex digit: replacing it by a fixed one left it unchanged one time in 16.)
    const bad = await fetch(g.Code!.Location!.replace(/signature=(.)/, (_, d: string) => `signature=${d === '0' ? '1' : '0'}`));
    assert.equal(bad.status, 403);
  });

  it('refuses a duplicate name and unknown functions with AWS errors', async () => {
    await expectError(
      c.send(new CreateFunctionCommand({ FunctionName: 'fn-create', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: await nodeCode('x') } })),
      'ResourceConflictException', 'Function already exist: fn-create', 409,
    );
    await expectError(
      c.send(new GetFunctionCommand({ FunctionName: 'nope' })),
      'ResourceNotFoundException', 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope', 404,
    );
    await expectError(c.send(new DeleteFunctionCommand({ FunctionName: 'nope' })), 'ResourceNotFoundException', undefined, 404);
  });

  it('accepts every FunctionName form AWS accepts', async () => {
    for (const n of ['fn-create', 'arn:aws:lambda:us-east-1:000000000000:function:fn-create', '000000000000:function:fn-create']) {
      const g = await c.send(new GetFunctionConfigurationCommand({ FunctionName: n }));
      assert.equal(g.FunctionName, 'fn-create');
    }
    await expectError(c.send(new GetFunctionConfigurationCommand({ FunctionName: 'fn-create', Qualifier: '7' })), 'ResourceNotFoundException');
  });

  it('validates fields with AWS messages and leaves nothing behind', async () => {
    const zip = await nodeCode('x');
    const base = { FunctionName: 'fn-bad', Runtime: 'nodejs20.x' as const, Role: role, Handler: 'index.handler', Code: { ZipFile: zip } };
    await expectError(
      c.send(new CreateFunctionCommand({ ...base, MemorySize: 64 })),
      'ValidationException',
      "1 validation error detected: Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128",
      400,
    );
    await expectError(c.send(new CreateFunctionCommand({ ...base, Timeout: 901 })), 'ValidationException', /at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900/);
    await expectError(c.send(new CreateFunctionCommand({ ...base, EphemeralStorage: { Size: 100 } })), 'ValidationException', /ephemeralStorage.size/);
    await expectError(c.send(new CreateFunctionCommand({ ...base, FunctionName: 'bad name!' })), 'ValidationException', /at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern/);
    await expectError(c.send(new CreateFunctionCommand({ ...base, FunctionName: 'a'.repeat(65) })), 'InvalidParameterValueException', /Member must have length less than or equal to 64/);
    await expectError(c.send(new CreateFunctionCommand({ ...base, Runtime: 'cobol1.0' as never })), 'InvalidParameterValueException', /at 'runtime' failed to satisfy constraint: Member must satisfy enum value set/);
    await expectError(c.send(new CreateFunctionCommand({ ...base, Runtime: 'nodejs12.x' })), 'InvalidParameterValueException', /nodejs12.x is no longer supported/);
    await expectError(c.send(new CreateFunctionCommand({ ...base, Role: 'not-a-role' })), 'ValidationException', /at 'role'/);
    await expectError(
      c.send(new CreateFunctionCommand({ ...base, Environment: { Variables: { AWS_REGION: 'x' } } })),
      'InvalidParameterValueException', /reserved keys .* Reserved keys used in this request: AWS_REGION/,
    );
    await expectError(c.send(new CreateFunctionCommand({ ...base, Environment: { Variables: { '1bad': 'x' } } })), 'ValidationException', /Map keys must satisfy constraint/);
    await expectError(
      c.send(new CreateFunctionCommand({ ...base, Environment: { Variables: { BIG: 'x'.repeat(4100) } } })),
      'InvalidParameterValueException', /exceeded the 4KB limit\. String measured: \{"BIG":"x+"\}$/,
    );
    await expectError(
      c.send(new CreateFunctionCommand({ ...base, Code: { ZipFile: Buffer.from('this is not a zip') } })),
      'InvalidParameterValueException', 'Could not unzip uploaded file. Please check your file, then try to upload again.',
    );
    await expectError(
      c.send(new CreateFunctionCommand({ ...base, Code: { ZipFile: await zipWithEntryName('../evil.js') } })),
      'InvalidParameterValueException', /Could not unzip/,
    );
    const list = await c.send(new ListFunctionsCommand({}));
    assert.ok(!list.Functions!.some((f) => f.FunctionName === 'fn-bad'), 'a rejected create left a function behind');
  });

  it('updates configuration and code with RevisionId preconditions; waiters work', async () => {
    const cur = await c.send(new GetFunctionConfigurationCommand({ FunctionName: 'fn-create' }));
    await expectError(
      c.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'fn-create', MemorySize: 256, RevisionId: 'wrong' })),
      'PreconditionFailedException', /The Revision Id provided does not match the latest Revision Id/, 412,
    );
    const u = await c.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'fn-create', MemorySize: 256, Timeout: 10, Description: 'updated',
        Environment: { Variables: { GREETING: 'hello' } }, RevisionId: cur.RevisionId,
      }),
    );
    assert.equal(u.LastUpdateStatus, 'InProgress');
    assert.equal(u.MemorySize, 256);
    assert.deepEqual(u.Environment, { Variables: { GREETING: 'hello' } });
    await waitUntilFunctionUpdatedV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'fn-create' });
    const zip2 = await nodeCode('v2');
    const uc = await c.send(new UpdateFunctionCodeCommand({ FunctionName: 'fn-create', ZipFile: zip2 }));
    assert.equal(uc.CodeSha256, createHash('sha256').update(zip2).digest('base64'));
    await waitUntilFunctionUpdatedV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'fn-create' });
    const g = await c.send(new GetFunctionConfigurationCommand({ FunctionName: 'fn-create' }));
    assert.equal(g.Description, 'updated');
    assert.equal(g.Timeout, 10);
    assert.equal(g.CodeSha256, uc.CodeSha256);
    assert.equal(g.LastUpdateStatus, 'Successful');
  });

  it('lists with Marker / MaxItems pagination', async () => {
    for (let i = 0; i < 5; i++) {
      await c.send(
        new CreateFunctionCommand({ FunctionName: `page-${i}`, Runtime: 'python3.11', Role: role, Handler: 'app.handler', Code: { ZipFile: await makeZip({ 'app.py': 'def handler(e, c):\n    return 1\n' }) } }),
      );
    }
    const first = await c.send(new ListFunctionsCommand({ MaxItems: 2 }));
    assert.equal(first.Functions!.length, 2);
    assert.ok(first.NextMarker);
    const names: string[] = [];
    for await (const page of paginateListFunctions({ client: c, pageSize: 2 }, {})) names.push(...page.Functions!.map((f) => f.FunctionName!));
    assert.deepEqual(names, [...names].sort());
    for (let i = 0; i < 5; i++) assert.ok(names.includes(`page-${i}`));
    assert.equal(new Set(names).size, names.length);
    await expectError(c.send(new ListFunctionsCommand({ MaxItems: 0 })), 'ValidationException');
  });

  it('reports account settings', async () => {
    const a = await c.send(new GetAccountSettingsCommand({}));
    assert.equal(a.AccountLimit!.ConcurrentExecutions, 1000);
    assert.equal(a.AccountLimit!.CodeSizeUnzipped, 262144000);
    assert.ok(a.AccountUsage!.FunctionCount! >= 6);
  });

  it('deletes a function', async () => {
    await expectError(c.send(new DeleteFunctionCommand({ FunctionName: 'page-0', Qualifier: '$LATEST' })), 'InvalidParameterValueException');
    const d = await c.send(new DeleteFunctionCommand({ FunctionName: 'page-0' }));
    assert.equal(d.$metadata.httpStatusCode, 204);
    await expectError(c.send(new GetFunctionCommand({ FunctionName: 'page-0' })), 'ResourceNotFoundException');
  });

  it('refuses unsigned, unknown-key and wrongly signed requests with 403 and no side effect', async () => {
    const unsigned = await fetch(`${s.endpoint}/2015-03-31/functions/fn-create`, { method: 'DELETE' });
    assert.equal(unsigned.status, 403);
    assert.equal(unsigned.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
    const other = new LambdaClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDUNKNOWN000000000', secretAccessKey: 'x' }, maxAttempts: 1 });
    await expectError(other.send(new DeleteFunctionCommand({ FunctionName: 'fn-create' })), 'UnrecognizedClientException', undefined, 403);
    const wrong = new LambdaClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: { accessKeyId: testCreds.accessKeyId, secretAccessKey: 'wrong' }, maxAttempts: 1 });
    await expectError(wrong.send(new DeleteFunctionCommand({ FunctionName: 'fn-create' })), 'InvalidSignatureException', undefined, 403);
    other.destroy();
    wrong.destroy();
    const g = await c.send(new GetFunctionConfigurationCommand({ FunctionName: 'fn-create' }));
    assert.equal(g.FunctionName, 'fn-create');
  });

  it('answers unknown routes and malformed JSON with AWS errors, never a stack trace', async () => {
    const r = await fetch(`${s.endpoint}/2015-03-31/nothing-here`);
    assert.equal(r.status, 404);
    assert.equal(r.headers.get('x-amzn-errortype'), 'UnknownOperationException');
    const body = await r.text();
    assert.doesNotMatch(body, /at .*\.js:\d+/);
  });
  it('refuses a CreateFunction request over AWS\'s 70,167,211 bytes with AWS\'s message', async () => {
    // Recorded: LocalStack test_lambda_api.snapshot.json, TestLambdaSizeLimits::test_oversized_request_create_lambda.
    const zip = await nodeCode('x');
    await expectError(
      c.send(new CreateFunctionCommand({
        FunctionName: 'fn-oversized-request', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: zip },
        Environment: { Variables: { BIG: 'x'.repeat(70_167_211) } },
      })),
      'RequestEntityTooLargeException', 'Request must be smaller than 70167211 bytes for the CreateFunction operation', 413,
    );
    await expectError(c.send(new GetFunctionConfigurationCommand({ FunctionName: 'fn-oversized-request' })), 'ResourceNotFoundException');
  });
});
