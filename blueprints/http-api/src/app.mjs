// An HTTP API (payload format 2.0) handler: the event carries the request,
// the result is the response ({statusCode, headers, body}).
const json = (statusCode, body) => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

export const handler = async (event) => {
  const method = event?.requestContext?.http?.method ?? 'GET';
  const path = event?.rawPath ?? '/';
  const raw = event?.body ? (event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body) : '';
  console.log(`${method} ${path}`);
  if (method === 'GET') {
    return json(200, { items: [{ id: 1, name: 'first' }], stage: process.env.STAGE ?? 'dev', query: event?.queryStringParameters ?? {} });
  }
  if (method === 'POST') {
    let item;
    try {
      item = raw ? JSON.parse(raw) : {};
    } catch {
      return json(400, { error: 'the body is not JSON' });
    }
    return json(201, { created: item });
  }
  return json(405, { error: `${method} is not allowed` });
};
