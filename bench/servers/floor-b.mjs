// Floor B: the smallest Lambda-shaped architecture, with no isolation.
// A node:http front end takes Invoke requests and hands each to one of N
// runtime processes (children) that long-poll a Runtime-API-shaped endpoint
// on loopback (GET /2018-06-01/runtime/invocation/next, POST .../{id}/response),
// the same loop every Lambda runtime runs.
//
//   node floor-b.mjs <runtimes> <node|python>
import http from 'node:http';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const runtimes = Number(process.argv[2] ?? 1);
const lang = process.argv[3] ?? 'node';
const invokePath = /^\/2015-03-31\/functions\/[^/]+\/invocations$/;
const responsePath = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/;

const queue = []; // invocations waiting for a runtime: { id, payload }
const parked = []; // runtimes waiting in GET /next: ServerResponse
const pending = new Map(); // id -> client ServerResponse
let ready = 0;
let announced = false;

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

function deliver(next, inv) {
  next.writeHead(200, {
    'content-type': 'application/json',
    'content-length': inv.payload.length,
    'lambda-runtime-aws-request-id': inv.id,
    'lambda-runtime-deadline-ms': String(Date.now() + 3000),
    'lambda-runtime-invoked-function-arn': 'arn:aws:lambda:us-east-1:000000000000:function:floor',
    'lambda-runtime-trace-id': 'Root=1-00000000-000000000000000000000000;Sampled=0',
  });
  next.end(inv.payload);
}

const front = http.createServer(async (req, res) => {
  if (req.method !== 'POST' || !invokePath.test(req.url.split('?')[0])) {
    res.writeHead(404).end();
    return;
  }
  const payload = await readBody(req);
  const inv = { id: randomUUID(), payload: payload.length ? payload : Buffer.from('{}') };
  pending.set(inv.id, res);
  const next = parked.pop();
  if (next) deliver(next, inv);
  else queue.push(inv);
});
front.keepAliveTimeout = 120_000;

const runtimeApi = http.createServer(async (req, res) => {
  if (req.method === 'GET' && req.url === '/2018-06-01/runtime/invocation/next') {
    if (!announced && ++ready === runtimes) announce();
    const inv = queue.shift();
    if (inv) deliver(res, inv);
    else parked.push(res);
    return;
  }
  const m = req.method === 'POST' ? responsePath.exec(req.url) : null;
  if (!m) {
    res.writeHead(404).end();
    return;
  }
  const body = await readBody(req);
  const client = pending.get(m[1]);
  pending.delete(m[1]);
  res.writeHead(202, { 'content-length': 2 }).end('{}');
  if (!client) return;
  const headers = { 'content-type': 'application/json', 'content-length': body.length };
  if (m[2] === 'error') headers['x-amz-function-error'] = 'Unhandled';
  client.writeHead(200, headers).end(body);
});
runtimeApi.keepAliveTimeout = 0;
runtimeApi.requestTimeout = 0;

const children = [];
function announce() {
  announced = true;
  front.listen(0, '127.0.0.1', () => {
    process.stdout.write(`listening on http://127.0.0.1:${front.address().port} runtimes=${children.map((c) => c.pid).join(',')}\n`);
  });
}

runtimeApi.listen(0, '127.0.0.1', () => {
  const api = `127.0.0.1:${runtimeApi.address().port}`;
  for (let i = 0; i < runtimes; i++) {
    const [cmd, script] = lang === 'python' ? ['python3', 'floor-b-runtime.py'] : [process.execPath, 'floor-b-runtime.mjs'];
    const child = spawn(cmd, [path.join(here, script)], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', AWS_LAMBDA_RUNTIME_API: api },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('exit', () => {
      if (!stopping) {
        process.stderr.write('floor-b: a runtime process exited\n');
        stop(1);
      }
    });
    children.push(child);
  }
});

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const c of children) c.kill('SIGKILL');
  setTimeout(() => process.exit(code), 50);
}
process.on('SIGTERM', () => stop(0));
process.on('SIGINT', () => stop(0));
