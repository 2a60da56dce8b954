import type { ApiResponse, Route } from '../../gateway/service';
import { escapeXml } from '../../gateway/protocols/query';
import { confirmPath, signingCertPath, unsubscribePath } from '../../topics/envelope';
import type { TopicService } from '../../topics/topic-service';
import { TopicsError } from '../../topics/errors';
import { codeOfKind } from './errors';

const ns = 'http://sns.amazonaws.com/doc/2010-03-31/';
const segments = (p: string) => p.split('/').filter(Boolean);
const xml = (status: number, body: string): ApiResponse => ({ status, headers: { 'content-type': 'text/xml' }, raw: Buffer.from(body) });

/**
 * The unsigned URLs SNS puts in its messages, served by Kumo's gateway as
 * AWS serves them on its endpoint: SubscribeURL (confirms the subscription
 * holding the token), UnsubscribeURL (anyone holding the subscription's
 * ARN, which carries a random UUID, may unsubscribe it, as with AWS) and
 * SigningCertURL (the public key the Signature is checked with).
 */
export function snsUrlRoutes(topics: TopicService, publicKeyPem: () => string): Route[] {
  const answer = async (op: string, f: () => Promise<Record<string, string>>, requestId: string): Promise<ApiResponse> => {
    try {
      const r = await f();
      const result = Object.entries(r).map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`).join('');
      return xml(200, `<${op}Response xmlns="${ns}"><${op}Result>${result}</${op}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${op}Response>`);
    } catch (e) {
      if (!(e instanceof TopicsError)) throw e;
      const code = codeOfKind[e.kind];
      return xml(e.kind === 'NotFound' ? 404 : 400,
        `<ErrorResponse xmlns="${ns}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(e.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`);
    }
  };
  return [
    {
      method: 'GET', path: segments(confirmPath), operation: 'ConfirmSubscription', bodyBytesMax: 0, auth: false,
      handle: (req) => answer('ConfirmSubscription', async () => {
        const s = await topics.confirmSubscription(req.query.get('TopicArn') ?? '', req.query.get('Token') ?? undefined);
        return { SubscriptionArn: s.arn };
      }, req.requestId),
    },
    {
      method: 'GET', path: segments(unsubscribePath), operation: 'Unsubscribe', bodyBytesMax: 0, auth: false,
      handle: (req) => answer('Unsubscribe', async () => {
        await topics.unsubscribe(req.query.get('SubscriptionArn') ?? '');
        return {};
      }, req.requestId),
    },
    {
      method: 'GET', path: segments(signingCertPath), operation: 'GetSigningCert', bodyBytesMax: 0, auth: false,
      handle: async () => ({ status: 200, headers: { 'content-type': 'application/x-pem-file' }, raw: Buffer.from(publicKeyPem()) }),
    },
  ];
}
