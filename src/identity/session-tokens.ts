import { createHmac } from 'node:crypto';
import type { Keyring } from '../keys/keyring';
import { assumedRoleArn, sessionKeyId } from './ids';
import { identityTuning } from './limits';
import type { Caller, CallerRefusal, SessionCredentials } from './types';

/**
 * Role sessions' credentials, checked without I/O (STS AssumeRole's, and the
 * ones Lambda hands each EE). Nothing about a session is stored:
 *
 * - the session token is the keyring's AEAD envelope (`sealBytes`, aad
 *   `tokenAad`) of the session's facts, JSON `{v, k, a, r, i, n, s, e}`:
 *   version 1, access key id, account, role ARN, role id, role name,
 *   session name, expiry (ms since the epoch); then base64;
 * - the secret is derived from the access key id: the first 30 bytes of
 *   HMAC-SHA256(keyring.macKey('sts'), accessKeyId), in base64 (40 characters).
 *
 * So a server that holds the master key can check any session minted by any
 * server sharing the data dir's key, and a token that was tampered with, or
 * is presented with another access key id, does not open (`unknown`). The
 * role's existence is the authorizer's check, per request, not the token's:
 * a deleted role's sessions still authenticate and are denied everything.
 */
const tokenAad = 'kumo:sts-session:v1';

interface TokenFacts {
  v: 1;
  k: string;
  a: string;
  r: string;
  i: string;
  n: string;
  s: string;
  e: number;
}

export interface SessionRole {
  accountId: string;
  arn: string;
  id: string;
  name: string;
}

export class SessionTokens {
  private readonly macKey: Buffer;
  /** Opened tokens → caller (bounded; oldest dropped first). */
  private readonly opened = new Map<string, Caller>();

  constructor(private readonly keyring: Keyring) {
    this.macKey = keyring.macKey('sts');
  }

  mint(role: SessionRole, sessionName: string, expiresAtMs: number): SessionCredentials {
    const accessKeyId = sessionKeyId();
    const facts: TokenFacts = { v: 1, k: accessKeyId, a: role.accountId, r: role.arn, i: role.id, n: role.name, s: sessionName, e: expiresAtMs };
    const sessionToken = this.keyring.sealBytes(Buffer.from(JSON.stringify(facts), 'utf8'), tokenAad).toString('base64');
    return { accessKeyId, secretAccessKey: this.secretOf(accessKeyId), sessionToken, expiresAtMs };
  }

  /** The caller a session key and token are, or why not. `nowMs`: the clock to judge expiry by. */
  open(accessKeyId: string, sessionToken: string | undefined, nowMs: number): Caller | CallerRefusal {
    if (!sessionToken) return { refused: 'unknown' };
    let caller = this.opened.get(sessionToken);
    if (!caller) {
      const facts = this.facts(sessionToken);
      if (!facts) return { refused: 'unknown' };
      caller = {
        secret: this.secretOf(facts.k),
        principal: {
          type: 'AssumedRole', accountId: facts.a, arn: assumedRoleArn(facts.a, facts.n, facts.s), principalId: `${facts.i}:${facts.s}`,
          accessKeyId: facts.k, roleArn: facts.r, sessionName: facts.s, expiresAtMs: facts.e,
        },
      };
      if (this.opened.size >= identityTuning.openedSessionsMax) this.opened.delete(this.opened.keys().next().value!);
      this.opened.set(sessionToken, caller);
    }
    if (caller.principal.accessKeyId !== accessKeyId) return { refused: 'unknown' };
    if (nowMs >= caller.principal.expiresAtMs!) return { refused: 'expired' };
    return caller;
  }

  private facts(sessionToken: string): TokenFacts | undefined {
    try {
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(sessionToken)) return undefined;
      const f = JSON.parse(this.keyring.openBytes(Buffer.from(sessionToken, 'base64'), tokenAad).toString('utf8')) as TokenFacts;
      if (f.v !== 1 || typeof f.k !== 'string' || typeof f.e !== 'number') return undefined;
      return f;
    } catch {
      return undefined;
    }
  }

  private secretOf(accessKeyId: string): string {
    return createHmac('sha256', this.macKey).update(accessKeyId).digest().subarray(0, 30).toString('base64');
  }
}
