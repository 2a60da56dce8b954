import { type DomainError, invalidParameter, wrongType } from '../domain/errors';
import { destinationKind, wellFormed } from '../async/destinations';
import type { Checker } from './validate';

/**
 * Settings Kumo does not act on yet. A setting is either honoured (stored,
 * returned as AWS returns it, acted on) or refused here with
 * InvalidParameterValueException naming it: never accepted and dropped.
 * Empty or default values mean "none" to AWS and are accepted as such:
 * `VpcConfig: {SubnetIds: [], SecurityGroupIds: []}` (what `aws lambda` and
 * SAM send for "no VPC"), `DeadLetterConfig: {}` or `{TargetArn: ''}`,
 * `FileSystemConfigs: []`, `ImageConfig: {}`, `SnapStart: {ApplyOn: 'None'}`,
 * TracingConfig PassThrough and Active are both honoured (src/tracing/).
 *
 * Input members of the API model (lambda-2015-03-31) and what Kumo does:
 * - CreateFunction / UpdateFunctionConfiguration: FunctionName, Runtime, Role,
 *   Handler, Code.ZipFile, Description, Timeout, MemorySize, Publish,
 *   Environment, KMSKeyArn, Tags, Layers, EphemeralStorage, LoggingConfig,
 *   RevisionId, PackageType Zip, Architectures the host runs the runtime on (validate.ts `checkArchitectureRuns`), TracingConfig
 *   (PassThrough, Active), DeadLetterConfig (an SQS or SNS TargetArn, `checkDeadLetter`): honoured. VpcConfig, FileSystemConfigs,
 *   ImageConfig, SnapStart: honoured when empty, refused otherwise.
 *   CodeSigningConfigArn, PublishTo, TenancyConfig, CapacityProviderConfig,
 *   DurableConfig, Code.S3* (S3Bucket, S3Key, S3ObjectVersion, S3ObjectStorageMode),
 *   Code.ImageUri, Code.SourceKMSKeyArn,
 *   PackageType Image: refused.
 * - UpdateFunctionCode: ZipFile, Architectures, Publish, DryRun, RevisionId:
 *   honoured; S3Bucket, S3Key, S3ObjectVersion, S3ObjectStorageMode,
 *   ImageUri, SourceKMSKeyArn, PublishTo: refused.
 * - PublishVersion: CodeSha256, Description, RevisionId honoured; PublishTo refused.
 * - CreateAlias: every member honoured (aliases.ts).
 * - PublishLayerVersion: every member honoured; Content.S3* refused (checkLayerContent).
 */
export type SettingsOperation = 'CreateFunction' | 'UpdateFunctionConfiguration' | 'UpdateFunctionCode' | 'PublishVersion';

export function refusal(field: string, why = ''): DomainError {
  return invalidParameter(`${field} is not supported by this Kumo server${why ? `: ${why}` : ''}.`);
}

const present = (v: unknown) => v !== undefined && v !== null;
const isEmptyList = (v: unknown) => v === undefined || v === null || (Array.isArray(v) && v.length === 0);
const isEmptyObject = (v: unknown) =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => x === undefined || x === null || x === '' || isEmptyList(x) && Array.isArray(x));

/** What the checks found that the caller stores: whether an empty VpcConfig was given. */
export interface AcceptedSettings {
  vpcConfigSet: boolean;
}

/** Refuses every setting of `op` that Kumo cannot act on; returns the accepted empty ones. */
export function checkSettings(op: SettingsOperation, input: object): AcceptedSettings {
  const body = input as Record<string, unknown>;
  const accepted: AcceptedSettings = { vpcConfigSet: false };
  if (op === 'CreateFunction' || op === 'UpdateFunctionConfiguration') {
    const vpc = body.VpcConfig;
    if (present(vpc)) {
      const o = vpc as Record<string, unknown>;
      const empty = typeof vpc === 'object' && !Array.isArray(vpc) && isEmptyList(o.SubnetIds) && isEmptyList(o.SecurityGroupIds) && !o.Ipv6AllowedForDualStack;
      if (!empty) throw refusal('VpcConfig', 'functions reach the network through the host (see KUMO_EGRESS_ALLOW); give empty SubnetIds and SecurityGroupIds for no VPC');
      accepted.vpcConfigSet = true;
    }
    if (!isEmptyList(body.FileSystemConfigs)) throw refusal('FileSystemConfigs', 'there is no EFS');
    if (present(body.ImageConfig) && !isEmptyObject(body.ImageConfig)) throw refusal('ImageConfig', 'functions are .zip packages');
    if (present(body.SnapStart)) {
      const applyOn = (body.SnapStart as { ApplyOn?: unknown }).ApplyOn;
      if (applyOn !== undefined && applyOn !== null && applyOn !== 'None') throw refusal(`SnapStart ApplyOn ${String(applyOn)}`);
    }
    for (const f of ['CodeSigningConfigArn', 'TenancyConfig', 'CapacityProviderConfig', 'DurableConfig'] as const) {
      if (present(body[f]) && body[f] !== '') throw refusal(f);
    }
  }
  if (op === 'CreateFunction') {
    const code = body.Code as Record<string, unknown> | undefined;
    if (code && typeof code === 'object') {
      for (const f of ['S3ObjectVersion', 'S3ObjectStorageMode', 'SourceKMSKeyArn'] as const) if (present(code[f])) throw refusal(`Code.${f}`);
    }
  }
  if (op === 'UpdateFunctionCode') {
    for (const f of ['S3ObjectVersion', 'S3ObjectStorageMode', 'SourceKMSKeyArn'] as const) if (present(body[f])) throw refusal(f);
  }
  if (op === 'CreateFunction' || op === 'UpdateFunctionCode' || op === 'PublishVersion') {
    if (present(body.PublishTo)) throw refusal('PublishTo');
  }
  return accepted;
}

/** AWS's ResourceArn pattern for DeadLetterConfig.TargetArn (API model), up to 10,000 characters. */
const deadLetterArnPattern = '(arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()';
const deadLetterArnRe = /^((arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|())$/;
const deadLetterArnCharsMax = 10_000;

/**
 * DeadLetterConfig: undefined when not given, '' for "none" (`{}` or an
 * empty TargetArn, which clears it on update), else the queue or topic ARN.
 * AWS accepts an SQS queue or an SNS topic only.
 */
export function checkDeadLetter(c: Checker, v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  const target = (v as { TargetArn?: unknown }).TargetArn;
  if (target === undefined || target === null || target === '') return '';
  if (typeof target !== 'string') throw wrongType('deadLetterConfig.targetArn');
  const arn = c.string(target, 'deadLetterConfig.targetArn', { max: deadLetterArnCharsMax, pattern: deadLetterArnPattern, re: deadLetterArnRe });
  if (arn === undefined || !deadLetterArnRe.test(arn) || arn.length > deadLetterArnCharsMax) return undefined;
  const kind = destinationKind(arn);
  if ((kind !== 'sqs' && kind !== 'sns') || !wellFormed(arn, kind)) {
    throw invalidParameter(`The provided target arn ${arn} is invalid: a dead-letter queue must be an SQS queue or an SNS topic ARN.`);
  }
  return arn;
}

/** PublishLayerVersion: Content.ZipFile is honoured; content from S3 is refused. */
export function checkLayerContent(input: object): void {
  const content = input as Record<string, unknown>;
  for (const f of ['S3Bucket', 'S3Key', 'S3ObjectVersion', 'S3ObjectStorageMode'] as const) {
    if (present(content[f])) throw refusal(`Content.${f}`, 'upload the zip as ZipFile');
  }
}
