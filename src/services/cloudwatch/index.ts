import type { ServiceDefinition } from '../../gateway/service';
import { cloudWatchIam } from './iam';
import type { MetricsRegistry } from '../../metrics/registry';
import { cloudWatchErrors } from './errors';
import { metricOperations } from './operations';

export interface CloudWatchDeps {
  metrics: MetricsRegistry;
}

/**
 * Amazon CloudWatch metrics (2010-08-01), SigV4 service `monitoring`: the
 * query protocol (`Action=…&Version=2010-08-01`, XML; the aws CLI v2 speaks
 * it) and JSON 1.0 with `X-Amz-Target: GraniteServiceVersion20100801.<Op>`
 * (awsQueryCompatible; what @aws-sdk/client-cloudwatch 3.1164 sends).
 * GetMetricStatistics, GetMetricData (MetricStat queries), ListMetrics and
 * PutMetricData over src/metrics/; alarms, dashboards and the rest are not
 * Kumo's: those operations are unknown.
 */
export function cloudWatchService(d: CloudWatchDeps): ServiceDefinition {
  return {
    name: 'cloudwatch',
    signingName: 'monitoring',
    // Every operation's IAM action and resources (./iam.ts).
    iam: cloudWatchIam,
    errors: cloudWatchErrors,
    internalErrorName: 'InternalServiceFault',
    json: { targetPrefix: 'GraniteServiceVersion20100801', version: '1.0', queryCompatible: { namespace: 'com.amazonaws.cloudwatch' } },
    query: { apiVersion: '2010-08-01', xmlNamespace: 'http://monitoring.amazonaws.com/doc/2010-08-01/' },
    // Smithy RPC v2 CBOR: what newer SDK v3 releases send to CloudWatch (`POST /service/GraniteServiceVersion20100801/operation/<Op>`).
    cbor: { serviceName: 'GraniteServiceVersion20100801' },
    // Data events in CloudTrail's terms: metric reads and writes are not management events.
    dataPlane: new Set(['GetMetricStatistics', 'GetMetricData', 'ListMetrics', 'PutMetricData']),
    operations: metricOperations(d.metrics),
  };
}
