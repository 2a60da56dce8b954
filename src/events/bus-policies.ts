import type { ArnScope } from '../domain/arn';
import { parseArn } from '../domain/arn';
import { parsePolicy } from '../identity/policy';
import { ResourcePolicyCache, resourcePolicyCache } from '../identity/resource-policies';
import type { ResourcePolicySource } from '../identity/types';
import type { EventBusStore } from '../store/events';
import { busNotFound, EventsError, validation } from './errors';
import * as L from './limits';
import { busArnOf, defaultBus } from './names';
import * as V from './validate';

/** PutPermission's members as decoded (AWS's names, unchecked). */
export interface PutPermissionInput {
  EventBusName?: string;
  Action?: string;
  Principal?: string;
  StatementId?: string;
  /** `{ Type, Key, Value }` (each may be missing: the model requires all three). */
  Condition?: { Type?: string; Key?: string; Value?: string };
  Policy?: string;
}

export interface RemovePermissionInput {
  EventBusName?: string;
  StatementId?: string;
  RemoveAllPermissions?: boolean;
}

interface PolicyJson {
  Version?: unknown;
  Id?: unknown;
  Statement?: unknown;
  [k: string]: unknown;
}

type StatementJson = { Sid?: unknown; [k: string]: unknown };

/** AWS's texts (PutPermission, RemovePermission). */
const noStatement = () => new EventsError('NotFound', 'Statement with the provided id does not exist.');
const noPolicy = () => new EventsError('NotFound', 'EventBus does not have a policy.');

/**
 * Event bus resource policies (EventBridge PutPermission, RemovePermission;
 * DescribeEventBus answers the policy): one JSON document per bus, kept on
 * the bus's row (a deleted bus takes it along), changed in one store
 * transaction under the bus's lock. Also the `ResourcePolicySource` of
 * `events:` calls (identity/authorizer.ts): a caller of another account may
 * PutEvents on a bus of this account only when this policy allows it.
 *
 * PutPermission takes either a statement (StatementId, Action — only
 * `events:PutEvents` —, Principal: an account id or `*`), which is added to
 * the policy (a statement of the same id is replaced), or a whole `Policy`
 * document, which replaces the policy. RemovePermission takes a statement
 * out by id, or the whole policy (RemoveAllPermissions); a policy left
 * without statements is removed.
 */
export class BusPolicies implements ResourcePolicySource {
  private readonly cache: ResourcePolicyCache;

  constructor(private readonly store: EventBusStore, private readonly scope: ArnScope) {
    this.cache = new ResourcePolicyCache(async (arn) => (await this.store.getEventBus(arn))?.policy, resourcePolicyCache);
  }

  async putPermission(input: PutPermissionInput): Promise<void> {
    const cond = input.Condition;
    new V.Constraints()
      .str(input.EventBusName, 'eventBusName', V.nonPartnerBusNameC)
      .str(input.Action, 'action', V.permissionActionC)
      .str(input.Principal, 'principal', V.permissionPrincipalC)
      .str(input.StatementId, 'statementId', V.statementIdC)
      .str(cond?.Type, 'condition.type', { required: cond !== undefined })
      .str(cond?.Key, 'condition.key', { required: cond !== undefined })
      .str(cond?.Value, 'condition.value', { required: cond !== undefined })
      .done();
    const busName = input.EventBusName ?? defaultBus;
    const arn = busArnOf(this.scope, busName);
    if (!(await this.store.getEventBus(arn))) throw busNotFound(busName);
    let change: (current: string | undefined) => string | undefined;
    if (input.Policy !== undefined) {
      // Kumo's rule (AWS documents the two forms as alternatives, "instead of"): never half of each.
      const also = (['StatementId', 'Action', 'Principal', 'Condition'] as const).filter((k) => input[k] !== undefined);
      if (also.length) throw validation(`Policy replaces the event bus's whole policy: it cannot be given together with ${also.join(', ')}.`);
      const text = input.Policy;
      checkDocument(text);
      checkSize(text);
      change = () => text;
    } else {
      if (input.Principal === undefined) throw validation('Parameter Principal must be specified.');
      if (input.Action !== 'events:PutEvents') throw validation("Provided value in parameter 'action' is not supported.");
      if (input.StatementId === undefined) throw validation('Parameter StatementId must be specified.');
      if (cond !== undefined) {
        if (input.Principal !== '*') throw validation("Value of the parameter 'principal' must be '*' when the parameter 'condition' is set.");
        throw validation(
          'Kumo does not support Condition on PutPermission: it has no AWS Organizations, so aws:PrincipalOrgID names no account. '
          + 'Name each account as Principal, or give a Policy document (Principal "*" with an aws:PrincipalAccount condition).',
        );
      }
      const statement = {
        Sid: input.StatementId,
        Effect: 'Allow',
        Principal: input.Principal === '*' ? '*' : { AWS: `arn:aws:iam::${input.Principal}:root` },
        Action: input.Action,
        Resource: arn,
      };
      change = (current) => {
        const doc: PolicyJson = current === undefined ? { Version: '2012-10-17', Statement: [] } : (JSON.parse(current) as PolicyJson);
        const list = statementsOf(doc);
        const at = list.findIndex((s) => s.Sid === statement.Sid);
        if (at >= 0) list[at] = statement;
        else list.push(statement);
        const text = JSON.stringify({ ...doc, Statement: list });
        checkSize(text);
        return text;
      };
    }
    await this.change(arn, busName, change);
  }

