import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceDecl } from '../sam';
import type { StackRecord, StackResource } from '../stack';
import { TemplateError } from '../template';
import type { DeployContext } from './context';
import type { Planned, ResourceKind } from './kind';
import { NotSupportedError } from '../client';
import { applyInOrder, expandAll, planAll, removals, removeAll, type Reporter } from './orchestrator';
import { kindOf } from './registry';

const decl = (id: string, deps: string[] = [], extra: Partial<ResourceDecl> = {}): ResourceDecl => ({ id, type: 'Test::Thing', props: {}, dependsOn: [], deps, ...extra });
const plan = (d: ResourceDecl, extra: Partial<Planned> = {}): Planned => ({ decl: d, action: 'create', reasons: [], physical: d.id, ...extra });

function reporter(): Reporter & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (l) => lines.push(l), describe: (e) => `described: ${(e as Error).message}` };
}

describe('deploy orchestrator: plan', () => {
  it('a resource whose service the server lacks is not deployed (not a failure; its dependants are skipped as failed); other plan errors stop the deploy', async () => {
    const kind = (plan: ResourceKind['plan']) => ({ type: 'Test::Thing', deleteOrder: 0, physicalId: (d: ResourceDecl) => d.id, ref: () => '', getAtt: () => '', plan, apply: async () => undefined }) as ResourceKind;
    const ctx = { prev: {}, state: {}, plans: new Map<string, Planned>(), looksAt: () => true, cfg: {} } as unknown as DeployContext;
    const noSqs = kind(async (d) => {
      if (d.id === 'Queue') throw new NotSupportedError('queues (Queue, AWS::SQS::Queue) is not supported by this server yet (it does not know GetQueueUrl)', 'GetQueueUrl');
      return plan(d);
    });
    await planAll(ctx, [decl('Queue'), decl('Fn')], () => noSqs);
    assert.deepEqual(ctx.plans.get('Queue'), {
      decl: decl('Queue'), action: 'skip', reasons: [], physical: 'Queue', unsupported: 'not supported by this Kumo server (GetQueueUrl unknown)', blocksDependants: true,
    });
    assert.equal(ctx.plans.get('Fn')!.action, 'create');
    const rep = reporter();
    const applied: string[] = [];
    const failed = await applyInOrder([ctx.plans.get('Queue')!, plan(decl('Mapping', ['Queue'])), ctx.plans.get('Fn')!], async (pl) => void applied.push(pl.decl.id), rep);
    assert.deepEqual(failed, ['Mapping']);
    assert.deepEqual(applied, ['Fn']);
    assert.deepEqual(rep.lines, ['  ✗ Mapping: skipped, it depends on Queue, which this server cannot deploy']);
    const broken = kind(async () => {
      throw new Error('socket hang up');
    });
    await assert.rejects(planAll(ctx, [decl('X')], () => broken), /^Error: X: socket hang up$/);
  });
});

describe('deploy orchestrator: apply order', () => {
  it('a failure skips only what depends on it, transitively; independent resources are applied', async () => {
    const rep = reporter();
    const applied: string[] = [];
    const plans = [plan(decl('A')), plan(decl('B', ['A'])), plan(decl('C', ['B'])), plan(decl('D')), plan(decl('E', ['D']))];
    const failed = await applyInOrder(
      plans,
      async (pl) => {
        if (pl.decl.id === 'A') throw new Error('boom');
        applied.push(pl.decl.id);
      },
      rep,
    );
    assert.deepEqual(failed, ['A', 'B', 'C']);
    assert.deepEqual(applied, ['D', 'E']);
    assert.deepEqual(rep.lines, [
      '  ✗ A (Test::Thing) failed: described: boom',
      '  ✗ B: skipped, it depends on A, which failed',
      '  ✗ C: skipped, it depends on B, which failed',
    ]);
  });

  it('a planned conflict fails the resource and its dependants without applying them; skipped and left-out resources are not applied', async () => {
    const rep = reporter();
    const applied: string[] = [];
    const plans = [plan(decl('Taken'), { action: 'skip', conflict: 'name taken' }), plan(decl('User', ['Taken'])), plan(decl('Queue'), { action: 'skip' }), plan(decl('Other')), plan(decl('Kept'))];
    const failed = await applyInOrder(plans, async (pl) => void applied.push(pl.decl.id), rep, (d) => d.id !== 'Kept');
    assert.deepEqual(failed, ['Taken', 'User']);
    assert.deepEqual(applied, ['Other']);
    assert.equal(rep.lines[0], '  ✗ Taken (Test::Thing) failed: name taken');
  });

  it('a template error while applying is reported as one, with its position', async () => {
    const rep = reporter();
    const failed = await applyInOrder([plan(decl('F'))], async () => {
      throw new TemplateError(`${process.cwd()}/template.yaml`, { line: 3, col: 5 }, 'Resources.F', 'bad');
    }, rep);
    assert.deepEqual(failed, ['F']);
    assert.equal(rep.lines[0], '  ✗ F (Test::Thing) failed: template error: template.yaml:3:5: Resources.F: bad');
  });

  it('a resource expanded from another failing counts as that one failing for its dependants', async () => {
    const rep = reporter();
    const plans = [plan(decl('Fn')), plan(decl('FnAliaslive', ['Fn'], { partOf: 'Fn' })), plan(decl('Consumer', ['Fn']))];
    const failed = await applyInOrder(plans, async (pl) => {
      if (pl.decl.id === 'FnAliaslive') throw new Error('alias failed');
    }, rep);
    assert.deepEqual(failed, ['FnAliaslive', 'Consumer']);
    assert.equal(rep.lines[1], '  ✗ Consumer: skipped, it depends on Fn, which failed');
  });
});

