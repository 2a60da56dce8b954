import { randomUUID } from 'node:crypto';
import { DomainError, conflict, invalidParameter, notFound, preconditionFailed, required } from '../domain/errors';
import type { FunctionPolicyRecord, PolicyStatement } from '../domain/records';
import { parseLambdaArn } from '../domain/arn';
import type { FunctionPolicyStore, MetadataStore } from '../store/types';
import type { ResourcePolicySource } from '../identity/types';
import type { FunctionService } from './functions';
import { Checker } from './validate';
import { allowsPublicUrl } from './url-permission';
import { FUNCTION_POLICY_BYTES_MAX } from '../identity/policy';

/** AWS: a function's resource-based policy is at most 20 KB ("The final policy size (…) is bigger than the limit (20480)."; Lambda quotas). */
export const functionPolicyBytesMax = FUNCTION_POLICY_BYTES_MAX;
/**
 * How long a policy read for an authorization (policyOf, the URL check) is
 * used before it is read again. Changes made through this server drop the
 * entry at once; the bound is for PostgreSQL servers sharing one database,
 * which see each other's AddPermission / RemovePermission within this time
 * (AWS itself documents policy changes as eventually consistent).
 */
export const policyCacheMs = 2_000;
/**
 * Rounds of read-modify-write an AddPermission / RemovePermission without
 * RevisionId makes when concurrent changes of the same policy keep coming
 * first (then it is answered as a stale revision, PreconditionFailed).
 */
const policyWriteAttemptsMax = 8;

/** The members of AddPermission (control/inputs.ts style: as decoded from the wire, unchecked). */
export interface AddPermissionInput {
  StatementId?: string;
  Action?: string;
  Principal?: string;
  SourceArn?: string;
  SourceAccount?: string;
  EventSourceToken?: string;
  PrincipalOrgID?: string;
  FunctionUrlAuthType?: string;
  InvokedViaFunctionUrl?: boolean;
  RevisionId?: string;
}

// The model's constraints (lambda-2015-03-31.json), quoted as AWS quotes them.
const statementIdPattern = '([a-zA-Z0-9-_]+)';
const statementIdRe = /^[a-zA-Z0-9-_]+$/;
/** RemovePermission's NamespacedStatementId also allows dots. */
const namespacedStatementIdPattern = '([a-zA-Z0-9-_.]+)';
const namespacedStatementIdRe = /^[a-zA-Z0-9-_.]+$/;
const actionPattern = '(lambda:[*]|lambda:[a-zA-Z]+|[*])';
const actionRe = /^(lambda:[*]|lambda:[a-zA-Z]+|[*])$/;
const principalPattern = '[^\\s]+';
const principalRe = /^[^\s]+$/;
const arnPattern = 'arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)';
const arnRe = /^arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)$/;
const sourceOwnerRe = /^\d{12}$/;
const eventSourceTokenPattern = '[a-zA-Z0-9._\\-]+';
const eventSourceTokenRe = /^[a-zA-Z0-9._-]+$/;
const orgIdPattern = 'o-[a-z0-9]{10,32}';
const orgIdRe = /^o-[a-z0-9]{10,32}$/;

/** The principals AddPermission accepts (AWS answers anything else "The provided principal was invalid…"). */
const accountRe = /^\d{12}$/;
const iamPrincipalArnRe = /^arn:aws[a-zA-Z-]*:(iam::\d{12}:(root|user\/.+|role\/.+)|sts::\d{12}:assumed-role\/.+)$/;
const servicePrincipalRe = /^[a-z0-9][a-z0-9.-]*\.(amazonaws\.com|amazon\.com)$/;
/** An alias name (the model's Alias pattern): a qualifier that is not all digits; one with `$` is neither alias nor version. */
const aliasRe = /^(?!\d+$)[a-zA-Z0-9-_]+$/;

const noResource = () => notFound('The resource you requested does not exist.');
/** AWS's text for a wrong RevisionId on AddPermission and RemovePermission (recorded 2025: test_lambda_permission_fn_versioning). */
const staleRevision = () => preconditionFailed('The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id');

interface CacheEntry {
  rec: FunctionPolicyRecord | undefined;
  atMs: number;
  /** The policy document as GetPolicy answers it (undefined: no policy). */
  text: string | undefined;
  /** Whether the policy grants the public access a NONE function URL needs; computed once per entry. */
  publicUrl?: boolean;
}

/**
 * Function policies (AddPermission, RemovePermission, GetPolicy), one per
 * function qualifier: the unqualified function, a published version or an
 * alias, each with its own statements and RevisionId, as AWS keeps them.
 * Also the `ResourcePolicySource` the authorizer reads (`policyOf`) and the
 * public-access check of NONE function URLs (`allowsPublicUrl`), both from a
 * cache (no store read per request while an entry is fresh; see policyCacheMs).
 */