  async removePermission(input: RemovePermissionInput): Promise<void> {
    new V.Constraints()
      .str(input.EventBusName, 'eventBusName', V.nonPartnerBusNameC)
      .str(input.StatementId, 'statementId', V.statementIdC)
      .done();
    const busName = input.EventBusName ?? defaultBus;
    const arn = busArnOf(this.scope, busName);
    if (input.RemoveAllPermissions === true) {
      await this.change(arn, busName, (current) => {
        if (current === undefined) throw noPolicy();
        return undefined;
      });
      return;
    }
    if (input.StatementId === undefined) throw validation('Parameter StatementId is required.');
    const sid = input.StatementId;
    await this.change(arn, busName, (current) => {
      if (current === undefined) throw noStatement();
      const doc = JSON.parse(current) as PolicyJson;
      const list = statementsOf(doc);
      const rest = list.filter((s) => s.Sid !== sid);
      if (rest.length === list.length) throw noStatement();
      return rest.length ? JSON.stringify({ ...doc, Statement: rest }) : undefined;
    });
  }

  /** ResourcePolicySource: the policy of the bus an `event-bus/<name>` ARN of this region and account names. */
  policyOf(resourceArn: string): string | undefined | Promise<string | undefined> {
    const a = parseArn(resourceArn);
    if (!a || a.service !== 'events' || !a.resource.startsWith('event-bus/') || a.region !== this.scope.region || a.account !== this.scope.accountId) return undefined;
    // Cached by the bus's own ARN (the form every change forgets), whatever partition the caller wrote.
    return this.cache.get(busArnOf(this.scope, a.resource.slice('event-bus/'.length)));
  }

  /** A bus was deleted (or created again): its policy, if any, is no longer the cached one. */
  forget(busArn: string): void {
    this.cache.forget(busArn);
  }

  private async change(arn: string, busName: string, change: (current: string | undefined) => string | undefined): Promise<void> {
    try {
      const r = await this.store.changeEventBusPolicy(arn, change);
      if (r.kind === 'no-bus') throw busNotFound(busName);
    } finally {
      this.cache.forget(arn);
    }
  }
}

/** A policy's statements as a list (IAM allows one statement object in place of the list). */
function statementsOf(doc: PolicyJson): StatementJson[] {
  const st = doc.Statement;
  if (Array.isArray(st)) return [...(st as StatementJson[])];
  return st !== undefined && st !== null && typeof st === 'object' ? [st as StatementJson] : [];
}

/** A Policy document: JSON, and IAM's grammar of resource policies (Principal required), else ValidationException. */
function checkDocument(text: string): void {
  try {
    JSON.parse(text);
  } catch {
    throw validation('This policy contains invalid Json');
  }
  const r = parsePolicy(text, 'resource');
  if (!r.ok) throw validation(r.message);
}

function checkSize(text: string): void {
  const n = Buffer.byteLength(text, 'utf8');
  if (n > L.busPolicyBytesMax) throw new EventsError('PolicyLengthExceeded', `The final policy size (${n}) is bigger than the limit (${L.busPolicyBytesMax}).`);
}
