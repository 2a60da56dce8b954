import { DomainError, conflict, invalidParameter, notFound, required, validationFailed, type ConstraintFailure } from '../domain/errors';
import type { FunctionUrlCors, FunctionUrlRecord } from '../domain/records';
import type { FunctionUrlStore } from '../store/types';
import type { FunctionService } from '../control/functions';
import type { FunctionUrlInput } from './inputs';
import {
  corsHeaderCharsMax, corsHeadersMax, corsMaxAgeSecondsMax, corsMethodCharsMax, corsMethodsMax, corsOriginCharsMax, corsOriginsMax,
  urlConfigsPageMax, urlQualifierCharsMax,
} from './limits';
import { newUrlId } from './url-id';

export { urlConfigsPageMax };

/** FunctionUrlQualifier's pattern (the model): an alias name, never a version number or $LATEST. */
const qualifierPattern = '((?!^\\d+$)^[0-9a-zA-Z-_]+$)';
const qualifierRe = /^(?!\d+$)[0-9a-zA-Z_-]+$/;
/** AWS prints these enum sets in this order (recorded: test_lambda_url_invalid_invoke_mode for InvokeMode). */
const invokeModes = ['RESPONSE_STREAM', 'BUFFERED'] as const;
const authTypes = ['AWS_IAM', 'NONE'] as const;

// AWS's messages (recorded: LocalStack test_lambda_api.snapshot.json, TestLambdaUrl).
const noFunction = () => notFound('Function does not exist');
const noResource = () => notFound('The resource you requested does not exist.');

/**
 * Function URL configs (CreateFunctionUrlConfig and the four others): one
 * per function for the unqualified function (`$LATEST`) or per alias, each
 * with its own URL id. Where the URLs are served is the URL listener's
 * business (src/gateway/url-listener.ts); `urlOf` forms the FunctionUrl the
 * API reports.
 */
export class FunctionUrlService {
  constructor(
    private readonly store: FunctionUrlStore,
    private readonly functions: FunctionService,
    /** The FunctionUrl of a URL id, as the URL listener serves it (host-based, with Kumo's port). */
    readonly urlOf: (urlId: string) => string,
  ) {}

  async create(rawName: string, qualifierParam: string | undefined, body: FunctionUrlInput): Promise<FunctionUrlRecord> {
    const { name, qualifier } = this.ref(rawName, qualifierParam);
    const checked = this.check(body, true);
    const now = Date.now();
    const rec: FunctionUrlRecord = {
      functionName: name, qualifier, urlId: newUrlId(), authType: checked.authType!,
      ...(checked.cors ? { cors: checked.cors } : {}),
      ...(checked.invokeMode ? { invokeMode: checked.invokeMode } : {}),
      createdMs: now, lastModifiedMs: now,
    };
    const r = await this.store.createFunctionUrl(rec);
    if (r === 'no-function') throw noFunction();
    if (r === 'exists') {
      throw conflict(
        `Failed to create function url config for [functionArn = ${this.arn(rec)}]. Error message:  FunctionUrlConfig exists for this Lambda function`,
      );
    }
    return rec;
  }

  /** Replaces the members given (Cors as a whole); the URL id stays. */
  async update(rawName: string, qualifierParam: string | undefined, body: FunctionUrlInput): Promise<FunctionUrlRecord> {
    const { name, qualifier } = this.ref(rawName, qualifierParam);
    const checked = this.check(body, false);
    if (qualifier !== '$LATEST' && !(await this.aliasExists(name, qualifier))) throw noFunction();
    const r = await this.store.updateFunctionUrl(name, qualifier, (cur) => {
      const next: FunctionUrlRecord = { ...cur, lastModifiedMs: Math.max(Date.now(), cur.lastModifiedMs) };
      if (checked.authType) next.authType = checked.authType;
      if (checked.invokeMode) next.invokeMode = checked.invokeMode;
      if (body.Cors !== undefined) {
        if (checked.cors) next.cors = checked.cors;
        else delete next.cors;
      }
      return next;
    });
    if (r === 'no-function') throw noFunction();
    if (r === 'no-config') throw noResource();
    return r;
  }

  async get(rawName: string, qualifierParam: string | undefined): Promise<FunctionUrlRecord> {
    const { name, qualifier } = this.ref(rawName, qualifierParam);
    const rec = await this.store.getFunctionUrl(name, qualifier);
    if (!rec) throw noResource();
    return rec;
  }

  async delete(rawName: string, qualifierParam: string | undefined): Promise<void> {
    const { name, qualifier } = this.ref(rawName, qualifierParam);
    if (!(await this.store.deleteFunctionUrl(name, qualifier))) throw noResource();
  }

  /** A page of configs in qualifier order ($LATEST first); the marker is the last qualifier returned. */
  async list(rawName: string, marker: string | undefined, limit: number): Promise<{ items: FunctionUrlRecord[]; next?: string }> {
    const { name } = this.functions.ref(rawName, undefined, 'list');
    try {
      await this.functions.get(name);
    } catch (e) {
      if (e instanceof DomainError && e.kind === 'NotFound') throw noFunction();
      throw e;
    }
    const items = await this.store.listFunctionUrls(name, marker, limit + 1);
    const page = items.slice(0, limit);
    return items.length > limit ? { items: page, next: page[page.length - 1]!.qualifier } : { items: page };
  }

