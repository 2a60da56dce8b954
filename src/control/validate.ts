import { limits } from '../config';
import {
  architectureRefusal, awsRuntimeEnum, deprecatedRuntimes, hostArchitecture, notInstalledRuntimes, runtimeSpec, supportedRuntimes, unavailableRuntimes,
  type Architecture,
} from '../runtimes/registry';
import { invalidParameter, validationFailed } from '../domain/errors';
import type { LoggingConfigInput } from './inputs';

/**
 * Field validation with AWS's constraints and messages, on values the service
 * layer has already decoded to their types (control/inputs.ts). Model
 * constraints (length, pattern, range, enum) fail as Validation with AWS's
 * "N validation error(s) detected" text, all failures of a request at once;
 * semantic rules fail as InvalidParameter, as AWS does.
 */
type Failure = { value: unknown; path: string; constraint: string };

export const roleArnPattern = 'arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+';
const roleArnRe = new RegExp(`^${roleArnPattern}$`);
const handlerRe = /^[^\s]+$/;
const envKeyPattern = '[a-zA-Z]([a-zA-Z0-9_])+';
const envKeyRe = new RegExp(`^${envKeyPattern}$`);
const logGroupRe = /^[.\-_/#A-Za-z0-9]+$/;

/** Environment keys Lambda sets itself and rejects in user configuration. */
export const reservedEnvKeys = new Set([
  '_HANDLER', '_X_AMZN_TRACE_ID', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME', 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE', 'AWS_LAMBDA_LOG_GROUP_NAME', 'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR',
]);

export class Checker {
  readonly failures: Failure[] = [];

  /** Throws the collected model-constraint failures, if any. */
  done(): void {
    if (this.failures.length) throw validationFailed(this.failures);
  }

  string(v: string | undefined, path: string, o: { min?: number; max?: number; pattern?: string; re?: RegExp } = {}): string | undefined {
    if (v === undefined) return undefined;
    if (o.min !== undefined && v.length < o.min)
      this.failures.push({ value: v, path, constraint: `Member must have length greater than or equal to ${o.min}` });
    else if (o.max !== undefined && v.length > o.max)
      this.failures.push({ value: v, path, constraint: `Member must have length less than or equal to ${o.max}` });
    else if (o.re && !o.re.test(v))
      this.failures.push({ value: v, path, constraint: `Member must satisfy regular expression pattern: ${o.pattern}` });
    return v;
  }

  int(v: number | undefined, path: string, min: number, max: number): number | undefined {
    if (v === undefined) return undefined;
    if (v < min) this.failures.push({ value: v, path, constraint: `Member must have value greater than or equal to ${min}` });
    else if (v > max) this.failures.push({ value: v, path, constraint: `Member must have value less than or equal to ${max}` });
    return v;
  }

  enumOf<T extends string>(v: string | undefined, path: string, values: readonly T[]): T | undefined {
    if (v === undefined) return undefined;
    if (!(values as readonly string[]).includes(v)) {
      this.failures.push({ value: v, path, constraint: `Member must satisfy enum value set: [${values.join(', ')}]` });
      return undefined;
    }
    return v as T;
  }
}

export function checkRuntime(c: Checker, v: string | undefined): string | undefined {
  const rt = c.string(v, 'runtime');
  if (rt === undefined) return undefined;
  if (deprecatedRuntimes.has(rt)) {
    throw invalidParameter(
      `The runtime parameter of ${rt} is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions.`,
    );
  }
  if (!(awsRuntimeEnum as readonly string[]).includes(rt)) {
    // AWS answers this one as InvalidParameterValueException (not the front door's ValidationException), value unquoted.
    throw invalidParameter(
      `Value ${rt} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [${awsRuntimeEnum.join(', ')}] or be a valid ARN`,
    );
  }
  if (!(supportedRuntimes as readonly string[]).includes(rt)) {
    const why = unavailableRuntimes[rt] ?? notInstalledRuntimes[rt];
    throw invalidParameter(
      `The runtime parameter of ${rt} is not supported by this Kumo server${why ? `: ${why}` : ''}. Supported runtimes: ${supportedRuntimes.join(', ')}.`,
    );
  }
  return rt;
}

export const checkRole = (c: Checker, v: string | undefined) => c.string(v, 'role', { min: 0, max: 10000, pattern: roleArnPattern, re: roleArnRe });
export const checkHandler = (c: Checker, v: string | undefined) => c.string(v, 'handler', { min: 0, max: limits.handlerCharsMax, pattern: '[^\\s]+', re: handlerRe });
export const checkDescription = (c: Checker, v: string | undefined) => c.string(v, 'description', { min: 0, max: limits.descriptionCharsMax });
export const checkTimeout = (c: Checker, v: number | undefined) => c.int(v, 'timeout', limits.timeoutSecondsMin, limits.timeoutSecondsMax);
export const checkMemory = (c: Checker, v: number | undefined) => c.int(v, 'memorySize', limits.memoryMbMin, limits.memoryMbMax);

export function checkEphemeral(c: Checker, v: { Size?: number } | undefined): number | undefined {
  if (v === undefined) return undefined;
  return c.int(v.Size, 'ephemeralStorage.size', limits.ephemeralStorageMbMin, limits.ephemeralStorageMbMax);
}

export function checkArchitectures(c: Checker, v: unknown[] | undefined): Architecture[] | undefined {
  if (v === undefined) return undefined;
  if (v.length !== 1) {
    c.failures.push({ value: v, path: 'architectures', constraint: `Member must have length ${v.length < 1 ? 'greater' : 'less'} than or equal to 1` });
    return undefined;
  }
  if (v[0] !== 'x86_64' && v[0] !== 'arm64') {
    c.failures.push({ value: v, path: 'architectures', constraint: 'Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]' });
    return undefined;
  }
  return [v[0] as Architecture];
}

/**
 * Refuses an architecture this server does not run the runtime on (the
 * host's runs everything; arm64 on an x86_64 host runs through qemu-user
 * where the emulator and the runtime's arm64 interpreter are installed,
 * runtimes/registry.ts), naming what the host has and how to get more.
 * `kumo deploy --architecture-fallback` reads this message (cli/deploy/fallback.ts).
 */
export function checkArchitectureRuns(runtime: string, arch: Architecture): void {
  const spec = runtimeSpec(runtime);
  const why = spec ? architectureRefusal(spec, arch) : undefined;
  if (why) throw invalidParameter(`Architectures ${arch} is not supported by this Kumo server for ${runtime}: ${why}.`);
}

export { hostArchitecture };

export interface LoggingInput {
  logFormat?: 'Text' | 'JSON';
  applicationLogLevel?: string;
  systemLogLevel?: string;
  logGroup?: string;
}

export function checkLogging(c: Checker, o: LoggingConfigInput | undefined): LoggingInput | undefined {
  if (o === undefined) return undefined;
  const out: LoggingInput = {
    logFormat: c.enumOf(o.LogFormat, 'loggingConfig.logFormat', ['JSON', 'Text'] as const),
    applicationLogLevel: c.enumOf(o.ApplicationLogLevel, 'loggingConfig.applicationLogLevel', ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const),
    systemLogLevel: c.enumOf(o.SystemLogLevel, 'loggingConfig.systemLogLevel', ['DEBUG', 'INFO', 'WARN'] as const),
    logGroup: c.string(o.LogGroup, 'loggingConfig.logGroup', { min: 1, max: 512, pattern: '[\\.\\-_/#A-Za-z0-9]+', re: logGroupRe }),
  };
  return out;
}

/** Validates Environment.Variables: key pattern, reserved keys, and AWS's 4 KB total (measured on the JSON of the map, as AWS measures it). */
export function checkEnvironment(c: Checker, v: { Variables?: Record<string, string> } | undefined): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  const out = v.Variables ?? {};
  if (Object.keys(out).some((k) => !envKeyRe.test(k))) {
    c.failures.push({
      value: '[sensitive]',
      path: 'environment.variables',
      constraint: `Map keys must satisfy constraint: [Member must satisfy regular expression pattern: ${envKeyPattern}]`,
    });
    return undefined;
  }
  const reserved = Object.keys(out).filter((k) => reservedEnvKeys.has(k));
  if (reserved.length) {
    throw invalidParameter(
      `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`,
    );
  }
  const measured = JSON.stringify(out);
  if (Buffer.byteLength(measured) > limits.environmentBytesMax) {
    throw invalidParameter(
      `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${measured}`,
    );
  }
  return out;
}

