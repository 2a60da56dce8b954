import type { Members, OperationContext } from '../../gateway/service';
import { arn, iamOf, str, type ResourcesOf } from '../iam-table';
import { logsErrors } from './errors';

/** The log group a call names (`logGroupName`, or `logGroupIdentifier`: a name or the group's ARN). */
function groupArn(m: Members, ctx: OperationContext): string | undefined {
  const id = str(m, 'logGroupName') ?? str(m, 'logGroupIdentifier');
  if (id === undefined) return undefined;
  if (id.startsWith('arn:')) return id.replace(/:\*$/, '');
  return arn('logs', ctx, `log-group:${id}`);
}
/** `arn:aws:logs:<r>:<a>:log-group:<group>` (the form IAM's reference gives the log-group resource). */
const group: ResourcesOf = (m, ctx) => [groupArn(m, ctx) ?? '*'];
/** `…:log-group:<group>:log-stream:<stream>` for the operations IAM's reference lists on a log stream. */
const stream: ResourcesOf = (m, ctx) => {
  const g = groupArn(m, ctx);
  const s = str(m, 'logStreamName');
  return [g && s ? `${g}:log-stream:${s}` : '*'];
};

/** CloudWatch Logs' operations as IAM authorises them (log-group and log-stream ARNs; DescribeLogGroups names none). */
export const logsIam = iamOf({
  prefix: 'logs',
  accessDenied: { name: 'AccessDeniedException', spec: logsErrors.AccessDeniedException! },
  resources: {
    CreateLogGroup: group,
    DeleteLogGroup: group,
    DescribeLogGroups: '*',
    PutRetentionPolicy: group,
    DeleteRetentionPolicy: group,
    CreateLogStream: group,
    DeleteLogStream: stream,
    DescribeLogStreams: group,
    PutLogEvents: stream,
    GetLogEvents: stream,
    FilterLogEvents: group,
    StartLiveTail: group,
    // Subscription filters are the log group's (IAM's reference: log-group resource).
    PutSubscriptionFilter: group,
    DescribeSubscriptionFilters: group,
    DeleteSubscriptionFilter: group,
  },
});
