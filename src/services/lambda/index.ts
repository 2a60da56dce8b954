import type { ServiceDefinition } from '../../gateway/service';
import { lambdaIam, lambdaOwnerAccount } from './iam';
import { errorRegistry, mapLambdaError } from './errors';
import { functionRoutes } from './functions-api';
import type { BlobStore } from '../../blobs/blob-store';
import type { CodeUrlSigner } from './code-url';
import { invokeRoutes } from './invoke-api';
import { invokeStreamRoutes } from './invoke-stream-api';
import { versionRoutes } from './versions-api';
import { layerRoutes } from './layers-api';
import { tagRoutes } from './tags-api';
import { invokeConfigRoutes } from './invoke-configs-api';
import type { EventInvokeConfigService } from '../../async/invoke-configs';
import { eventSourceMappingRoutes } from './event-source-mappings-api';
import type { EventSourceMappingService } from '../../event-sources/mappings';
import type { FunctionService } from '../../control/functions';
import type { VersionService } from '../../control/versions';
import type { AliasService } from '../../control/aliases';
import type { LayerService } from '../../control/layers';
import type { TagService } from '../../control/tags';
import type { InvokeService } from '../../invoke/service';
import type { AsyncQueue } from '../../async/queue';
import type { ReservedConcurrencyService } from '../../control/reserved-concurrency';
import { concurrencyRoutes } from './concurrency-api';
import type { ProvisionedConcurrencyService } from '../../control/provisioned-concurrency';
import { provisionedRoutes } from './provisioned-api';
import { functionUrlRoutes } from './function-urls-api';
import type { FunctionUrlService } from '../../function-urls/service';
import { runtimeManagementRoutes } from './runtime-management-api';
import { policyRoutes } from './policy-api';
import type { FunctionPolicyService } from '../../control/function-policies';
import type { FunctionDebugging } from '../../placement/debug';
import { debugRoutes } from './debug-api';

export interface LambdaDeps {
  functions: FunctionService;
  versions: VersionService;
  aliases: AliasService;
  layers: LayerService;
  tags: TagService;
  invoker: InvokeService;
  queue: AsyncQueue;
  invokeConfigs: EventInvokeConfigService;
  mappings: EventSourceMappingService;
  /** Stream mappings' IteratorAge, from the pollers' memory (Kumo's own route: AWS publishes it as a CloudWatch metric). */
  iteratorAges?: () => { uuid: string; iteratorAgeMs?: number }[];
  reserved: ReservedConcurrencyService;
  provisioned: ProvisionedConcurrencyService;
  urls: FunctionUrlService;
  policies: FunctionPolicyService;
  /** `kumo dev --debug`'s Kumo-only routes (refused unless KUMO_DEBUG_FUNCTIONS). */
  debugging?: FunctionDebugging;
  blobs: BlobStore;
  codeUrls: CodeUrlSigner;
  region: string;
  accountId: string;
}

/** AWS Lambda (2015-03-31): rest-json, SigV4 service `lambda`. */
export function lambdaService(d: LambdaDeps): ServiceDefinition {
  return {
    name: 'lambda',
    signingName: 'lambda',
    // Every operation's IAM action and resources (./iam.ts).
    iam: lambdaIam,
    ownerAccount: lambdaOwnerAccount,
    // Data events in CloudTrail's terms: not in the audit trail (gateway/service.ts `dataPlane`).
    dataPlane: new Set(['Invoke', 'InvokeAsync', 'InvokeWithResponseStream']),
    errors: errorRegistry,
    internalErrorName: 'ServiceException',
    mapError: mapLambdaError,
    restJson: {
      // Path parameters as the API's members, for the audit trail (CloudTrail's requestParameters.functionName).
      paramMembers: { name: 'FunctionName', uuid: 'UUID', layer: 'LayerName', arn: 'Resource', alias: 'Name', sid: 'StatementId' },
      routes: [
        ...functionRoutes({
          functions: d.functions, blobs: d.blobs, region: d.region, accountId: d.accountId,
          versionsOf: (name) => d.versions.published(name), codeUrls: d.codeUrls, reserved: d.reserved,
        }),
        ...versionRoutes({ functions: d.functions, versions: d.versions, aliases: d.aliases }),
        ...layerRoutes({ layers: d.layers, codeUrls: d.codeUrls }),
        ...tagRoutes({ tags: d.tags }),
        ...eventSourceMappingRoutes({ mappings: d.mappings, iteratorAges: d.iteratorAges }),
        ...invokeRoutes({ functions: d.functions, invoker: d.invoker, queue: d.queue }),
        ...invokeStreamRoutes({ functions: d.functions, invoker: d.invoker }),
        ...invokeConfigRoutes({ invokeConfigs: d.invokeConfigs }),
        ...concurrencyRoutes({ reserved: d.reserved }),
        ...runtimeManagementRoutes({ functions: d.functions }),
        ...provisionedRoutes({ provisioned: d.provisioned }),
        ...functionUrlRoutes({ urls: d.urls }),
        ...policyRoutes({ policies: d.policies }),
        ...(d.debugging ? debugRoutes({ debugging: d.debugging }) : []),
      ],
    },
  };
}
