import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CreateFunctionCommand, CreateFunctionUrlConfigCommand, GetFunctionUrlConfigCommand, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { allowPublicUrl, makeZip, role, startServer, type RunningServer } from './harness';
import { tool } from '../tools';

/**
 * CORS of function URLs as a real browser enforces it: Debian's chromium,
 * headless, loads a page from one loopback origin (a tiny server of this
 * test) whose script fetch()es a function URL (another origin: the
 * host-based `<id>.lambda-url.<region>.localhost`, which Chromium resolves
 * to loopback itself) with a custom header, so the browser sends a
 * preflight first and refuses the response unless the URL's CORS allows it.
 */
const handlerJs = `
let calls = 0;
exports.handler = async (event) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json', 'x-from': 'fn', 'x-hidden': 'h' },
  body: JSON.stringify({ calls: ++calls, method: event.requestContext.http.method, custom: event.headers['x-custom'] }),
});`;

describe('function URL CORS from a real browser (chromium headless, playwright-core)', () => {
  let s: RunningServer;
  let page: Page;
  let browser: Browser;
  let pages: http.Server;
  let origin: string;

  before(async () => {
    pages = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>app</title><p>app</p>');
    });
    await new Promise<void>((r) => pages.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
    s = await startServer();
    await s.client.send(new CreateFunctionCommand({
      FunctionName: 'api', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: await makeZip({ 'index.js': handlerJs }) },
    }));
    await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'api' });
    // Root in a container: Chromium's own sandbox needs user namespaces it may not have here; the page is our own.
    browser = await chromium.launch({ executablePath: tool('chromium'), headless: true, args: ['--no-sandbox'] });
    page = await browser.newPage();
    await page.goto(`${origin}/`);
  });
  after(async () => {
    await browser?.close();
    await s?.stop();
    await new Promise((r) => pages?.close(r));
  });

  /** Runs fetch() in the page: the answer the script sees, or the error the browser gave it. */
  const fetchFromPage = (url: string, headers: Record<string, string>) =>
    page.evaluate(async ({ url, headers }) => {
      try {
        const r = await fetch(url, { method: 'POST', headers, body: '{"x":1}' });
        return { ok: true, status: r.status, body: await r.json(), from: r.headers.get('x-from'), hidden: r.headers.get('x-hidden') };
      } catch (e) {
        return { ok: false, error: String(e) };
      }
    }, { url, headers });

  it('an allowed origin, method and header: the preflight passes, the script reads the body and only the exposed header', async () => {
    const u = await s.client.send(new CreateFunctionUrlConfigCommand({
      FunctionName: 'api', AuthType: 'NONE',
      Cors: { AllowOrigins: [origin], AllowMethods: ['POST'], AllowHeaders: ['x-custom', 'content-type'], ExposeHeaders: ['x-from'], MaxAge: 0 },
    }));
    await allowPublicUrl(s.client, 'api');
    assert.notEqual(new URL(u.FunctionUrl!).origin, origin, 'the URL is another origin than the page');
    const r = await fetchFromPage(u.FunctionUrl!, { 'x-custom': 'yes', 'content-type': 'application/json' });
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { calls: 1, method: 'POST', custom: 'yes' }, 'the function ran once: the preflight was answered by the URL');
    assert.equal(r.from, 'fn');
    assert.equal(r.hidden, null, 'a header not in ExposeHeaders stays hidden from the script');
  });

  it('a header the Cors does not allow, or another origin: the browser refuses the response', async () => {
    // A second function's URL whose Cors allows only another origin.
    await s.client.send(new CreateFunctionCommand({
      FunctionName: 'other', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: await makeZip({ 'index.js': handlerJs }) },
    }));
    await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'other' });
    const elsewhere = await s.client.send(new CreateFunctionUrlConfigCommand({
      FunctionName: 'other', AuthType: 'NONE', Cors: { AllowOrigins: ['http://elsewhere.example'], AllowMethods: ['*'], AllowHeaders: ['*'] },
    }));
    // Public, so that only the Cors can make the browser refuse.
    await allowPublicUrl(s.client, 'other');
    const r1 = await fetchFromPage(elsewhere.FunctionUrl!, { 'x-custom': 'yes' });
    assert.equal(r1.ok, false, JSON.stringify(r1));
    assert.match(String(r1.error), /Failed to fetch/);
    const api = (await s.client.send(new GetFunctionUrlConfigCommand({ FunctionName: 'api' }))).FunctionUrl!;
    const r2 = await fetchFromPage(api, { 'x-not-allowed': '1' });
    assert.equal(r2.ok, false, JSON.stringify(r2));
  });
});
