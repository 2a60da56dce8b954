import { createHash } from 'node:crypto';
import { limits } from '../../config';
import { formatArn } from '../../domain/arn';
import type { FunctionService } from '../../control/functions';
import type { LayerCaller } from '../../control/layers';
import type { ReservedConcurrencyService } from '../../control/reserved-concurrency';
import type { BlobStore } from '../../blobs/blob-store';
import type { VersionRecord } from '../../control/records';
import { validationError } from './errors';
import type { CodeUrlSigner } from './code-url';
import { jsonBody, type ApiRequest, type Route } from './http';
import { decodeCreateFunction, decodeUpdateFunctionCode, decodeUpdateFunctionConfiguration } from './decode';

/**
 * CreateFunction / UpdateFunctionCode carry a base64 zip: AWS caps the request
 * at 70,167,211 bytes ("Request must be smaller than 70167211 bytes for the
 * CreateFunction operation"; recorded: LocalStack test_lambda_api.snapshot.json,
 * test_oversized_request_create_lambda).
 */
const codeRequestBytesMax = 70_167_211;
/** Other control-plane requests. */
const smallRequestBytesMax = 1024 * 1024;

/**
 * Which FunctionConfiguration AWS returns: `full` (Create/Get/Update*,
 * PublishVersion) or `list` (ListFunctions, ListVersionsByFunction), which
 * AWS sends without State, LastUpdateStatus and RuntimeVersionConfig
 * (recorded: LocalStack test_lambda_api.snapshot.json, test_list_functions).
 */
export type ConfigurationView = 'full' | 'list';

/** The FunctionConfiguration shape AWS returns (field names and formats from the API model and AWS's recorded responses). */
export function configurationShape(fs: FunctionService, r: VersionRecord, view: ConfigurationView = 'full'): Record<string, unknown> {
  const c = r.config;
  const out: Record<string, unknown> = {
    FunctionName: r.functionName,
    FunctionArn: fs.arn(r.functionName, r.version === '$LATEST' ? undefined : r.version),
    Runtime: c.runtime,
    Role: c.role,
    Handler: c.handler || undefined,
    CodeSize: r.codeSize,
    Description: c.description,
    Timeout: c.timeoutSeconds,
    MemorySize: c.memoryMb,
    LastModified: r.lastModified,
    CodeSha256: r.codeSha256,
    Version: r.version,
    TracingConfig: { Mode: c.tracingMode },
    RevisionId: r.revisionId,
    PackageType: c.packageType,
    Architectures: c.architectures,
    EphemeralStorage: { Size: c.ephemeralStorageMb },
    SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
    LoggingConfig: {
      LogFormat: c.logFormat,
      ...(c.logFormat === 'JSON' ? { ApplicationLogLevel: c.applicationLogLevel, SystemLogLevel: c.systemLogLevel } : {}),
      LogGroup: c.logGroup,
    },
  };
  // AWS returns Environment whenever one was set, even `{Variables: {}}`.
  if (r.envSealed || c.environmentSet) out.Environment = { Variables: fs.openEnv(r) };
  if (c.vpcConfigSet) out.VpcConfig = { SubnetIds: [], SecurityGroupIds: [], VpcId: '', Ipv6AllowedForDualStack: false };
  if (c.kmsKeyArn) out.KMSKeyArn = c.kmsKeyArn;
  if (c.deadLetterTargetArn) out.DeadLetterConfig = { TargetArn: c.deadLetterTargetArn };
  if (c.layers.length) out.Layers = c.layers.map((l) => ({ Arn: l.arn, CodeSize: l.codeSize }));
  if (view === 'full') {
    out.State = r.state;
    // A function being created has no update yet: AWS's CreateFunction answer carries no LastUpdateStatus.
    if (r.state !== 'Pending') out.LastUpdateStatus = r.lastUpdateStatus;
    if (r.stateReason) out.StateReason = r.stateReason;
    if (r.stateReasonCode) out.StateReasonCode = r.stateReasonCode;
    if (r.state !== 'Pending' && r.lastUpdateStatusReason) out.LastUpdateStatusReason = r.lastUpdateStatusReason;
    if (r.state !== 'Pending' && r.lastUpdateStatusReasonCode) out.LastUpdateStatusReasonCode = r.lastUpdateStatusReasonCode;
    out.RuntimeVersionConfig = { RuntimeVersionArn: runtimeVersionArn(fs.ctxRegion, c.runtime) };
  }
  return out;
}

/** The signer of a call that names layers, for their `lambda:GetLayerVersion` check (control/layers.ts). */
function layerCaller(req: ApiRequest): LayerCaller | undefined {
  return req.principal ? { principal: req.principal, context: req.conditions?.() ?? {} } : undefined;
}

/**
 * AWS names the runtime build a function runs as
 * `arn:aws:lambda:<region>::runtime:<64 hex>`. Kumo has one build per runtime
 * (its bootstrap in runtimes/), so the id is derived from the runtime name.
 */
export function runtimeVersionArn(region: string, runtime: string): string {
  const id = createHash('sha256').update(`kumo-runtime:${runtime}`).digest('hex');
  return formatArn({ partition: 'aws', service: 'lambda', region, account: '', resource: `runtime:${id}` });
}

