import type { OperationContext } from '../../gateway/service';
import { arn, iamOf, one, str, type ResourcesOf } from '../iam-table';
import { ssmErrors } from './errors';

/**
 * A parameter's ARN: `arn:aws:ssm:<r>:<a>:parameter/<name>`; a name of a
 * hierarchy starts with `/` and gets no second one (`parameter/app/db`).
 * A version or label selector (`name:3`, `name:prod`) is not part of it.
 */
export function parameterArn(name: string, ctx: OperationContext): string {
  if (name.startsWith('arn:')) return name.replace(/:(?:\d+|[A-Za-z][\w.-]*)$/, (s) => (/parameter\//.test(s) ? s : ''));
  const bare = name.replace(/:[^/:]*$/, '');
  return arn('ssm', ctx, `parameter${bare.startsWith('/') ? '' : '/'}${bare}`);
}
const param: ResourcesOf = (m, ctx) => one(str(m, 'Name') && parameterArn(str(m, 'Name')!, ctx));
const params: ResourcesOf = (m, ctx) => {
  const names = Array.isArray(m.Names) ? m.Names.filter((n): n is string => typeof n === 'string' && n !== '') : [];
  return names.length ? [...new Set(names.map((n) => parameterArn(n, ctx)))] : ['*'];
};
/** Tag operations: `ResourceType: Parameter` names a parameter by `ResourceId`. */
const tagged: ResourcesOf = (m, ctx) => one(str(m, 'ResourceType') === 'Parameter' && str(m, 'ResourceId') ? parameterArn(str(m, 'ResourceId')!, ctx) : undefined);

/** Parameter Store's operations as IAM authorises them (parameter ARNs; DescribeParameters names none). */
export const ssmIam = iamOf({
  prefix: 'ssm',
  accessDenied: { name: 'AccessDeniedException', spec: ssmErrors.AccessDeniedException! },
  resources: {
    PutParameter: param,
    GetParameter: param,
    GetParameters: params,
    GetParametersByPath: (m, ctx) => one(str(m, 'Path') && parameterArn(str(m, 'Path')!.replace(/\/$/, '') || '/', ctx)),
    DeleteParameter: param,
    DeleteParameters: params,
    DescribeParameters: '*',
    GetParameterHistory: param,
    LabelParameterVersion: param,
    UnlabelParameterVersion: param,
    AddTagsToResource: tagged,
    RemoveTagsFromResource: tagged,
    ListTagsForResource: tagged,
  },
});
