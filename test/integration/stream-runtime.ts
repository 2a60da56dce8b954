/**
 * A custom runtime (provided.al2023) in Python that streams its response to
 * the Runtime API by hand (`Lambda-Runtime-Function-Response-Mode: streaming`,
 * HTTP/1.1 chunks written one by one, errors in trailers), so chunk timing and
 * trailers are exact. The event says what to send: `chunks` pieces of `size`
 * times `fill` plus `part<i>\\n`, `gap` seconds apart; `fail` adds error trailers.
 */
export const bootstrap = `#!/usr/bin/python3
import base64, json, os, socket, time
host, port = os.environ['AWS_LAMBDA_RUNTIME_API'].split(':')
def request(method, path, body=b'', headers=()):
    s = socket.create_connection((host, int(port)))
    head = f'{method} {path} HTTP/1.1\\r\\nHost: {host}\\r\\nContent-Length: {len(body)}\\r\\n' + ''.join(f'{k}: {v}\\r\\n' for k, v in headers) + '\\r\\n'
    s.sendall(head.encode() + body)
    return s
def read_response(s):
    data = b''
    while b'\\r\\n\\r\\n' not in data:
        data += s.recv(65536)
    head, _, rest = data.partition(b'\\r\\n\\r\\n')
    hdrs = dict(l.split(': ', 1) for l in head.decode().split('\\r\\n')[1:])
    n = int(hdrs.get('Content-Length', hdrs.get('content-length', '0')))
    while len(rest) < n:
        rest += s.recv(65536)
    return {k.lower(): v for k, v in hdrs.items()}, rest
while True:
    s = request('GET', '/2018-06-01/runtime/invocation/next')
    hdrs, body = read_response(s)
    s.close()
    rid, event = hdrs['lambda-runtime-aws-request-id'], json.loads(body)
    s = socket.create_connection((host, int(port)))
    s.sendall((f'POST /2018-06-01/runtime/invocation/{rid}/response HTTP/1.1\\r\\nHost: {host}\\r\\n'
               'Lambda-Runtime-Function-Response-Mode: streaming\\r\\nTransfer-Encoding: chunked\\r\\n'
               'Content-Type: text/plain\\r\\nTrailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\\r\\n\\r\\n').encode())
    for i in range(event['chunks']):
        chunk = (event.get('fill', 'x') * event.get('size', 0) + f'part{i}\\n').encode()
        s.sendall(f'{len(chunk):x}\\r\\n'.encode() + chunk + b'\\r\\n')
        time.sleep(event.get('gap', 0))
    trailers = ''
    if event.get('fail'):
        err = base64.b64encode(json.dumps({'errorType': 'StreamBroke', 'errorMessage': 'broke mid-stream'}).encode()).decode()
        trailers = f'Lambda-Runtime-Function-Error-Type: StreamBroke\\r\\nLambda-Runtime-Function-Error-Body: {err}\\r\\n'
    s.sendall(('0\\r\\n' + trailers + '\\r\\n').encode())
    read_response(s)
    s.close()
`;
