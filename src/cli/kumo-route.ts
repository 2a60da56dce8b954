import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, Provider } from '@smithy/types';
import type { CliConfig } from './client';

/** Node's crypto in the shape SignatureV4 takes (a hash, or an HMAC with a secret). */
export class Sha256 {
  private h;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(d: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(bytes(d));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
  reset(): void {}
}

function bytes(d: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof d === 'string') return d;
  if (d instanceof ArrayBuffer) return new Uint8Array(d);
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/**
 * A signed call of one of Kumo's own routes of the Lambda service
 * (`/kumo/...`: not AWS operations, so no SDK command exists for them).
 */
export async function kumoRoute(
  cfg: CliConfig,
  credentials: AwsCredentialIdentity | Provider<AwsCredentialIdentity>,
  method: 'GET' | 'PUT' | 'DELETE',
  pathname: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const url = new URL(pathname, cfg.endpoint);
  const text = body === undefined ? undefined : JSON.stringify(body);
  const signer = new SignatureV4({ service: 'lambda', region: cfg.region, credentials, sha256: Sha256 });
  const signed = await signer.sign({
    method, protocol: url.protocol, hostname: url.hostname, port: url.port ? Number(url.port) : undefined, path: url.pathname, query: {},
    headers: { host: url.host, ...(text !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(text !== undefined ? { body: text } : {}),
  });
  const res = await fetch(url, { method, headers: signed.headers as Record<string, string>, ...(text !== undefined ? { body: text } : {}) });
  const raw = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  } catch {
    json = {};
  }
  return { status: res.status, json };
}
