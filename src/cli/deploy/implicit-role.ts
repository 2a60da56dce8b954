import {
  AttachRolePolicyCommand, CreateRoleCommand, DeleteRoleCommand, DeleteRolePolicyCommand, DetachRolePolicyCommand, GetRoleCommand, GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand, ListRolePoliciesCommand, PutRolePolicyCommand, UpdateAssumeRolePolicyCommand, type IAMClient,
} from '@aws-sdk/client-iam';
import { feature } from '../client';
import { lambdaTrustPolicy, PolicyError, rolePoliciesOf, type RolePolicies } from './iam-policies';

/**
 * The execution role SAM makes for a function without Role (`<Fn>Role`),
 * made through Kumo's IAM API: trust `lambda.amazonaws.com`, the managed
 * policies and inline documents `Policies` names (iam-policies.ts). Deploying
 * again converges the role on the template (policies added and removed);
 * removing the function removes its role.
 */

const what = (fn: string) => `the execution role of ${fn} (IAM roles)`;

const isNoSuchEntity = (e: unknown) => (e as { name?: string }).name === 'NoSuchEntityException' || (e as { Code?: string }).Code === 'NoSuchEntity';

/** The role's policies for function `id`, or a template error at the offending `Policies` entry. */
export function implicitRolePolicies(id: string, policies: unknown, scope: { region: string; accountId: string }, path: string, fail: (path: string, message: string) => Error): RolePolicies {
  try {
    return rolePoliciesOf(id, policies, scope, path);
  } catch (e) {
    if (e instanceof PolicyError) throw fail(e.path, e.message);
    throw e;
  }
}

/** Creates or updates role `name` of function `fn` (trusting Lambda) to hold exactly `want`; says whether anything changed. */
export function ensureImplicitRole(iam: IAMClient, fn: string, name: string, want: RolePolicies): Promise<boolean> {
  return ensureRole(iam, what(fn), name, { trust: lambdaTrustPolicy, description: `Execution role of ${fn} (kumo deploy)` }, want);
}

/** The role as IAM has it, or undefined. */
export async function getRole(iam: IAMClient, label: string, name: string): Promise<{ arn: string; path: string; trust: string; roleId: string } | undefined> {
  try {
    const r = (await feature(label, 'GetRole', () => iam.send(new GetRoleCommand({ RoleName: name })))).Role!;
    return { arn: r.Arn!, path: r.Path ?? '/', trust: r.AssumeRolePolicyDocument ?? '', roleId: r.RoleId ?? '' };
  } catch (e) {
    if (!isNoSuchEntity(e)) throw e;
    return undefined;
  }
}

/**
 * Creates role `name` (trust policy, path, description) or updates its trust
 * policy, then attaches/detaches managed policies and puts/deletes inline
 * ones until the role holds exactly `want`; says whether anything changed.
 * A role's path cannot change in IAM: a different one is refused.
 */
export async function ensureRole(
  iam: IAMClient, label: string, name: string, o: { trust: unknown; path?: string; description?: string }, want: RolePolicies,
): Promise<boolean> {
  const have = await getRole(iam, label, name);
  const exists = have !== undefined;
  const trust = JSON.stringify(o.trust);
  let changed = false;
  if (!have) {
    await feature(label, 'CreateRole', () =>
      iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust, ...(o.path ? { Path: o.path } : {}), ...(o.description ? { Description: o.description } : {}) })),
    );
    changed = true;
  } else {
    if (o.path && o.path !== have.path) throw new Error(`role ${name} exists with path ${have.path}; IAM cannot move it to ${o.path}`);
    if (!sameDocument(have.trust, trust)) {
      await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: name, PolicyDocument: trust }));
      changed = true;
    }
  }
  const attached = exists ? ((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name, MaxItems: 1000 }))).AttachedPolicies ?? []).map((p) => p.PolicyArn!) : [];
  for (const arn of want.managedArns.filter((a) => !attached.includes(a))) {
    await iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: arn }));
    changed = true;
  }
  for (const arn of attached.filter((a) => !want.managedArns.includes(a))) {
    await iam.send(new DetachRolePolicyCommand({ RoleName: name, PolicyArn: arn }));
    changed = true;
  }
  const inline = exists ? (await iam.send(new ListRolePoliciesCommand({ RoleName: name, MaxItems: 1000 }))).PolicyNames ?? [] : [];
  for (const p of want.inline) {
    const doc = JSON.stringify(p.document);
    if (inline.includes(p.name)) {
      // IAM answers the document URL-encoded.
      const have = (await iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: p.name }))).PolicyDocument ?? '';
      if (sameDocument(have, doc)) continue;
    }
    await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: p.name, PolicyDocument: doc }));
    changed = true;
  }
  for (const n of inline.filter((x) => !want.inline.some((p) => p.name === x))) {
    await iam.send(new DeleteRolePolicyCommand({ RoleName: name, PolicyName: n }));
    changed = true;
  }
  return changed;
}

/** What differs between role `name` as IAM has it and the template (for a plan's reasons): trust policy, managed or inline policies. */
export async function roleDiff(iam: IAMClient, name: string, haveTrust: string, trust: unknown, want: RolePolicies): Promise<string[]> {
  const out: string[] = [];
  if (!sameDocument(haveTrust, JSON.stringify(trust))) out.push('AssumeRolePolicyDocument');
  const attached = ((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name, MaxItems: 1000 }))).AttachedPolicies ?? []).map((p) => p.PolicyArn!).sort();
  if (JSON.stringify(attached) !== JSON.stringify([...want.managedArns].sort())) out.push('managed policies');
  const inline = ((await iam.send(new ListRolePoliciesCommand({ RoleName: name, MaxItems: 1000 }))).PolicyNames ?? []).sort();
  let inlineDiffers = JSON.stringify(inline) !== JSON.stringify(want.inline.map((p) => p.name).sort());
  for (const p of inlineDiffers ? [] : want.inline) {
    const have = (await iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: p.name }))).PolicyDocument ?? '';
    if (!sameDocument(have, JSON.stringify(p.document))) inlineDiffers = true;
  }
  if (inlineDiffers) out.push('inline policies');
  return out;
}

function sameDocument(encoded: string, doc: string): boolean {
  try {
    return JSON.stringify(JSON.parse(decodeURIComponent(encoded))) === JSON.stringify(JSON.parse(doc));
  } catch {
    return false;
  }
}

/** Deletes role `name` with its policies; a role already gone is not an error. */
export async function removeImplicitRole(iam: IAMClient, name: string): Promise<void> {
  try {
    for (const p of (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name, MaxItems: 1000 }))).AttachedPolicies ?? []) {
      await iam.send(new DetachRolePolicyCommand({ RoleName: name, PolicyArn: p.PolicyArn! }));
    }
    for (const n of (await iam.send(new ListRolePoliciesCommand({ RoleName: name, MaxItems: 1000 }))).PolicyNames ?? []) {
      await iam.send(new DeleteRolePolicyCommand({ RoleName: name, PolicyName: n }));
    }
    await iam.send(new DeleteRoleCommand({ RoleName: name }));
  } catch (e) {
    if (!isNoSuchEntity(e)) throw e;
  }
}
