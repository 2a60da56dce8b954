import type { AddPermissionInput, FunctionPolicyService } from '../../control/function-policies';
import { bool, str } from './decode';
import { jsonBody, type Route } from './http';

/** AddPermission's body: a handful of short members (AWS's members allow 10,000-character ARNs). */
const bodyBytesMax = 64 * 1024;

function decodeAddPermission(b: Record<string, unknown>): AddPermissionInput {
  return {
    StatementId: str(b.StatementId, 'statementId'),
    Action: str(b.Action, 'action'),
    Principal: str(b.Principal, 'principal'),
    SourceArn: str(b.SourceArn, 'sourceArn'),
    SourceAccount: str(b.SourceAccount, 'sourceAccount'),
    EventSourceToken: str(b.EventSourceToken, 'eventSourceToken'),
    PrincipalOrgID: str(b.PrincipalOrgID, 'principalOrgID'),
    FunctionUrlAuthType: str(b.FunctionUrlAuthType, 'functionUrlAuthType'),
    InvokedViaFunctionUrl: bool(b.InvokedViaFunctionUrl, 'invokedViaFunctionUrl'),
    RevisionId: str(b.RevisionId, 'revisionId'),
  };
}

/** AddPermission, RemovePermission and GetPolicy (function, version and alias policies; API version 2015-03-31). */
export function policyRoutes(deps: { policies: FunctionPolicyService }): Route[] {
  const P = deps.policies;
  const path = ['2015-03-31', 'functions', '{name}', 'policy'];
  const common = { bodyBytesMax, auth: true };
  const qualifier = (q: URLSearchParams) => q.get('Qualifier') ?? undefined;
  return [
    {
      method: 'POST', path, operation: 'AddPermission', ...common,
      handle: async (req, p) => ({ status: 201, json: await P.add(p.name!, qualifier(req.query), decodeAddPermission(jsonBody(req))) }),
    },
    {
      method: 'GET', path, operation: 'GetPolicy', ...common,
      handle: async (req, p) => ({ status: 200, json: await P.get(p.name!, qualifier(req.query)) }),
    },
    {
      method: 'DELETE', path: [...path, '{sid}'], operation: 'RemovePermission', ...common,
      handle: async (req, p) => {
        await P.remove(p.name!, qualifier(req.query), p.sid!, req.query.get('RevisionId') ?? undefined);
        return { status: 204 };
      },
    },
  ];
}