describe('deploy orchestrator: expansion', () => {
  it('a SAM-level kind expands in place into lower-level resources marked partOf it, known to !Ref', () => {
    const sam: ResourceKind = {
      ...kindOf('Test::Thing'),
      type: 'Test::Sam',
      expand: (d) => [{ ...d, type: 'Test::Low' }, decl(`${d.id}Role`), decl(`${d.id}Alias`, [d.id])],
    };
    const ctx = { active: new Set<string>(), declById: new Map<string, ResourceDecl>() } as unknown as DeployContext;
    const out = expandAll([decl('Before'), decl('Fn', [], { type: 'Test::Sam' }), decl('After', ['Fn'])], ctx, (t) => (t === 'Test::Sam' ? sam : kindOf(t)));
    assert.deepEqual(out.map((d) => [d.id, d.partOf]), [['Before', undefined], ['Fn', undefined], ['FnRole', 'Fn'], ['FnAlias', 'Fn'], ['After', undefined]]);
    assert.equal(out[1]!.type, 'Test::Low');
    assert.deepEqual([...ctx.active], ['Fn', 'FnRole', 'FnAlias']);
    assert.equal(ctx.declById.get('FnAlias')?.partOf, 'Fn');
  });
});

describe('deploy orchestrator: removals', () => {
  const rec = (type: string, physicalId: string, functionName?: string): StackResource => ({ type, physicalId, functionName });
  const prev: Record<string, StackResource> = {
    Fn: rec('AWS::Lambda::Function', 'app-Fn'),
    FnAlias: rec('AWS::Lambda::Alias', 'live', 'app-Fn'),
    OtherVersion: rec('AWS::Lambda::Version', '3', 'app-Kept'),
    Layer: rec('AWS::Lambda::LayerVersion', 'app-Layer'),
    Renamed: rec('AWS::Serverless::Function', 'old-name'),
    LayerRenamed: rec('AWS::Serverless::LayerVersion', 'old-layer'),
    Retyped: rec('AWS::Lambda::Function', 'app-Retyped'),
    Kept: rec('AWS::Lambda::Function', 'app-Kept'),
  };
  const plans = new Map<string, Planned>([
    ['Renamed', plan({ ...decl('Renamed'), type: 'AWS::Serverless::Function' }, { physical: 'new-name' })],
    ['LayerRenamed', plan({ ...decl('LayerRenamed'), type: 'AWS::Serverless::LayerVersion' }, { physical: 'new-layer' })],
    ['Retyped', plan({ ...decl('Retyped'), type: 'AWS::Serverless::Function' }, { physical: 'app-Retyped' })],
    ['Kept', plan({ ...decl('Kept'), type: 'AWS::Lambda::Function' }, { physical: 'app-Kept' })],
  ]);

  it('removes what the template lost, what changed type, and a function that was renamed (a layer keeps its versions)', () => {
    assert.deepEqual(removals(prev, plans).map((x) => x.id), ['Fn', 'FnAlias', 'OtherVersion', 'Layer', 'Renamed', 'Retyped']);
  });

  it('deletes aliases and versions first, functions next, layers last; what a deleted function took with it is only struck from the record', async () => {
    const record: StackRecord = { stackName: 's', endpoint: 'e', template: 't', updatedAt: '', resources: { ...prev } };
    const removed: string[] = [];
    const changed: string[] = [];
    const rep = reporter();
    const failed = await removeAll(
      removals(prev, plans),
      {
        record,
        plans,
        remove: async (r) => {
          if (r.physicalId === 'app-Retyped') throw new Error('busy');
          removed.push(r.physicalId);
        },
        changed: (id) => changed.push(id),
      },
      rep,
    );
    assert.deepEqual(removed, ['3', 'app-Fn', 'old-name', 'app-Layer']);
    assert.deepEqual(failed, ['Retyped']);
    assert.deepEqual(changed, ['OtherVersion', 'Fn', 'Renamed', 'Layer']);
    assert.equal(rep.lines[0], '  - FnAlias: deleted with app-Fn');
    assert.ok(rep.lines.includes('  ✗ Retyped: delete failed: described: busy'));
    // A renamed resource keeps its record entry (the apply wrote the new one); a failed delete keeps it too.
    assert.deepEqual(Object.keys(record.resources).sort(), ['Kept', 'LayerRenamed', 'Renamed', 'Retyped']);
  });
});
