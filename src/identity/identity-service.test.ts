import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Keyring } from '../keys/keyring';
import { SqliteStore } from '../store/sqlite/sqlite-store';
import { IdentityAuthorizer } from './authorizer';
import { IdentityError } from './errors';
import { IdentityService } from './identity-service';
import type { Caller, Principal } from './types';

/**
 * The identity domain over a real SQLite store and keyring, with a clock the
 * test moves: the caller resolver (root, users' keys, session tokens and
 * their expiry), AssumeRole's rules, the authorizer's decisions.
 */
const acct = '000000000000';
const root = { accessKeyId: 'AKIDROOT000000000000', secretAccessKey: 'root-secret' };

async function open(nowMs = { t: 1_000_000 }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-identity-'));
  const store = new SqliteStore(path.join(dir, 'kumo.db'));
  const keyring = await Keyring.open(dir);
  const identity = new IdentityService(store, keyring, root, acct, () => nowMs.t);
  await identity.start();
  const authorizer = new IdentityAuthorizer(identity);
  return {
    identity, authorizer, keyring, store, clock: nowMs,
    async close() {
      identity.stop();
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const trust = (principal: object) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }] });
const allow = (action: string, resource = '*') => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: resource }] });
const deny = (action: string, resource = '*') => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: action, Resource: resource }] });
const principalOf = (c: ReturnType<IdentityService['resolve']>): Principal => {
  assert.ok('principal' in c, `resolved: ${JSON.stringify(c)}`);
  return (c as Caller).principal;
};

test('the root key is the account root; an unknown key, and a session key without a token, are unknown', async () => {
  const t = await open();
  try {
    const c = t.identity.resolve(root.accessKeyId, undefined) as Caller;
    assert.equal(c.secret, root.secretAccessKey);
    assert.deepEqual(c.principal, { type: 'Root', accountId: acct, arn: `arn:aws:iam::${acct}:root`, principalId: acct, accessKeyId: root.accessKeyId });
    assert.deepEqual(t.identity.resolve('AKIANOPE000000000000', undefined), { refused: 'unknown' });
    assert.deepEqual(t.identity.resolve('ASIANOPE000000000000', undefined), { refused: 'unknown' });
  } finally {
    await t.close();
  }
});

test("a user's key resolves at once with its secret, AWS's id forms; inactive or deleted keys are unknown; the secret is stored sealed", async () => {
  const t = await open();
  try {
    const u = await t.identity.createUser('alice', '/eng/');
    assert.match(u.id, /^AIDA[A-Z2-7]{17}$/);
    assert.equal(u.arn, `arn:aws:iam::${acct}:user/eng/alice`);
    const k = await t.identity.createAccessKey('alice');
    assert.match(k.accessKeyId, /^AKIA[A-Z2-7]{16}$/);
    assert.equal(k.secretAccessKey.length, 40);
    const c = t.identity.resolve(k.accessKeyId, undefined) as Caller;
    assert.equal(c.secret, k.secretAccessKey);
    assert.deepEqual(c.principal, { type: 'IAMUser', accountId: acct, arn: u.arn, principalId: u.id, accessKeyId: k.accessKeyId, userName: 'alice' });
    const stored = (await t.store.getIamAccessKey(k.accessKeyId))!.key.secretSealed;
    assert.ok(!stored.includes(k.secretAccessKey) && stored.startsWith('kumo:v1:'), 'sealed, not plain');
    await t.identity.updateAccessKey('alice', k.accessKeyId, 'Inactive');
    assert.deepEqual(t.identity.resolve(k.accessKeyId, undefined), { refused: 'unknown' });
    await t.identity.updateAccessKey('alice', k.accessKeyId, 'Active');
    assert.equal((t.identity.resolve(k.accessKeyId, undefined) as Caller).secret, k.secretAccessKey);
    await t.identity.deleteAccessKey('alice', k.accessKeyId);
    assert.deepEqual(t.identity.resolve(k.accessKeyId, undefined), { refused: 'unknown' });
  } finally {
    await t.close();
  }
});

