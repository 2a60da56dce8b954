import { checkResourcePolicy, permissionStatement, statementsOf } from '../identity/resource-policies';
import { queuePolicyLimits } from './attributes';
import { invalidValue, missing, QueueError } from './errors';
import { queueLimits as L } from './limits';

/**
 * AddPermission and RemovePermission as edits of a queue's Policy (pure;
 * the queue service runs them inside the store transaction that reads and
 * writes the attribute). AWS's shapes, as its recordings show them
 * (LocalStack test_sqs_permission_lifecycle, recorded against AWS): a new
 * policy is `{"Version":"2008-10-17","Id":"<queue ARN>/SQSDefaultPolicy"}`;
 * each permission is a statement with Sid = Label, Principal
 * `{"AWS": <root ARN> | [<root ARN>…]}`, Action `SQS:<Action>` (a list for
 * several), Resource the queue's ARN; removing the last statement removes
 * the Policy attribute.
 */

/** Actions another account may be given (the SQS Developer Guide's list of shareable actions, and `*`). */
const grantable = new Set([
  '*', 'SendMessage', 'ReceiveMessage', 'DeleteMessage', 'ChangeMessageVisibility', 'GetQueueAttributes', 'GetQueueUrl',
  'ListDeadLetterSourceQueues', 'ListQueueTags', 'PurgeQueue',
]);
/** Actions only the queue's owner may call: AWS names them so. */
const ownerOnly = new Set(['AddPermission', 'RemovePermission', 'CreateQueue', 'DeleteQueue', 'SetQueueAttributes', 'TagQueue', 'UntagQueue', 'ListQueues']);

const labelRe = /^[A-Za-z0-9_-]+$/;
const accountRe = /^\d{12}$/;

export interface PermissionInput {
  label: string;
  accounts: readonly string[] | undefined;
  actions: readonly string[] | undefined;
}

/** AddPermission's members, checked in AWS's order and words (before the queue's policy is read). */
export function checkPermission(p: PermissionInput): { label: string; accounts: string[]; actions: string[] } {
  checkLabel(p.label);
  if (!p.actions?.length) throw missing('Actions');
  const accounts = p.accounts ?? [];
  // AWS checks the principals against its accounts ("Unable to verify"); Kumo takes any 12-digit id (the account may be on another server).
  if (!accounts.length || accounts.some((a) => !accountRe.test(a))) {
    throw invalidValue('PrincipalId', `[${accounts.join(', ')}]`, 'Unable to verify.');
  }
  if (p.actions.length > L.permissionActionsMax) {
    throw new QueueError('OverLimit', `${p.actions.length} Actions were found, maximum allowed is ${L.permissionActionsMax}.`);
  }
  for (const a of p.actions) {
    if (ownerOnly.has(a)) throw invalidValue('ActionName', `SQS:${a}`, 'Only the queue owner is allowed to invoke this action.');
    if (!grantable.has(a)) throw invalidValue('ActionName', `SQS:${a}`, 'Please refer to the appropriate WSDL for a list of valid actions.');
  }
  return { label: p.label, accounts: [...accounts], actions: [...p.actions] };
}

export function checkLabel(label: string): void {
  if (label.length > L.permissionLabelCharsMax || !labelRe.test(label)) {
    throw invalidValue('Label', label, `Can only include alphanumeric characters, hyphens, or underscores. 1 to ${L.permissionLabelCharsMax} in length.`);
  }
}

function parsed(current: string | undefined): Record<string, unknown> | undefined {
  if (current === undefined || current === '') return undefined;
  const v = JSON.parse(current) as unknown;
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** The Policy after AddPermission: the statement appended (or a new policy made); AWS's errors for a label in use or a policy past SQS's quotas. */
export function withPermission(current: string | undefined, queueArn: string, p: { label: string; accounts: string[]; actions: string[] }): string {
  const policy = parsed(current) ?? { Version: '2008-10-17', Id: `${queueArn}/SQSDefaultPolicy` };
  const statements = statementsOf(policy);
  if (statements.some((s) => s.Sid === p.label)) throw invalidValue('Label', p.label, 'Already exists.');
  if (statements.length >= L.policyStatementsMax) {
    throw new QueueError('OverLimit', `${statements.length + 1} Statements were found, maximum allowed is ${L.policyStatementsMax}.`);
  }
  const next = JSON.stringify({ ...policy, Statement: [...statements, permissionStatement(p.label, p.accounts, p.actions.map((a) => `SQS:${a}`), queueArn)] });
  const r = checkResourcePolicy(next, queuePolicyLimits);
  if (!r.ok) throw new QueueError('OverLimit', `The queue policy would be over SQS's quotas: ${r.reason}.`);
  return next;
}

/** The Policy after RemovePermission ('' when no statement is left: the attribute goes); AWS's error for a label it has not. */
export function withoutPermission(current: string | undefined, label: string): string {
  const policy = parsed(current);
  const statements = policy ? statementsOf(policy) : [];
  if (!policy || !statements.some((s) => s.Sid === label)) throw invalidValue('Label', label, "can't find label.");
  const rest = statements.filter((s) => s.Sid !== label);
  return rest.length ? JSON.stringify({ ...policy, Statement: rest }) : '';
}
