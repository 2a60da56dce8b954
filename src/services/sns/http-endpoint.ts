import http from 'node:http';
import https from 'node:https';
import type { EndpointPoster } from '../../topics/delivery-worker';

/** The most of an endpoint's answer read (SNS only needs the status; the rest is discarded). */
const responseBytesMax = 64 * 1024;

/**
 * The HTTP/S client of SNS deliveries to `http`/`https` subscriptions (the
 * domain's `EndpointPoster`; the domain itself imports no HTTP module).
 * One POST per delivery, no redirects followed (AWS does not follow them
 * either), the whole exchange bounded by the delivery timeout.
 */
export const endpointPoster: EndpointPoster = {
  post(url, headers, body, timeoutMs) {
    return new Promise<number>((resolve, reject) => {
      const u = new URL(url);
      const mod = u.protocol === 'https:' ? https : http;
      const req = mod.request(u, { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) }, timeout: timeoutMs }, (res) => {
        let seen = 0;
        res.on('data', (c: Buffer) => {
          seen += c.length;
          if (seen > responseBytesMax) res.destroy();
        });
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('close', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(res.statusCode ?? 0));
      });
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (e) => reject(e));
      req.on('close', () => clearTimeout(timer));
      req.end(body);
    });
  },
};
