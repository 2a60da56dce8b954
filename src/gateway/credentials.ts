import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Caller, CallerResolver } from '../identity/types';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Where they came from, for the start-up banner. */
  source: 'environment' | 'data-dir' | 'generated';
}

const alnumUpper = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * The API credentials: KUMO_ACCESS_KEY_ID / KUMO_SECRET_ACCESS_KEY when given,
 * else a pair generated once and kept in `<dataDir>/credentials.json` (0600).
 */
export function loadCredentials(dataDir: string, fromEnv: { accessKeyId?: string; secretAccessKey?: string }): Credentials {
  if (fromEnv.accessKeyId && fromEnv.secretAccessKey) {
    return { accessKeyId: fromEnv.accessKeyId, secretAccessKey: fromEnv.secretAccessKey, source: 'environment' };
  }
  const file = credentialsFile(dataDir);
  try {
    const c = JSON.parse(fs.readFileSync(file, 'utf8')) as { accessKeyId: string; secretAccessKey: string };
    return { ...c, source: 'data-dir' };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  // AWS access key ids are 20 upper-case characters; secrets 40 base64 characters.
  const id = 'KUMO' + [...randomBytes(16)].map((b) => alnumUpper[b & 31]).join('');
  const secret = randomBytes(30).toString('base64').replace(/\+/g, 'A').replace(/\//g, 'B');
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify({ accessKeyId: id, secretAccessKey: secret }) + '\n', { mode: 0o600 });
  const fd = fs.openSync(tmp, 'r');
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
  return { accessKeyId: id, secretAccessKey: secret, source: 'generated' };
}

export function credentialsFile(dataDir: string): string {
  return path.join(dataDir, 'credentials.json');
}

/**
 * The account root's key as a CallerResolver (the key pair above is the
 * account's root key): one Caller, built once, so resolving it allocates
 * nothing. IdentityService (src/identity/) resolves IAM users' and
 * sessions' keys as well; this one knows the root key alone.
 */
export function rootCallerResolver(c: { accessKeyId: string; secretAccessKey: string }, accountId: string): CallerResolver {
  const root: Caller = {
    secret: c.secretAccessKey,
    principal: { type: 'Root', accountId, arn: `arn:aws:iam::${accountId}:root`, principalId: accountId, accessKeyId: c.accessKeyId },
  };
  const unknown = { refused: 'unknown' } as const;
  return { resolve: (id) => (id === c.accessKeyId ? root : unknown) };
}