test('a change written by another server reaches this one by the counter (refresh)', async () => {
  const t = await open();
  try {
    const other = new IdentityService(t.store, t.keyring, root, acct);
    await other.start();
    try {
      await t.identity.createUser('bob');
      const k = await t.identity.createAccessKey('bob');
      assert.deepEqual(other.resolve(k.accessKeyId, undefined), { refused: 'unknown' }, 'not yet seen');
      // The other server polls the counter every refreshIntervalMs (1 s): it knows the key within that, without being told.
      const t0 = Date.now();
      while (!('principal' in other.resolve(k.accessKeyId, undefined)) && Date.now() - t0 < 3_000) await new Promise((r) => setTimeout(r, 50));
      assert.equal((other.resolve(k.accessKeyId, undefined) as Caller).principal.userName, 'bob');
      assert.ok(Date.now() - t0 < 2_000, `seen after ${Date.now() - t0} ms`);
      await t.identity.deleteAccessKey('bob', k.accessKeyId);
      const t1 = Date.now();
      while ('principal' in other.resolve(k.accessKeyId, undefined) && Date.now() - t1 < 3_000) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(other.resolve(k.accessKeyId, undefined), { refused: 'unknown' }, 'a key deleted elsewhere stops working within the interval');
    } finally {
      other.stop();
    }
  } finally {
    await t.close();
  }
});

test('AssumeRole: trusted by name without an identity policy; by the account only with one; root refused; the session resolves, then expires', async () => {
  const t = await open();
  try {
    await t.identity.createUser('u');
    const k = await t.identity.createAccessKey('u');
    const user = principalOf(t.identity.resolve(k.accessKeyId, undefined));
    const byName = await t.identity.createRole({ name: 'by-name', trustPolicy: trust({ AWS: user.arn }), maxSessionDurationS: 7200 });
    const byAccount = await t.identity.createRole({ name: 'by-account', trustPolicy: trust({ AWS: `arn:aws:iam::${acct}:root` }) });
    const idAllows = (p: Principal, action: string, resource: string) => t.authorizer.identityDecision(p, action, resource, {});

    const s = await t.identity.assumeRole(user, byName.arn, 'sess-1', 900, {}, idAllows);
    assert.equal(s.arn, `arn:aws:sts::${acct}:assumed-role/by-name/sess-1`);
    assert.equal(s.assumedRoleId, `${byName.id}:sess-1`);
    assert.match(s.credentials.accessKeyId, /^ASIA[A-Z2-7]{16}$/);
    assert.equal(s.credentials.secretAccessKey.length, 40);
    assert.equal(s.credentials.expiresAtMs, t.clock.t + 900_000);

    const denied = `User: ${user.arn} is not authorized to perform: sts:AssumeRole on resource: ${byAccount.arn}`;
    await assert.rejects(t.identity.assumeRole(user, byAccount.arn, 'ss', undefined, {}, idAllows), (e: IdentityError) => e.kind === 'AccessDenied' && e.message === denied);
    await t.identity.putInlinePolicy({ kind: 'user', name: 'u' }, 'assume', allow('sts:AssumeRole', byAccount.arn));
    await t.identity.assumeRole(user, byAccount.arn, 'ss', undefined, {}, idAllows);
    await t.identity.putInlinePolicy({ kind: 'user', name: 'u' }, 'no', deny('sts:*'));
    await assert.rejects(t.identity.assumeRole(user, byName.arn, 'ss', undefined, {}, idAllows), /not authorized/, 'an explicit deny refuses even a trust by name');
    await t.identity.deleteInlinePolicy({ kind: 'user', name: 'u' }, 'no');

    const missing = `arn:aws:iam::${acct}:role/none`;
    await assert.rejects(t.identity.assumeRole(user, missing, 'ss', undefined, {}, idAllows), { message: `User: ${user.arn} is not authorized to perform: sts:AssumeRole on resource: ${missing}` });
    const rootP = principalOf(t.identity.resolve(root.accessKeyId, undefined));
    await assert.rejects(t.identity.assumeRole(rootP, byName.arn, 'ss', undefined, {}, idAllows), { message: 'Roles may not be assumed by root accounts.' });
    await assert.rejects(t.identity.assumeRole(user, byName.arn, 'ss', 7201, {}, idAllows), /exceeds the MaxSessionDuration/);
    await assert.rejects(t.identity.assumeRole(user, byName.arn, 'ss', 899, {}, idAllows), /durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900/);
    await assert.rejects(t.identity.assumeRole(user, byName.arn, 'bad name', 900, {}, idAllows), /roleSessionName/);

    const c = t.identity.resolve(s.credentials.accessKeyId, s.credentials.sessionToken) as Caller;
    assert.equal(c.secret, s.credentials.secretAccessKey);
    assert.deepEqual(c.principal, {
      type: 'AssumedRole', accountId: acct, arn: s.arn, principalId: s.assumedRoleId, accessKeyId: s.credentials.accessKeyId,
      roleArn: byName.arn, sessionName: 'sess-1', expiresAtMs: s.credentials.expiresAtMs,
    });
    assert.deepEqual(t.identity.resolve('ASIAOTHER00000000000', s.credentials.sessionToken), { refused: 'unknown' }, 'the token names another key');
    const tampered = Buffer.from(s.credentials.sessionToken, 'base64');
    tampered[tampered.length - 1]! ^= 1;
    assert.deepEqual(t.identity.resolve(s.credentials.accessKeyId, tampered.toString('base64')), { refused: 'unknown' });
    t.clock.t += 900_000;
    assert.deepEqual(t.identity.resolve(s.credentials.accessKeyId, s.credentials.sessionToken), { refused: 'expired' });
  } finally {
    await t.close();
  }
});