export class FunctionPolicyService implements ResourcePolicySource {
  /** Function name → qualifier → the policy as last read (nested: a lookup builds no key string). */
  private readonly cache = new Map<string, Map<string, CacheEntry>>();
  /** Reads under way (`<function>\0<qualifier>`), shared by the requests that wait for them. */
  private readonly loading = new Map<string, Promise<CacheEntry>>();
  /** Bumped by every change this server makes: a read that began before one is not cached. */
  private generation = 0;

  constructor(
    private readonly store: FunctionPolicyStore & Pick<MetadataStore, 'getFunction' | 'getVersion' | 'getAlias'>,
    private readonly functions: FunctionService,
  ) {
    // A deleted (or re-created) function, version or alias takes its policy with it: forget what was read.
    functions.onChange((name) => this.forget(name));
  }

  async add(rawName: string, qualifierParam: string | undefined, body: AddPermissionInput): Promise<{ Statement: string }> {
    const { name, qualifier } = this.functions.ref(rawName, qualifierParam, 'get');
    const c = new Checker();
    const sid = c.string(body.StatementId, 'statementId', { min: 1, max: 100, pattern: statementIdPattern, re: statementIdRe });
    const action = c.string(body.Action, 'action', { min: 0, max: 10000, pattern: actionPattern, re: actionRe });
    const principal = c.string(body.Principal, 'principal', { min: 0, max: 2048, pattern: principalPattern, re: principalRe });
    const sourceArn = c.string(body.SourceArn, 'sourceArn', { min: 0, max: 10000, pattern: arnPattern, re: arnRe });
    const sourceAccount = c.string(body.SourceAccount, 'sourceAccount', { min: 0, max: 12, pattern: '\\d{12}', re: sourceOwnerRe });
    const token = c.string(body.EventSourceToken, 'eventSourceToken', { min: 0, max: 256, pattern: eventSourceTokenPattern, re: eventSourceTokenRe });
    const orgId = c.string(body.PrincipalOrgID, 'principalOrgID', { min: 12, max: 34, pattern: orgIdPattern, re: orgIdRe });
    const authType = c.enumOf(body.FunctionUrlAuthType, 'functionUrlAuthType', ['NONE', 'AWS_IAM'] as const);
    c.done();
    if (sid === undefined) throw required('statementId');
    if (action === undefined) throw required('action');
    if (principal === undefined) throw required('principal');
    if (qualifier === '$LATEST') throw invalidParameter('We currently do not support adding policies for $LATEST.');
    const q = await this.resolve(name, qualifier);

    const principalValue = principalOf(principal);
    if (!principalValue) throw invalidParameter('The provided principal was invalid. Please check the principal and try again.');
    // AWS's texts (FunctionUrlAuthType: as AWS answers it; InvokedViaFunctionUrl: Kumo's words for the same rule).
    if (authType !== undefined && action !== 'lambda:InvokeFunctionUrl') throw invalidParameter('FunctionUrlAuthType is only supported for lambda:InvokeFunctionUrl action');
    if (body.InvokedViaFunctionUrl !== undefined && action !== 'lambda:InvokeFunction') throw invalidParameter('InvokedViaFunctionUrl is only supported for lambda:InvokeFunction action');

    const statement = buildStatement({
      sid, action, principal: principalValue, resource: this.functions.arn(name, q.qualifier === '$LATEST' ? undefined : q.qualifier),
      sourceArn, sourceAccount, token, orgId, authType, invokedViaUrl: body.InvokedViaFunctionUrl === true,
    });
    // Without a RevisionId the caller asked for no compare: a concurrent change of the policy is merged into, not refused.
    for (let attempt = 1; ; attempt++) {
      const cur = await this.store.getFunctionPolicy(name, q.qualifier);
      if (body.RevisionId !== undefined && body.RevisionId !== (cur?.revisionId ?? q.resourceRevisionId)) throw staleRevision();
      if (cur?.statements.some((s) => s.Sid === sid)) {
        throw conflict(`The statement id (${sid}) provided already exists. Please provide a new statement id, or remove the existing statement.`);
      }
      const next: FunctionPolicyRecord = { functionName: name, qualifier: q.qualifier, statements: [...(cur?.statements ?? []), statement], revisionId: randomUUID() };
      const size = Buffer.byteLength(policyText(next));
      if (size > functionPolicyBytesMax) {
        throw new DomainError('PolicyTooLarge', `The final policy size (${size}) is bigger than the limit (${functionPolicyBytesMax}).`);
      }
      if (await this.write(next, cur, body.RevisionId === undefined && attempt < policyWriteAttemptsMax)) break;
    }
    return { Statement: JSON.stringify(statement) };
  }