export function functionRoutes(deps: {
  functions: FunctionService;
  blobs: BlobStore;
  region: string;
  accountId: string;
  versionsOf(name: string): Promise<VersionRecord[]>;
  codeUrls: CodeUrlSigner;
  reserved: ReservedConcurrencyService;
}): Route[] {
  const fs = deps.functions;
  const signer = deps.codeUrls;
  const shape = (r: VersionRecord) => configurationShape(fs, r);
  // ListFunctions: FunctionVersion=ALL names $LATEST with its qualifier, as ListVersionsByFunction does.
  const listShape = (r: VersionRecord, all: boolean) => {
    const o = configurationShape(fs, r, 'list');
    if (all && r.version === '$LATEST') o.FunctionArn = fs.arn(r.functionName, '$LATEST');
    return o;
  };
  const base = '2015-03-31';
  const small = { bodyBytesMax: smallRequestBytesMax, auth: true };

  // GetFunction / GetFunctionConfiguration name the function as it was asked for: qualified by
  // the alias, version or `$LATEST` given, unqualified otherwise (recorded: test_alias_lifecycle, test_publish_with_update).
  const getShape = async (req: ApiRequest, p: Record<string, string>) => {
    const qualifierParam = req.query.get('Qualifier') ?? undefined;
    const r = await fs.get(p.name!, qualifierParam);
    const { qualifier } = fs.ref(p.name!, qualifierParam, 'get');
    const out = shape(r);
    out.FunctionArn = fs.arn(r.functionName, qualifier);
    return { r, out };
  };

  const getFunction = async (req: ApiRequest, p: Record<string, string>) => {
    const { r, out } = await getShape(req, p);
    const location = signer.location(req, r.codeKey);
    const tags = await fs.tagsOf(r.functionName);
    // The function's reservation, whichever qualifier was asked for (AWS: GetFunction's Concurrency; absent when none).
    const reserved = await deps.reserved.stored(r.functionName);
    return {
      status: 200,
      json: {
        Configuration: out,
        Code: { RepositoryType: 'S3', Location: location },
        ...(Object.keys(tags).length ? { Tags: tags } : {}),
        ...(reserved !== undefined ? { Concurrency: { ReservedConcurrentExecutions: reserved } } : {}),
      },
    };
  };

  return [
    {
      method: 'POST', path: [base, 'functions'], operation: 'CreateFunction', bodyBytesMax: codeRequestBytesMax, auth: true,
      handle: async (req) => ({ status: 201, json: shape(await fs.create(decodeCreateFunction(jsonBody(req)), layerCaller(req))) }),
    },
    {
      method: 'GET', path: [base, 'functions'], operation: 'ListFunctions', ...small,
      handle: async (req) => {
        const maxRaw = req.query.get('MaxItems');
        let max: number = limits.listFunctionsPageDefault;
        if (maxRaw !== null) {
          max = Number(maxRaw);
          if (!Number.isInteger(max) || max < 1 || max > limits.listFunctionsPageMax) {
            throw validationError([
              {
                value: maxRaw,
                path: 'maxItems',
                constraint: max < 1 ? 'Member must have value greater than or equal to 1' : `Member must have value less than or equal to ${limits.listFunctionsPageMax}`,
              },
            ]);
          }
        }
        const fv = req.query.get('FunctionVersion');
        if (fv !== null && fv !== 'ALL') {
          throw validationError([{ value: fv, path: 'functionVersion', constraint: 'Member must satisfy enum value set: [ALL]' }]);
        }
        // AWS returns at most 50 functions a page whatever MaxItems says.
        const { items, next } = await fs.list(req.query.get('Marker') ?? undefined, Math.min(max, limits.listFunctionsPageReturnedMax));
        // FunctionVersion=ALL lists every published version after each function's $LATEST.
        const all = fv === 'ALL' ? (await Promise.all(items.map(async (i) => [i, ...(await deps.versionsOf(i.functionName))]))).flat() : items;
        return { status: 200, json: { Functions: all.map((r) => listShape(r, fv === 'ALL')), ...(next ? { NextMarker: next } : {}) } };
      },
    },
    { method: 'GET', path: [base, 'functions', '{name}'], operation: 'GetFunction', ...small, handle: getFunction },
    {
      method: 'GET', path: [base, 'functions', '{name}', 'configuration'], operation: 'GetFunctionConfiguration', ...small,
      handle: async (req, p) => ({ status: 200, json: (await getShape(req, p)).out }),
    },
    {
      method: 'PUT', path: [base, 'functions', '{name}', 'code'], operation: 'UpdateFunctionCode', bodyBytesMax: codeRequestBytesMax, auth: true,
      handle: async (req, p) => ({ status: 200, json: shape(await fs.updateCode(p.name!, decodeUpdateFunctionCode(jsonBody(req)))) }),
    },
    {
      method: 'PUT', path: [base, 'functions', '{name}', 'configuration'], operation: 'UpdateFunctionConfiguration', ...small,
      handle: async (req, p) => ({ status: 200, json: shape(await fs.updateConfiguration(p.name!, decodeUpdateFunctionConfiguration(jsonBody(req)), layerCaller(req))) }),
    },
    {
      method: 'DELETE', path: [base, 'functions', '{name}'], operation: 'DeleteFunction', ...small,
      handle: async (req, p) => {
        await fs.delete(p.name!, req.query.get('Qualifier') ?? undefined);
        return { status: 204 };
      },
    },
    {
      method: 'GET', path: ['2016-08-19', 'account-settings'], operation: 'GetAccountSettings', ...small,
      handle: async () => {
        const usage = await fs.accountUsage();
        const c = await deps.reserved.accountConcurrency();
        return {
          status: 200,
          json: {
            AccountLimit: {
              TotalCodeSize: limits.totalCodeBytesMax,
              CodeSizeUnzipped: limits.unzippedBytesMax,
              CodeSizeZipped: limits.zipBytesMax,
              ConcurrentExecutions: c.concurrentExecutions,
              UnreservedConcurrentExecutions: c.unreservedConcurrentExecutions,
            },
            AccountUsage: { TotalCodeSize: usage.totalCodeSize, FunctionCount: usage.count },
          },
        };
      },
    },
    signer.route(deps.blobs),
  ];
}
