import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchRoute, parseRouteKey } from './route-key';
import type { HttpRoute } from './records';

const routes = (...keys: string[]): HttpRoute[] => keys.map((routeKey, i) => ({ routeId: `r${i}`, routeKey }));
const pick = (rs: HttpRoute[], method: string, path: string) => {
  const m = matchRoute(rs, method, path);
  return m && { key: m.route.routeKey, params: m.pathParameters };
};

test('route keys API Gateway accepts, and ones it refuses', () => {
  assert.equal(parseRouteKey('$default'), 'default');
  for (const k of ['GET /', 'ANY /pets', 'POST /pets/{id}', 'GET /a/{proxy+}', 'DELETE /{x}/b']) assert.ok(parseRouteKey(k), k);
  for (const k of ['GET', 'FETCH /x', 'GET pets', 'GET /a/{p+}/b', 'GET /a//b', 'GET /{a}/{a}', 'GET /a{b}', 'get /x']) assert.equal(parseRouteKey(k), undefined, k);
});

test('the most specific route wins: literal, then {param}, then {proxy+}; a named method before ANY; $default last', () => {
  const rs = routes('$default', 'ANY /{proxy+}', 'GET /pets/{id}', 'GET /pets/dog', 'ANY /pets/dog', 'GET /pets/{id}/toys/{proxy+}', 'GET /');
  assert.deepEqual(pick(rs, 'GET', '/pets/dog'), { key: 'GET /pets/dog', params: {} });
  assert.deepEqual(pick(rs, 'POST', '/pets/dog'), { key: 'ANY /pets/dog', params: {} });
  assert.deepEqual(pick(rs, 'GET', '/pets/cat'), { key: 'GET /pets/{id}', params: { id: 'cat' } });
  assert.deepEqual(pick(rs, 'GET', '/pets/cat/'), { key: 'GET /pets/{id}', params: { id: 'cat' } }, 'a trailing slash');
  assert.deepEqual(pick(rs, 'GET', '/pets/c%20t'), { key: 'GET /pets/{id}', params: { id: 'c t' } });
  assert.deepEqual(pick(rs, 'GET', '/pets/1/toys/a/b'), { key: 'GET /pets/{id}/toys/{proxy+}', params: { id: '1', proxy: 'a/b' } });
  assert.deepEqual(pick(rs, 'GET', '/pets/1/toys'), { key: 'ANY /{proxy+}', params: { proxy: 'pets/1/toys' } }, '{proxy+} needs a segment');
  assert.deepEqual(pick(rs, 'GET', '/'), { key: 'GET /', params: {} });
  assert.deepEqual(pick(rs, 'POST', '/'), { key: '$default', params: {} }, '{proxy+} does not match the root');
  assert.equal(pick(routes('GET /a'), 'GET', '/b'), undefined);
});
