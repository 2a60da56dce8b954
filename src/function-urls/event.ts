/**
 * The request event of a function URL: payload format version 2.0, as AWS
 * builds it for function URLs (urls-invocation.html, "Request payload
 * format"): header names lower-cased and repeated headers joined with
 * commas, the Cookie header moved to `cookies`, repeated query parameters
 * joined with commas, members without a value left out (no `body` for an
 * empty body, no `queryStringParameters` without a query, no `cookies`
 * without a Cookie header), `requestContext.accountId` "anonymous" for an
 * unauthenticated (NONE) URL and `authorizer.iam` for AWS_IAM.
 */
export interface UrlRequest {
  method: string;
  /** The path as it arrived (percent-encoding kept), without the path-based prefix. */
  rawPath: string;
  rawQueryString: string;
  /** Header name/value pairs in arrival order (Node's rawHeaders). */
  headers: [string, string][];
  body: Buffer;
  sourceIp: string;
  protocol: string;
  /** The caller, when the URL is AWS_IAM and the signature checked out. */
  /** AWS_IAM: who signed (`userArn`/`userId`: the principal's ARN and id; the account's root when absent). */
  iam?: { accessKey: string; accountId: string; userArn?: string; userId?: string };
}

export interface EventContext {
  urlId: string;
  region: string;
  domainName: string;
  requestId: string;
  nowMs: number;
  /** Headers AWS's front end adds (x-forwarded-*, x-amzn-trace-id). */
  added: Record<string, string>;
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** requestContext.time: `dd/MMM/yyyy:HH:mm:ss +0000` (e.g. 12/Mar/2020:19:03:58 +0000). */
export function requestTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/**
 * Whether AWS passes the body as text: text/*, and JSON, XML and JavaScript
 * types (`application/json`, `application/problem+json`, `application/xml`,
 * `application/javascript` …). Anything else (form bodies, multipart, images,
 * no Content-Type) arrives base64-encoded with `isBase64Encoded: true`
 * (recorded: LocalStack test_lambda.snapshot.json, test_lambda_url_form_payload,
 * where a multipart body arrives in base64).
 */
export function isTextType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const t = contentType.split(';')[0]!.trim().toLowerCase();
  return t.startsWith('text/') || /(^|[/+])(json|xml)$/.test(t) || t === 'application/javascript' || t === 'application/x-javascript';
}

function decodeQueryPart(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

export function buildEvent(req: UrlRequest, ctx: EventContext): Record<string, unknown> {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [rawName, value] of req.headers) {
    const name = rawName.toLowerCase();
    if (name === 'cookie') {
      for (const c of value.split(';')) if (c.trim()) cookies.push(c.trim());
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  for (const [k, v] of Object.entries(ctx.added)) headers[k] = v;
  let query: Record<string, string> | undefined;
  if (req.rawQueryString) {
    query = {};
    for (const part of req.rawQueryString.split('&')) {
      if (!part) continue;
      const eq = part.indexOf('=');
      const k = decodeQueryPart(eq < 0 ? part : part.slice(0, eq));
      const v = eq < 0 ? '' : decodeQueryPart(part.slice(eq + 1));
      query[k] = k in query ? `${query[k]},${v}` : v;
    }
  }
  const text = isTextType(headers['content-type']);
  const hasBody = req.body.length > 0;
  const iam = req.iam;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: req.rawPath,
    rawQueryString: req.rawQueryString,
    ...(cookies.length ? { cookies } : {}),
    headers,
    ...(query ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: iam ? iam.accountId : 'anonymous',
      apiId: ctx.urlId,
      ...(iam
        ? {
            authorizer: {
              iam: {
                accessKey: iam.accessKey, accountId: iam.accountId, callerId: iam.userId ?? iam.accountId,
                cognitoIdentity: null, principalOrgId: null,
                userArn: iam.userArn ?? `arn:aws:iam::${iam.accountId}:root`, userId: iam.userId ?? iam.accountId,
              },
            },
          }
        : {}),
      domainName: ctx.domainName,
      domainPrefix: ctx.urlId,
      http: {
        method: req.method,
        path: req.rawPath,
        protocol: req.protocol,
        sourceIp: req.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: ctx.requestId,
      routeKey: '$default',
      stage: '$default',
      time: requestTime(ctx.nowMs),
      timeEpoch: ctx.nowMs,
    },
    ...(hasBody ? { body: text ? req.body.toString('utf8') : req.body.toString('base64') } : {}),
    isBase64Encoded: hasBody && !text,
  };
}
