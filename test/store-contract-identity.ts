import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IamRoleRecord, IamUserRecord, Store } from '../src/store/types';
import type { OpenedStore } from './store-contract';

/**
 * The IdentityStore part of the store contract (run by test/store-contract.ts
 * for every implementation): names unique without case, the access key
 * quota, delete conflicts, inline policy sizes, managed policies with
 * versions and attachments, the change counter moving on every write and
 * not on a refused one, the account's first start made once under
 * concurrency, concurrent quota checks, durability across a reopen.
 */
type WithStore = (body: (s: Store, o: OpenedStore) => Promise<void>) => () => Promise<void>;

const acct = '000000000000';
let n = 0;
const user = (name: string, path = '/'): IamUserRecord => ({
  accountId: acct, name, id: `AIDA${String(++n).padStart(17, 'A')}`, path, arn: `arn:aws:iam::${acct}:user${path}${name}`, createdMs: 1000, tags: [['k', 'v']],
});
const role = (name: string, path = '/'): IamRoleRecord => ({
  accountId: acct, name, id: `AROA${String(++n).padStart(17, 'A')}`, path, arn: `arn:aws:iam::${acct}:role${path}${name}`, trustPolicy: '{"Statement":[]}',
  description: 'd', maxSessionDurationS: 3600, createdMs: 1000, tags: [],
});
const key = (userName: string, id: string) => ({ accountId: acct, accessKeyId: id, userName, secretSealed: `sealed-${id}`, status: 'Active' as const, createdMs: 1000 + n++ });
const policy = (name: string) => ({
  accountId: acct, name, id: `ANPA${String(++n).padStart(17, 'A')}`, path: '/', arn: `arn:aws:iam::${acct}:policy/${name}`, description: 'p',
  defaultVersionId: 'v1', createdMs: 1000, updatedMs: 1000, tags: [],
});
const U = (name: string) => ({ kind: 'user' as const, name });
const R = (name: string) => ({ kind: 'role' as const, name });

