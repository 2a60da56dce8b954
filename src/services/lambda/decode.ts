import type {
  AddLayerVersionPermissionInput, AliasInput, CodeInput, CreateFunctionInput, EventInvokeConfigInput, FunctionSettingsInput, LayerContentInput,
  LoggingConfigInput, PublishLayerVersionInput, PublishVersionInput, TagResourceInput, UpdateFunctionCodeInput,
  UpdateFunctionConfigurationInput, PutFunctionConcurrencyInput,
} from '../../control/inputs';
import { ApiError } from './errors';

/**
 * Wire decoding of Lambda's JSON bodies into control's typed inputs
 * (control/inputs.ts): each member is checked for its JSON type only, and a
 * member of the wrong type is AWS's SerializationException, "Unexpected value
 * type in payload for member '<path>'" (paths are AWS's: camelCase, nested
 * with dots, map entries by key). Constraints on the values (length,
 * pattern, range, enum) are the domain's. AWS deserialises the whole body
 * before validating it, so a type error is answered before any constraint.
 */
type Json = Record<string, unknown>;

const wrongType = (path: string) => new ApiError('SerializationException', `Unexpected value type in payload for member '${path}'`);
const absent = (v: unknown): v is undefined | null => v === undefined || v === null;

export function str(v: unknown, path: string): string | undefined {
  if (absent(v)) return undefined;
  if (typeof v !== 'string') throw wrongType(path);
  return v;
}

export function int(v: unknown, path: string): number | undefined {
  if (absent(v)) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw wrongType(path);
  return v;
}

/** A timestamp member: rest-json sends epoch seconds (a number, maybe with a fraction); an ISO 8601 string is read too. */
export function timestampSeconds(v: unknown, path: string): number | undefined {
  if (absent(v)) return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    const ms = /^\d+(\.\d+)?$/.test(v) ? Number(v) * 1000 : Date.parse(v);
    if (Number.isFinite(ms)) return ms / 1000;
  }
  throw wrongType(path);
}

export function bool(v: unknown, path: string): boolean | undefined {
  if (absent(v)) return undefined;
  if (typeof v !== 'boolean') throw wrongType(path);
  return v;
}

/** A structure member: AWS's deserialiser accepts any JSON object here (an array reads as one with no members). */
export function struct(v: unknown, path: string): Json | undefined {
  if (absent(v)) return undefined;
  if (typeof v !== 'object') throw wrongType(path);
  return v as Json;
}

/** A map of strings (Tags, Environment.Variables): an array is the wrong type; each value must be a string. */
export function stringMap(v: unknown, path: string): Record<string, string> | undefined {
  if (absent(v)) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw wrongType(path);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v as Json)) {
    if (typeof val !== 'string') throw wrongType(`${path}.${k}`);
    out[k] = val;
  }
  return out;
}

export function list(v: unknown, path: string): unknown[] | undefined {
  if (absent(v)) return undefined;
  if (!Array.isArray(v)) throw wrongType(path);
  return v;
}

/** A string list whose elements must all be strings (AWS names the list, not the element). */
export function stringList(v: unknown, path: string): string[] | undefined {
  const l = list(v, path);
  if (l && l.some((x) => typeof x !== 'string')) throw wrongType(path);
  return l as string[] | undefined;
}

/** A map of numbers (alias routing weights): AWS names the map for any entry of the wrong type. */
function numberMap(v: unknown, path: string): Record<string, number> | undefined {
  if (absent(v)) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw wrongType(path);
  const out: Record<string, number> = {};
  for (const [k, val] of Object.entries(v as Json)) {
    if (typeof val !== 'number') throw wrongType(path);
    out[k] = val;
  }
  return out;
}

const base64Zip = (v: unknown): Buffer | undefined => (typeof v === 'string' && v.length > 0 ? Buffer.from(v, 'base64') : undefined);

/** `ZipFile` is a base64 blob; anything but a non-empty string reads as no zip (control: "Please provide a source…"). */
function code(o: Json): CodeInput {
  return {
    ZipFile: base64Zip(o.ZipFile),
    S3Bucket: o.S3Bucket, S3Key: o.S3Key, ImageUri: o.ImageUri,
    S3ObjectVersion: o.S3ObjectVersion, S3ObjectStorageMode: o.S3ObjectStorageMode, SourceKMSKeyArn: o.SourceKMSKeyArn,
  };
}

function logging(v: unknown): LoggingConfigInput | undefined {
  const o = struct(v, 'loggingConfig');
  if (!o) return undefined;
  return {
    LogFormat: str(o.LogFormat, 'loggingConfig.logFormat'),
    ApplicationLogLevel: str(o.ApplicationLogLevel, 'loggingConfig.applicationLogLevel'),
    SystemLogLevel: str(o.SystemLogLevel, 'loggingConfig.systemLogLevel'),
    LogGroup: str(o.LogGroup, 'loggingConfig.logGroup'),
  };
}