test('authorizer: identity allow, explicit deny, resource policy naming the caller, the account alone not enough, deleted role denies its sessions', async () => {
  const t = await open();
  try {
    await t.identity.createUser('u');
    const k = await t.identity.createAccessKey('u');
    const user = principalOf(t.identity.resolve(k.accessKeyId, undefined));
    const fn = `arn:aws:lambda:us-east-1:${acct}:function:f`;
    const req = (action: string, resource = fn) => ({ action, resource, context: {} });
    assert.deepEqual(await t.authorizer.authorize(user, req('lambda:InvokeFunction')), { allowed: false, reason: 'ImplicitDeny', policyType: 'identity-based' });
    const p = await t.identity.createPolicy({ name: 'invoke', document: allow('lambda:InvokeFunction', fn) });
    await t.identity.attachPolicy({ kind: 'user', name: 'u' }, p.arn);
    assert.deepEqual(await t.authorizer.authorize(user, req('lambda:InvokeFunction')), { allowed: true });
    assert.deepEqual(await t.authorizer.authorize(user, req('lambda:InvokeFunction', `${fn}x`)), { allowed: false, reason: 'ImplicitDeny', policyType: 'identity-based' });
    await t.identity.putInlinePolicy({ kind: 'user', name: 'u' }, 'deny', deny('lambda:Invoke*'));
    assert.deepEqual(await t.authorizer.authorize(user, req('lambda:InvokeFunction')), { allowed: false, reason: 'ExplicitDeny', policyType: 'identity-based' });
    await t.identity.deleteInlinePolicy({ kind: 'user', name: 'u' }, 'deny');
    await t.identity.detachPolicy({ kind: 'user', name: 'u' }, p.arn);

    const policies = new Map<string, string>();
    t.authorizer.registerResourcePolicies('lambda', { policyOf: (arn) => policies.get(arn) });
    const resourcePolicy = (principal: object, effect = 'Allow') => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: effect, Principal: principal, Action: 'lambda:InvokeFunction', Resource: fn }] });
    policies.set(fn, resourcePolicy({ AWS: user.arn }));
    assert.deepEqual(await t.authorizer.authorize(user, req('lambda:InvokeFunction')), { allowed: true });
    policies.set(fn, resourcePolicy({ AWS: `arn:aws:iam::${acct}:root` }));
    assert.equal((await t.authorizer.authorize(user, req('lambda:InvokeFunction'))).allowed, false, 'the account principal delegates to identity policies');
    policies.set(fn, resourcePolicy({ AWS: user.arn }, 'Deny'));
    await t.identity.putInlinePolicy({ kind: 'user', name: 'u' }, 'all', allow('lambda:*'));
    assert.deepEqual(await t.authorizer.authorize(user, req('lambda:InvokeFunction')), { allowed: false, reason: 'ExplicitDeny', policyType: 'resource-based' });

    const role = await t.identity.createRole({ name: 'r', trustPolicy: trust({ AWS: user.arn }) });
    await t.identity.putInlinePolicy({ kind: 'role', name: 'r' }, 'q', allow('sqs:SendMessage'));
    const s = await t.identity.assumeRole(user, role.arn, 'xx', undefined, {}, (pp, a, r) => t.authorizer.identityDecision(pp, a, r, {}));
    const session = principalOf(t.identity.resolve(s.credentials.accessKeyId, s.credentials.sessionToken));
    assert.deepEqual(await t.authorizer.authorize(session, req('sqs:SendMessage', '*')), { allowed: true });
    await t.identity.deleteInlinePolicy({ kind: 'role', name: 'r' }, 'q');
    await t.identity.deleteRole('r');
    await t.identity.createRole({ name: 'r', trustPolicy: trust({ AWS: user.arn }) });
    await t.identity.putInlinePolicy({ kind: 'role', name: 'r' }, 'q', allow('sqs:SendMessage'));
    assert.equal((await t.authorizer.authorize(session, req('sqs:SendMessage', '*'))).allowed, false, 'a session of the deleted role gets nothing from the new one');
    const rootP = principalOf(t.identity.resolve(root.accessKeyId, undefined));
    assert.deepEqual(await t.authorizer.authorize(rootP, req('anything:AtAll')), { allowed: true });
  } finally {
    await t.close();
  }
});