  /** The config a URL id names (undefined when none: the listener answers AWS's 403). */
  byId(urlId: string): Promise<FunctionUrlRecord | undefined> {
    return this.store.getFunctionUrlById(urlId);
  }

  /** FunctionArn as AWS reports it: unqualified for the function's own URL, with the alias otherwise. */
  arn(rec: FunctionUrlRecord): string {
    return this.functions.arn(rec.functionName, rec.qualifier === '$LATEST' ? undefined : rec.qualifier);
  }

  private async aliasExists(name: string, alias: string): Promise<boolean> {
    try {
      await this.functions.get(name, alias);
      return true;
    } catch (e) {
      if (e instanceof DomainError && e.kind === 'NotFound') return false;
      throw e;
    }
  }

  /** The function and the qualifier: `$LATEST` when none; an alias's name must match FunctionUrlQualifier (no version, no $LATEST). */
  private ref(rawName: string, qualifierParam: string | undefined): { name: string; qualifier: string } {
    if (qualifierParam !== undefined) {
      const f: ConstraintFailure[] = [];
      if (qualifierParam.length > urlQualifierCharsMax) {
        f.push({ value: qualifierParam, path: 'qualifier', constraint: `Member must have length less than or equal to ${urlQualifierCharsMax}` });
      }
      if (!qualifierRe.test(qualifierParam)) f.push({ value: qualifierParam, path: 'qualifier', constraint: `Member must satisfy regular expression pattern: ${qualifierPattern}` });
      if (f.length) throw validationFailed(f);
    }
    const { name, qualifier } = this.functions.ref(rawName, qualifierParam, 'get');
    if (qualifier !== undefined && !qualifierRe.test(qualifier)) {
      throw validationFailed([{ value: qualifier, path: 'qualifier', constraint: `Member must satisfy regular expression pattern: ${qualifierPattern}` }]);
    }
    return { name, qualifier: qualifier ?? '$LATEST' };
  }

  /** Model constraints (ValidationException), all members at once. */
  private check(body: FunctionUrlInput, creating: boolean): { authType?: FunctionUrlRecord['authType']; invokeMode?: FunctionUrlRecord['invokeMode']; cors?: FunctionUrlCors } {
    if (creating && body.AuthType === undefined) throw required('authType');
    const failures: ConstraintFailure[] = [];
    const enumOf = <T extends string>(v: string | undefined, path: string, values: readonly T[]): T | undefined => {
      if (v === undefined) return undefined;
      if (!(values as readonly string[]).includes(v)) failures.push({ value: v, path, constraint: `Member must satisfy enum value set: [${values.join(', ')}]` });
      return v as T;
    };
    const authType = enumOf(body.AuthType, 'authType', authTypes);
    const invokeMode = enumOf(body.InvokeMode, 'invokeMode', invokeModes);
    const cors = body.Cors === undefined ? undefined : checkCors(body.Cors, failures);
    if (failures.length) throw validationFailed(failures);
    return { ...(authType ? { authType } : {}), ...(invokeMode ? { invokeMode } : {}), ...(cors ? { cors } : {}) };
  }
}

function checkCors(c: NonNullable<FunctionUrlInput['Cors']>, failures: ConstraintFailure[]): FunctionUrlCors | undefined {
  const list = (v: string[] | undefined, path: string, max: number, memberMin: number, memberMax: number): string[] | undefined => {
    if (v === undefined) return undefined;
    if (v.length > max) failures.push({ value: v, path, constraint: `Member must have length less than or equal to ${max}` });
    v.forEach((m, i) => {
      const at = `${path}.${i + 1}.member`;
      if (m.length < memberMin) failures.push({ value: m, path: at, constraint: `Member must have length greater than or equal to ${memberMin}` });
      else if (m.length > memberMax) failures.push({ value: m, path: at, constraint: `Member must have length less than or equal to ${memberMax}` });
    });
    return v;
  };
  const out: FunctionUrlCors = {};
  if (c.AllowCredentials !== undefined) out.allowCredentials = c.AllowCredentials;
  const allowHeaders = list(c.AllowHeaders, 'cors.allowHeaders', corsHeadersMax, 0, corsHeaderCharsMax);
  const allowMethods = list(c.AllowMethods, 'cors.allowMethods', corsMethodsMax, 0, corsMethodCharsMax);
  const allowOrigins = list(c.AllowOrigins, 'cors.allowOrigins', corsOriginsMax, 1, corsOriginCharsMax);
  const exposeHeaders = list(c.ExposeHeaders, 'cors.exposeHeaders', corsHeadersMax, 0, corsHeaderCharsMax);
  if (allowHeaders) out.allowHeaders = allowHeaders;
  if (allowMethods) out.allowMethods = allowMethods;
  if (allowOrigins) out.allowOrigins = allowOrigins;
  if (exposeHeaders) out.exposeHeaders = exposeHeaders;
  if (c.MaxAge !== undefined) {
    if (c.MaxAge < 0) failures.push({ value: c.MaxAge, path: 'cors.maxAge', constraint: 'Member must have value greater than or equal to 0' });
    else if (c.MaxAge > corsMaxAgeSecondsMax) failures.push({ value: c.MaxAge, path: 'cors.maxAge', constraint: `Member must have value less than or equal to ${corsMaxAgeSecondsMax}` });
    out.maxAge = c.MaxAge;
  }
  return out;
}
