import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { routesOfDefinition } from './openapi';
import type { DeployContext } from './context';

/** A context whose template errors carry the path, as `template.yaml:LINE:COL` does for a real template. */
const ctx = { error: (p: string, m: string) => new Error(`${p}: ${m}`) } as unknown as DeployContext;
const fn = 'arn:aws:lambda:us-east-1:000000000000:function:f';
const integ = (extra: Record<string, unknown> = {}) => ({ 'x-amazon-apigateway-integration': { type: 'aws_proxy', uri: fn, payloadFormatVersion: '2.0', ...extra } });

describe('OpenAPI definitions as API Gateway imports them (routesOfDefinition)', () => {
  it('reads each operation with a Lambda proxy integration as a route; ANY and $default; documentation has no effect', () => {
    const r = routesOfDefinition(ctx, {
      openapi: '3.0.1', info: { title: 't' }, tags: [{ name: 'x' }], components: { schemas: { Pet: {} } },
      'x-amazon-apigateway-cors': { allowOrigins: ['*'], maxAge: 5 },
      paths: {
        '/pets/{id}': { parameters: [], get: { summary: 's', responses: {}, ...integ({ timeoutInMillis: 900, httpMethod: 'POST' }) } },
        '/any': { 'x-amazon-apigateway-any-method': integ() },
        $default: { 'x-amazon-apigateway-any-method': integ({ payloadFormatVersion: '1.0' }) },
      },
    }, 'Body', 'http');
    assert.deepEqual(r.routes.map(({ at: _at, ...x }) => x), [
      { RouteKey: 'GET /pets/{id}', Function: fn, PayloadFormatVersion: '2.0', TimeoutInMillis: 900 },
      { RouteKey: 'ANY /any', Function: fn, PayloadFormatVersion: '2.0' },
      { RouteKey: '$default', Function: fn, PayloadFormatVersion: '1.0' },
    ]);
    assert.deepEqual(r.cors, { AllowOrigins: ['*'], MaxAge: 5 });
  });

  it('a REST API definition (swagger 2.0) is payload 1.0 and has no payloadFormatVersion', () => {
    const { payloadFormatVersion: _p, ...restInteg } = integ()['x-amazon-apigateway-integration'];
    const r = routesOfDefinition(ctx, { swagger: '2.0', basePath: '/', paths: { '/x': { post: { 'x-amazon-apigateway-integration': restInteg } } } }, 'Body', 'rest');
    assert.deepEqual(r.routes.map((x) => [x.RouteKey, x.PayloadFormatVersion]), [['POST /x', '1.0']]);
    assert.throws(() => routesOfDefinition(ctx, { paths: { '/x': { post: integ() } } }, 'Body', 'rest'), /payloadFormatVersion is a setting of HTTP APIs/);
  });

  it('refuses by name what Kumo cannot honour, with the path of the member', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ paths: { '/x': { get: integ({ type: 'http_proxy' }) } } }, /Body\.paths\./],
      [{ paths: { '/x': { get: integ({ type: 'HTTP_PROXY' }) } } }, /type HTTP_PROXY is not supported/],
      [{ paths: { '/x': { get: { 'x-amazon-apigateway-integration': { type: 'aws_proxy', uri: fn } } } } }, /payloadFormatVersion is required/],
      [{ paths: { '/x': { get: integ({ requestParameters: { a: 'b' } }) } } }, /requestParameters is not supported by Kumo/],
      [{ paths: { '/x': { get: { ...integ(), security: [{ jwt: [] }] } } } }, /no API authorizers yet: security/],
      [{ components: { securitySchemes: { jwt: {} } }, paths: {} }, /securitySchemes is not supported/],
      [{ 'x-amazon-apigateway-binary-media-types': ['image/png'], paths: {} }, /x-amazon-apigateway-binary-media-types is not supported by Kumo/],
      [{ paths: { '/x': { get: { summary: 'no integration' } } } }, /x-amazon-apigateway-integration \(type aws_proxy\) only/],
      [{ paths: { '/x': { fetch: integ() } } }, /unknown method fetch/],
      [{ paths: { x: { get: integ() } } }, /must start with \//],
      [{ paths: { '/x': { get: integ({ uri: { 'Fn::GetAtt': ['F', 'Arn'] } }) } } }, /uri must be a string/],
    ];
    for (const [doc, re] of cases) assert.throws(() => routesOfDefinition(ctx, doc, 'Body', 'http'), re, JSON.stringify(doc));
    assert.throws(() => routesOfDefinition(ctx, { paths: { $default: { 'x-amazon-apigateway-any-method': integ() } } }, 'Body', 'rest'), /\$default is a route of HTTP APIs/);
  });
});
