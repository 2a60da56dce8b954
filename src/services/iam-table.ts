import type { ErrorSpec } from '../gateway/errors';
import type { Members, OperationContext, ServiceIam } from '../gateway/service';

/**
 * What each service's `iam.ts` is written with: one table of its operations,
 * each naming the ARNs the call acts on (IAM's Service Authorization
 * Reference for that service; `'*'` where the action names no resource).
 * An operation missing from the table is a programming error: `resources`
 * throws (the caller gets the internal error, never an unauthorised call),
 * and `src/services/iam-coverage.test.ts` checks that every operation of every
 * service is in its table.
 */
export type ResourcesOf = (input: Members, ctx: OperationContext) => readonly string[];

export interface IamTable {
  prefix: string;
  accessDenied: { name: string; spec: ErrorSpec };
  /** Operation → IAM action name where it differs from the operation's. */
  actions?: Readonly<Record<string, string>>;
  /** Operation → its resources, or `'*'` for an action that names none. */
  resources: Readonly<Record<string, ResourcesOf | '*'>>;
  messageAction?(action: string): string;
}

const star: readonly string[] = ['*'];

export function iamOf(t: IamTable): ServiceIam & { operations: ReadonlySet<string> } {
  return {
    prefix: t.prefix,
    accessDenied: t.accessDenied,
    ...(t.actions ? { actions: t.actions } : {}),
    ...(t.messageAction ? { messageAction: t.messageAction } : {}),
    operations: new Set(Object.keys(t.resources)),
    resources(operation, input, ctx) {
      const r = t.resources[operation];
      if (r === undefined) throw new Error(`no IAM resources declared for ${t.prefix}:${operation}`);
      return r === '*' ? star : r(input ?? {}, ctx);
    },
  };
}

/** A member that is a non-empty string, else undefined. */
export function str(m: Members, key: string): string | undefined {
  const v = m[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The account the call's resources belong to when its input names none: the caller's. */
export const accountOf = (ctx: OperationContext): string => ctx.principal?.accountId ?? '000000000000';

/** The 12-digit account an ARN (`arn:<partition>:<service>:<region>:<account>:…`) names; undefined for anything else (several accounts: `ServiceDefinition.ownerAccount`). */
export function accountInArn(v: string | undefined): string | undefined {
  if (!v?.startsWith('arn:')) return undefined;
  const a = v.split(':')[4];
  return a && /^\d{12}$/.test(a) ? a : undefined;
}

/** `arn:aws:<service>:<region>:<account>:<resource>`. */
export const arn = (service: string, ctx: OperationContext, resource: string, account = accountOf(ctx)): string => `arn:aws:${service}:${ctx.region}:${account}:${resource}`;

/** One resource, or `*` when the input does not name it (the operation refuses such input itself; the call is still authorised). */
export const one = (v: string | undefined): readonly string[] => (v === undefined ? star : [v]);
