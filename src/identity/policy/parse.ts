/**
 * `parsePolicy`: IAM's validation of a policy document, with AWS's messages
 * (IAM answers each with MalformedPolicyDocument; the caller maps it).
 *
 * The checks run in the order AWS's answers show (LocalStack's snapshots of
 * CreatePolicy against AWS, tests/aws/services/iam/test_iam_policies.py:
 * a document with two faults gets the earlier phase's message):
 *
 *  1. JSON and shape: "Syntax errors in policy." (trust policies: "This policy
 *     contains invalid Json" for text that is not JSON) for anything not of the
 *     grammar: unknown top-level or statement keys, wrong types, an empty
 *     Statement, an Effect other than Allow/Deny in any case, Action with
 *     NotAction, Resource with NotResource, an unknown condition operator
 *     with a non-empty block.
 *  2. Version: a managed policy must be 2012-10-17 ("Policy document must be
 *     version 2012-10-17 or greater."); other documents may omit it or say
 *     2008-10-17.
 *  3. Legacy parsing ("The policy failed legacy parsing"): an Effect in the
 *     wrong case (`allow`), a Date condition value that is no date, an ARN
 *     with an empty service, an S3 ARN of fewer than six segments.
 *  4. Statement ids: IAM's documents take [0-9A-Za-z]* only; ids are unique.
 *  5. Required and forbidden elements, statement by statement: Principal
 *     (forbidden in identity policies, required in resource and trust
 *     policies), actions, resources (required in identity policies, forbidden
 *     in trust policies).
 *  6. Resource ARNs (partition, service, S3's and IAM's rules), actions
 *     (a vendor prefix and one colon; trust policies only sts:AssumeRole*),
 *     principals.
 */
import { isDateOperator, parseDateMs, parseOperator } from './conditions';
import type { ParseResult, PolicyDocument, PolicyKind, PrincipalBlock, Statement } from './types';

/** AWS's messages (MalformedPolicyDocument), where more than one check gives them. */
export const policyMessages = {
  syntax: 'Syntax errors in policy.',
  invalidJson: 'This policy contains invalid Json',
  version: 'Policy document must be version 2012-10-17 or greater.',
  legacy: 'The policy failed legacy parsing',
  noActions: 'Policy statement must contain actions.',
  noResources: 'Policy statement must contain resources.',
  principalForbidden: 'Policy document should not specify a principal.',
  missingPrincipal: 'Missing required field Principal',
  duplicateSid: 'Statement IDs (SID) in a single policy must be unique.',
  sidChars: 'Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*',
  noVendor: 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
  oneColon: 'Actions/Condition can contain only one colon.',
  trustActions: 'AssumeRole policy may only specify STS AssumeRole actions.',
  resourceVendor: 'Resource vendor must be fully qualified and cannot contain regexes.',
  iamPath:
    'IAM resource path must either be "*", root, or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.',
} as const;

export interface ParseOptions {
  /** A managed policy (CreatePolicy, CreatePolicyVersion): Version must be 2012-10-17. */
  managed?: boolean;
}

class Malformed extends Error {}

function fail(message: string): never {
  throw new Malformed(message);
}