  async remove(rawName: string, qualifierParam: string | undefined, sid: string, revisionId: string | undefined): Promise<void> {
    const c = new Checker();
    c.string(sid, 'statementId', { min: 1, max: 100, pattern: namespacedStatementIdPattern, re: namespacedStatementIdRe });
    c.done();
    const { name, qualifier } = this.functions.ref(rawName, qualifierParam, 'get');
    // AWS's texts (recorded: test_permission_exceptions, test_remove_multi_permissions).
    if (!(await this.store.getFunction(name))) throw notFound(`No policy found for: ${this.functions.arn(name)}`);
    const q = await this.resolve(name, qualifier);
    for (let attempt = 1; ; attempt++) {
      const cur = await this.store.getFunctionPolicy(name, q.qualifier);
      if (!cur) throw notFound('No policy is associated with the given resource.');
      if (!cur.statements.some((s) => s.Sid === sid)) throw notFound(`Statement ${sid} is not found in resource policy.`);
      if (revisionId !== undefined && revisionId !== cur.revisionId) throw staleRevision();
      const next = { ...cur, statements: cur.statements.filter((s) => s.Sid !== sid), revisionId: randomUUID() };
      if (await this.write(next, cur, revisionId === undefined && attempt < policyWriteAttemptsMax)) break;
    }
  }

  /** GetPolicy: the document as AWS forms it and its RevisionId; AWS says only "does not exist" for a missing function, qualifier or policy. */
  async get(rawName: string, qualifierParam: string | undefined): Promise<{ Policy: string; RevisionId: string }> {
    const { name, qualifier } = this.functions.ref(rawName, qualifierParam, 'get');
    let q: string;
    try {
      q = (await this.resolve(name, qualifier)).qualifier;
    } catch (e) {
      if (e instanceof DomainError && e.kind === 'NotFound') throw noResource();
      throw e;
    }
    const cur = await this.store.getFunctionPolicy(name, q);
    if (!cur) throw noResource();
    return { Policy: policyText(cur), RevisionId: cur.revisionId };
  }

  /**
   * ResourcePolicySource: the policy (JSON text) of the function, version or
   * alias a Lambda ARN names; `:$LATEST` and the unqualified ARN share the
   * function's policy. Undefined for no policy or an ARN that names no function.
   */
  policyOf(resourceArn: string): string | undefined | Promise<string | undefined> {
    const a = parseLambdaArn(resourceArn);
    if (!a || a.type !== 'function' || a.region !== this.functions.ctxRegion || a.account !== this.functions.ctxAccount) return undefined;
    const e = this.entry(a.name, a.qualifier ?? '$LATEST');
    return 'then' in e ? e.then((x) => x.text) : e.text;
  }

  /**
   * Whether a NONE function URL of this qualifier may be invoked by anyone:
   * AWS requires the policy to allow principal `*` both
   * `lambda:InvokeFunctionUrl` (with `lambda:FunctionUrlAuthType` NONE) and,
   * for URLs created since October 2025, `lambda:InvokeFunction` (with
   * `lambda:InvokedViaFunctionUrl` true). Synchronous while the entry is fresh.
   */
  allowsPublicUrl(functionName: string, qualifier: string): boolean | Promise<boolean> {
    const e = this.entry(functionName, qualifier);
    if (!('then' in e) && e.publicUrl !== undefined) return e.publicUrl;
    const decide = (x: CacheEntry) => {
      if (x.publicUrl === undefined) {
        // Once per cached entry: an entry belongs to one qualifier, so to one resource ARN.
        x.publicUrl = !!x.rec && allowsPublicUrl(x.rec.statements, this.functions.arn(functionName, qualifier === '$LATEST' ? undefined : qualifier));
      }
      return x.publicUrl;
    };
    return 'then' in e ? e.then(decide) : decide(e);
  }

  private entry(functionName: string, qualifier: string): CacheEntry | Promise<CacheEntry> {
    const hit = this.cache.get(functionName)?.get(qualifier);
    if (hit && Date.now() - hit.atMs < policyCacheMs) return hit;
    // One read per entry at a time, however many requests find it missing or stale.
    const key = `${functionName}\0${qualifier}`;
    const pending = this.loading.get(key);
    if (pending) return pending;
    const generation = this.generation;
    const p = this.store.getFunctionPolicy(functionName, qualifier).then((rec) => {
      const e: CacheEntry = { rec, atMs: Date.now(), text: rec ? policyText(rec) : undefined };
      // A change made while this read was under way may not be in it: then it answers its caller but is not kept.
      if (generation === this.generation) {
        let byQualifier = this.cache.get(functionName);
        if (!byQualifier) this.cache.set(functionName, (byQualifier = new Map()));
        byQualifier.set(qualifier, e);
      }
      return e;
    }).finally(() => {
      if (this.loading.get(key) === p) this.loading.delete(key);
    });
    this.loading.set(key, p);
    return p;
  }

