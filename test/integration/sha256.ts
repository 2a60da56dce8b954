import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

const bytes = (d: Uint8Array | string | ArrayBuffer | ArrayBufferView): Uint8Array | string =>
  typeof d === 'string' || d instanceof Uint8Array ? d : ArrayBuffer.isView(d) ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength) : new Uint8Array(d);

/**
 * SHA-256 for @smithy/signature-v4's SignatureV4 (an HMAC when given a
 * secret), from node:crypto: the tests that sign raw requests themselves
 * (query form posts, CBOR bodies, malformed input) sign them as the SDKs do.
 */
export class Sha256 {
  private readonly h: Hash | Hmac;
  constructor(secret?: Uint8Array | string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: Uint8Array | string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return this.h.digest();
  }
}