export function identityStoreContract(withStore: WithStore): void {
  describe('identity', () => {
    test('users: unique without case, got by any case, listed by name with a path prefix and pages; every write moves the counter', withStore(async (s) => {
      const v0 = await s.identityVersion();
      assert.equal(await s.createIamUser(user('Alice')), 'ok');
      const v1 = await s.identityVersion();
      assert.ok(v1 > v0);
      assert.equal(await s.createIamUser(user('alice')), 'exists');
      assert.equal(await s.identityVersion(), v1, 'a refused write does not move the counter');
      await s.createIamUser(user('bob', '/team/'));
      await s.createIamUser(user('carol'));
      assert.equal((await s.getIamUser(acct, 'ALICE'))?.name, 'Alice');
      assert.deepEqual((await s.getIamUser(acct, 'alice'))?.tags, [['k', 'v']]);
      assert.equal(await s.getIamUser(acct, 'dave'), undefined);
      assert.equal(await s.getIamUser('111111111111', 'alice'), undefined, 'another account');
      assert.deepEqual((await s.listIamUsers(acct, { limit: 10 })).map((u) => u.name), ['Alice', 'bob', 'carol']);
      assert.deepEqual((await s.listIamUsers(acct, { limit: 10, pathPrefix: '/team' })).map((u) => u.name), ['bob']);
      assert.deepEqual((await s.listIamUsers(acct, { limit: 1, afterKey: 'alice' })).map((u) => u.name), ['bob']);
    }));

    test('access keys: at most perUserMax per user, status changes, the active table joins the user, deletes', withStore(async (s) => {
      await s.createIamUser(user('u'));
      assert.equal(await s.createIamAccessKey(key('u', 'AKIA1'), 2), 'ok');
      assert.equal(await s.createIamAccessKey(key('u', 'AKIA2'), 2), 'ok');
      assert.equal(await s.createIamAccessKey(key('u', 'AKIA3'), 2), 'too-many');
      assert.equal(await s.createIamAccessKey(key('nobody', 'AKIA4'), 2), 'no-user');
      assert.deepEqual((await s.listIamAccessKeys(acct, 'U'))!.map((k) => [k.accessKeyId, k.userName, k.secretSealed]), [['AKIA1', 'u', 'sealed-AKIA1'], ['AKIA2', 'u', 'sealed-AKIA2']]);
      assert.equal(await s.listIamAccessKeys(acct, 'nobody'), undefined);
      assert.equal(await s.setIamAccessKeyStatus(acct, 'u', 'AKIA1', 'Inactive'), 'ok');
      assert.equal(await s.setIamAccessKeyStatus(acct, 'u', 'AKIA9', 'Inactive'), 'missing');
      assert.equal(await s.setIamAccessKeyStatus(acct, 'x', 'AKIA1', 'Inactive'), 'no-user');
      const active = await s.activeIamAccessKeys();
      assert.deepEqual(active.map((a) => [a.key.accessKeyId, a.user.arn]), [['AKIA2', `arn:aws:iam::${acct}:user/u`]]);
      assert.equal((await s.getIamAccessKey('AKIA1'))?.key.status, 'Inactive');
      assert.equal(await s.getIamAccessKey('AKIA9'), undefined);
      assert.equal(await s.deleteIamAccessKey(acct, 'u', 'AKIA1'), 'ok');
      assert.equal(await s.deleteIamAccessKey(acct, 'u', 'AKIA1'), 'missing');
      assert.equal((await s.listIamAccessKeys(acct, 'u'))!.length, 1);
    }));

    test('deleteIamUser refuses while keys, inline or attached policies remain, in that order', withStore(async (s) => {
      await s.createIamUser(user('u'));
      await s.createIamAccessKey(key('u', 'AKIAX'), 2);
      assert.equal(await s.putIamInlinePolicy(acct, U('u'), 'p', '{}', 2, 2048), 'ok');
      assert.equal(await s.attachIamPolicy(acct, U('u'), 'arn:aws:iam::aws:policy/ReadOnlyAccess', false, 10), 'ok');
      assert.equal(await s.deleteIamUser(acct, 'u'), 'has-keys');
      await s.deleteIamAccessKey(acct, 'u', 'AKIAX');
      assert.equal(await s.deleteIamUser(acct, 'u'), 'has-inline');
      await s.deleteIamInlinePolicy(acct, U('u'), 'p');
      assert.equal(await s.deleteIamUser(acct, 'u'), 'has-attached');
      await s.detachIamPolicy(acct, U('u'), 'arn:aws:iam::aws:policy/ReadOnlyAccess');
      assert.equal(await s.deleteIamUser(acct, 'u'), 'ok');
      assert.equal(await s.deleteIamUser(acct, 'u'), 'missing');
    }));

    test('roles: create once, update fields, tags with a limit, delete conflicts', withStore(async (s) => {
      assert.equal(await s.createIamRole(role('R1', '/svc/')), 'ok');
      assert.equal(await s.createIamRole(role('r1')), 'exists');
      assert.equal(await s.updateIamRole(acct, 'r1', { trustPolicy: '{"Statement":[1]}', maxSessionDurationS: 7200 }), true);
      assert.equal(await s.updateIamRole(acct, 'none', { description: 'x' }), false);
      const r = (await s.getIamRole(acct, 'R1'))!;
      assert.deepEqual([r.trustPolicy, r.maxSessionDurationS, r.description, r.path], ['{"Statement":[1]}', 7200, 'd', '/svc/']);
      assert.equal(await s.changeIamRoleTags(acct, 'r1', { set: [['a', '1'], ['b', '2']] }, 2), 'ok');
      assert.equal(await s.changeIamRoleTags(acct, 'r1', { set: [['c', '3']] }, 2), 'too-many');
      assert.equal(await s.changeIamRoleTags(acct, 'r1', { set: [['a', '9']], remove: ['b'] }, 2), 'ok');
      assert.deepEqual((await s.getIamRole(acct, 'r1'))!.tags, [['a', '9']]);
      assert.equal(await s.changeIamRoleTags(acct, 'none', {}, 2), 'missing');
      await s.putIamInlinePolicy(acct, R('r1'), 'p', '{}', 2, 10240);
      assert.equal(await s.deleteIamRole(acct, 'r1'), 'has-inline');
      await s.deleteIamInlinePolicy(acct, R('r1'), 'p');
      assert.equal(await s.deleteIamRole(acct, 'r1'), 'ok');
      assert.equal(await s.getIamRole(acct, 'r1'), undefined);
      assert.deepEqual((await s.listIamRoles(acct, { limit: 10 })).map((x) => x.name), []);
    }));

    test('inline policies: replace by name, the owner total limited, missing owners and names told apart', withStore(async (s) => {
      await s.createIamRole(role('r'));
      assert.equal(await s.putIamInlinePolicy(acct, R('r'), 'a', 'A1', 6, 10), 'ok');
      assert.equal(await s.putIamInlinePolicy(acct, R('r'), 'b', 'B1', 5, 10), 'too-large');
      assert.equal(await s.putIamInlinePolicy(acct, R('r'), 'a', 'A2', 9, 10), 'ok', 'a replaced policy does not count twice');
      assert.equal(await s.putIamInlinePolicy(acct, R('x'), 'a', 'A', 1, 10), 'no-owner');
      assert.equal(await s.getIamInlinePolicy(acct, R('r'), 'a'), 'A2');
      assert.equal(await s.getIamInlinePolicy(acct, R('r'), 'z'), null);
      assert.equal(await s.getIamInlinePolicy(acct, R('x'), 'a'), undefined);
      assert.deepEqual(await s.listIamInlinePolicies(acct, R('r')), [{ name: 'a', document: 'A2' }]);
      assert.equal(await s.listIamInlinePolicies(acct, R('x')), undefined);
      assert.equal(await s.deleteIamInlinePolicy(acct, R('r'), 'z'), 'missing');
      assert.equal(await s.deleteIamInlinePolicy(acct, R('x'), 'a'), 'no-owner');
    }));

    test('managed policies: v1 default, versions up to a limit, attachments counted, delete refused while attached or versioned', withStore(async (s) => {
      const p = policy('P');
      assert.equal(await s.createIamPolicy(p, '{"v":1}'), 'ok');
      assert.equal(await s.createIamPolicy({ ...policy('p'), arn: `arn:aws:iam::${acct}:policy/other/p` }, '{}'), 'exists', 'names are unique without case, whatever the path');
      assert.equal((await s.getIamPolicy(acct, p.arn))?.attachmentCount, 0);
      assert.deepEqual(await s.getIamPolicyVersion(acct, p.arn, 'v1'), { policyArn: p.arn, versionId: 'v1', document: '{"v":1}', isDefault: true, createdMs: 1000 });
      assert.deepEqual(await s.createIamPolicyVersion(acct, p.arn, '{"v":2}', true, 2), { kind: 'ok', versionId: 'v2' });
      assert.deepEqual(await s.createIamPolicyVersion(acct, p.arn, '{"v":3}', false, 2), { kind: 'too-many' });
      assert.deepEqual(await s.createIamPolicyVersion(acct, `${p.arn}x`, '{}', false, 2), { kind: 'missing' });
      assert.equal((await s.getIamPolicy(acct, p.arn))?.defaultVersionId, 'v2');
      assert.deepEqual((await s.listIamPolicyVersions(acct, p.arn))!.map((v) => [v.versionId, v.isDefault]).sort(), [['v1', false], ['v2', true]]);
      await s.createIamRole(role('r'));
      await s.createIamUser(user('u'));
      assert.equal(await s.attachIamPolicy(acct, R('r'), p.arn, true, 10), 'ok');
      assert.equal(await s.attachIamPolicy(acct, R('r'), p.arn, true, 10), 'ok', 'attaching twice counts once');
      assert.equal(await s.attachIamPolicy(acct, U('u'), p.arn, true, 10), 'ok');
      assert.equal(await s.attachIamPolicy(acct, U('u'), `${p.arn}-none`, true, 10), 'no-policy');
      assert.equal(await s.attachIamPolicy(acct, U('x'), p.arn, true, 10), 'no-owner');
      assert.equal((await s.getIamPolicy(acct, p.arn))?.attachmentCount, 2);
      assert.deepEqual((await s.listIamPolicies(acct, { limit: 10, onlyAttached: true })).map((x) => x.name), ['P']);
      assert.equal(await s.deleteIamPolicy(acct, p.arn), 'attached');
      await s.detachIamPolicy(acct, R('r'), p.arn);
      assert.equal(await s.detachIamPolicy(acct, R('r'), p.arn), 'not-attached');
      await s.detachIamPolicy(acct, U('u'), p.arn);
      assert.deepEqual(await s.listIamPolicies(acct, { limit: 10, onlyAttached: true }), []);
      assert.equal(await s.deleteIamPolicy(acct, p.arn), 'has-versions');
      assert.equal(await s.deleteIamPolicy(acct, `${p.arn}x`), 'missing');
      assert.equal(await s.deleteIamPolicyVersion(acct, p.arn, 'v2'), 'is-default');
      assert.equal(await s.setIamPolicyDefaultVersion(acct, p.arn, 'v9'), 'no-version');
      assert.equal(await s.setIamPolicyDefaultVersion(acct, `${p.arn}x`, 'v1'), 'missing');
      assert.equal(await s.setIamPolicyDefaultVersion(acct, p.arn, 'v1'), 'ok');
      assert.equal(await s.deleteIamPolicyVersion(acct, p.arn, 'v2'), 'ok');
      assert.equal(await s.deleteIamPolicyVersion(acct, p.arn, 'v2'), 'no-version');
      assert.deepEqual((await s.listIamPolicyVersions(acct, p.arn))!.map((v) => v.versionId), ['v1']);
      assert.deepEqual(await s.createIamPolicyVersion(acct, p.arn, '{"v":3}', false, 2), { kind: 'ok', versionId: 'v3' }, 'version numbers are never reused');
      await s.deleteIamPolicyVersion(acct, p.arn, 'v3');
      assert.equal(await s.deleteIamPolicy(acct, p.arn), 'ok');
      assert.equal(await s.getIamPolicy(acct, p.arn), undefined);
      assert.equal(await s.getIamPolicyVersion(acct, p.arn, 'v1'), undefined);
    }));

    test('attachments: in order, counted per policy, limited per owner', withStore(async (s) => {
      await s.createIamRole(role('r'));
      const arns = ['arn:aws:iam::aws:policy/A', 'arn:aws:iam::aws:policy/B', 'arn:aws:iam::aws:policy/C'];
      for (const a of arns.slice(0, 2)) assert.equal(await s.attachIamPolicy(acct, R('r'), a, false, 2), 'ok');
      assert.equal(await s.attachIamPolicy(acct, R('r'), arns[2]!, false, 2), 'too-many');
      assert.deepEqual(await s.listIamAttachedPolicies(acct, R('R')), arns.slice(0, 2));
      assert.equal(await s.listIamAttachedPolicies(acct, R('x')), undefined);
      assert.deepEqual([...(await s.iamAttachmentCounts(acct))].sort(), [[arns[0], 1], [arns[1], 1]]);
    }));

    test('the account is initialised once: its role and attachments made by one of two concurrent starts, not again after a delete', withStore(async (s) => {
      const r = role('lambda-role');
      const made = await Promise.all([0, 1].map(() => s.initIamAccount(acct, { ...r, id: `AROA${String(++n).padStart(17, 'B')}` }, ['arn:aws:iam::aws:policy/X'])));
      assert.deepEqual(made.sort(), [false, true]);
      assert.deepEqual(await s.listIamAttachedPolicies(acct, R('lambda-role')), ['arn:aws:iam::aws:policy/X']);
      await s.detachIamPolicy(acct, R('lambda-role'), 'arn:aws:iam::aws:policy/X');
      await s.deleteIamRole(acct, 'lambda-role');
      assert.equal(await s.initIamAccount(acct, r, ['arn:aws:iam::aws:policy/X']), false);
      assert.equal(await s.getIamRole(acct, 'lambda-role'), undefined);
    }));

    test('concurrent creates of one name and of keys past the quota: one wins, the quota holds', withStore(async (s) => {
      const made = await Promise.all([0, 1, 2].map(() => s.createIamUser(user('same'))));
      assert.deepEqual(made.sort(), ['exists', 'exists', 'ok']);
      const keys = await Promise.all([0, 1, 2, 3].map((i) => s.createIamAccessKey(key('same', `AKIAC${i}`), 2)));
      assert.deepEqual(keys.sort(), ['ok', 'ok', 'too-many', 'too-many']);
    }));

    test('what resolved before a reopen is there after it', withStore(async (s0, o) => {
      await s0.createIamUser(user('durable'));
      await s0.createIamAccessKey(key('durable', 'AKIAD'), 2);
      await s0.createIamRole(role('dr'));
      await s0.putIamInlinePolicy(acct, R('dr'), 'p', 'doc', 3, 100);
      const v = await s0.identityVersion();
      const s = await o.reopen();
      assert.equal((await s.getIamUser(acct, 'durable'))?.name, 'durable');
      assert.equal((await s.getIamAccessKey('AKIAD'))?.key.secretSealed, 'sealed-AKIAD');
      assert.equal(await s.getIamInlinePolicy(acct, R('dr'), 'p'), 'doc');
      assert.equal(await s.identityVersion(), v);
    }));
  });
}
