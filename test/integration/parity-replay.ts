import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import * as lambda from '@aws-sdk/client-lambda';
import { makeZip, projectRoot, role, testCreds } from './harness';

/**
 * Replays request/response pairs recorded against real AWS (taken from
 * LocalStack's `tests/aws/services/lambda_/*.snapshot.json`, curated into
 * test/fixtures/aws-parity/) against the real Kumo server.
 *
 * Each request goes through `@aws-sdk/client-lambda`; the request handler
 * keeps the raw HTTP answer too, so a step checks both what an SDK reads
 * (error name, message, status) and the exact wire body (`Type`, `message`
 * or `Message`, every field of a FunctionConfiguration).
 *
 * Volatile values are ignored the way LocalStack's transformers replaced
 * them in the recordings: every `<...>` placeholder matches any text, `date`
 * any timestamp, and the recording's account `111111111111` any 12 digits.
 */

export const fixturesDir = path.join(projectRoot, 'test', 'fixtures', 'aws-parity');

export interface Fixture {
  source: { repo: string; file: string; key: string; recorded: string };
  /** Why an input differs from the recorded test, if it does. */
  note?: string;
  /** Values of the recording replaced before comparing, per member name (e.g. `Runtime`: a runtime Kumo does not run). */
  substitute?: Record<string, Record<string, string>>;
  /** Runs of this character of these lengths become `<c:len(n)>` in Kumo's messages, as in the recording. */
  repeat?: { char: string; lengths: number[] };
  steps: Step[];
}

export interface Step {
  /** The recording's snapshot entry this step replays (absent for set-up steps). */
  snapshot?: string;
  command: string;
  input: Record<string, unknown>;
  /** Set-up steps only: wait until the function is Active / its update Successful. */
  waitFor?: 'active' | 'updated';
  /** The recorded answer: a success body (`status` + `body`) or an error. */
  expect?: Expected;
  /** ListFunctions etc.: keep only the items of this scenario's functions (the recording was filtered the same way). */
  filterList?: string;
}

export type Expected =
  | { status: number; body?: Record<string, unknown>; headers?: Record<string, string> }
  | { status: number; error: { Code: string; Message: string | null }; fields: Record<string, string> }
  | { status?: number; errors: { Code: string; Errors?: string[]; Count?: number; Message?: string } };

export function loadFixtures(): { file: string; fixture: Fixture }[] {
  return fs
    .readdirSync(fixturesDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, fixture: JSON.parse(fs.readFileSync(path.join(fixturesDir, file), 'utf8')) as Fixture }));
}

