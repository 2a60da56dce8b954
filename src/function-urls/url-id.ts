import { randomBytes } from 'node:crypto';
import { urlIdChars } from './limits';

const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A new URL id: 32 characters of lowercase letters and digits, as AWS's ids
 * are (`https://<url-id>.lambda-url.<region>.on.aws/`), drawn uniformly from
 * the OS's CSPRNG (about 165 bits: ids are never guessed nor reused).
 */
export function newUrlId(): string {
  let out = '';
  while (out.length < urlIdChars) {
    for (const b of randomBytes(urlIdChars)) {
      // 252 = 7 × 36: rejecting the top four byte values keeps every character equally likely.
      if (b < 252 && out.length < urlIdChars) out += alphabet[b % 36];
    }
  }
  return out;
}

export const urlIdRe = /^[a-z0-9]{32}$/;

/**
 * The FunctionUrl Kumo reports: AWS's form (`https://<url-id>.lambda-url.<region>.on.aws/`)
 * on Kumo's URL listener, `http://<url-id>.lambda-url.<region>.localhost:<port>/`.
 * Names under `localhost` resolve to the loopback address without /etc/hosts
 * (RFC 6761; curl, browsers and Node's resolver do so).
 */
export function functionUrlOf(urlId: string, region: string, port: number): string {
  return `http://${urlId}.lambda-url.${region}.localhost:${port}/`;
}
