// Floor B's runtime process (Node.js): the Runtime API loop and nothing else.
import http from 'node:http';

const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const handler = async (_event) => ({ ok: true });

function call(method, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port: Number(port), method, path, agent, headers: body ? { 'content-type': 'application/json', 'content-length': body.length } : {} }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

for (;;) {
  let next;
  try {
    next = await call('GET', '/2018-06-01/runtime/invocation/next');
  } catch {
    process.exit(0); // the front end is gone
  }
  const id = next.headers['lambda-runtime-aws-request-id'];
  const out = Buffer.from(JSON.stringify(await handler(JSON.parse(next.body.toString('utf8')))));
  try {
    await call('POST', `/2018-06-01/runtime/invocation/${id}/response`, out);
  } catch {
    process.exit(0);
  }
}
