import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { BlobStore } from '../../blobs/blob-store';
import { ApiError } from './errors';
import type { ApiRequest, Route } from './http';

/** A Code.Location / Content.Location stays valid this long (AWS's pre-signed S3 URL: 10 minutes). */
const codeUrlTtlMs = 10 * 60 * 1000;

/**
 * Pre-signed, time-limited downloads of stored zips: GetFunction's
 * Code.Location and the layer operations' Content.Location (AWS hands out
 * pre-signed S3 URLs for both). The key lives only as long as this process.
 */
export class CodeUrlSigner {
  private readonly key = randomBytes(32);

  /** The download URL of a zip by its code key, as the caller addressed this server. */
  location(req: ApiRequest, codeKey: string): string {
    const expires = Date.now() + codeUrlTtlMs;
    return `${req.baseUrl}/kumo/code/${codeKey}?expires=${expires}&signature=${this.sign(codeKey, expires)}`;
  }

  private sign(codeKey: string, expiresMs: number): string {
    return createHmac('sha256', this.key).update(`${codeKey}\n${expiresMs}`).digest('hex');
  }

  private verify(codeKey: string, expiresMs: number, sig: string): boolean {
    const want = Buffer.from(this.sign(codeKey, expiresMs), 'hex');
    const got = Buffer.from(sig, 'hex');
    return got.length === want.length && timingSafeEqual(got, want) && Date.now() < expiresMs;
  }

  /** `GET /kumo/code/{key}`: serves the zip when the signature is valid and unexpired. */
  route(blobs: BlobStore): Route {
    return {
      method: 'GET', path: ['kumo', 'code', '{key}'], operation: 'GetCode', bodyBytesMax: 0, auth: false,
      handle: async (req, p) => {
        const expires = Number(req.query.get('expires'));
        const sig = req.query.get('signature') ?? '';
        if (!/^[0-9a-f]{64}$/.test(p.key!) || !Number.isFinite(expires) || !this.verify(p.key!, expires, sig)) {
          throw new ApiError('AccessDeniedException', 'Request has expired or the signature is invalid.');
        }
        const zip = await blobs.get(p.key!).catch(() => {
          throw new ApiError('ResourceNotFoundException', 'The code of this version no longer exists.');
        });
        return { status: 200, headers: { 'content-type': 'application/zip' }, raw: zip };
      },
    };
  }
}