interface Raw {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** An SDK client whose request handler also keeps the last raw response. */
export function capturingClient(endpoint: string): { client: lambda.LambdaClient; last(): Raw | undefined; reset(): void } {
  const plain = new lambda.LambdaClient({ endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
  const inner = plain.config.requestHandler as { handle(req: unknown, opts?: unknown): Promise<{ response: { statusCode: number; headers: Record<string, string>; body: unknown } }> };
  let last: Raw | undefined;
  const handler = {
    handle: async (req: unknown, opts?: unknown) => {
      const out = await inner.handle(req, opts);
      const chunks: Buffer[] = [];
      for await (const c of out.response.body as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
      const body = Buffer.concat(chunks);
      last = { status: out.response.statusCode, headers: out.response.headers, body };
      out.response.body = Readable.from([body]);
      return out;
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
    destroy: () => plain.destroy(),
  };
  const client = new lambda.LambdaClient({
    endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1,
    requestHandler: handler as never,
  });
  return { client, last: () => last, reset: () => (last = undefined) };
}

/** Names, role, region and code of one scenario: `{fn:1}` → a fresh function name, `{zip:x}` → a zip. */
export class Scenario {
  readonly names = new Map<string, string>();
  constructor(
    readonly id: string,
    readonly region: string,
  ) {}

  name(k: string): string {
    let n = this.names.get(k);
    if (!n) this.names.set(k, (n = `parity-${this.id}-${k}`.slice(0, 64)));
    return n;
  }

  async resolve(v: unknown): Promise<unknown> {
    if (typeof v === 'string') {
      const zip = /^\{zip:([a-z-]+)\}$/.exec(v);
      if (zip) return codeZip(zip[1]!);
      return v
        .replace(/\{fn:(\w+)\}/g, (_, k: string) => this.name(`fn${k}`))
        .replace(/\{layer:(\w+)\}/g, (_, k: string) => this.name(`layer${k}`))
        .replace(/\{role\}/g, role)
        .replace(/\{region\}/g, this.region)
        .replace(/\{account\}/g, '000000000000')
        .replace(/\{wrong-region\}/g, this.region === 'eu-west-1' ? 'us-west-2' : 'eu-west-1')
        .replace(/\{a\*(\d+)\}/g, (_, n: string) => 'a'.repeat(Number(n)));
    }
    if (Array.isArray(v)) return Promise.all(v.map((x) => this.resolve(x)));
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = await this.resolve(x);
      return out;
    }
    return v;
  }
}

/** The code of the recorded tests, rewritten for Kumo (same behaviour, no copied code). */
function codeZip(kind: string): Promise<Buffer> {
  switch (kind) {
    case 'python-echo':
      return makeZip({ 'handler.py': 'def handler(event, context):\n    return event\n' });
    case 'python-version':
      return makeZip({ 'handler.py': "import os\n\ndef handler(event, context):\n    return {'version': os.environ.get('AWS_LAMBDA_FUNCTION_VERSION')}\n" });
    case 'python-response-size':
      return makeZip({ 'handler.py': "def handler(event, context):\n    return 'a' * event['bytenum']\n" });
    case 'layer':
      return makeZip({ 'python/parity_layer.py': 'VALUE = 1\n' });
    case 'not-a-zip':
      return Promise.resolve(Buffer.from('this is not a zip file'));
    default:
      throw new Error(`unknown code ${kind}`);
  }
}

/** A regex for a recorded string: placeholders match anything, `date` any timestamp, the recording's account any account. */
function patternOf(expected: string): RegExp {
  if (expected === 'date') return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(\+0000|Z)$/;
  const parts = expected.split(/(<[^<>]+>|111111111111)/);
  const src = parts
    .map((p) => {
      if (p === '111111111111') return '\\d{12}';
      if (/^<[^<>]+>$/.test(p)) return '[\\s\\S]+?';
      return p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${src}$`);
}

/** Deep comparison of a recorded value with Kumo's: same keys, same array lengths, values equal or matching the recording's pattern. */
export function assertMatches(actual: unknown, expected: unknown, where: string): void {
  if (typeof expected === 'string') {
    assert.equal(typeof actual === 'string' || typeof actual === 'number', true, `${where}: expected a string like ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
    if (expected === '<code-size>' || expected === '<size>') return;
    assert.match(String(actual), patternOf(expected), `${where}: ${JSON.stringify(actual)} does not match the recorded ${JSON.stringify(expected)}`);
    return;
  }
  // LocalStack's snapshots store JSON held in a string (a policy Statement) parsed; compare it parsed.
  if (expected && typeof expected === 'object' && typeof actual === 'string') {
    try {
      actual = JSON.parse(actual);
    } catch {
      assert.fail(`${where}: expected ${JSON.stringify(expected)}, got the string ${JSON.stringify(actual)}`);
    }
  }
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${where}: expected a list, got ${JSON.stringify(actual)}`);
    assert.equal(actual.length, expected.length, `${where}: list of ${actual.length}, AWS returned ${expected.length}`);
    expected.forEach((e, i) => assertMatches(actual[i], e, `${where}[${i}]`));
    return;
  }
  if (expected && typeof expected === 'object') {
    assert.ok(actual && typeof actual === 'object' && !Array.isArray(actual), `${where}: expected an object, got ${JSON.stringify(actual)}`);
    const a = actual as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    assert.deepEqual(Object.keys(a).sort(), Object.keys(e).sort(), `${where}: fields differ from AWS's`);
    for (const k of Object.keys(e)) assertMatches(a[k], e[k], `${where}.${k}`);
    return;
  }
  assert.equal(actual, expected, `${where}: ${JSON.stringify(actual)}, AWS returned ${JSON.stringify(expected)}`);
}

/** LocalStack's extraction of "Value '…' at '…' failed to satisfy constraint: …" parts (the recording stores them sorted). */
function constraintParts(message: string): string[] {
  return [...message.matchAll(/(Value '.*?' at '.*?' failed to satisfy constraint: .+?(?=;|$))/g)].map((m) => m[1]!).sort();
}

function substitute(v: unknown, map: Record<string, Record<string, string>> | undefined): unknown {
  if (!map || v === undefined || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => substitute(x, map));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const m = map[k];
    out[k] = typeof x === 'string' && m && x in m ? m[x] : substitute(x, map);
  }
  return out;
}

/** What LocalStack's transformers did to the recorded text: partition, region and account replaced. */
function recordingTransform(s: string, region: string): string {
  return s.split('arn:aws:').join('arn:<partition>:').split(`:${region}:`).join(':<region>:').split('000000000000').join('111111111111');
}

function repeatTransform(s: string, r: Fixture['repeat']): string {
  if (!r) return s;
  for (const n of r.lengths) s = s.split(r.char.repeat(n)).join(`<${r.char}:len(${n})>`);
  return s;
}

/** Runs one fixture's steps against the server. */
export async function replay(fixture: Fixture, id: string, endpoint: string): Promise<void> {
  const { client, last, reset } = capturingClient(endpoint);
  const sc = new Scenario(id, 'us-east-1');
  try {
    for (const step of fixture.steps) {
      const label = `${fixture.source.key} ${step.snapshot ?? step.command}`;
      const Command = (lambda as unknown as Record<string, new (i: unknown) => unknown>)[`${step.command}Command`];
      assert.ok(Command, `no SDK command ${step.command}`);
      const input = (await sc.resolve(step.input)) as Record<string, unknown>;
      // The SDK sends Invoke's Payload as bytes.
      if (typeof input.Payload === 'string') input.Payload = Buffer.from(input.Payload);
      let error: (Error & { $metadata?: { httpStatusCode?: number } }) | undefined;
      reset();
      try {
        await client.send(new Command(input) as never);
      } catch (e) {
        error = e as typeof error;
      }
      const raw = last();
      if (step.waitFor) {
        const FunctionName = (input as { FunctionName: string }).FunctionName;
        if (step.waitFor === 'active') await lambda.waitUntilFunctionActiveV2({ client, maxWaitTime: 30 }, { FunctionName });
        else await lambda.waitUntilFunctionUpdatedV2({ client, maxWaitTime: 30 }, { FunctionName });
      }
      const expected = substitute(step.expect, fixture.substitute) as Expected | undefined;
      if (!expected) {
        assert.equal(error, undefined, `${label}: set-up step failed: ${error?.name}: ${error?.message}`);
        continue;
      }
      assert.ok(raw, `${label}: no response captured`);
      if ('body' in expected || !('error' in expected || 'errors' in expected)) {
        assert.equal(error, undefined, `${label}: AWS answered ${expected.status}, Kumo failed: ${error?.name}: ${error?.message}`);
        assert.equal(raw.status, expected.status, `${label}: status`);
        for (const [h, v] of Object.entries(('headers' in expected && expected.headers) || {})) {
          assert.equal(raw.headers[h.toLowerCase()], v, `${label}: header ${h}`);
        }
        if ('body' in expected && expected.body) {
          let body = JSON.parse(raw.body.toString('utf8')) as Record<string, unknown>;
          if (step.filterList) body = filterList(body, step.filterList, [...sc.names.values()]);
          assertMatches(body, expected.body, label);
        }
        continue;
      }
      assert.ok(error, `${label}: AWS failed, Kumo answered ${raw.status}`);
      const wireName = (raw.headers['x-amzn-errortype'] ?? '').split(':')[0];
      if ('error' in expected) {
        // What an SDK reads.
        assert.equal(error.name, expected.error.Code, `${label}: error name (message: ${error.message})`);
        // AWS sends some errors without a message (AccessDeniedException for another account's ARN).
        if (expected.error.Message !== null) assert.match(error.message, patternOf(expected.error.Message), `${label}: message`);
        assert.equal(error.$metadata?.httpStatusCode, expected.status, `${label}: status`);
        // What is on the wire: the header, and every body field AWS sends for this error, spelled as AWS spells it.
        assert.equal(wireName, expected.error.Code, `${label}: x-amzn-ErrorType`);
        const body = JSON.parse(raw.body.toString('utf8')) as Record<string, unknown>;
        for (const [k, v] of Object.entries(expected.fields)) {
          assert.ok(k in body, `${label}: body lacks ${k} (has ${Object.keys(body).join(', ')})`);
          assert.match(String(body[k]), patternOf(v), `${label}: body.${k}`);
        }
        if (!Object.keys(expected.fields).some((k) => k === 'message' || k === 'Message')) {
          assert.ok(typeof body.message === 'string' || typeof body.Message === 'string', `${label}: body carries no message`);
        }
      } else {
        const e = expected.errors;
        assert.equal(error.name, e.Code, `${label}: error name (message: ${error.message})`);
        assert.equal(wireName, e.Code, `${label}: x-amzn-ErrorType`);
        const message = recordingTransform(repeatTransform(error.message, fixture.repeat), sc.region);
        if (e.Errors) {
          assert.deepEqual(constraintParts(message), [...e.Errors].sort(), `${label}: constraint failures`);
          assert.equal(e.Errors.length, e.Count);
        } else if (e.Message !== undefined) {
          assert.match(message, patternOf(e.Message), `${label}: message`);
        }
      }
    }
  } finally {
    client.destroy();
  }
}

function filterList(body: Record<string, unknown>, key: string, names: string[]): Record<string, unknown> {
  const items = (body[key] as { FunctionName?: string; FunctionArn?: string }[]).filter((f) => names.includes(f.FunctionName ?? ''));
  items.sort((a, b) => (a.FunctionArn ?? '').localeCompare(b.FunctionArn ?? ''));
  const { NextMarker: _n, ...rest } = body;
  return { ...rest, [key]: items };
}
