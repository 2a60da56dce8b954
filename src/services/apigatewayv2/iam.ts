import type { OperationContext } from '../../gateway/service';
import { iamOf } from '../iam-table';
import { apiGatewayV2Errors } from './errors';

/**
 * API Gateway's management calls as IAM authorises them: the action is the
 * HTTP method (`apigateway:GET`, `apigateway:POST`, `apigateway:PATCH`,
 * `apigateway:DELETE`) and the resource the path without its `/v2`
 * version, under `arn:aws:apigateway:<region>::` (no account):
 * `arn:aws:apigateway:us-east-1::/apis/<id>/routes`.
 */
const path = (_: unknown, ctx: OperationContext): readonly string[] => [`arn:aws:apigateway:${ctx.region}::${ctx.path.replace(/^\/v2(?=\/)/, '').replace(/\/$/, '')}`];
const ops = ['Api', 'Integration', 'Route', 'Stage'];
const verbs: [string, string][] = [['Create', 'POST'], ['Get', 'GET'], ['Update', 'PATCH'], ['Delete', 'DELETE']];
const actions: Record<string, string> = {
  GetApis: 'GET', GetIntegrations: 'GET', GetRoutes: 'GET', GetStages: 'GET', DeleteCorsConfiguration: 'DELETE',
  // Tags: `/tags/<resource ARN, URL-encoded>`, as the path carries it.
  TagResource: 'POST', UntagResource: 'DELETE', GetTags: 'GET',
};
for (const o of ops) for (const [v, m] of verbs) actions[`${v}${o}`] = m;

export const apiGatewayIam = iamOf({
  prefix: 'apigateway',
  accessDenied: { name: 'AccessDeniedException', spec: apiGatewayV2Errors.AccessDeniedException! },
  actions,
  resources: Object.fromEntries(Object.keys(actions).map((op) => [op, path])),
});