const TOP_KEYS: ReadonlySet<string> = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_KEYS: ReadonlySet<string> = new Set([
  'Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition',
]);
const PRINCIPAL_KEYS: ReadonlySet<string> = new Set(['AWS', 'Service', 'Federated', 'CanonicalUser']);
const VERSIONS: ReadonlySet<string> = new Set(['2012-10-17', '2008-10-17']);
/** ARN partitions AWS has (ARN reference, "partition"). */
const PARTITIONS: ReadonlySet<string> = new Set([
  'aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-iso-e', 'aws-iso-f', 'aws-eusc',
]);
const IAM_RESOURCE_PREFIXES = [
  'user/', 'federated-user/', 'role/', 'group/', 'instance-profile/', 'mfa/', 'server-certificate/', 'policy/',
  'sms-mfa/', 'saml-provider/', 'oidc-provider/', 'report/', 'access-report/',
];
/** The actions a trust policy may name (STS API reference: the AssumeRole family and the session permissions it checks). */
const TRUST_ACTIONS = [
  'sts:assumerole', 'sts:assumerolewithsaml', 'sts:assumerolewithwebidentity', 'sts:tagsession', 'sts:setsourceidentity', 'sts:setcontext',
];
const SID = /^[0-9A-Za-z]*$/;
const VENDOR = /^[A-Za-z0-9_.*?-]+$/;
const ACCOUNT_ID = /^\d{12}$/;
const AWS_PRINCIPAL_ARN = /^arn:[a-z-]+:(?:iam::\d{12}:(?:root|user\/.+|role\/.+|federated-user\/.+|assumed-role\/.+)|sts::\d{12}:(?:assumed-role|federated-user)\/.+)$/;
/** IAM's unique ids, which AWS shows in a policy whose principal was deleted (AIDA… users, AROA… roles). */
const UNIQUE_ID = /^A(?:IDA|ROA)[A-Z0-9]{13,}$/;
const SERVICE = /^[A-Za-z0-9][A-Za-z0-9.-]*$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A string or list of strings (IAM's "single value or array"), or syntax error. */
function stringList(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  return fail(policyMessages.syntax);
}

/** A condition value: strings, numbers and booleans (IAM takes `true` and `1` unquoted), one or a list. */
function conditionValues(v: unknown): string[] {
  const one = (x: unknown): string =>
    typeof x === 'string' ? x : typeof x === 'number' || typeof x === 'boolean' ? String(x) : fail(policyMessages.syntax);
  return Array.isArray(v) ? v.map(one) : [one(v)];
}

interface RawStatement {
  sid?: string;
  effect: string;
  principal?: unknown;
  notPrincipal?: unknown;
  action?: string[];
  notAction?: string[];
  resource?: string[];
  notResource?: string[];
  condition?: Record<string, Record<string, string[]>>;
}

/** Phase 1 for one statement: shape only. */
function shapeStatement(v: unknown): RawStatement {
  if (!isObject(v)) fail(policyMessages.syntax);
  for (const k of Object.keys(v)) if (!STATEMENT_KEYS.has(k)) fail(policyMessages.syntax);
  const st: RawStatement = { effect: '' };
  if (v.Sid !== undefined) {
    if (typeof v.Sid !== 'string') fail(policyMessages.syntax);
    st.sid = v.Sid;
  }
  if (typeof v.Effect !== 'string') fail(policyMessages.syntax);
  const e = v.Effect.toLowerCase();
  if (e !== 'allow' && e !== 'deny') fail(policyMessages.syntax);
  st.effect = v.Effect;
  if (v.Action !== undefined && v.NotAction !== undefined) fail(policyMessages.syntax);
  if (v.Resource !== undefined && v.NotResource !== undefined) fail(policyMessages.syntax);
  if (v.Principal !== undefined && v.NotPrincipal !== undefined) fail(policyMessages.syntax);
  if (v.Action !== undefined) st.action = stringList(v.Action);
  if (v.NotAction !== undefined) st.notAction = stringList(v.NotAction);
  if (v.Resource !== undefined) st.resource = stringList(v.Resource);
  if (v.NotResource !== undefined) st.notResource = stringList(v.NotResource);
  for (const key of ['Principal', 'NotPrincipal'] as const) {
    const p = v[key];
    if (p === undefined) continue;
    if (p !== '*') {
      if (!isObject(p)) fail(policyMessages.syntax);
      const keys = Object.keys(p);
      if (keys.length === 0) fail(policyMessages.syntax);
      for (const k of keys) {
        if (!PRINCIPAL_KEYS.has(k)) fail(policyMessages.syntax);
        if (stringList(p[k]).length === 0) fail(policyMessages.syntax);
      }
    }
    if (key === 'Principal') st.principal = p;
    else st.notPrincipal = p;
  }
  if (v.Condition !== undefined) {
    if (!isObject(v.Condition)) fail(policyMessages.syntax);
    const ops: Array<[string, Record<string, string[]>]> = [];
    for (const [opName, block] of Object.entries(v.Condition)) {
      if (!isObject(block)) fail(policyMessages.syntax);
      const keys = Object.entries(block);
      // AWS accepts an unknown operator with an empty block (recorded: {"x": {}} is valid), refuses one with keys.
      if (keys.length > 0 && parseOperator(opName) === undefined) fail(policyMessages.syntax);
      // fromEntries defines own properties, so a key named __proto__ stays a key (an assignment would drop it).
      ops.push([opName, Object.fromEntries(keys.map(([k, vals]) => [k, conditionValues(vals)]))]);
    }
    st.condition = Object.fromEntries(ops);
  }
  return st;
}

/** An ARN split the way IAM reads a Resource: the first segment is taken as `arn`, missing segments as `*`. */
function arnSegments(r: string): string[] {
  const parts = r.split(':');
  parts[0] = 'arn';
  while (parts.length < 6) parts.push('*');
  return parts;
}

/** Phase 3 for one resource: what the legacy parser refused. */
function legacyResource(r: string): void {
  if (r === '*' || !r.includes(':')) return;
  const original = r.split(':').length;
  const parts = arnSegments(r);
  if (!PARTITIONS.has(parts[1])) return; // phase 6 names the partition
  if (parts[2] === '') fail(policyMessages.legacy);
  if (parts[2] === 's3' && original < 6) fail(policyMessages.legacy);
}

/** Phase 6 for one resource. */
function checkResource(r: string): void {
  if (r === '*') return;
  if (!r.includes(':')) fail(`Resource ${r} must be in ARN format or "*".`);
  const parts = arnSegments(r);
  const partition = parts[1];
  if (!PARTITIONS.has(partition) && !/[*?]/.test(partition)) {
    fail(`Partition "${partition}" is not valid for resource "${parts.join(':')}".`);
  }
  const service = parts[2];
  if (/[*?]/.test(service)) fail(policyMessages.resourceVendor);
  const region = parts[3];
  const account = parts[4];
  if (service === 's3' && region !== '' && account === '') fail(`Resource ${r} can not contain region information.`);
  if (service === 'iam') {
    if (region !== '') fail(`IAM resource ${r} cannot contain region information.`);
    const rest = parts.slice(5).join(':');
    if (rest !== 'root' && !rest.startsWith('*') && !IAM_RESOURCE_PREFIXES.some((p) => rest.startsWith(p))) {
      fail(policyMessages.iamPath);
    }
  }
}

/** Phase 6 for one action. */
function checkAction(a: string): void {
  if (a === '*') return;
  const colon = a.indexOf(':');
  if (colon < 0) fail(policyMessages.noVendor);
  if (a.indexOf(':', colon + 1) >= 0) fail(policyMessages.oneColon);
  const vendor = a.slice(0, colon);
  if (!VENDOR.test(vendor)) fail(`Vendor ${vendor} is not valid`);
}

/** Whether an action pattern (lower-cased) names at least one of the STS actions a trust policy may grant. */
function isTrustAction(a: string): boolean {
  const lower = a.toLowerCase();
  if (!/[*?]/.test(lower)) return TRUST_ACTIONS.includes(lower);
  const re = new RegExp('^' + lower.replace(/[.+^${}()|[\]\\/-]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  return TRUST_ACTIONS.some((t) => re.test(t));
}

/** Phase 6 for one principal block; returns it normalised (lists; account ids as root ARNs). */
function checkPrincipal(p: unknown): PrincipalBlock | '*' {
  if (p === '*') return '*';
  const block = p as Record<string, unknown>;
  const out: PrincipalBlock = {};
  for (const [k, raw] of Object.entries(block)) {
    const values = stringList(raw);
    const key = k as keyof PrincipalBlock;
    if (key === 'AWS') {
      out.AWS = values.map((v) => {
        if (v === '*' || AWS_PRINCIPAL_ARN.test(v) || UNIQUE_ID.test(v)) return v;
        if (ACCOUNT_ID.test(v)) return `arn:aws:iam::${v}:root`;
        return fail(`Invalid principal in policy: "AWS":${JSON.stringify(v)}`);
      });
    } else if (key === 'Service') {
      for (const v of values) if (v !== '*' && !SERVICE.test(v)) fail(`Invalid principal in policy: "SERVICE":${JSON.stringify(v)}`);
      out.Service = values;
    } else {
      for (const v of values) if (v === '') fail(`Invalid principal in policy: "${key.toUpperCase()}":""`);
      out[key] = values;
    }
  }
  return out;
}

/**
 * Validates a policy document as IAM does and returns it normalised, or
 * AWS's MalformedPolicyDocument message. `kind` picks the rules of the
 * element it is (see PolicyKind); `options.managed` the managed-policy
 * Version rule. Size limits are the caller's (`limits.ts`), since they
 * depend on where the document goes.
 */
export function parsePolicy(text: string, kind: PolicyKind, options: ParseOptions = {}): ParseResult {
  try {
    return { ok: true, doc: parseOrThrow(text, kind, options) };
  } catch (e) {
    if (e instanceof Malformed) return { ok: false, message: e.message };
    throw e;
  }
}

function parseOrThrow(text: string, kind: PolicyKind, options: ParseOptions): PolicyDocument {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    fail(kind === 'trust' ? policyMessages.invalidJson : policyMessages.syntax);
  }
  // 1. Shape.
  if (!isObject(json)) fail(policyMessages.syntax);
  for (const k of Object.keys(json)) if (!TOP_KEYS.has(k)) fail(policyMessages.syntax);
  const version = json.Version;
  if (version !== undefined && (typeof version !== 'string' || !VERSIONS.has(version))) fail(policyMessages.syntax);
  if (json.Id !== undefined && typeof json.Id !== 'string') fail(policyMessages.syntax);
  const rawStatements = json.Statement;
  const list = Array.isArray(rawStatements) ? rawStatements : rawStatements === undefined ? [] : [rawStatements];
  if (list.length === 0) fail(policyMessages.syntax);
  const statements = list.map(shapeStatement);

  // 2. Version.
  if (options.managed && version !== '2012-10-17') fail(policyMessages.version);

  // 3. Legacy parsing.
  for (const st of statements) {
    if (st.effect !== 'Allow' && st.effect !== 'Deny') fail(policyMessages.legacy);
    for (const [opName, block] of Object.entries(st.condition ?? {})) {
      const op = parseOperator(opName);
      if (op === undefined || !isDateOperator(op)) continue;
      for (const vals of Object.values(block)) {
        for (const v of vals) if (!v.includes('${') && parseDateMs(v) === undefined) fail(policyMessages.legacy);
      }
    }
    for (const r of st.resource ?? st.notResource ?? []) legacyResource(r);
  }

  // 4. Statement ids.
  const sids = new Set<string>();
  for (const st of statements) {
    if (st.sid === undefined || st.sid === '') continue;
    // Lambda, SQS and other services' resource policies take other characters (AddPermission's StatementId: [a-zA-Z0-9-_.]+).
    if (kind !== 'resource' && !SID.test(st.sid)) fail(policyMessages.sidChars);
    if (sids.has(st.sid)) fail(policyMessages.duplicateSid);
    sids.add(st.sid);
  }

  // 5. Required and forbidden elements.
  for (const st of statements) {
    const hasPrincipal = st.principal !== undefined || st.notPrincipal !== undefined;
    if (kind === 'identity' && hasPrincipal) fail(policyMessages.principalForbidden);
    if ((st.action ?? st.notAction ?? []).length === 0) fail(policyMessages.noActions);
    if (kind === 'identity' && (st.resource ?? st.notResource ?? []).length === 0) fail(policyMessages.noResources);
    if (kind !== 'identity' && !hasPrincipal) fail(policyMessages.missingPrincipal);
    if (kind === 'trust' && st.resource !== undefined) fail('Has prohibited field Resource');
    if (kind === 'trust' && st.notResource !== undefined) fail('Has prohibited field NotResource');
  }

  // 6. Values.
  const out: Statement[] = [];
  for (const st of statements) {
    for (const r of st.resource ?? st.notResource ?? []) checkResource(r);
    for (const a of st.action ?? st.notAction ?? []) checkAction(a);
    if (kind === 'trust') for (const a of st.action ?? []) if (!isTrustAction(a)) fail(policyMessages.trustActions);
    const s: Statement = { Effect: st.effect as 'Allow' | 'Deny' };
    if (st.sid !== undefined) s.Sid = st.sid;
    if (st.principal !== undefined) s.Principal = checkPrincipal(st.principal);
    if (st.notPrincipal !== undefined) s.NotPrincipal = checkPrincipal(st.notPrincipal);
    if (st.action !== undefined) s.Action = st.action;
    if (st.notAction !== undefined) s.NotAction = st.notAction;
    if (st.resource !== undefined) s.Resource = st.resource;
    if (st.notResource !== undefined) s.NotResource = st.notResource;
    if (st.condition !== undefined) s.Condition = st.condition;
    out.push(s);
  }
  const doc: PolicyDocument = { Statement: out };
  if (version !== undefined) doc.Version = version;
  if (json.Id !== undefined) doc.Id = json.Id as string;
  return doc;
}
