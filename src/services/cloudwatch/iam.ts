import { iamOf } from '../iam-table';

/**
 * CloudWatch metrics' operations as IAM authorises them: none of the metric
 * actions names a resource (IAM's reference lists `*` for them). The query
 * protocol's refusal is `AccessDenied` (403); the JSON protocol, query-compatible, carries the same code.
 */
export const cloudWatchIam = iamOf({
  prefix: 'cloudwatch',
  accessDenied: { name: 'AccessDenied', spec: { status: 403, fault: 'client', messageKey: 'Message', queryCode: 'AccessDenied' } },
  resources: { GetMetricStatistics: '*', GetMetricData: '*', ListMetrics: '*', PutMetricData: '*' },
});
