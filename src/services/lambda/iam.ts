import type { Members, OperationContext } from '../../gateway/service';
import { accountInArn, accountOf, iamOf, one, str, type ResourcesOf } from '../iam-table';
import { errorRegistry } from './errors';

/** `name`, `name:qualifier`, `<account>:function:name[:q]` or the full ARN (any region/account it names is kept). */
const functionRe = /^(?:arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):)?(?:(\d{12}):)?(?:function:)?([A-Za-z0-9_.-]+)(?::([A-Za-z0-9$_-]+))?$/;

/**
 * The function ARN a call names, as Lambda authorises it: qualified
 * (`…:function:name:qualifier`) when the call names a version or alias (in
 * the name or as `Qualifier`), unqualified otherwise. A policy on
 * `function:name` therefore does not cover `function:name:prod`; AWS's
 * documentation has users write `function:name:*` for those (Kumo's reading
 * of "Fine-tuning the Resources and Conditions sections of policies",
 * ARCHITECTURE.md "Choices").
 */
export function functionArnOf(raw: string | undefined, qualifier: string | undefined, ctx: OperationContext, qualified = true): string | undefined {
  if (raw === undefined) return undefined;
  const m = functionRe.exec(raw);
  if (!m) return undefined;
  const q = qualified ? (m[4] ?? qualifier) : undefined;
  return `arn:aws:lambda:${m[1] ?? ctx.region}:${m[2] ?? accountOf(ctx)}:function:${m[3]}${q ? `:${q}` : ''}`;
}

/** The account an ARN (`arn:aws:lambda:<region>:<account>:…`) or a partial function ARN (`<account>:function:name`) names. */
function accountIn(v: string | undefined): string | undefined {
  return v?.startsWith('arn:') ? accountInArn(v) : v === undefined ? undefined : /^(\d{12}):function:/.exec(v)?.[1];
}

/**
 * Several accounts: the account a call's function, layer or tagged resource
 * ARN names (path and query members: FunctionName, LayerName, Resource,
 * GetLayerVersionByArn's Arn). A plain name names the signer's account.
 */
export function lambdaOwnerAccount(_operation: string, m: Members): string | undefined {
  return accountIn(str(m, 'FunctionName')) ?? accountIn(str(m, 'LayerName')) ?? accountIn(str(m, 'Resource')) ?? accountIn(str(m, 'Arn'));
}

/** The function (qualified when the call names a version or alias). */
const fn: ResourcesOf = (m, ctx) => one(functionArnOf(str(m, 'FunctionName'), str(m, 'Qualifier'), ctx));
/** The function itself, whatever qualifier (operations on all of a function's versions or aliases). */
const fnUnqualified: ResourcesOf = (m, ctx) => one(functionArnOf(str(m, 'FunctionName'), undefined, ctx, false));
/** An alias operation: the alias's ARN (`function:name:alias`). */
const alias: ResourcesOf = (m, ctx) => one(functionArnOf(str(m, 'FunctionName'), str(m, 'Name'), ctx));

const layerName = (m: Members): string | undefined => {
  const v = str(m, 'LayerName');
  if (v === undefined) return undefined;
  const a = /^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:layer:([A-Za-z0-9_-]+)$/.exec(v);
  return a ? a[1] : v;
};
const layer: ResourcesOf = (m, ctx) => {
  const v = str(m, 'LayerName');
  if (v?.startsWith('arn:')) return [v];
  const n = layerName(m);
  return one(n && `arn:aws:lambda:${ctx.region}:${accountOf(ctx)}:layer:${n}`);
};
const layerVersion: ResourcesOf = (m, ctx) => {
  const [l] = layer(m, ctx);
  const v = str(m, 'version') ?? str(m, 'VersionNumber');
  return l === '*' || v === undefined ? ['*'] : [`${l}:${v}`];
};
const mapping: ResourcesOf = (m, ctx) => one(str(m, 'UUID') && `arn:aws:lambda:${ctx.region}:${accountOf(ctx)}:event-source-mapping:${str(m, 'UUID')}`);
/** Tag operations name the resource's ARN (`Resource`, the path's `{arn}`). */
const tagged: ResourcesOf = (m) => one(str(m, 'Resource'));