  private forget(functionName: string): void {
    this.generation++;
    this.cache.delete(functionName);
    const prefix = `${functionName}\0`;
    for (const k of this.loading.keys()) if (k.startsWith(prefix)) this.loading.delete(k);
  }

  /** The compare-and-swap; false: another change came first and `retry` allows another round (else it is a stale revision). */
  private async write(next: FunctionPolicyRecord, cur: FunctionPolicyRecord | undefined, retry: boolean): Promise<boolean> {
    const r = await this.store.putFunctionPolicy(next, cur?.revisionId);
    this.generation++;
    this.cache.get(next.functionName)?.delete(next.qualifier);
    this.loading.delete(`${next.functionName}\0${next.qualifier}`);
    if (r === 'changed') {
      if (retry) return false;
      throw staleRevision();
    }
    if (r === 'no-resource') throw notFound(`Function not found: ${this.functions.arn(next.functionName, next.qualifier === '$LATEST' ? undefined : next.qualifier)}`);
    return true;
  }

  /**
   * The qualifier a policy belongs to and the RevisionId of that resource (a
   * RevisionId given while there is no policy yet is compared with it, as AWS
   * accepted an alias's RevisionId for the alias's first statement, recorded:
   * test_lambda_permission_fn_versioning). AWS's texts for a missing one
   * (recorded: test_permission_exceptions).
   */
  private async resolve(name: string, qualifier: string | undefined): Promise<{ qualifier: string; resourceRevisionId: string }> {
    const fn = await this.store.getFunction(name);
    if (!fn) throw notFound(`Function not found: ${this.functions.arn(name)}`);
    if (qualifier === undefined || qualifier === '$LATEST') return { qualifier: '$LATEST', resourceRevisionId: fn.latest.revisionId };
    const arn = this.functions.arn(name, qualifier);
    if (/^[0-9]+$/.test(qualifier)) {
      const v = await this.store.getVersion(name, qualifier);
      if (!v) throw notFound(`Function not found: ${arn}`);
      return { qualifier, resourceRevisionId: v.revisionId };
    }
    if (aliasRe.test(qualifier)) {
      const a = await this.store.getAlias(name, qualifier);
      if (!a) throw notFound(`Cannot find alias arn: ${arn}`);
      return { qualifier, resourceRevisionId: a.revisionId };
    }
    throw notFound(`Function not found: ${arn}`);
  }
}


/** The policy document as GetPolicy answers it (AWS's member order). */
function policyText(rec: FunctionPolicyRecord): string {
  return JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: rec.statements });
}

/** A Principal member as AWS writes it into the statement, or undefined for one AWS refuses. */
function principalOf(p: string): PolicyStatement['Principal'] | undefined {
  if (p === '*') return '*';
  if (accountRe.test(p)) return { AWS: `arn:aws:iam::${p}:root` };
  if (iamPrincipalArnRe.test(p)) return { AWS: p };
  if (servicePrincipalRe.test(p)) return { Service: p };
  return undefined;
}

/**
 * The statement AddPermission adds, keys in AWS's order (recorded:
 * test_add_lambda_permission_fields): Sid, Effect, Principal, Action,
 * Resource, Condition; in Condition, StringEquals (AWS:SourceAccount,
 * lambda:FunctionUrlAuthType, aws:PrincipalOrgID, lambda:EventSourceToken)
 * before ArnLike (AWS:SourceArn), then Bool (lambda:InvokedViaFunctionUrl).
 */
function buildStatement(o: {
  sid: string; action: string; principal: unknown; resource: string; sourceArn?: string; sourceAccount?: string;
  token?: string; orgId?: string; authType?: string; invokedViaUrl: boolean;
}): PolicyStatement {
  const eq: Record<string, string> = {};
  if (o.sourceAccount !== undefined) eq['AWS:SourceAccount'] = o.sourceAccount;
  if (o.authType !== undefined) eq['lambda:FunctionUrlAuthType'] = o.authType;
  if (o.orgId !== undefined) eq['aws:PrincipalOrgID'] = o.orgId;
  if (o.token !== undefined) eq['lambda:EventSourceToken'] = o.token;
  const condition: Record<string, Record<string, string>> = {};
  if (Object.keys(eq).length) condition.StringEquals = eq;
  if (o.sourceArn !== undefined) condition.ArnLike = { 'AWS:SourceArn': o.sourceArn };
  if (o.invokedViaUrl) condition.Bool = { 'lambda:InvokedViaFunctionUrl': 'true' };
  return {
    Sid: o.sid,
    Effect: 'Allow',
    Principal: o.principal,
    Action: o.action,
    Resource: o.resource,
    ...(Object.keys(condition).length ? { Condition: condition } : {}),
  };
}
