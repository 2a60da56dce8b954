import type { IamOwner, IamTags } from '../store/identity';
import { constraint, IdentityError } from './errors';
import { identityLimits as L } from './limits';
import { parsePolicy, policySizeChars } from './policy';

/** IAM's member checks with its messages (Coral's ValidationError wording), and the list pages' markers. */

const namePattern = /^[\w+=,.@-]+$/;
const pathPattern = /^(\/|\/[\x21-\x7e]+\/)$/;

export interface Page<T> {
  items: T[];
  marker?: string;
}

export function checkName(member: string, v: string, max: number): void {
  if (v.length < 1) throw constraint(member, v, 'Member must have length greater than or equal to 1');
  if (v.length > max) throw constraint(member, v, `Member must have length less than or equal to ${max}`);
  if (!namePattern.test(v)) throw constraint(member, v, 'Member must satisfy regular expression pattern: [\\w+=,.@-]+');
}

export function checkOwner(o: IamOwner): void {
  checkName(o.kind === 'user' ? 'UserName' : 'RoleName', o.name, o.kind === 'user' ? L.userNameCharsMax : L.roleNameCharsMax);
}

export function checkPath(path: string | undefined): string {
  if (path === undefined) return '/';
  if (path.length > L.pathCharsMax) throw constraint('Path', path, `Member must have length less than or equal to ${L.pathCharsMax}`);
  if (!pathPattern.test(path)) throw constraint('Path', path, 'Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)');
  return path;
}

export function checkPathPrefix(prefix: string | undefined): string | undefined {
  if (prefix === undefined) return undefined;
  if (prefix.length > L.pathCharsMax) throw constraint('PathPrefix', prefix, `Member must have length less than or equal to ${L.pathCharsMax}`);
  if (!/^\u002F[\u0021-\u007F]*$/.test(prefix)) throw constraint('PathPrefix', prefix, 'Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*');
  return prefix;
}

export function checkArn(member: string, arn: string): void {
  // AWS parses first (a policy name given as PolicyArn: ValidationError "Invalid ARN:  Could not be parsed!", two spaces, LocalStack's snapshot of AWS).
  if (!/^arn:[^:]+:[^:]+:[^:]*:[^:]*:.+$/.test(arn)) throw new IdentityError('ValidationError', 'Invalid ARN:  Could not be parsed!');
  if (arn.length < 20) throw constraint(member, arn, 'Member must have length greater than or equal to 20');
  if (arn.length > 2048) throw constraint(member, arn, 'Member must have length less than or equal to 2048');
}

export function checkTags(tags: IamTags): void {
  if (tags.length > L.tagsPerResourceMax) throw constraint('Tags', `[${tags.length} tags]`, `Member must have length less than or equal to ${L.tagsPerResourceMax}`);
  for (const [k, v] of tags) {
    if (k.length < 1 || k.length > 128) throw constraint('Tags.member.key', k, 'Member must have length less than or equal to 128');
    if (v.length > 256) throw constraint('Tags.member.value', v, 'Member must have length less than or equal to 256');
  }
}

export function checkMaxSessionDuration(v: number | undefined): number {
  if (v === undefined) return L.maxSessionDurationSDefault;
  if (v < L.maxSessionDurationSMin) throw constraint('MaxSessionDuration', v, `Member must have value greater than or equal to ${L.maxSessionDurationSMin}`);
  if (v > L.maxSessionDurationSMax) throw constraint('MaxSessionDuration', v, `Member must have value less than or equal to ${L.maxSessionDurationSMax}`);
  return v;
}

export function checkMaxItems(v: number | undefined): number {
  if (v === undefined) return L.listItemsDefault;
  if (v < 1) throw constraint('MaxItems', v, 'Member must have value greater than or equal to 1');
  if (v > L.listItemsMax) throw constraint('MaxItems', v, `Member must have value less than or equal to ${L.listItemsMax}`);
  return v;
}

/**
 * Parses a policy document (MalformedPolicyDocument with the parser's
 * message when it is not one) and returns its size as IAM counts it
 * (characters without insignificant white space); past `max` it is IAM's
 * LimitExceeded for `quota`.
 */
export function checkPolicy(text: string, kind: 'identity' | 'trust', max: number, quota: string, managed = false): number {
  if (text.length < 1) throw constraint('PolicyDocument', text, 'Member must have length greater than or equal to 1');
  const r = parsePolicy(text, kind, { managed });
  if (!r.ok) throw new IdentityError('MalformedPolicyDocument', r.message);
  const size = policySizeChars(text);
  if (size > max) throw new IdentityError('LimitExceeded', `Cannot exceed quota for ${quota}: ${max}`);
  return size;
}

export function encodeMarker(k: string): string {
  return Buffer.from(k, 'utf8').toString('base64url');
}

export function decodeMarker(m: string | undefined): string | undefined {
  if (m === undefined) return undefined;
  if (!/^[A-Za-z0-9_-]+$/.test(m)) throw new IdentityError('InvalidInput', 'Invalid Marker.');
  return Buffer.from(m, 'base64url').toString('utf8');
}

/** `rows` holds up to `limit + 1` items: the extra one says there is a next page. */
export function page<T>(rows: T[], limit: number, keyOf: (t: T) => string): Page<T> {
  if (rows.length <= limit) return { items: rows };
  const items = rows.slice(0, limit);
  return { items, marker: encodeMarker(keyOf(items[items.length - 1]!)) };
}

export const noSuchUser = (name: string) => new IdentityError('NoSuchEntity', `The user with name ${name} cannot be found.`);
export const noSuchRole = (name: string) => new IdentityError('NoSuchEntity', `The role with name ${name} cannot be found.`);
export const noSuchOwner = (o: IamOwner) => (o.kind === 'user' ? noSuchUser(o.name) : noSuchRole(o.name));
export const noSuchKey = (id: string) => new IdentityError('NoSuchEntity', `The Access Key with id ${id} cannot be found.`);