test('RoleDirectory: the default role exists and trusts Lambda; a role trusting another service is untrusted; a missing one missing', async () => {
  const t = await open();
  try {
    assert.equal(await t.identity.trusts(`arn:aws:iam::${acct}:role/lambda-role`, 'lambda.amazonaws.com'), 'ok');
    const other = await t.identity.createRole({ name: 'ec2', trustPolicy: trust({ Service: 'ec2.amazonaws.com' }) });
    assert.equal(await t.identity.trusts(other.arn, 'lambda.amazonaws.com'), 'untrusted');
    assert.equal(await t.identity.trusts(`arn:aws:iam::${acct}:role/none`, 'lambda.amazonaws.com'), 'missing');
    assert.equal(await t.identity.trusts(`arn:aws:iam::111111111111:role/lambda-role`, 'lambda.amazonaws.com'), 'missing');
    const minted = t.identity.mint(`arn:aws:iam::${acct}:role/lambda-role`, 'my-function', 60_000);
    const c = principalOf(t.identity.resolve(minted.accessKeyId, minted.sessionToken));
    assert.equal(c.arn, `arn:aws:sts::${acct}:assumed-role/lambda-role/my-function`);
    const logs = { action: 'logs:PutLogEvents', resource: '*', context: {} };
    assert.deepEqual(await t.authorizer.authorize(c, logs), { allowed: true }, 'AWSLambdaBasicExecutionRole allows writing logs');
    assert.equal((await t.authorizer.authorize(c, { ...logs, action: 'sqs:SendMessage' })).allowed, false);
  } finally {
    await t.close();
  }
});
