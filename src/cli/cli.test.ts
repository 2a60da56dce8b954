import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, parseDuration, UsageError } from './args';
import { Resolver, NoValue, afterApply, pendingRefs } from './intrinsics';
import { zipDirectory } from './package';
import { mergeGlobals, parseOverrides, physicalName } from './sam';
import { parseTemplate, TemplateError } from './template';

describe('cli: argument parsing', () => {
  const spec = { options: { event: 'string', follow: 'bool', 'parameter-overrides': 'multi' }, short: { e: 'event' } } as const;
  it('takes declared options, short aliases, - as a value, repeated multi values', () => {
    const p = parseArgs(['fn', '-e', '-', '--follow', '--parameter-overrides', 'A=1', 'B=2', '--parameter-overrides=C=3'], spec);
    assert.deepEqual(p.positional, ['fn']);
    assert.equal(p.flags.event, '-');
    assert.equal(p.flags.follow, true);
    assert.deepEqual(p.multi['parameter-overrides'], ['A=1', 'B=2', 'C=3']);
  });
  it('a boolean never swallows the next word; unknown options and missing values are usage errors', () => {
    assert.deepEqual(parseArgs(['--follow', 'fn'], spec).positional, ['fn']);
    assert.throws(() => parseArgs(['--folow'], spec), UsageError);
    assert.throws(() => parseArgs(['--event'], spec), /--event needs a value/);
  });
  it('durations', () => {
    assert.equal(parseDuration('10m'), 600_000);
    assert.equal(parseDuration('2h'), 7_200_000);
    assert.equal(parseDuration('ten'), undefined);
  });
});

describe('cli: template reading and intrinsics', () => {
  const tpl = (src: string) => parseTemplate('/tmp/t.yaml', src);
  const resolver = (src: string, params: Record<string, string | string[]> = {}) => {
    const t = tpl(src);
    return new Resolver({
      tpl: t,
      params,
      pseudo: { 'AWS::Region': 'eu-west-1', 'AWS::AccountId': '000000000000', 'AWS::StackName': 'st' },
      mappings: (t.value.Mappings ?? {}) as Record<string, unknown>,
      conditionDefs: (t.value.Conditions ?? {}) as Record<string, unknown>,
      resourceIds: new Set(['Fn', 'Layer']),
      declaredIds: new Set(['Fn', 'Layer']),
      ref: (id) => (id === 'Layer' ? afterApply('Layer') : `st-${id}`),
      getAtt: (id, attr) => `arn:${id}:${attr}`,
    });
  };
  it('short-form tags become long form, with positions', () => {
    const t = tpl('A: !Ref X\nB: !GetAtt Fn.Arn\nC:\n  - !Sub "${X}-y"\n');
    assert.deepEqual(t.value, { A: { Ref: 'X' }, B: { 'Fn::GetAtt': ['Fn', 'Arn'] }, C: [{ 'Fn::Sub': '${X}-y' }] });
    assert.equal(t.posOf('C[0]')?.line, 4);
    assert.deepEqual(t.posOf('B.Fn::GetAtt'), { line: 2, col: 1 });
    assert.throws(() => tpl('A: !Nope x\n'), (e: unknown) => e instanceof TemplateError && /1:\d+: A: unknown tag !Nope/.test(e.message));
  });
  it('Sub (with ${!literal} and variables), Join, Select, Split, FindInMap, If/Conditions, NoValue, Base64', () => {
    const r = resolver(
      [
        'Mappings:',
        '  Sizes: { dev: { mem: 128 }, prod: { mem: 1024 } }',
        'Conditions:',
        '  Prod: !Equals [!Ref Stage, prod]',
        '  NotProd: !Not [!Condition Prod]',
        'V:',
        '  a: !Sub "${AWS::StackName}-${Stage}-${!Literal}-${Fn.Arn}-${Fn}"',
        '  b: !Sub ["${x}/${AWS::Region}", { x: !Ref Stage }]',
        '  c: !Join [",", [!Select [2, !Split ["/", "a/b/c"]], !FindInMap [Sizes, !Ref Stage, mem]]]',
        '  d: !If [Prod, big, small]',
        '  e: !If [NotProd, !Ref AWS::NoValue, kept]',
        '  f: !Base64 hi',
        '  g: [1, !Ref AWS::NoValue, 2]',
      ].join('\n'),
      { Stage: 'prod' },
    );
    const v = r.value(r.ctx.tpl.value.V, 'V') as Record<string, unknown>;
    assert.deepEqual(v, { a: 'st-prod-${Literal}-arn:Fn:Arn-st-Fn', b: 'prod/eu-west-1', c: 'c,1024', d: 'big', e: 'kept', f: 'aGk=', g: [1, 2] });
    assert.equal(r.value({ Ref: 'AWS::NoValue' }, 'x'), NoValue);
  });
  it('values known only after apply are placeholders the plan can name', () => {
    const r = resolver('V: !Sub "layer=${Layer}"\n');
    assert.deepEqual(pendingRefs(r.value(r.ctx.tpl.value.V, 'V')), ['Layer']);
  });
  it('unknown names point at their line', () => {
    const r = resolver('X: 1\nV:\n  a: !Ref Missing\n');
    assert.throws(() => r.value(r.ctx.tpl.value.V, 'V'), /t\.yaml:3:\d+: V\.a\.Ref: 'Missing' is not a parameter/);
  });
});

