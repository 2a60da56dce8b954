import type { TagService } from '../../control/tags';
import { jsonBody, type Route } from './http';
import { decodeTagResource } from './decode';

export function tagRoutes(deps: { tags: TagService }): Route[] {
  const base = '2017-03-31';
  const common = { bodyBytesMax: 64 * 1024, auth: true };
  return [
    {
      method: 'GET', path: [base, 'tags', '{arn}'], operation: 'ListTags', ...common,
      handle: async (_req, p) => ({ status: 200, json: { Tags: await deps.tags.list(p.arn!) } }),
    },
    {
      method: 'POST', path: [base, 'tags', '{arn}'], operation: 'TagResource', ...common,
      handle: async (req, p) => {
        await deps.tags.tag(p.arn!, decodeTagResource(jsonBody(req)));
        return { status: 204 };
      },
    },
    {
      method: 'DELETE', path: [base, 'tags', '{arn}'], operation: 'UntagResource', ...common,
      handle: async (req, p) => {
        await deps.tags.untag(p.arn!, req.query.getAll('tagKeys'));
        return { status: 204 };
      },
    },
  ];
}
