import type { PropertySchema, ResourceKind } from './kind';
import { lambdaAlias } from './kinds/lambda-alias';
import { lambdaFunction } from './kinds/lambda-function';
import { lambdaVersion } from './kinds/lambda-version';
import { lambdaLayerVersion, serverlessLayerVersion } from './kinds/layer-version';
import { notDeployed } from './kinds/not-deployed';
import { serverlessFunction } from './kinds/serverless-function';
import { eventInvokeConfig } from './kinds/event-invoke-config';
import { lambdaUrl } from './kinds/lambda-url';
import { lambdaPermission } from './kinds/lambda-permission';
import { eventSourceMapping } from './kinds/event-source-mapping';
import { snsSubscription } from './kinds/sns-subscription';
import { snsTopic } from './kinds/sns-topic';
import { sqsQueue } from './kinds/sqs-queue';
import { snsTopicPolicy, sqsQueuePolicy } from './kinds/resource-policies';
import { logGroup } from './kinds/log-group';
import { eventsBus } from './kinds/events-bus';
import { eventsBusPolicy } from './kinds/events-bus-policy';
import { eventsRule } from './kinds/events-rule';
import { kinesisStream } from './kinds/kinesis-stream';
import { ssmParameter } from './kinds/ssm-parameter';
import { schedule, scheduleGroup } from './kinds/scheduler';
import { apiGatewayV2Api, serverlessHttpApi, serverlessRestApi } from './kinds/http-api';
import { apiGatewayV2Integration, apiGatewayV2Route, apiGatewayV2Stage } from './kinds/apigatewayv2';
import { iamRole } from './kinds/iam-role';

/** Resource Type → the module that deploys it. A new kind is one module and one line here. */
export const kinds: readonly ResourceKind[] = [
  serverlessFunction,
  lambdaFunction,
  serverlessLayerVersion,
  lambdaLayerVersion,
  lambdaVersion,
  lambdaAlias,
  sqsQueue,
  kinesisStream,
  snsTopic,
  snsSubscription,
  sqsQueuePolicy,
  snsTopicPolicy,
  eventSourceMapping,
  eventInvokeConfig,
  logGroup,
  lambdaUrl,
  lambdaPermission,
  eventsBus,
  eventsBusPolicy,
  eventsRule,
  ssmParameter,
  scheduleGroup,
  schedule,
  serverlessHttpApi,
  serverlessRestApi,
  apiGatewayV2Api,
  apiGatewayV2Integration,
  apiGatewayV2Route,
  apiGatewayV2Stage,
  iamRole,
];

const byType = new Map(kinds.map((k) => [k.type, k]));

/** The kind for a Type; a type with none is reported by its name and skipped. */
export function kindOf(type: string): ResourceKind {
  return byType.get(type) ?? notDeployed(type);
}

/** The properties a type's kind acts on, for checking the template; undefined for a type Kumo does not deploy. */
export function schemaOf(type: string): PropertySchema | undefined {
  return byType.get(type)?.schema;
}
