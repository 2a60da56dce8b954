import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { limits } from '../config';
import type { FunctionService } from '../control/functions';
import type { BlobStore } from '../blobs/blob-store';
import type { VersionRecord } from '../store/types';
import { ApiError, validationError } from './errors';
import { jsonBody, type ApiRequest, type Route } from './http';

/** CreateFunction / UpdateFunctionCode carry a base64 zip: AWS caps the request at 69,905,067 bytes (50 MB of zip). */
const codeRequestBytesMax = 69_905_067;
/** Other control-plane requests. */
const smallRequestBytesMax = 1024 * 1024;
/** GetFunction's Code.Location stays valid this long (AWS's pre-signed URL: 10 minutes). */
const codeUrlTtlMs = 10 * 60 * 1000;

/** The FunctionConfiguration shape AWS returns (field names and formats from the API model). */
export function configurationShape(fs: FunctionService, r: VersionRecord): Record<string, unknown> {
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
    State: r.state,
    LastUpdateStatus: r.lastUpdateStatus,
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
  if (r.envSealed) out.Environment = { Variables: fs.openEnv(r) };
  if (c.kmsKeyArn) out.KMSKeyArn = c.kmsKeyArn;
  if (c.layers.length) out.Layers = c.layers.map((l) => ({ Arn: l.arn, CodeSize: l.codeSize }));
  if (r.stateReason) out.StateReason = r.stateReason;
  if (r.stateReasonCode) out.StateReasonCode = r.stateReasonCode;
  if (r.lastUpdateStatusReason) out.LastUpdateStatusReason = r.lastUpdateStatusReason;
  if (r.lastUpdateStatusReasonCode) out.LastUpdateStatusReasonCode = r.lastUpdateStatusReasonCode;
  return out;
}

/** Signs code download URLs with a key that lives only as long as this process. */
class CodeUrlSigner {
  private readonly key = randomBytes(32);
  sign(codeKey: string, expiresMs: number): string {
    return createHmac('sha256', this.key).update(`${codeKey}\n${expiresMs}`).digest('hex');
  }
  verify(codeKey: string, expiresMs: number, sig: string): boolean {
    const want = Buffer.from(this.sign(codeKey, expiresMs), 'hex');
    const got = Buffer.from(sig, 'hex');
    return got.length === want.length && timingSafeEqual(got, want) && Date.now() < expiresMs;
  }
}

export function functionRoutes(deps: {
  functions: FunctionService;
  blobs: BlobStore;
  region: string;
  accountId: string;
  versionsOf(name: string): Promise<VersionRecord[]>;
}): Route[] {
  const fs = deps.functions;
  const signer = new CodeUrlSigner();
  const shape = (r: VersionRecord) => configurationShape(fs, r);
  const base = '2015-03-31';
  const small = { bodyBytesMax: smallRequestBytesMax, auth: true };

  const getFunction = async (req: ApiRequest, p: Record<string, string>) => {
    const r = await fs.get(p.name!, req.query.get('Qualifier') ?? undefined);
    const expires = Date.now() + codeUrlTtlMs;
    const location = `${req.baseUrl}/kumo/code/${r.codeKey}?expires=${expires}&signature=${signer.sign(r.codeKey, expires)}`;
    const tags = await fs.tagsOf(r.functionName);
    return {
      status: 200,
      json: {
        Configuration: shape(r),
        Code: { RepositoryType: 'S3', Location: location },
        ...(Object.keys(tags).length ? { Tags: tags } : {}),
      },
    };
  };

  return [
    {
      method: 'POST', path: [base, 'functions'], operation: 'CreateFunction', bodyBytesMax: codeRequestBytesMax, auth: true,
      handle: async (req) => ({ status: 201, json: shape(await fs.create(jsonBody(req))) }),
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
        const { items, next } = await fs.list(req.query.get('Marker') ?? undefined, max);
        // FunctionVersion=ALL lists every published version after each function's $LATEST.
        const all = fv === 'ALL' ? (await Promise.all(items.map(async (i) => [i, ...(await deps.versionsOf(i.functionName))]))).flat() : items;
        return { status: 200, json: { Functions: all.map(shape), ...(next ? { NextMarker: next } : {}) } };
      },
    },
    { method: 'GET', path: [base, 'functions', '{name}'], operation: 'GetFunction', ...small, handle: getFunction },
    {
      method: 'GET', path: [base, 'functions', '{name}', 'configuration'], operation: 'GetFunctionConfiguration', ...small,
      handle: async (req, p) => ({ status: 200, json: shape(await fs.get(p.name!, req.query.get('Qualifier') ?? undefined)) }),
    },
    {
      method: 'PUT', path: [base, 'functions', '{name}', 'code'], operation: 'UpdateFunctionCode', bodyBytesMax: codeRequestBytesMax, auth: true,
      handle: async (req, p) => ({ status: 200, json: shape(await fs.updateCode(p.name!, jsonBody(req))) }),
    },
    {
      method: 'PUT', path: [base, 'functions', '{name}', 'configuration'], operation: 'UpdateFunctionConfiguration', ...small,
      handle: async (req, p) => ({ status: 200, json: shape(await fs.updateConfiguration(p.name!, jsonBody(req))) }),
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
        return {
          status: 200,
          json: {
            AccountLimit: {
              TotalCodeSize: 80530636800,
              CodeSizeUnzipped: limits.unzippedBytesMax,
              CodeSizeZipped: limits.zipBytesMax,
              ConcurrentExecutions: limits.accountConcurrencyMax,
              UnreservedConcurrentExecutions: limits.accountConcurrencyMax,
            },
            AccountUsage: { TotalCodeSize: usage.totalCodeSize, FunctionCount: usage.count },
          },
        };
      },
    },
    {
      // Code.Location of GetFunction: a pre-signed, time-limited download of the zip (AWS hands out a pre-signed S3 URL).
      method: 'GET', path: ['kumo', 'code', '{key}'], operation: 'GetCode', bodyBytesMax: 0, auth: false,
      handle: async (req, p) => {
        const expires = Number(req.query.get('expires'));
        const sig = req.query.get('signature') ?? '';
        if (!/^[0-9a-f]{64}$/.test(p.key!) || !Number.isFinite(expires) || !signer.verify(p.key!, expires, sig)) {
          throw new ApiError('AccessDeniedException', 'Request has expired or the signature is invalid.');
        }
        const zip = await deps.blobs.get(p.key!).catch(() => {
          throw new ApiError('ResourceNotFoundException', 'The code of this function version no longer exists.');
        });
        return { status: 200, headers: { 'content-type': 'application/zip' }, raw: zip };
      },
    },
  ];
}
