import { randomBytes } from 'node:crypto';

/**
 * IAM's identifiers as AWS forms them: unique ids are a four-letter prefix
 * naming the kind (`AIDA` user, `AROA` role, `ANPA` managed policy, `AKIA`
 * long-term access key, `ASIA` temporary access key) followed by upper-case
 * letters and the digits 2–7; access key ids are 20 characters, unique ids 21.
 */
const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function uniqueId(prefix: 'AIDA' | 'AROA' | 'ANPA' | 'AKIA' | 'ASIA', length: number): string {
  const b = randomBytes(length - prefix.length);
  let s = prefix;
  for (const x of b) s += alphabet[x & 31];
  return s;
}

export const userId = () => uniqueId('AIDA', 21);
export const roleId = () => uniqueId('AROA', 21);
export const policyId = () => uniqueId('ANPA', 21);
export const accessKeyId = () => uniqueId('AKIA', 20);
export const sessionKeyId = () => uniqueId('ASIA', 20);

/** A 40-character secret access key (base64 of 30 random bytes). */
export const secretAccessKey = () => randomBytes(30).toString('base64');

export const rootArn = (accountId: string) => `arn:aws:iam::${accountId}:root`;
export const userArn = (accountId: string, path: string, name: string) => `arn:aws:iam::${accountId}:user${path}${name}`;
export const roleArn = (accountId: string, path: string, name: string) => `arn:aws:iam::${accountId}:role${path}${name}`;
export const policyArn = (accountId: string, path: string, name: string) => `arn:aws:iam::${accountId}:policy${path}${name}`;
export const assumedRoleArn = (accountId: string, roleName: string, sessionName: string) => `arn:aws:sts::${accountId}:assumed-role/${roleName}/${sessionName}`;

/** `arn:aws:iam::<acct>:role<path><name>` → its parts; undefined for anything else. */
export function parseRoleArn(arn: string): { accountId: string; path: string; name: string } | undefined {
  const m = /^arn:aws:iam::(\d{12}):role(\/(?:[\x21-\x7e]*\/)?)([\w+=,.@-]{1,64})$/.exec(arn);
  return m ? { accountId: m[1]!, path: m[2]!, name: m[3]! } : undefined;
}
