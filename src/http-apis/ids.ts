import { randomBytes } from 'node:crypto';
import { apiIdChars, subIdChars } from './limits';

const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** An id of `n` lowercase letters and digits, as API Gateway's are, from the OS's CSPRNG. */
function newId(n: number): string {
  let out = '';
  while (out.length < n) {
    // 252 = 7 × 36: rejecting the top four byte values keeps every character equally likely.
    for (const b of randomBytes(n)) if (b < 252 && out.length < n) out += alphabet[b % 36];
  }
  return out;
}

export const newApiId = () => newId(apiIdChars);
export const newSubId = () => newId(subIdChars);
export const apiIdRe = new RegExp(`^[a-z0-9]{${apiIdChars}}$`);

/**
 * The ApiEndpoint Kumo reports: AWS's form (`https://<api-id>.execute-api.<region>.amazonaws.com`)
 * on Kumo's URL listener, under `localhost` (resolves to loopback without /etc/hosts, RFC 6761).
 */
export function apiEndpointOf(apiId: string, region: string, port: number): string {
  return `http://${apiId}.execute-api.${region}.localhost:${port}`;
}
