import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir, writeTree, withServer } from './helpers';
import { kumoBin } from './helpers';
import { tool } from '../tools';

/**
 * `kumo dev` and API routes: the routes of HttpApi events are listed with
 * their URLs once deployed; saving the template with an event added, a
 * path changed and a declared API's new route updates what curl gets
 * (same addresses); saving the function's code changes what its routes
 * answer without touching the API; saving an API's DefinitionUri file
 * redeploys its routes.
 */
const template = (o: { path: string; extra: boolean; declaredRoute: string }) => `Transform: AWS::Serverless-2016-10-31
Resources:
  Declared:
    Type: AWS::Serverless::HttpApi
    Properties:
      StageName: dev
  FromFile:
    Type: AWS::Serverless::HttpApi
    Properties:
      DefinitionUri: openapi.yaml
  Web:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: web/
      Handler: app.handler
      Runtime: nodejs20.x
      Events:
        Main:
          Type: HttpApi
          Properties:
            Path: ${o.path}
            Method: get
${o.extra ? `        Extra:
          Type: HttpApi
          Properties:
            Path: /extra/{id}
            Method: any
` : ''}        OnDeclared:
          Type: HttpApi
          Properties:
            ApiId: !Ref Declared
            Path: ${o.declaredRoute}
            Method: get
`;

/** A DefinitionUri file: no intrinsics there (as at AWS), so the function is named by its ARN. */
const openapi = (p: string) => `openapi: 3.0.1
info: {title: from-file, version: '1'}
paths:
  ${p}:
    get:
      x-amazon-apigateway-integration:
        type: aws_proxy
        uri: arn:aws:lambda:us-east-1:000000000000:function:routes-Web
        payloadFormatVersion: '2.0'
`;

const code = (v: string) => `exports.handler = async (e) => ({ statusCode: 200, body: ${JSON.stringify(v)} + ' ' + e.routeKey });\n`;

describe('kumo dev: API routes hot reload', () => {
  let env: Record<string, string>;
  withServer((_s, e) => {
    env = e;
  });

  it('a template save adds and moves routes, a code save changes what they answer; every route is listed with its URL', async () => {
    const curl = tool('curl');
    const dir = path.join(tmpDir('dev-routes'), 'routes');
    writeTree(dir, { 'template.yaml': template({ path: '/hello', extra: false, declaredRoute: '/one' }), 'web/app.js': code('v1'), 'openapi.yaml': openapi('/file-one') });
    const p = spawn(kumoBin, ['dev'], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const waitFor = async (re: RegExp, from: number, ms = 60_000) => {
      const t0 = Date.now();
      while (!re.test(out.slice(from))) {
        if (Date.now() - t0 > ms) throw new Error(`kumo dev did not print ${re} in time:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    /** The status and body curl gets (curl resolves *.localhost to loopback itself). */
    const get = (url: string) => {
      const r = execFileSync(curl, ['-sS', '-w', '\n%{http_code}', url], { encoding: 'utf8' });
      const i = r.lastIndexOf('\n');
      return { status: Number(r.slice(i + 1)), body: r.slice(0, i) };
    };
    const urlOf = (routeKey: string, from: number) => {
      const m = new RegExp(`${routeKey.replace(/[{}+]/g, '\\$&')}  (http://\\S+)`).exec(out.slice(from));
      assert.ok(m, `${routeKey} listed in:\n${out.slice(from)}`);
      return m[1]!;
    };
    try {
      await waitFor(/watching for changes/, 0);
      const hello = urlOf('GET /hello', 0);
      const one = urlOf('GET /one', 0);
      assert.match(one, /\/dev\/one$/);
      assert.deepEqual(get(hello), { status: 200, body: 'v1 GET /hello' });
      assert.deepEqual(get(one), { status: 200, body: 'v1 GET /one' });

      const mark = out.length;
      fs.writeFileSync(path.join(dir, 'template.yaml'), template({ path: '/hi', extra: true, declaredRoute: '/two' }));
      await waitFor(/kumo dev: ready in/, mark);
      assert.match(out.slice(mark), /template changed/);
      const hi = urlOf('GET /hi', mark);
      assert.equal(new URL(hi).host, new URL(hello).host, 'the same API, the same address');
      assert.deepEqual(get(hi), { status: 200, body: 'v1 GET /hi' });
      assert.equal(get(hello).status, 404, 'the old path is gone');
      assert.deepEqual(get(urlOf('ANY /extra/{id}', mark).replace('{id}', '5')), { status: 200, body: 'v1 ANY /extra/{id}' });
      assert.deepEqual(get(urlOf('GET /two', mark)), { status: 200, body: 'v1 GET /two' });
      assert.equal(get(one).status, 404);

      const mark2 = out.length;
      fs.writeFileSync(path.join(dir, 'web/app.js'), code('v2'));
      await waitFor(/kumo dev: ready in/, mark2);
      assert.match(out.slice(mark2), /code changed: Web/);
      assert.deepEqual(get(hi), { status: 200, body: 'v2 GET /hi' });
      assert.deepEqual(get(urlOf('GET /two', mark)), { status: 200, body: 'v2 GET /two' });

      // The DefinitionUri file is watched like the template.
      const fileOne = urlOf('GET /file-one', 0);
      assert.deepEqual(get(fileOne), { status: 200, body: 'v2 GET /file-one' });
      const mark3 = out.length;
      fs.writeFileSync(path.join(dir, 'openapi.yaml'), openapi('/file-two'));
      await waitFor(/kumo dev: ready in/, mark3);
      assert.deepEqual(get(urlOf('GET /file-two', mark3)), { status: 200, body: 'v2 GET /file-two' });
      assert.equal(get(fileOne).status, 404);
    } finally {
      p.kill('SIGINT');
      await new Promise((r) => p.on('exit', r));
    }
    assert.match(out, /kumo dev: stopped/);
  });
});