const kmsKeyArnRe = /^arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*$/;

/** KMSKeyArn: '' clears it (AWS), an ARN selects Kumo's named key of that name. */
export function checkKmsKeyArn(c: Checker, v: string | undefined): string | undefined {
  const s = c.string(v, 'kMSKeyArn', { min: 0, max: 10000 });
  if (s === undefined || s === '') return s;
  if (!kmsKeyArnRe.test(s)) {
    c.failures.push({ value: s, path: 'kMSKeyArn', constraint: 'Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()' });
    return undefined;
  }
  return s;
}

/** AWS's tag limits: 50 per resource, keys 1–128 and values 0–256 characters, the `aws:` prefix reserved. */
export const tagsPerResourceMax = 50;
const tagRe = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export function checkTags(c: Checker, v: Record<string, string> | undefined, path = 'tags'): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (k.length < 1 || k.length > 128 || !tagRe.test(k)) {
      c.failures.push({ value: k, path: `${path}.key`, constraint: 'Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]* and have length between 1 and 128' });
    } else if (val.length > 256 || !tagRe.test(val)) {
      c.failures.push({ value: val, path: `${path}.value`, constraint: 'Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]* and have length less than or equal to 256' });
    }
    if (k.toLowerCase().startsWith('aws:')) throw invalidParameter("Tag keys starting with 'aws:' are reserved for system use.");
    out[k] = val;
  }
  if (Object.keys(out).length > tagsPerResourceMax) {
    throw invalidParameter(`Number of tags exceeds resource tag limit of ${tagsPerResourceMax}.`);
  }
  return out;
}

export function checkTracing(c: Checker, v: { Mode?: string } | undefined): 'Active' | 'PassThrough' | undefined {
  if (v === undefined) return undefined;
  const mode = c.enumOf(v.Mode, 'tracingConfig.mode', ['Active', 'PassThrough'] as const);
  // PassThrough (AWS's default) honours the caller's Sampled; Active samples every request (src/tracing/).
  return mode;
}
