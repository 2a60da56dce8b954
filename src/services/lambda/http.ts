import { ApiError } from './errors';
import type { ApiRequest } from '../../gateway/service';

// Lambda's routes are rest-json routes of the gateway (src/gateway/): these are their types.
export type { ApiRequest, ApiResponse, Route } from '../../gateway/service';

/** Parses a JSON object body with AWS's error for malformed content. */
export function jsonBody(req: ApiRequest): Record<string, unknown> {
  if (req.body.length === 0) return {};
  let v: unknown;
  try {
    v = JSON.parse(req.body.toString('utf8'));
  } catch (e) {
    throw new ApiError('InvalidRequestContentException', `Could not parse request body into json: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new ApiError('InvalidRequestContentException', 'Could not parse request body into json: expected a JSON object');
  }
  return v as Record<string, unknown>;
}