function settings(b: Json): FunctionSettingsInput {
  const ephemeral = struct(b.EphemeralStorage, 'ephemeralStorage');
  const environment = struct(b.Environment, 'environment');
  const tracing = struct(b.TracingConfig, 'tracingConfig');
  return {
    Runtime: str(b.Runtime, 'runtime'),
    Role: str(b.Role, 'role'),
    Handler: str(b.Handler, 'handler'),
    Description: str(b.Description, 'description'),
    Timeout: int(b.Timeout, 'timeout'),
    MemorySize: int(b.MemorySize, 'memorySize'),
    EphemeralStorage: ephemeral && { Size: int(ephemeral.Size, 'ephemeralStorage.size') },
    LoggingConfig: logging(b.LoggingConfig),
    Environment: environment && { Variables: stringMap(environment.Variables, 'environment.variables') },
    Layers: stringList(b.Layers, 'layers'),
    TracingConfig: tracing && { Mode: str(tracing.Mode, 'tracingConfig.mode') },
    KMSKeyArn: str(b.KMSKeyArn, 'kMSKeyArn'),
    VpcConfig: b.VpcConfig, DeadLetterConfig: b.DeadLetterConfig, FileSystemConfigs: b.FileSystemConfigs,
    ImageConfig: b.ImageConfig, SnapStart: b.SnapStart, CodeSigningConfigArn: b.CodeSigningConfigArn,
    TenancyConfig: b.TenancyConfig, CapacityProviderConfig: b.CapacityProviderConfig, DurableConfig: b.DurableConfig,
  };
}

export function decodeCreateFunction(b: Json): CreateFunctionInput {
  const s = settings(b);
  const c = b.Code;
  return {
    ...s,
    FunctionName: typeof b.FunctionName === 'string' ? b.FunctionName : undefined,
    Code: c !== null && typeof c === 'object' ? code(c as Json) : undefined,
    Architectures: list(b.Architectures, 'architectures'),
    PackageType: str(b.PackageType, 'packageType'),
    Tags: stringMap(b.Tags, 'tags'),
    Publish: bool(b.Publish, 'publish'),
    PublishTo: b.PublishTo,
  };
}

export function decodeUpdateFunctionConfiguration(b: Json): UpdateFunctionConfigurationInput {
  return { ...settings(b), RevisionId: str(b.RevisionId, 'revisionId') };
}

export function decodeUpdateFunctionCode(b: Json): UpdateFunctionCodeInput {
  return {
    ...code(b),
    Architectures: list(b.Architectures, 'architectures'),
    RevisionId: str(b.RevisionId, 'revisionId'),
    DryRun: bool(b.DryRun, 'dryRun'),
    Publish: bool(b.Publish, 'publish'),
    PublishTo: b.PublishTo,
  };
}

export function decodePublishVersion(b: Json): PublishVersionInput {
  return {
    CodeSha256: str(b.CodeSha256, 'codeSha256'),
    Description: str(b.Description, 'description'),
    RevisionId: str(b.RevisionId, 'revisionId'),
    PublishTo: b.PublishTo,
  };
}

/** CreateAlias and UpdateAlias. */
export function decodeAlias(b: Json): AliasInput {
  const routing = struct(b.RoutingConfig, 'routingConfig');
  return {
    Name: str(b.Name, 'name'),
    FunctionVersion: str(b.FunctionVersion, 'functionVersion'),
    Description: str(b.Description, 'description'),
    RoutingConfig: routing && { AdditionalVersionWeights: numberMap(routing.AdditionalVersionWeights, 'routingConfig.additionalVersionWeights') },
    RevisionId: str(b.RevisionId, 'revisionId'),
  };
}

export function decodePublishLayerVersion(b: Json): PublishLayerVersionInput {
  const c = b.Content;
  const o = c !== null && typeof c === 'object' ? (c as Json) : undefined;
  const content: LayerContentInput | undefined = o && {
    ZipFile: base64Zip(o.ZipFile),
    S3Bucket: o.S3Bucket, S3Key: o.S3Key, S3ObjectVersion: o.S3ObjectVersion, S3ObjectStorageMode: o.S3ObjectStorageMode,
  };
  return {
    Description: str(b.Description, 'description'),
    LicenseInfo: str(b.LicenseInfo, 'licenseInfo'),
    CompatibleRuntimes: stringList(b.CompatibleRuntimes, 'compatibleRuntimes'),
    CompatibleArchitectures: stringList(b.CompatibleArchitectures, 'compatibleArchitectures'),
    Content: content,
  };
}

export function decodeAddLayerVersionPermission(b: Json): AddLayerVersionPermissionInput {
  return {
    StatementId: str(b.StatementId, 'statementId'),
    Action: str(b.Action, 'action'),
    Principal: str(b.Principal, 'principal'),
    OrganizationId: str(b.OrganizationId, 'organizationId'),
  };
}

export function decodeTagResource(b: Json): TagResourceInput {
  return { Tags: stringMap(b.Tags, 'tags') };
}

/** Put/UpdateFunctionEventInvokeConfig. */
export function decodeEventInvokeConfig(b: Json): EventInvokeConfigInput {
  const dc = struct(b.DestinationConfig, 'destinationConfig');
  const dest = (v: unknown, path: string) => {
    const o = struct(v, path);
    return o && { Destination: str(o.Destination, `${path}.destination`) };
  };
  return {
    MaximumRetryAttempts: int(b.MaximumRetryAttempts, 'maximumRetryAttempts'),
    MaximumEventAgeInSeconds: int(b.MaximumEventAgeInSeconds, 'maximumEventAgeInSeconds'),
    DestinationConfig: dc && {
      OnSuccess: dest(dc.OnSuccess, 'destinationConfig.onSuccess'),
      OnFailure: dest(dc.OnFailure, 'destinationConfig.onFailure'),
    },
  };
}

export function decodePutFunctionConcurrency(b: Json): PutFunctionConcurrencyInput {
  return { ReservedConcurrentExecutions: int(b.ReservedConcurrentExecutions, 'reservedConcurrentExecutions') };
}

export function decodePutProvisionedConcurrencyConfig(b: Json): { ProvisionedConcurrentExecutions?: number } {
  return { ProvisionedConcurrentExecutions: int(b.ProvisionedConcurrentExecutions, 'provisionedConcurrentExecutions') };
}
