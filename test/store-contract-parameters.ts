import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NewParameterVersion, Store } from '../src/store/types';
import type { OpenedStore } from './store-contract';

/**
 * The ParameterStore part of the store contract (run by test/store-contract.ts
 * for every implementation): versions numbered from 1 per name, overwrite
 * only when asked, the kept-versions limit (the oldest dropped unless it
 * carries a label), labels that move between versions, the label limit,
 * listing by prefix in byte order, tags, deletes, concurrent creates and
 * overwrites, durability across a reopen.
 */
type WithStore = (body: (s: Store, o: OpenedStore) => Promise<void>) => () => Promise<void>;

const p = (name: string, value: string, extra: Partial<NewParameterVersion> = {}): NewParameterVersion => ({
  name, type: 'String', value: Buffer.from(value), dataType: 'text', ...extra,
});
const put = (s: Store, name: string, value: string, overwrite = false, versionsMax = 100) => s.putParameter(p(name, value), { overwrite, versionsMax });
const values = (r: { value: Buffer }[]) => r.map((x) => x.value.toString());

export function parameterStoreContract(withStore: WithStore): void {
  describe('parameters', () => {
    test('putParameter creates version 1 with its fields and tags; a second put needs overwrite and keeps the tags', withStore(async (s) => {
      const before = Date.now();
      assert.deepEqual(await s.putParameter(p('/a/b', 'v1', { description: 'd', allowedPattern: '^v', type: 'SecureString', keyId: 'alias/aws/ssm' }), { overwrite: false, tags: { t: '1' }, versionsMax: 100 }), { kind: 'ok', version: 1 });
      assert.deepEqual(await put(s, '/a/b', 'v2'), { kind: 'exists' });
      const [v] = await s.getParameterVersions('/a/b');
      assert.deepEqual({ ...v, modifiedMs: 0, value: v!.value.toString() }, {
        name: '/a/b', version: 1, type: 'SecureString', value: 'v1', description: 'd', allowedPattern: '^v', keyId: 'alias/aws/ssm', dataType: 'text', modifiedMs: 0, labels: [],
      });
      assert.ok(v!.modifiedMs >= before - 1000 && v!.modifiedMs <= Date.now() + 1000, 'modified now');
      assert.deepEqual(await put(s, '/a/b', 'v2', true), { kind: 'ok', version: 2 });
      assert.deepEqual(values(await s.getParameterVersions('/a/b')), ['v1', 'v2']);
      assert.deepEqual(await s.getParameterTags('/a/b'), { t: '1' });
      assert.deepEqual(await s.getParameterVersions('/none'), []);
      assert.equal(await s.getParameterTags('/none'), undefined);
    }));

    test('past versionsMax the oldest is dropped; a labelled oldest refuses the put, writing nothing', withStore(async (s) => {
      for (let i = 1; i <= 3; i++) await put(s, 'n', `v${i}`, true, 3);
      assert.deepEqual(await put(s, 'n', 'v4', true, 3), { kind: 'ok', version: 4 });
      assert.deepEqual((await s.getParameterVersions('n')).map((v) => v.version), [2, 3, 4]);
      assert.deepEqual(await s.labelParameterVersion('n', 2, ['keep'], 10), { kind: 'ok', version: 2 });
      assert.deepEqual(await put(s, 'n', 'v5', true, 3), { kind: 'oldest-labelled', oldest: 2 });
      assert.deepEqual((await s.getParameterVersions('n')).map((v) => v.version), [2, 3, 4]);
    }));

    test('labels: on the newest by default, moved from another version, limited per version; unlabel answers removed and invalid', withStore(async (s) => {
      await put(s, 'l', 'a');
      await put(s, 'l', 'b', true);
      assert.deepEqual(await s.labelParameterVersion('l', 1, ['x', 'y'], 3), { kind: 'ok', version: 1 });
      assert.deepEqual(await s.labelParameterVersion('l', undefined, ['y', 'z'], 3), { kind: 'ok', version: 2 });
      assert.deepEqual((await s.getParameterVersions('l')).map((v) => v.labels), [['x'], ['y', 'z']]);
      assert.deepEqual(await s.labelParameterVersion('l', 2, ['p', 'q'], 3), { kind: 'too-many' });
      assert.deepEqual((await s.getParameterVersions('l')).map((v) => v.labels), [['x'], ['y', 'z']], 'nothing written');
      assert.deepEqual(await s.labelParameterVersion('l', 9, ['x'], 3), { kind: 'no-version' });
      assert.deepEqual(await s.labelParameterVersion('none', 1, ['x'], 3), { kind: 'no-parameter' });
      assert.deepEqual(await s.unlabelParameterVersion('l', 2, ['z', 'x']), { kind: 'ok', removed: ['z'], invalid: ['x'] });
      assert.deepEqual((await s.getParameterVersions('l')).map((v) => v.labels), [['x'], ['y']]);
      assert.deepEqual(await s.unlabelParameterVersion('l', 7, ['x']), { kind: 'no-version' });
      assert.deepEqual(await s.unlabelParameterVersion('none', 1, ['x']), { kind: 'no-parameter' });
    }));

    test('listParameters gives newest versions by prefix in byte order after a name; getLatestParameters those that exist', withStore(async (s) => {
      for (const n of ['/p/b', '/p/a', '/p/a/deep', '/q', 'Z', 'a']) await put(s, n, n);
      await put(s, '/p/a', 'newer', true);
      assert.deepEqual((await s.listParameters({ limit: 10 })).map((x) => x.name), ['/p/a', '/p/a/deep', '/p/b', '/q', 'Z', 'a']);
      assert.deepEqual(values(await s.listParameters({ prefix: '/p/', limit: 10 })), ['newer', '/p/a/deep', '/p/b']);
      assert.deepEqual((await s.listParameters({ prefix: '/p/', afterName: '/p/a', limit: 1 })).map((x) => x.name), ['/p/a/deep']);
      assert.deepEqual((await s.getLatestParameters(['/q', '/none', '/p/a'])).map((x) => [x.name, x.version]), [['/p/a', 2], ['/q', 1]]);
      assert.deepEqual(await s.getLatestParameters([]), []);
    }));

    test('deleteParameters removes every version and the tags; a re-created name starts at 1', withStore(async (s) => {
      await s.putParameter(p('d', '1'), { overwrite: false, tags: { k: 'v' }, versionsMax: 100 });
      await put(s, 'd', '2', true);
      await put(s, 'e', '1');
      assert.deepEqual((await s.deleteParameters(['d', 'none', 'e'])).sort(), ['d', 'e']);
      assert.deepEqual(await s.getParameterVersions('d'), []);
      assert.equal(await s.getParameterTags('d'), undefined);
      assert.deepEqual(await put(s, 'd', 'again'), { kind: 'ok', version: 1 });
      assert.deepEqual(await s.getParameterTags('d'), {});
    }));

    test('changeParameterTags merges and removes, refuses past the limit writing nothing, knows unknown parameters', withStore(async (s) => {
      await put(s, 't', 'v');
      assert.equal(await s.changeParameterTags('t', { set: { a: '1', b: '2' } }, 2), 'ok');
      assert.equal(await s.changeParameterTags('t', { set: { c: '3' } }, 2), 'too-many');
      assert.equal(await s.changeParameterTags('t', { set: { c: '3' }, remove: ['a'] }, 2), 'ok');
      assert.deepEqual(await s.getParameterTags('t'), { b: '2', c: '3' });
      assert.equal(await s.changeParameterTags('none', { set: { a: '1' } }, 2), 'no-parameter');
    }));

    test('concurrent creates of one name: one creates, the other finds it; concurrent overwrites take distinct versions', withStore(async (s) => {
      const c = await Promise.all([0, 1].map((i) => put(s, 'race', `v${i}`)));
      assert.deepEqual(c.map((r) => r.kind).sort(), ['exists', 'ok']);
      const o = await Promise.all([0, 1, 2, 3].map((i) => put(s, 'race', `w${i}`, true)));
      assert.deepEqual(o.map((r) => (r.kind === 'ok' ? r.version : 0)).sort(), [2, 3, 4, 5]);
      assert.deepEqual((await s.getParameterVersions('race')).map((v) => v.version), [1, 2, 3, 4, 5]);
    }));

    test('expectVersion is a compare-and-swap on the newest version: another one writes nothing, leaves no row behind', withStore(async (s) => {
      const cas = (name: string, value: string, expectVersion: number) => s.putParameter(p(name, value), { overwrite: true, versionsMax: 100, expectVersion });
      assert.deepEqual(await cas('c', 'v1', 0), { kind: 'ok', version: 1 });
      assert.deepEqual(await cas('c', 'stale', 0), { kind: 'moved', latest: 1 });
      assert.deepEqual(await cas('c', 'v2', 1), { kind: 'ok', version: 2 });
      assert.deepEqual(values(await s.getParameterVersions('c')), ['v1', 'v2']);
      assert.deepEqual(await cas('gone', 'x', 3), { kind: 'moved', latest: 0 });
      assert.equal(await s.getParameterTags('gone'), undefined, 'no row for a parameter that does not exist');
      assert.deepEqual((await s.listParameters({ limit: 10 })).map((x) => x.name), ['c']);
      const both = await Promise.all([cas('c', 'a', 2), cas('c', 'b', 2)]);
      assert.deepEqual(both.map((r) => r.kind).sort(), ['moved', 'ok'], 'one of two puts expecting the same version wins');
    }));

    test('what resolved before a reopen is there after it (bytes exactly)', withStore(async (s0, o) => {
      const sealed = Buffer.from([0, 1, 2, 255, 254]);
      await s0.putParameter(p('/dur', 'x', { type: 'SecureString', value: sealed, keyId: 'alias/aws/ssm' }), { overwrite: false, tags: { k: 'v' }, versionsMax: 100 });
      await s0.labelParameterVersion('/dur', 1, ['L'], 10);
      const s = await o.reopen();
      const [v] = await s.getParameterVersions('/dur');
      assert.deepEqual([v!.value, v!.labels, v!.type], [sealed, ['L'], 'SecureString']);
      assert.deepEqual(await s.getParameterTags('/dur'), { k: 'v' });
    }));
  });
}
