import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { DeployContext } from './context';
import { isMapping } from './values';

/**
 * The routes of an API's OpenAPI definition as Kumo can deploy them: SAM's
 * `DefinitionBody` / `DefinitionUri` and AWS::ApiGatewayV2::Api's `Body`,
 * read as API Gateway's import reads them (api-gateway-swagger-extensions):
 * each operation of `paths` (get, post, …, `x-amazon-apigateway-any-method`
 * as ANY; HTTP APIs' `$default` path as the `$default` route) with an
 * `x-amazon-apigateway-integration` of type `aws_proxy` (its `uri`, the
 * function ARN or the `…:lambda:path/2015-03-31/functions/<arn>/invocations`
 * form; `payloadFormatVersion`, which AWS requires for HTTP APIs and REST
 * APIs do not have: 1.0; `timeoutInMillis`) and the HTTP API's
 * `x-amazon-apigateway-cors`. What Kumo cannot honour is refused, naming
 * it: other integration types, authorizers (`security`, `securitySchemes`,
 * `x-amazon-apigateway-authorizer`), and every other `x-amazon-apigateway-*`
 * extension. Documentation members (info, tags, parameters, responses,
 * schemas, summaries) have no effect and are accepted.
 */
export interface DefinedRoute {
  RouteKey: string;
  Function: string;
  PayloadFormatVersion: '1.0' | '2.0';
  TimeoutInMillis?: number;
  /** Where it was defined, for messages. */
  at: string;
}

/** HTTP API CORS in the SDK's shape (AllowOrigins…). */
export interface SdkCors {
  AllowCredentials?: boolean;
  AllowHeaders?: string[];
  AllowMethods?: string[];
  AllowOrigins?: string[];
  ExposeHeaders?: string[];
  MaxAge?: number;
}

const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'x-amazon-apigateway-any-method'];
/** Keys of a path item / operation / document that only document the API. */
const docKeys = new Set(['summary', 'description', 'parameters', 'responses', 'operationId', 'tags', 'requestBody', 'deprecated', 'externalDocs',
  'consumes', 'produces', 'schemes', 'servers', 'callbacks']);

