// Floor A: one node:http server that calls a no-op handler in its own process.
// One HTTP hop, no isolation, no queue: the least any Lambda-compatible
// platform can do for an Invoke on this machine.
import http from 'node:http';

const handler = async (_event) => ({ ok: true });
const invokePath = /^\/2015-03-31\/functions\/[^/]+\/invocations$/;

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || !invokePath.test(req.url.split('?')[0])) {
    res.writeHead(404).end();
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const text = Buffer.concat(chunks).toString('utf8');
    const out = Buffer.from(JSON.stringify(await handler(text ? JSON.parse(text) : {})));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': out.length });
    res.end(out);
  });
});
server.keepAliveTimeout = 120_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`);
});
const stop = () => server.close(() => process.exit(0)) && setTimeout(() => process.exit(0), 500).unref();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