describe('cli: SAM helpers and packaging', () => {
  it('Globals merge: maps merged, lists appended, scalars replaced', () => {
    assert.deepEqual(
      mergeGlobals({ Timeout: 3, Environment: { Variables: { A: '1', B: '1' } }, Layers: ['l1'] }, { Timeout: 9, Environment: { Variables: { B: '2' } }, Layers: ['l2'] }),
      { Timeout: 9, Environment: { Variables: { A: '1', B: '2' } }, Layers: ['l1', 'l2'] },
    );
  });
  it('overrides: K=V words and ParameterKey/ParameterValue', () => {
    assert.deepEqual(parseOverrides(['A=1 B="two words"', 'ParameterKey=C,ParameterValue=x=y']), { A: '1', B: 'two words', C: 'x=y' });
    assert.throws(() => parseOverrides(['oops']), /Key=Value/);
  });
  it('physical names stay within 64 characters and stay unique', () => {
    const long = physicalName('a'.repeat(40), 'B'.repeat(40));
    assert.equal(long.length, 64);
    assert.notEqual(long, physicalName('a'.repeat(40), 'B'.repeat(39) + 'C'));
  });
  it('zips are deterministic: same files → same CodeSha256, whatever the mtimes; executables keep 0755', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-zip-'));
    fs.mkdirSync(path.join(dir, 'lib'));
    fs.writeFileSync(path.join(dir, 'lib', 'x.js'), 'x');
    fs.writeFileSync(path.join(dir, 'bootstrap'), '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(dir, '.kumo-stack.json'), '{}');
    const a = await zipDirectory(dir);
    fs.utimesSync(path.join(dir, 'lib', 'x.js'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    const b = await zipDirectory(dir);
    assert.equal(a.sha256, b.sha256);
    assert.equal(a.files, 2);
    assert.ok(!a.zip.includes(Buffer.from('.kumo-stack.json')));
    fs.writeFileSync(path.join(dir, 'lib', 'x.js'), 'y');
    assert.notEqual((await zipDirectory(dir)).sha256, a.sha256);
    // Central directory entry of "bootstrap": external attributes carry mode 0100755.
    const at = a.zip.lastIndexOf(Buffer.from('bootstrap'));
    const central = a.zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), at);
    assert.equal((a.zip.readUInt32LE(central + 38) >>> 16) & 0o777, 0o755);
  });
});
