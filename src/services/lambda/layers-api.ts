import type { LayerService } from '../../control/layers';
import type { LayerVersionRecord } from '../../control/records';
import { ApiError } from './errors';
import { jsonBody, type ApiRequest, type Route } from './http';
import type { CodeUrlSigner } from './code-url';
import { decodeAddLayerVersionPermission, decodePublishLayerVersion } from './decode';
import { maxItems } from './versions-api';

/** PublishLayerVersion carries a base64 zip: AWS's 50 MB zip limit as a request size. */
const publishBytesMax = 69_905_067;
const smallBytesMax = 1024 * 1024;
/** ListLayers / ListLayerVersions: MaxItems 1–50 (AWS). */
const layerListMax = 50;

export function layerRoutes(deps: { layers: LayerService; codeUrls: CodeUrlSigner }): Route[] {
  const L = deps.layers;
  const base = '2018-10-31';
  const small = { bodyBytesMax: smallBytesMax, auth: true };
  const item = (r: LayerVersionRecord) => ({
    LayerVersionArn: `${L.layerArn(r.layerName)}:${r.version}`,
    Version: r.version,
    Description: r.description,
    CreatedDate: r.createdDate,
    CompatibleRuntimes: r.compatibleRuntimes,
    CompatibleArchitectures: r.compatibleArchitectures,
    ...(r.licenseInfo !== undefined ? { LicenseInfo: r.licenseInfo } : {}),
  });
  // Content.Location: a pre-signed download of the layer's zip, as AWS returns it.
  const full = (req: ApiRequest, r: LayerVersionRecord) => ({
    Content: { Location: deps.codeUrls.location(req, r.codeKey), CodeSha256: r.codeSha256, CodeSize: r.codeSize },
    LayerArn: L.layerArn(r.layerName),
    ...item(r),
  });
  return [
    {
      method: 'POST', path: [base, 'layers', '{layer}', 'versions'], operation: 'PublishLayerVersion', bodyBytesMax: publishBytesMax, auth: true,
      handle: async (req, p) => ({ status: 201, json: full(req, await L.publish(p.layer!, decodePublishLayerVersion(jsonBody(req)))) }),
    },
    {
      // ListLayers, and GetLayerVersionByArn (same path with ?find=LayerVersion&Arn=…).
      method: 'GET', path: [base, 'layers'], operation: 'ListLayers', ...small,
      // Authorised (and audited) as what it is: GetLayerVersionByArn is lambda:GetLayerVersion on its Arn.
      operationOf: (q) => (q.get('find') === 'LayerVersion' ? 'GetLayerVersionByArn' : 'ListLayers'),
      handle: async (req) => {
        const find = req.query.get('find');
        if (find !== null) {
          if (find !== 'LayerVersion') throw new ApiError('InvalidParameterValueException', `Unsupported find value: ${find}`);
          return { status: 200, json: full(req, await L.getByArn(req.query.get('Arn') ?? '')) };
        }
        const { items, next } = await L.list(
          req.query.get('Marker') ?? undefined, maxItems(req, layerListMax, layerListMax),
          req.query.get('CompatibleRuntime') ?? undefined, req.query.get('CompatibleArchitecture') ?? undefined,
        );
        return {
          status: 200,
          json: {
            Layers: items.map((r) => ({ LayerName: r.layerName, LayerArn: L.layerArn(r.layerName), LatestMatchingVersion: item(r) })),
            ...(next ? { NextMarker: next } : {}),
          },
        };
      },
    },
    {
      method: 'GET', path: [base, 'layers', '{layer}', 'versions'], operation: 'ListLayerVersions', ...small,
      handle: async (req, p) => {
        const { items, next } = await L.listVersions(
          p.layer!, req.query.get('Marker') ?? undefined, maxItems(req, layerListMax, layerListMax),
          req.query.get('CompatibleRuntime') ?? undefined, req.query.get('CompatibleArchitecture') ?? undefined,
        );
        return { status: 200, json: { LayerVersions: items.map(item), ...(next ? { NextMarker: next } : {}) } };
      },
    },
    {
      method: 'GET', path: [base, 'layers', '{layer}', 'versions', '{version}'], operation: 'GetLayerVersion', ...small,
      handle: async (req, p) => ({ status: 200, json: full(req, await L.get(p.layer!, p.version!)) }),
    },
    {
      method: 'DELETE', path: [base, 'layers', '{layer}', 'versions', '{version}'], operation: 'DeleteLayerVersion', ...small,
      handle: async (_req, p) => {
        await L.delete(p.layer!, p.version!);
        return { status: 204 };
      },
    },
    {
      method: 'POST', path: [base, 'layers', '{layer}', 'versions', '{version}', 'policy'], operation: 'AddLayerVersionPermission', ...small,
      handle: async (req, p) => ({
        status: 201,
        json: await L.addPermission(p.layer!, p.version!, decodeAddLayerVersionPermission(jsonBody(req)), req.query.get('RevisionId') ?? undefined),
      }),
    },
    {
      method: 'GET', path: [base, 'layers', '{layer}', 'versions', '{version}', 'policy'], operation: 'GetLayerVersionPolicy', ...small,
      handle: async (_req, p) => ({ status: 200, json: await L.getPolicy(p.layer!, p.version!) }),
    },
    {
      method: 'DELETE', path: [base, 'layers', '{layer}', 'versions', '{version}', 'policy', '{sid}'], operation: 'RemoveLayerVersionPermission', ...small,
      handle: async (req, p) => {
        await L.removePermission(p.layer!, p.version!, p.sid!, req.query.get('RevisionId') ?? undefined);
        return { status: 204 };
      },
    },
  ];
}
