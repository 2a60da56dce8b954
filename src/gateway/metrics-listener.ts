import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/**
 * The Prometheus scrape endpoint (`GET /metrics`) on its own listener
 * (KUMO_METRICS_PORT, off unless set, bound to the server's host). Its own
 * port rather than the gateway behind SigV4: Prometheus and its kin scrape
 * with plain HTTP (no SigV4 signer), the gateway stays AWS's APIs only, and
 * a port is what operators firewall or expose to a scraper; the same
 * numbers are available signed through CloudWatch (GetMetricStatistics).
 */
export class MetricsListener {
  private readonly server: http.Server;

  constructor(private readonly registry: Registry, private readonly onError: (e: unknown) => void) {
    this.server = http.createServer({ keepAliveTimeout: 5_000 }, (req, res) => void this.handle(req, res));
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((r) => {
      this.server.close(() => r());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    req.resume();
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') return void res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: the metrics are at /metrics\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('Method not allowed\n');
    try {
      const body = await this.registry.metrics();
      res.writeHead(200, { 'content-type': this.registry.contentType });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (e) {
      this.onError(e);
      res.writeHead(500, { 'content-type': 'text/plain' }).end('Internal error\n');
    }
  }
}
