import fs from 'node:fs';
import path from 'node:path';
import { DeleteFunctionCommand, GetFunctionConfigurationCommand, InvokeCommand, ListFunctionsCommand, type FunctionConfiguration } from '@aws-sdk/client-lambda';
import { UsageError, type Parsed } from './args';
import { CliError, describeError, lambdaClient, loadCliConfig } from './client';
import { readStackRecord } from './stack';

/** Reads all of stdin. */
export async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A logical ID of the stack deployed from the current directory (.kumo-stack.json)
 * stands for its function's physical name; anything else is used as given.
 */
export function resolveFunctionName(name: string): { name: string; note?: string } {
  const rec = readStackRecord(path.resolve('.kumo-stack.json'));
  const r = rec?.resources[name];
  if (r && (r.type === 'AWS::Serverless::Function' || r.type === 'AWS::Lambda::Function') && r.physicalId) {
    return { name: r.physicalId, note: `${name} → ${r.physicalId} (from .kumo-stack.json)` };
  }
  return { name };
}

export async function invokeCommand({ positional, flags }: Parsed): Promise<number> {
  const given = positional[0];
  if (!given) throw new UsageError('which function? kumo invoke <function>');
  if (positional.length > 1) throw new UsageError(`unexpected argument '${positional[1]}'`);
  if (flags.event !== undefined && flags.payload !== undefined) throw new UsageError('give --event or --payload, not both');
  let payload: Buffer;
  if (typeof flags.event === 'string') {
    if (flags.event === '-') payload = await readStdin();
    else {
      try {
        payload = fs.readFileSync(flags.event);
      } catch (e) {
        throw new CliError(`cannot read the event file ${flags.event}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    }
  } else if (typeof flags.payload === 'string') payload = Buffer.from(flags.payload);
  else payload = Buffer.from('{}');
  try {
    JSON.parse(payload.toString('utf8') || '{}');
  } catch (e) {
    throw new CliError(`the event is not JSON: ${(e as Error).message}`, 2);
  }
  const { name, note } = resolveFunctionName(given);
  if (note) process.stderr.write(`kumo: ${note}\n`);
  const cfg = loadCliConfig(flags);
  const client = lambdaClient(cfg);
  try {
    if (flags.async) {
      const r = await client.send(
        new InvokeCommand({ FunctionName: name, Qualifier: str(flags.qualifier), InvocationType: 'Event', Payload: payload }),
      );
      process.stdout.write(`queued (status ${r.StatusCode}, request id ${r.$metadata.requestId ?? '?'})\n`);
      return 0;
    }
    const r = await client.send(
      new InvokeCommand({
        FunctionName: name,
        Qualifier: str(flags.qualifier),
        LogType: flags['no-logs'] ? 'None' : 'Tail',
        Payload: payload,
      }),
    );
    if (r.LogResult) {
      const tail = Buffer.from(r.LogResult, 'base64').toString('utf8');
      process.stderr.write(`--- log tail (${name}${r.ExecutedVersion && r.ExecutedVersion !== '$LATEST' ? ':' + r.ExecutedVersion : ''}) ---\n${tail}${tail.endsWith('\n') ? '' : '\n'}---\n`);
    }
    const out = Buffer.from(r.Payload ?? []).toString('utf8');
    process.stdout.write(out + (out.endsWith('\n') ? '' : '\n'));
    if (r.FunctionError) {
      process.stderr.write(`kumo: the function failed (FunctionError: ${r.FunctionError})\n`);
      return 1;
    }
    return 0;
  } finally {
    client.destroy();
  }
}

const str = (v: string | true | undefined) => (typeof v === 'string' ? v : undefined);

export async function listAllFunctions(cfg = loadCliConfig()): Promise<FunctionConfiguration[]> {
  const client = lambdaClient(cfg);
  try {
    const all: FunctionConfiguration[] = [];
    let marker: string | undefined;
    do {
      const r = await client.send(new ListFunctionsCommand({ Marker: marker, MaxItems: 50 }));
      all.push(...(r.Functions ?? []));
      marker = r.NextMarker;
    } while (marker);
    return all;
  } finally {
    client.destroy();
  }
}

/** Each function's State; a function deleted meanwhile has none. */
async function statesOf(names: string[], cfg: ReturnType<typeof loadCliConfig>): Promise<Map<string, string>> {
  const client = lambdaClient(cfg);
  try {
    const out = new Map<string, string>();
    for (const name of names) {
      const c = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name })).catch(() => undefined);
      if (c?.State) out.set(name, c.State);
    }
    return out;
  } finally {
    client.destroy();
  }
}

export async function lsCommand({ positional, flags }: Parsed): Promise<number> {
  if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'`);
  const fns = await listAllFunctions(loadCliConfig(flags));
  if (flags.json) {
    process.stdout.write(JSON.stringify(fns, null, 2) + '\n');
    return 0;
  }
  if (fns.length === 0) {
    process.stdout.write('no functions (deploy one with `kumo deploy`)\n');
    return 0;
  }
  // ListFunctions carries no State (as AWS's); GetFunctionConfiguration does.
  const states = await statesOf(fns.map((f) => f.FunctionName ?? ''), loadCliConfig(flags));
  const rows = [['NAME', 'RUNTIME', 'MEMORY', 'TIMEOUT', 'STATE', 'LAST MODIFIED']];
  for (const f of fns.sort((a, b) => (a.FunctionName ?? '').localeCompare(b.FunctionName ?? ''))) {
    rows.push([f.FunctionName ?? '', f.Runtime ?? '', `${f.MemorySize ?? ''} MB`, `${f.Timeout ?? ''} s`, states.get(f.FunctionName ?? '') ?? '', f.LastModified ?? '']);
  }
  process.stdout.write(table(rows));
  return 0;
}

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ') + '\n').join('');
}

export async function rmCommand({ positional, flags }: Parsed): Promise<number> {
  if (positional.length === 0) throw new UsageError('which function? kumo rm <function>...');
  const client = lambdaClient(loadCliConfig(flags));
  let failed = 0;
  try {
    for (const given of positional) {
      const { name } = resolveFunctionName(given);
      try {
        await client.send(new DeleteFunctionCommand({ FunctionName: name, Qualifier: str(flags.qualifier) }));
        process.stdout.write(`deleted ${name}${typeof flags.qualifier === 'string' ? ':' + flags.qualifier : ''}\n`);
      } catch (e) {
        process.stderr.write(`kumo: ${name}: ${describeError(e)}\n`);
        failed++;
      }
    }
  } finally {
    client.destroy();
  }
  return failed ? 1 : 0;
}
