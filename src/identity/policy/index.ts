// TEMPORARY SHIM (helper B): stands in for helper A's policy module until it lands on main; deleted at merge.
export type PolicyKind = 'identity' | 'resource' | 'trust';
export interface PolicyDoc { statements: Stmt[] }
interface Stmt { effect: 'Allow' | 'Deny'; action?: string[]; notAction?: string[]; resource?: string[]; notResource?: string[]; principal?: { aws?: string[]; service?: string[]; any?: boolean } }
const arr = (v: unknown): string[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v.map(String) : [String(v)]);
export function parsePolicy(text: string, kind: PolicyKind): { ok: true; doc: PolicyDoc } | { ok: false; message: string } {
  let j: { Statement?: unknown };
  try { j = JSON.parse(text) as { Statement?: unknown }; } catch { return { ok: false, message: 'Syntax errors in policy.' }; }
  if (!j || typeof j !== 'object' || j.Statement === undefined) return { ok: false, message: 'Syntax errors in policy.' };
  const sts = (Array.isArray(j.Statement) ? j.Statement : [j.Statement]) as Record<string, unknown>[];
  const statements: Stmt[] = [];
  for (const st of sts) {
    if (st.Effect !== 'Allow' && st.Effect !== 'Deny') return { ok: false, message: 'Syntax errors in policy.' };
    let principal: Stmt['principal'];
    if (st.Principal !== undefined) {
      if (kind === 'identity') return { ok: false, message: 'Policy document should not specify a principal.' };
      principal = st.Principal === '*' ? { any: true } : { aws: arr((st.Principal as Record<string, unknown>).AWS), service: arr((st.Principal as Record<string, unknown>).Service) };
    } else if (kind !== 'identity') return { ok: false, message: 'Missing required field Principal' };
    statements.push({ effect: st.Effect, action: arr(st.Action), notAction: arr(st.NotAction), resource: arr(st.Resource), notResource: arr(st.NotResource), principal });
  }
  return { ok: true, doc: { statements } };
}
const glob = (p: string, v: string, ci: boolean) => new RegExp('^' + p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$', ci ? 'i' : '').test(v);
export function evaluatePolicies(docs: readonly PolicyDoc[], r: { action: string; resource: string; context: unknown; principal?: { aws?: string[]; service?: string } }): 'Deny' | 'Allow' | 'None' {
  let allow = false;
  for (const d of docs) for (const s of d.statements) {
    if (s.action && !s.action.some((a) => glob(a, r.action, true))) continue;
    if (s.notAction && s.notAction.some((a) => glob(a, r.action, true))) continue;
    if (s.resource && !s.resource.some((a) => glob(a, r.resource, false))) continue;
    if (s.notResource && s.notResource.some((a) => glob(a, r.resource, false))) continue;
    if (s.principal && !s.principal.any) {
      const p = r.principal ?? {};
      const ok = (s.principal.aws ?? []).some((a) => a === '*' || (p.aws ?? []).includes(a)) || (s.principal.service ?? []).some((x) => x === p.service);
      if (!ok) continue;
    }
    if (s.effect === 'Deny') return 'Deny';
    allow = true;
  }
  return allow ? 'Allow' : 'None';
}
export interface ManagedPolicy { name: string; arn: string; path: string; description: string; defaultVersionId: string; document: PolicyDoc; documentText: string; createDate: string; updateDate: string }
const basic = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' }] });
export const managedPolicies: ReadonlyMap<string, ManagedPolicy> = new Map([
  ['arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole', { name: 'AWSLambdaBasicExecutionRole', arn: 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole', path: '/service-role/', description: 'Provides write permissions to CloudWatch Logs.', defaultVersionId: 'v1', document: (parsePolicy(basic, 'identity') as { ok: true; doc: PolicyDoc }).doc, documentText: basic, createDate: '2015-04-09T15:03:43Z', updateDate: '2015-04-09T15:03:43Z' }],
]);
