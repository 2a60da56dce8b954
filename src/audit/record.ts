import { randomUUID } from 'node:crypto';
import { auditElementCharsMax } from './limits';
import type { Principal } from '../identity/types';

/**
 * One control-plane call as the gateway saw it, and the CloudTrail record
 * made of it (the fields of CloudTrail's record contents reference,
 * eventVersion 1.08). What Kumo cannot know the way AWS does is chosen and
 * written here. `userIdentity` is the signing principal's, as CloudTrail
 * writes it for the account's root, an IAM user and a role session.
 */
export interface ApiCall {
  /** The SigV4 signing name (`lambda`, `sqs`, `logs`…); the event source is `<name>.amazonaws.com`. */
  service: string;
  /** CloudTrail's event name (Lambda's carry the API version: `CreateFunction20150331`). */
  eventName: string;
  accessKeyId: string | undefined;
  /** Who signed (undefined: the account's root, for callers that predate identities). */
  principal?: Principal;
  sourceIp: string;
  userAgent: string | undefined;
  requestId: string;
  region: string;
  accountId: string;
  timeMs: number;
  readOnly: boolean;
  /** The request's members as decoded (secrets are removed here, not by the caller). */
  input: unknown;
  /** The answer's members (writes only; reads are not copied, as CloudTrail records `responseElements: null` for most reads). */
  output?: unknown;
  error?: { code: string; message: string };
  /** The resource the call names, for LookupEvents' ResourceType / ResourceName. */
  resource?: { type: string; name: string };
}

/** Members whose values never reach the trail (CloudTrail shows such values as HIDDEN_DUE_TO_SECURITY_REASONS). */
const secretKeys = new Set(['zipfile', 'variables', 'secretaccesskey', 'sessiontoken', 'password', 'privatekey', 'payload', 'clientcontext', 'messagebody']);
/**
 * Members secret in one service only: a Parameter Store value (CloudTrail
 * hides a SecureString's; Kumo hides every PutParameter value, since the
 * trail is stored unsealed and a String parameter may hold a secret too);
 * what a refused data-plane call carried (an SNS message, a Kinesis record's
 * data, an event's detail; SQS's messageBody above): only refusals of data
 * events reach the trail, and never with their contents.
 */
const serviceSecretKeys: Readonly<Record<string, ReadonlySet<string>>> = { ssm: new Set(['value']), sns: new Set(['message']), kinesis: new Set(['data']), events: new Set(['detail']) };
const noKeys: ReadonlySet<string> = new Set();
export const hidden = 'HIDDEN_DUE_TO_SECURITY_REASONS';

/** CloudTrail writes members in lower camel case (`functionName`); keys are renamed recursively, values kept, secrets hidden. */
export function elements(v: unknown, service = '', depth = 0): unknown {
  if (depth > 32 || v === null || typeof v !== 'object') return v;
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return hidden;
  if (Array.isArray(v)) return v.map((x) => elements(x, service, depth + 1));
  const extra = serviceSecretKeys[service] ?? noKeys;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (x === undefined) continue;
    const name = k.length && k[0] === k[0]!.toUpperCase() ? k[0]!.toLowerCase() + k.slice(1) : k;
    const key = k.toLowerCase();
    out[name] = secretKeys.has(key) || extra.has(key) ? hidden : elements(x, service, depth + 1);
  }
  return out;
}

/** An element too large to keep whole is replaced by a note (the trail is bounded per event). */
function bounded(v: unknown): unknown {
  if (v === undefined) return null;
  const text = JSON.stringify(v);
  if (text === undefined) return null;
  return text.length > auditElementCharsMax ? { truncated: `${text.length} characters` } : v;
}

/** ISO 8601 without milliseconds, as CloudTrail writes eventTime. */
export const cloudTrailTime = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function cloudTrailRecord(c: ApiCall): Record<string, unknown> {
  const rec: Record<string, unknown> = {
    eventVersion: '1.08',
    userIdentity: userIdentity(c),
    eventTime: cloudTrailTime(c.timeMs),
    eventSource: `${c.service}.amazonaws.com`,
    eventName: c.eventName,
    awsRegion: c.region,
    sourceIPAddress: c.sourceIp,
    userAgent: c.userAgent ?? '',
    ...(c.error ? { errorCode: c.error.code, errorMessage: c.error.message } : {}),
    requestParameters: bounded(elements(c.input, c.service)),
    responseElements: c.readOnly || c.error ? null : bounded(elements(c.output, c.service)),
    requestID: c.requestId,
    eventID: randomUUID(),
    readOnly: c.readOnly,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: c.accountId,
    eventCategory: 'Management',
  };
  return rec;
}

/** CloudTrail's `userIdentity` of a call, by principal type (CloudTrail userIdentity element reference). */
export function userIdentity(c: Pick<ApiCall, 'accountId' | 'accessKeyId' | 'principal'>): Record<string, unknown> {
  const p = c.principal;
  const key = c.accessKeyId ? { accessKeyId: c.accessKeyId } : {};
  if (!p || p.type === 'Root') {
    const acct = p?.accountId ?? c.accountId;
    return { type: 'Root', principalId: acct, arn: `arn:aws:iam::${acct}:root`, accountId: acct, ...key };
  }
  if (p.type === 'IAMUser') return { type: 'IAMUser', principalId: p.principalId, arn: p.arn, accountId: p.accountId, ...key, userName: p.userName };
  const roleArn = p.roleArn ?? '';
  return {
    type: 'AssumedRole',
    principalId: p.principalId,
    arn: p.arn,
    accountId: p.accountId,
    ...key,
    sessionContext: {
      sessionIssuer: { type: 'Role', principalId: p.principalId.split(':')[0], arn: roleArn, accountId: p.accountId, userName: roleArn.slice(roleArn.lastIndexOf('/') + 1) },
      webIdFederationData: {},
      attributes: { ...(p.issuedAtMs !== undefined ? { creationDate: cloudTrailTime(p.issuedAtMs) } : {}), mfaAuthenticated: 'false' },
    },
  };
}

/**
 * LookupEvents' `Username` of a call: `root` for the account's root, the
 * user's name for an IAM user, the session's name for a role session (as
 * CloudTrail's event history shows them).
 */
export function userNameOf(p: Principal | undefined): string {
  if (!p || p.type === 'Root') return 'root';
  return (p.type === 'IAMUser' ? p.userName : p.sessionName) ?? p.arn.slice(p.arn.lastIndexOf('/') + 1);
}
