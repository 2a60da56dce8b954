import { wrongType } from '../../domain/errors';
import type { ApiRequest } from '../../gateway/service';
import type { HttpApiCors } from '../../http-apis/records';
import type { CreateApiInput, CreateIntegrationInput, CreateRouteInput, CreateStageInput, UpdateApiInput, UpdateStageInput } from '../../http-apis/service';
import { apiGatewayV2Error } from './errors';

/** API Gateway v2's JSON bodies: lowerCamel member names (the model's jsonName), each checked for its JSON type. */
export function jsonBody(req: ApiRequest): Record<string, unknown> {
  if (req.body.length === 0) return {};
  let v: unknown;
  try {
    v = JSON.parse(req.body.toString('utf8'));
  } catch {
    throw apiGatewayV2Error('BadRequestException', 'Invalid JSON in request body');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw apiGatewayV2Error('BadRequestException', 'The request body must be a JSON object');
  return v as Record<string, unknown>;
}

const present = (o: Record<string, unknown>, k: string) => o[k] !== undefined && o[k] !== null;

function str(o: Record<string, unknown>, k: string): string | undefined {
  if (!present(o, k)) return undefined;
  if (typeof o[k] !== 'string') throw wrongType(k);
  return o[k] as string;
}
function bool(o: Record<string, unknown>, k: string): boolean | undefined {
  if (!present(o, k)) return undefined;
  if (typeof o[k] !== 'boolean') throw wrongType(k);
  return o[k] as boolean;
}
function int(o: Record<string, unknown>, k: string): number | undefined {
  if (!present(o, k)) return undefined;
  if (typeof o[k] !== 'number' || !Number.isInteger(o[k])) throw wrongType(k);
  return o[k] as number;
}
function strList(o: Record<string, unknown>, k: string): string[] | undefined {
  if (!present(o, k)) return undefined;
  const v = o[k];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw wrongType(k);
  return v as string[];
}
function strMap(o: Record<string, unknown>, k: string): Record<string, string> | undefined {
  if (!present(o, k)) return undefined;
  const v = o[k];
  if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) throw wrongType(k);
  return v as Record<string, string>;
}

/** Members the model has that Kumo does not serve: present ones are refused (never accepted and dropped). */
function unsupported(o: Record<string, unknown>, names: string[]): string[] {
  return names.filter((n) => present(o, n));
}

export function decodeCors(o: Record<string, unknown>): HttpApiCors | undefined {
  if (!present(o, 'corsConfiguration')) return undefined;
  const c = o.corsConfiguration;
  if (typeof c !== 'object' || c === null || Array.isArray(c)) throw wrongType('corsConfiguration');
  const x = c as Record<string, unknown>;
  const out: HttpApiCors = {};
  const ac = bool(x, 'allowCredentials');
  if (ac !== undefined) out.allowCredentials = ac;
  for (const k of ['allowHeaders', 'allowMethods', 'allowOrigins', 'exposeHeaders'] as const) {
    const v = strList(x, k);
    if (v) out[k] = v;
  }
  const ma = int(x, 'maxAge');
  if (ma !== undefined) out.maxAge = ma;
  return out;
}

export function decodeCreateApi(o: Record<string, unknown>): CreateApiInput {
  const extra = unsupported(o, ['credentialsArn']);
  if (bool(o, 'disableSchemaValidation')) extra.push('disableSchemaValidation');
  const ip = str(o, 'ipAddressType');
  if (ip !== undefined && ip !== 'ipv4') extra.push(`ipAddressType ${ip}`);
  const aks = str(o, 'apiKeySelectionExpression');
  if (aks !== undefined && aks !== '$request.header.x-api-key') extra.push('apiKeySelectionExpression');
  return {
    name: str(o, 'name'), protocolType: str(o, 'protocolType'), description: str(o, 'description'), version: str(o, 'version'),
    cors: decodeCors(o), tags: strMap(o, 'tags'), target: str(o, 'target'), routeKey: str(o, 'routeKey'),
    disableExecuteApiEndpoint: bool(o, 'disableExecuteApiEndpoint'), routeSelectionExpression: str(o, 'routeSelectionExpression'),
    unsupported: extra,
  };
}

/** UpdateApi: quick create's Target / RouteKey and the members CreateApi refuses are refused by name. */
export function decodeUpdateApi(o: Record<string, unknown>): UpdateApiInput {
  const c = decodeCreateApi(o);
  const extra = [...c.unsupported, ...unsupported(o, ['target', 'routeKey'])];
  return {
    name: c.name, description: c.description, version: c.version, cors: c.cors, disableExecuteApiEndpoint: c.disableExecuteApiEndpoint,
    routeSelectionExpression: c.routeSelectionExpression, unsupported: extra,
  };
}

export function decodeUpdateStage(o: Record<string, unknown>): UpdateStageInput {
  const c = decodeCreateStage(o);
  return { autoDeploy: c.autoDeploy, stageVariables: c.stageVariables, description: c.description, unsupported: c.unsupported };
}

export function decodeCreateIntegration(o: Record<string, unknown>): CreateIntegrationInput {
  const extra = unsupported(o, ['connectionId', 'contentHandlingStrategy', 'credentialsArn', 'integrationSubtype', 'passthroughBehavior',
    'requestParameters', 'requestTemplates', 'responseParameters', 'templateSelectionExpression', 'tlsConfig']);
  const ct = str(o, 'connectionType');
  if (ct !== undefined && ct !== 'INTERNET') extra.push(`connectionType ${ct}`);
  return {
    integrationType: str(o, 'integrationType'), integrationUri: str(o, 'integrationUri'), payloadFormatVersion: str(o, 'payloadFormatVersion'),
    timeoutInMillis: int(o, 'timeoutInMillis'), description: str(o, 'description'), integrationMethod: str(o, 'integrationMethod'),
    unsupported: extra,
  };
}

export function decodeCreateRoute(o: Record<string, unknown>): CreateRouteInput {
  const extra = unsupported(o, ['authorizationScopes', 'authorizerId', 'modelSelectionExpression', 'operationName', 'requestModels',
    'requestParameters', 'routeResponseSelectionExpression']);
  if (bool(o, 'apiKeyRequired')) extra.push('apiKeyRequired');
  return { routeKey: str(o, 'routeKey'), target: str(o, 'target'), authorizationType: str(o, 'authorizationType'), unsupported: extra };
}

export function decodeCreateStage(o: Record<string, unknown>): CreateStageInput {
  return {
    stageName: str(o, 'stageName'), autoDeploy: bool(o, 'autoDeploy'), stageVariables: strMap(o, 'stageVariables'),
    description: str(o, 'description'), tags: strMap(o, 'tags'),
    unsupported: unsupported(o, ['accessLogSettings', 'clientCertificateId', 'defaultRouteSettings', 'deploymentId', 'routeSettings']),
  };
}
