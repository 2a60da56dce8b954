import { createHash } from 'node:crypto';
import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import { roleArn } from '../../../domain/arn';
import type { ResourceDecl } from '../../sam';
import type { DeployContext } from '../context';
import { isMapping, num, str } from '../values';

/** Lambda's defaults for what a template leaves out (CreateFunction: MemorySize 128, Timeout 3, EphemeralStorage 512, x86_64). */
const functionDefaults = { MemorySize: 128, Timeout: 3, EphemeralStorage: 512, Architectures: ['x86_64'] };

export type DesiredConfig = ReturnType<typeof functionConfig>;

/**
 * The execution role a function without Role gets: `kumo-<stack>-<Id>` (the
 * role SAM's translator would make as `<Id>Role`), which `kumo deploy` makes
 * through IAM (implicit-role.ts). The ARN is cut to Lambda's 140-character Role limit.
 */
export const defaultRoleName = (ctx: DeployContext, id: string): string => {
  const name = `kumo-${ctx.stackName}-${id}`;
  if (name.length <= roleNameCharsMax) return name;
  // IAM role names are 1–64 characters: a long one keeps its start and gets a hash of the whole.
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, roleNameCharsMax - 9)}-${hash}`;
};
/** IAM: RoleName is at most 64 characters (CreateRole). */
const roleNameCharsMax = 64;
export const defaultRoleArn = (ctx: DeployContext, id: string) => roleArn(ctx.cfg, defaultRoleName(ctx, id)).slice(0, 140);

/** The function's desired configuration, in the API's shape (shared by AWS::Lambda::Function and AWS::Serverless::Function). */
export function functionConfig(ctx: DeployContext, d: ResourceDecl, pr: Record<string, unknown>) {
  const p = `Resources.${d.id}.Properties`;
  const env = pr.Environment;
  if (env !== undefined && (!isMapping(env) || (env.Variables !== undefined && !isMapping(env.Variables)))) {
    throw ctx.error(`${p}.Environment`, 'Environment is a mapping with Variables: {NAME: value}');
  }
  const vars = Object.fromEntries(Object.entries(((env as Record<string, unknown> | undefined)?.Variables ?? {}) as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  const layers = pr.Layers === undefined ? [] : pr.Layers;
  if (!Array.isArray(layers) || layers.some((x) => typeof x !== 'string')) throw ctx.error(`${p}.Layers`, 'Layers is a list of layer version ARNs (or !Ref to a LayerVersion)');
  const eph = pr.EphemeralStorage;
  if (eph !== undefined && !isMapping(eph)) throw ctx.error(`${p}.EphemeralStorage`, 'EphemeralStorage is {Size: MB}');
  const archs = pr.Architectures === undefined ? functionDefaults.Architectures : pr.Architectures;
  if (!Array.isArray(archs)) throw ctx.error(`${p}.Architectures`, 'Architectures is a list ([x86_64] or [arm64])');
  const deadLetter = deadLetterTarget(ctx, p, pr);
  const timeout = ctx.timeoutOverride ?? num(ctx, pr.Timeout, `${p}.Timeout`, 'Timeout') ?? functionDefaults.Timeout;
  return {
    Runtime: str(ctx, pr.Runtime, `${p}.Runtime`, 'Runtime'),
    Handler: str(ctx, pr.Handler, `${p}.Handler`, 'Handler'),
    MemorySize: num(ctx, pr.MemorySize, `${p}.MemorySize`, 'MemorySize') ?? functionDefaults.MemorySize,
    Timeout: timeout,
    Description: str(ctx, pr.Description, `${p}.Description`, 'Description') ?? '',
    Environment: { Variables: vars },
    Layers: layers as string[],
    EphemeralStorage: { Size: num(ctx, (eph as Record<string, unknown> | undefined)?.Size, `${p}.EphemeralStorage.Size`, 'EphemeralStorage.Size') ?? functionDefaults.EphemeralStorage },
    Role: str(ctx, pr.Role, `${p}.Role`, 'Role') ?? defaultRoleArn(ctx, d.id),
    Architectures: archs.map(String),
    /** '' for none. */
    DeadLetterTarget: deadLetter,
    TracingMode: tracingMode(ctx, p, pr),
  };
}

/** TracingConfig.Mode (AWS::Lambda::Function) or SAM's Tracing (Active | PassThrough); Lambda's default PassThrough when neither. */
function tracingMode(ctx: DeployContext, p: string, pr: Record<string, unknown>): 'Active' | 'PassThrough' {
  const [v, at] = pr.Tracing !== undefined
    ? [pr.Tracing, `${p}.Tracing`]
    : [isMapping(pr.TracingConfig) ? pr.TracingConfig.Mode : pr.TracingConfig, `${p}.TracingConfig.Mode`];
  if (v === undefined) return 'PassThrough';
  if (v !== 'Active' && v !== 'PassThrough') throw ctx.error(at, 'the tracing mode is Active or PassThrough');
  return v;
}

/** DeadLetterConfig.TargetArn (AWS::Lambda::Function), or SAM's DeadLetterQueue {Type: SQS|SNS, TargetArn}; '' when neither. */
function deadLetterTarget(ctx: DeployContext, p: string, pr: Record<string, unknown>): string {
  if (pr.DeadLetterQueue !== undefined) {
    const q = pr.DeadLetterQueue;
    if (!isMapping(q) || (q.Type !== 'SQS' && q.Type !== 'SNS') || q.TargetArn === undefined) {
      throw ctx.error(`${p}.DeadLetterQueue`, 'DeadLetterQueue is {Type: SQS or SNS, TargetArn: the queue or topic ARN}');
    }
    return str(ctx, q.TargetArn, `${p}.DeadLetterQueue.TargetArn`, 'DeadLetterQueue.TargetArn')!;
  }
  const c = pr.DeadLetterConfig;
  if (c === undefined) return '';
  if (!isMapping(c)) throw ctx.error(`${p}.DeadLetterConfig`, 'DeadLetterConfig is {TargetArn: a queue or topic ARN}');
  return str(ctx, c.TargetArn, `${p}.DeadLetterConfig.TargetArn`, 'DeadLetterConfig.TargetArn') ?? '';
}

/** The configuration fields that differ between the template and the server. */
export function configDiff(want: DesiredConfig, have: FunctionConfiguration): string[] {
  const diff: string[] = [];
  const eq = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (want.Runtime !== have.Runtime) diff.push('Runtime');
  if (want.Handler !== (have.Handler ?? undefined)) diff.push('Handler');
  if (want.MemorySize !== have.MemorySize) diff.push('MemorySize');
  if (want.Timeout !== have.Timeout) diff.push('Timeout');
  if (want.Description !== (have.Description ?? '')) diff.push('Description');
  const sortObj = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
  if (!eq(sortObj(want.Environment.Variables), sortObj(have.Environment?.Variables ?? {}))) diff.push('Environment');
  if (!eq(want.Layers, (have.Layers ?? []).map((l) => l.Arn))) diff.push('Layers');
  if (want.EphemeralStorage.Size !== (have.EphemeralStorage?.Size ?? functionDefaults.EphemeralStorage)) diff.push('EphemeralStorage');
  if (want.Role !== have.Role) diff.push('Role');
  if (!eq(want.Architectures, have.Architectures ?? functionDefaults.Architectures)) diff.push('Architectures');
  if (want.DeadLetterTarget !== (have.DeadLetterConfig?.TargetArn ?? '')) diff.push('DeadLetterConfig');
  if (want.TracingMode !== (have.TracingConfig?.Mode ?? 'PassThrough')) diff.push('TracingConfig');
  return diff;
}