/** The definition named by DefinitionUri: a local file (YAML or JSON) relative to the template; S3 locations are refused (Kumo has no S3). */
export function readDefinitionUri(ctx: DeployContext, v: unknown, p: string): Record<string, unknown> {
  if (typeof v !== 'string') throw ctx.error(p, 'DefinitionUri must be a local file (an S3 location {Bucket, Key} is not supported: Kumo has no S3)');
  if (/^s3:\/\//.test(v)) throw ctx.error(p, `DefinitionUri ${v}: S3 locations are not supported (Kumo has no S3); name a local file`);
  const file = path.resolve(ctx.model.dir, v);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw ctx.error(p, `DefinitionUri: cannot read ${file}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw ctx.error(p, `DefinitionUri: ${file} is not YAML or JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!isMapping(doc)) throw ctx.error(p, `DefinitionUri: ${file} is not an OpenAPI document`);
  return doc;
}

const lowerFirst = (k: string) => k.charAt(0).toLowerCase() + k.slice(1);

/** Reads a resolved OpenAPI document (`p` names it in the template, for errors). */
export function routesOfDefinition(ctx: DeployContext, doc: Record<string, unknown>, p: string, flavour: 'http' | 'rest'): { routes: DefinedRoute[]; cors?: SdkCors } {
  const routes: DefinedRoute[] = [];
  let cors: SdkCors | undefined;
  for (const [k, v] of Object.entries(doc)) {
    if (k === 'paths' || k === 'openapi' || k === 'swagger' || k === 'info' || k === 'tags' || k === 'basePath' || k === 'host' || k === 'definitions' || docKeys.has(k)) continue;
    if (k === 'components') {
      if (isMapping(v) && v.securitySchemes !== undefined) throw ctx.error(`${p}.components.securitySchemes`, 'Kumo has no API authorizers yet: securitySchemes is not supported');
      continue;
    }
    if (k === 'securityDefinitions') throw ctx.error(`${p}.${k}`, 'Kumo has no API authorizers yet: securityDefinitions is not supported');
    if (k === 'security') {
      if (Array.isArray(v) && v.length === 0) continue;
      throw ctx.error(`${p}.security`, 'Kumo has no API authorizers yet: security is not supported');
    }
    if (k === 'x-amazon-apigateway-cors' && flavour === 'http') {
      if (!isMapping(v)) throw ctx.error(`${p}.${k}`, 'x-amazon-apigateway-cors is a mapping (allowOrigins, allowMethods, …)');
      cors = {};
      for (const [ck, cv] of Object.entries(v)) {
        const K = ck.charAt(0).toUpperCase() + ck.slice(1);
        if (!['AllowCredentials', 'AllowHeaders', 'AllowMethods', 'AllowOrigins', 'ExposeHeaders', 'MaxAge'].includes(K)) throw ctx.error(`${p}.${k}.${ck}`, `unknown CORS setting ${ck}`);
        (cors as Record<string, unknown>)[K] = cv;
      }
      continue;
    }
    if (k.startsWith('x-')) throw ctx.error(`${p}.${k}`, `${k} is not supported by Kumo`);
    throw ctx.error(`${p}.${k}`, `unknown OpenAPI member ${k}`);
  }
  const paths = doc.paths ?? {};
  if (!isMapping(paths)) throw ctx.error(`${p}.paths`, 'paths is a mapping of path → operations');
  for (const [route, item] of Object.entries(paths)) {
    const ip = `${p}.paths.${route}`;
    if (!isMapping(item)) throw ctx.error(ip, 'a path is a mapping of method → operation');
    if (route !== '$default' && !route.startsWith('/')) throw ctx.error(ip, `path ${route} must start with /`);
    if (route === '$default' && flavour === 'rest') throw ctx.error(ip, '$default is a route of HTTP APIs, not REST APIs');
    for (const [m, op] of Object.entries(item)) {
      const op_p = `${ip}.${m}`;
      if (docKeys.has(m)) continue;
      if (!methods.includes(m.toLowerCase())) {
        throw ctx.error(op_p, m.startsWith('x-') ? `${m} is not supported by Kumo` : `unknown method ${m}`);
      }
      if (!isMapping(op)) throw ctx.error(op_p, 'an operation is a mapping');
      let integ: Record<string, unknown> | undefined;
      for (const [ok, ov] of Object.entries(op)) {
        if (docKeys.has(ok)) continue;
        if (ok === 'x-amazon-apigateway-integration') {
          if (!isMapping(ov)) throw ctx.error(`${op_p}.${ok}`, 'x-amazon-apigateway-integration is a mapping');
          integ = ov;
          continue;
        }
        if (ok === 'security') {
          if (Array.isArray(ov) && ov.length === 0) continue;
          throw ctx.error(`${op_p}.security`, 'Kumo has no API authorizers yet: security is not supported');
        }
        throw ctx.error(`${op_p}.${ok}`, ok.startsWith('x-') ? `${ok} is not supported by Kumo` : `unknown operation member ${ok}`);
      }
      if (!integ) throw ctx.error(op_p, 'Kumo deploys operations with an x-amazon-apigateway-integration (type aws_proxy) only');
      const ipath = `${op_p}.x-amazon-apigateway-integration`;
      let pfv: '1.0' | '2.0' = '1.0';
      let timeout: number | undefined;
      let uri: string | undefined;
      for (const [ik, iv] of Object.entries(integ)) {
        const key = lowerFirst(ik);
        if (key === 'type') {
          if (String(iv).toLowerCase() !== 'aws_proxy') throw ctx.error(`${ipath}.${ik}`, `Kumo integrates APIs with Lambda proxy integrations only: type ${String(iv)} is not supported`);
        } else if (key === 'uri') {
          if (typeof iv !== 'string') throw ctx.error(`${ipath}.${ik}`, 'uri must be a string (a Lambda function ARN or its invocations URI)');
          uri = iv;
        } else if (key === 'httpMethod') {
          if (String(iv).toUpperCase() !== 'POST') throw ctx.error(`${ipath}.${ik}`, 'httpMethod of a Lambda integration is POST');
        } else if (key === 'payloadFormatVersion') {
          if (flavour === 'rest') throw ctx.error(`${ipath}.${ik}`, 'payloadFormatVersion is a setting of HTTP APIs');
          if (iv !== '1.0' && iv !== '2.0') throw ctx.error(`${ipath}.${ik}`, 'payloadFormatVersion is 1.0 or 2.0');
          pfv = iv;
        } else if (key === 'timeoutInMillis') {
          const n = Number(iv);
          if (!Number.isInteger(n)) throw ctx.error(`${ipath}.${ik}`, 'timeoutInMillis must be an integer');
          timeout = n;
        } else if (key === 'passthroughBehavior' || key === 'contentHandling' || key === 'responses' || key === 'requestTemplates' || key === 'requestParameters' || key === 'responseParameters' || key === 'credentials' || key === 'connectionType' || key === 'connectionId' || key === 'cacheKeyParameters' || key === 'cacheNamespace' || key === 'tlsConfig' || key === 'integrationSubtype') {
          if (key === 'connectionType' && iv === 'INTERNET') continue;
          throw ctx.error(`${ipath}.${ik}`, `${ik} is not supported by Kumo`);
        } else if (key !== 'description') {
          throw ctx.error(`${ipath}.${ik}`, `unknown integration member ${ik}`);
        }
      }
      if (uri === undefined) throw ctx.error(ipath, 'a Lambda proxy integration needs uri');
      if (flavour === 'http' && integ.payloadFormatVersion === undefined) {
        throw ctx.error(ipath, 'payloadFormatVersion is required for Lambda integrations of HTTP APIs (1.0 or 2.0)');
      }
      const method = m.toLowerCase() === 'x-amazon-apigateway-any-method' ? 'ANY' : m.toUpperCase();
      routes.push({
        RouteKey: route === '$default' ? '$default' : `${method} ${route}`, Function: uri, PayloadFormatVersion: pfv,
        ...(timeout !== undefined ? { TimeoutInMillis: timeout } : {}), at: op_p,
      });
    }
  }
  return { routes, ...(cors ? { cors } : {}) };
}
