import { createHash } from 'node:crypto';
import { DescribeEventBusCommand, PutPermissionCommand, RemovePermissionCommand, type PutPermissionCommandInput } from '@aws-sdk/client-eventbridge';
import { feature } from '../../client';
import { pendingRefs } from '../../intrinsics';
import type { ResourceDecl } from '../../sam';
import type { DeployContext } from '../context';
import { defineKind, type Planned } from '../kind';
import { ignoreMissing, notFound, str } from '../values';

/**
 * AWS::Events::EventBusPolicy through PutPermission on EventBusName (the
 * default bus when absent): `Statement` (one policy statement, given the
 * StatementId as its Sid) is merged into the bus's policy document, a
 * statement of that Sid replaced; `Action` + `Principal` (the older form)
 * is PutPermission's statement form. A change of the bus or the statement
 * id removes the old statement first; deleting the resource is
 * RemovePermission. The plan compares a digest of the properties, kept in
 * the stack record, and whether the statement is still in the policy.
 */
const what = (d: ResourceDecl) => `event bus policies (${d.id}, AWS::Events::EventBusPolicy)`;

interface Desired {
  bus: string;
  sid: string;
  /** The statement form (Statement), or PutPermission's members (Action, Principal, Condition). */
  statement?: Record<string, unknown>;
  permission?: PutPermissionCommandInput;
}

function desired(ctx: DeployContext, d: ResourceDecl): Desired {
  const pr = ctx.props(d);
  const p = `Resources.${d.id}.Properties`;
  const s = (k: string) => str(ctx, pr[k], `${p}.${k}`, k);
  const bus = s('EventBusName') ?? 'default';
  const sid = s('StatementId')!;
  if (pr.Statement !== undefined) {
    if (typeof pr.Statement !== 'object' || pr.Statement === null || Array.isArray(pr.Statement)) throw ctx.error(`${p}.Statement`, 'Statement is one policy statement (an object)');
    return { bus, sid, statement: { ...(pr.Statement as Record<string, unknown>), Sid: sid } };
  }
  const cond = pr.Condition as { Type?: unknown; Key?: unknown; Value?: unknown } | undefined;
  return {
    bus, sid,
    permission: {
      EventBusName: bus, StatementId: sid, Action: s('Action'), Principal: s('Principal'),
      ...(cond === undefined ? {} : { Condition: { Type: String(cond.Type), Key: String(cond.Key), Value: String(cond.Value) } }),
    },
  };
}

const digest = (x: Desired) => createHash('sha256').update(JSON.stringify(x)).digest('hex').slice(0, 16);

/** The bus's policy document (undefined: no policy, or no bus). */
async function policyOf(ctx: DeployContext, bus: string, d: ResourceDecl): Promise<{ Statement?: Record<string, unknown>[] | Record<string, unknown>; [k: string]: unknown } | undefined> {
  try {
    const p = (await feature(what(d), 'DescribeEventBus', () => ctx.events.send(new DescribeEventBusCommand({ Name: bus })))).Policy;
    return p === undefined ? undefined : JSON.parse(p);
  } catch (e) {
    if (notFound(e)) return undefined;
    throw e;
  }
}

const statementsOf = (doc: { Statement?: unknown } | undefined): Record<string, unknown>[] =>
  doc?.Statement === undefined ? [] : Array.isArray(doc.Statement) ? (doc.Statement as Record<string, unknown>[]) : [doc.Statement as Record<string, unknown>];

export const eventsBusPolicy = defineKind({
  type: 'AWS::Events::EventBusPolicy',
  schema: {
    handled: ['EventBusName', 'StatementId', 'Statement', 'Action', 'Principal', 'Condition'],
    ignored: [],
    check({ props, need, fail }) {
      need('StatementId', ' (the statement\'s id in the bus policy)');
      if (props.Statement !== undefined) {
        for (const k of ['Action', 'Principal', 'Condition']) if (props[k] !== undefined) fail(k, `give either Statement or Action/Principal/Condition, not both (${k} with Statement)`);
      } else {
        need('Action', ' (events:PutEvents), or a Statement');
        need('Principal', ' (an account id or *), or a Statement');
      }
    },
  },
  deleteOrder: -1,
  physicalId: (d, ctx) => {
    const pr = ctx.props(d);
    return `${str(ctx, pr.EventBusName, `Resources.${d.id}.Properties.EventBusName`, 'EventBusName') ?? 'default'}/${str(ctx, pr.StatementId, `Resources.${d.id}.Properties.StatementId`, 'StatementId')}`;
  },
  // CloudFormation: Ref gives the policy's id (the statement id).
  ref: (d, ctx) => String(ctx.props(d).StatementId),
  getAtt(d, attr, p, ctx) {
    throw ctx.error(p, `${d.id} (AWS::Events::EventBusPolicy) has no attribute ${attr} (its !Ref is the statement id)`);
  },
  async plan(d, ctx) {
    const want = desired(ctx, d);
    const pl: Planned = { decl: d, action: 'create', reasons: [], physical: `${want.bus}/${want.sid}` };
    const prev = ctx.prev[d.id];
    if (pendingRefs(want).length) {
      if (prev) pl.action = 'update';
      pl.reasons.push(`depends on ${pendingRefs(want).join(', ')}`);
      return pl;
    }
    if (!prev) return pl;
    const there = statementsOf(await policyOf(ctx, want.bus, d)).some((x) => x.Sid === want.sid);
    if (prev.configHash === digest(want) && prev.physicalId === pl.physical && there) return { ...pl, action: 'unchanged' };
    return { ...pl, action: 'update', reasons: [prev.configHash === digest(want) && prev.physicalId === pl.physical ? 'the statement is missing' : 'properties'] };
  },
  async apply(pl, ctx) {
    const d = pl.decl;
    const want = desired(ctx, d);
    const prev = ctx.prev[d.id];
    const rec = { type: d.type, physicalId: pl.physical, ref: want.sid, configHash: digest(want) };
    if (pl.action === 'unchanged') return rec;
    // A statement moved to another bus or id: the old one goes first.
    if (prev && prev.physicalId !== pl.physical) await removeStatement(ctx, prev.physicalId, d);
    if (want.permission) {
      await feature(what(d), 'PutPermission', () => ctx.events.send(new PutPermissionCommand(want.permission!)));
    } else {
      const doc = (await policyOf(ctx, want.bus, d)) ?? { Version: '2012-10-17' };
      const rest = statementsOf(doc).filter((x) => x.Sid !== want.sid);
      const next = { ...doc, Version: doc.Version ?? '2012-10-17', Statement: [...rest, want.statement!] };
      await feature(what(d), 'PutPermission', () => ctx.events.send(new PutPermissionCommand({ EventBusName: want.bus, Policy: JSON.stringify(next) })));
    }
    ctx.markChanged(d.id);
    ctx.out(`  ✓ ${d.id}: statement ${want.sid} in the policy of event bus ${want.bus}`);
    return rec;
  },
  async remove(r, ctx) {
    await removeStatement(ctx, r.physicalId, undefined);
  },
});

/** RemovePermission of `<bus>/<sid>`; a statement, policy or bus already gone is not an error. */
async function removeStatement(ctx: DeployContext, physical: string, d: ResourceDecl | undefined): Promise<void> {
  const at = physical.lastIndexOf('/');
  const bus = physical.slice(0, at);
  const sid = physical.slice(at + 1);
  await ignoreMissing(() => feature(d ? what(d) : 'event bus policies', 'RemovePermission', () => ctx.events.send(new RemovePermissionCommand({ EventBusName: bus, StatementId: sid }))));
}
