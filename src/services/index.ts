import type { ServiceDefinition } from '../gateway/service';
import { lambdaService, type LambdaDeps } from './lambda';
import { logsService, type LogsDeps } from './logs';
import { snsService, type SnsDeps } from './sns';
import { sqsService, type SqsDeps } from './sqs';
import { kinesisService, type KinesisDeps } from './kinesis';
import { cloudTrailService, type CloudTrailDeps } from './cloudtrail';
import { eventsService, type EventsDeps } from './events';
import { ssmService, type SsmDeps } from './ssm';
import { schedulerService, type SchedulerDeps } from './scheduler';
import { cloudWatchService, type CloudWatchDeps } from './cloudwatch';
import { apiGatewayV2Service, type ApiGatewayV2Deps } from './apigatewayv2';
import { iamService, type IamDeps } from './iam';
import { stsService, type StsDeps } from './sts';

/** What the services need from the domain (the composition root builds it once). */
export type ServiceDeps = LambdaDeps & LogsDeps & SnsDeps & SqsDeps & KinesisDeps & CloudTrailDeps & EventsDeps & SsmDeps & SchedulerDeps & CloudWatchDeps & ApiGatewayV2Deps & IamDeps & StsDeps;

/**
 * Every AWS service the gateway serves, one line each. A new service is a
 * folder `src/services/<name>/` exporting its ServiceDefinition, plus one line here.
 */
export function allServices(d: ServiceDeps): ServiceDefinition[] {
  return [
    lambdaService(d),
    logsService(d),
    snsService(d),
    sqsService(d),
    kinesisService(d),
    cloudTrailService(d),
    eventsService(d),
    ssmService(d),
    schedulerService(d),
    cloudWatchService(d),
    apiGatewayV2Service(d),
    iamService(d),
    stsService(d),
  ];
}