/**
 * Lambda's operations as IAM authorises them (Service Authorization
 * Reference, "Actions defined by AWS Lambda"): Invoke and
 * InvokeWithResponseStream are `lambda:InvokeFunction`, GetLayerVersionByArn
 * is GetLayerVersion, the rest are their own names. AddPermission,
 * RemovePermission and GetPolicy (function policies) are declared here so
 * they are authorised from the moment their routes exist.
 */
export const lambdaIam = iamOf({
  prefix: 'lambda',
  accessDenied: { name: 'AccessDeniedException', spec: errorRegistry.AccessDeniedException },
  actions: {
    Invoke: 'InvokeFunction',
    InvokeWithResponseStream: 'InvokeFunction',
    GetLayerVersionByArn: 'GetLayerVersion',
    // Kumo's own read of stream mappings' IteratorAge: authorised as listing the mappings.
    KumoGetIteratorAges: 'ListEventSourceMappings',
    // Kumo's debugger forward of a function (kumo dev --debug): the power to run any code in it, as updating its code is.
    KumoPutFunctionDebug: 'UpdateFunctionCode',
    KumoDeleteFunctionDebug: 'UpdateFunctionCode',
    KumoGetDebugSessions: 'GetAccountSettings',
  },
  resources: {
    CreateFunction: fn,
    ListFunctions: '*',
    GetFunction: fn,
    GetFunctionConfiguration: fn,
    UpdateFunctionCode: fnUnqualified,
    UpdateFunctionConfiguration: fnUnqualified,
    DeleteFunction: fn,
    GetAccountSettings: '*',
    PublishVersion: fnUnqualified,
    ListVersionsByFunction: fnUnqualified,
    CreateAlias: fnUnqualified,
    ListAliases: fnUnqualified,
    GetAlias: alias,
    UpdateAlias: alias,
    DeleteAlias: alias,
    PublishLayerVersion: layer,
    ListLayers: '*',
    ListLayerVersions: '*',
    GetLayerVersion: layerVersion,
    GetLayerVersionByArn: (m) => one(str(m, 'Arn')),
    DeleteLayerVersion: layerVersion,
    AddLayerVersionPermission: layerVersion,
    GetLayerVersionPolicy: layerVersion,
    RemoveLayerVersionPermission: layerVersion,
    ListTags: tagged,
    TagResource: tagged,
    UntagResource: tagged,
    KumoGetIteratorAges: '*',
    KumoPutFunctionDebug: fnUnqualified,
    KumoDeleteFunctionDebug: fnUnqualified,
    KumoGetDebugSessions: '*',
    // AWS: CreateEventSourceMapping and ListEventSourceMappings name no resource (lambda:FunctionArn is their condition key).
    CreateEventSourceMapping: '*',
    ListEventSourceMappings: '*',
    GetEventSourceMapping: mapping,
    UpdateEventSourceMapping: mapping,
    DeleteEventSourceMapping: mapping,
    Invoke: fn,
    InvokeAsync: fn,
    InvokeWithResponseStream: fn,
    PutFunctionEventInvokeConfig: fn,
    UpdateFunctionEventInvokeConfig: fn,
    GetFunctionEventInvokeConfig: fn,
    DeleteFunctionEventInvokeConfig: fn,
    ListFunctionEventInvokeConfigs: fnUnqualified,
    PutFunctionConcurrency: fnUnqualified,
    GetFunctionConcurrency: fnUnqualified,
    DeleteFunctionConcurrency: fnUnqualified,
    GetRuntimeManagementConfig: fn,
    PutRuntimeManagementConfig: fn,
    PutProvisionedConcurrencyConfig: fn,
    GetProvisionedConcurrencyConfig: fn,
    DeleteProvisionedConcurrencyConfig: fn,
    ListProvisionedConcurrencyConfigs: fnUnqualified,
    CreateFunctionUrlConfig: fn,
    UpdateFunctionUrlConfig: fn,
    GetFunctionUrlConfig: fn,
    DeleteFunctionUrlConfig: fn,
    ListFunctionUrlConfigs: fnUnqualified,
    AddPermission: fn,
    RemovePermission: fn,
    GetPolicy: fn,
  },
});
