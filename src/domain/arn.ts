/**
 * The one ARN model for every service Kumo speaks:
 * `arn:<partition>:<service>:<region>:<account>:<resource>`
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html).
 * The resource part is the service's own: it may hold `/` and `:` (a Lambda
 * function's qualifier, a log group's `:*`), so only the first five colons
 * separate fields. Global services (IAM) have an empty region; AWS-owned
 * resources (runtimes) an empty account.
 *
 * Builders take the scope Kumo answers for (its region and account); parsers
 * return undefined for anything that is not the resource they read, so each
 * caller answers AWS's own error for its operation.
 */
export interface Arn {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

/** The region and account an ARN is built in (Kumo's configuration). */
export interface ArnScope {
  region: string;
  accountId: string;
  /** `aws` unless given (Kumo has no other partition). */
  partition?: string;
}

/** AWS's partition names: `aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, … */
const partitionRe = /^aws[a-zA-Z-]*$/;
const accountRe = /^\d{12}$/;
const regionRe = /^[a-z0-9-]+$/;

export function formatArn(a: Arn): string {
  return `arn:${a.partition}:${a.service}:${a.region}:${a.account}:${a.resource}`;
}

/** Splits an ARN into its six fields, or undefined when it has fewer or does not start with `arn:`. */
export function parseArn(s: string): Arn | undefined {
  const parts = s.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const [, partition, service, region, account] = parts as [string, string, string, string, string];
  return { partition, service, region, account, resource: parts.slice(5).join(':') };
}

const arnIn = (scope: ArnScope, service: string, resource: string, region = scope.region, account = scope.accountId) =>
  formatArn({ partition: scope.partition ?? 'aws', service, region, account, resource });

// ---- Lambda ---------------------------------------------------------------

/** `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]` (a version number or alias name). */
export const functionArn = (scope: ArnScope, name: string, qualifier?: string) =>
  arnIn(scope, 'lambda', qualifier ? `function:${name}:${qualifier}` : `function:${name}`);
/** `arn:aws:lambda:<region>:<account>:layer:<name>` (LayerArn). */
export const layerArn = (scope: ArnScope, name: string) => arnIn(scope, 'lambda', `layer:${name}`);
/** `arn:aws:lambda:<region>:<account>:layer:<name>:<version>` (LayerVersionArn). */
export const layerVersionArn = (scope: ArnScope, name: string, version: number) => `${layerArn(scope, name)}:${version}`;

/** A Lambda ARN read back: its region and account, and which resource it names. */
export type LambdaResource =
  | { type: 'function'; region: string; account: string; name: string; qualifier: string | undefined }
  | { type: 'layer'; region: string; account: string; name: string; version: number | undefined };

const lambdaNameRe = /^[a-zA-Z0-9-_]+$/;
const qualifierRe = /^(\$LATEST|[a-zA-Z0-9-_]+)$/;

/**
 * Parses a full Lambda function or layer (version) ARN with a 12-digit
 * account: `function:<name>[:<qualifier>]`, `layer:<name>[:<version>]`.
 * Shorter forms FunctionName accepts (`name:alias`, `account:function:name`)
 * are control/arn.ts's, with the patterns AWS quotes in its messages.
 */
export function parseLambdaArn(s: string): LambdaResource | undefined {
  const a = parseArn(s);
  if (!a || a.service !== 'lambda' || !partitionRe.test(a.partition) || !regionRe.test(a.region) || !accountRe.test(a.account)) return undefined;
  const [type, name, extra, ...more] = a.resource.split(':');
  if (more.length || name === undefined || !lambdaNameRe.test(name)) return undefined;
  if (type === 'function') {
    if (extra !== undefined && !qualifierRe.test(extra)) return undefined;
    return { type, region: a.region, account: a.account, name, qualifier: extra };
  }
  if (type === 'layer') {
    if (extra !== undefined && !/^[0-9]+$/.test(extra)) return undefined;
    return { type, region: a.region, account: a.account, name, version: extra === undefined ? undefined : Number(extra) };
  }
  return undefined;
}

// ---- CloudWatch Logs ------------------------------------------------------

/** `arn:aws:logs:<region>:<account>:log-group:<name>` (LogGroup's `logGroupArn`; its `arn` adds `:*`). */
export const logGroupArn = (scope: ArnScope, name: string) => arnIn(scope, 'logs', `log-group:${name}`);
/** `arn:aws:logs:<region>:<account>:log-group:<group>:log-stream:<stream>`. */
export const logStreamArn = (scope: ArnScope, group: string, stream: string) => `${logGroupArn(scope, group)}:log-stream:${stream}`;

/** The log group an ARN names, in either of AWS's forms (with or without the trailing `:*`); any region or account. */
export function parseLogGroupArn(s: string): { region: string; account: string; name: string } | undefined {
  const a = parseArn(s);
  if (!a || a.service !== 'logs' || !partitionRe.test(a.partition) || !a.resource.startsWith('log-group:')) return undefined;
  let name = a.resource.slice('log-group:'.length);
  if (name.endsWith(':*')) name = name.slice(0, -2);
  return name ? { region: a.region, account: a.account, name } : undefined;
}

// ---- The services that follow (resource forms from their API references) ----

/** `arn:aws:sqs:<region>:<account>:<queue>`. */
export const queueArn = (scope: ArnScope, queue: string) => arnIn(scope, 'sqs', queue);
/** `arn:aws:sns:<region>:<account>:<topic>`. */
export const topicArn = (scope: ArnScope, topic: string) => arnIn(scope, 'sns', topic);
/** `arn:aws:kinesis:<region>:<account>:stream/<name>`. */
export const streamArn = (scope: ArnScope, stream: string) => arnIn(scope, 'kinesis', `stream/${stream}`);
/** `arn:aws:events:<region>:<account>:rule/<name>` (rules on the default bus). */
export const ruleArn = (scope: ArnScope, rule: string) => arnIn(scope, 'events', `rule/${rule}`);
/** `arn:aws:events:<region>:<account>:event-bus/<name>`. */
export const eventBusArn = (scope: ArnScope, bus: string) => arnIn(scope, 'events', `event-bus/${bus}`);
/** `arn:aws:iam::<account>:role/<name>`: IAM is global, its ARNs have no region. */
export const roleArn = (scope: ArnScope, role: string) => arnIn(scope, 'iam', `role/${role}`, '');
/** `arn:aws:cloudformation:<region>:<account>:stack/<name>/<id>`. */
export const stackArn = (scope: ArnScope, stack: string, id: string) => arnIn(scope, 'cloudformation', `stack/${stack}/${id}`);
