import { limits } from '../../config';
import type { VersionService } from '../../control/versions';
import type { AliasService } from '../../control/aliases';
import type { FunctionService } from '../../control/functions';
import type { AliasRecord, VersionRecord } from '../../control/records';
import { decodeAlias, decodePublishVersion } from './decode';
import { validationError } from './errors';
import { configurationShape } from './functions-api';
import { jsonBody, type ApiRequest, type Route } from './http';

const bodyBytesMax = 1024 * 1024;

/** MaxItems of list operations: 1–10,000 (AWS), default 50. */
export function maxItems(req: ApiRequest, max: number = limits.listFunctionsPageMax, dflt: number = limits.listFunctionsPageDefault): number {
  const raw = req.query.get('MaxItems');
  if (raw === null) return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw validationError([
      { value: raw, path: 'maxItems', constraint: n < 1 ? 'Member must have value greater than or equal to 1' : `Member must have value less than or equal to ${max}` },
    ]);
  }
  return n;
}

/** PublishVersion, ListVersionsByFunction and the alias operations. */
export function versionRoutes(deps: { functions: FunctionService; versions: VersionService; aliases: AliasService }): Route[] {
  const base = '2015-03-31';
  const common = { bodyBytesMax, auth: true };
  const shape = (r: VersionRecord) => {
    const s = configurationShape(deps.functions, r, 'list');
    if (r.version === '$LATEST') s.FunctionArn = deps.functions.arn(r.functionName, '$LATEST');
    return s;
  };
  return [
    {
      method: 'POST', path: [base, 'functions', '{name}', 'versions'], operation: 'PublishVersion', ...common,
      handle: async (req, p) => ({ status: 201, json: configurationShape(deps.functions, await deps.versions.publish(p.name!, decodePublishVersion(jsonBody(req)))) }),
    },
    {
      method: 'GET', path: [base, 'functions', '{name}', 'versions'], operation: 'ListVersionsByFunction', ...common,
      handle: async (req, p) => {
        const { items, next } = await deps.versions.list(p.name!, req.query.get('Marker') ?? undefined, maxItems(req));
        return { status: 200, json: { Versions: items.map(shape), ...(next ? { NextMarker: next } : {}) } };
      },
    },
    {
      method: 'POST', path: [base, 'functions', '{name}', 'aliases'], operation: 'CreateAlias', ...common,
      handle: async (req, p) => ({ status: 201, json: aliasShape(deps.functions, await deps.aliases.create(p.name!, decodeAlias(jsonBody(req)))) }),
    },
    {
      method: 'GET', path: [base, 'functions', '{name}', 'aliases'], operation: 'ListAliases', ...common,
      handle: async (req, p) => {
        const { items, next } = await deps.aliases.list(p.name!, req.query.get('FunctionVersion') ?? undefined, req.query.get('Marker') ?? undefined, maxItems(req));
        return { status: 200, json: { Aliases: items.map((a) => aliasShape(deps.functions, a)), ...(next ? { NextMarker: next } : {}) } };
      },
    },
    {
      method: 'GET', path: [base, 'functions', '{name}', 'aliases', '{alias}'], operation: 'GetAlias', ...common,
      handle: async (_req, p) => ({ status: 200, json: aliasShape(deps.functions, await deps.aliases.get(p.name!, p.alias!)) }),
    },
    {
      method: 'PUT', path: [base, 'functions', '{name}', 'aliases', '{alias}'], operation: 'UpdateAlias', ...common,
      handle: async (req, p) => ({ status: 200, json: aliasShape(deps.functions, await deps.aliases.update(p.name!, p.alias!, decodeAlias(jsonBody(req)))) }),
    },
    {
      method: 'DELETE', path: [base, 'functions', '{name}', 'aliases', '{alias}'], operation: 'DeleteAlias', ...common,
      handle: async (_req, p) => {
        await deps.aliases.delete(p.name!, p.alias!);
        return { status: 204 };
      },
    },
  ];
}

/** The AliasConfiguration shape AWS returns (RoutingConfig only when the alias routes to a second version). */
export function aliasShape(fs: FunctionService, a: AliasRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    AliasArn: fs.arn(a.functionName, a.name),
    Name: a.name,
    FunctionVersion: a.functionVersion,
    Description: a.description,
    RevisionId: a.revisionId,
  };
  if (Object.keys(a.additionalVersionWeights).length) out.RoutingConfig = { AdditionalVersionWeights: a.additionalVersionWeights };
  return out;
}
