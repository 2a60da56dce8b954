import { createSign, generateKeyPairSync, createPublicKey } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** RSA key size of the signing key (AWS's SNS certificates use 2048-bit RSA). */
const signingKeyBits = 2048;

/**
 * Signs SNS messages as AWS does (SignatureVersion 1: SHA1withRSA, 2:
 * SHA256withRSA, over the "Key\nValue\n" string of AWS's documented fields),
 * with a key of Kumo's own: Kumo holds no AWS certificate. The key lives in
 * `<data>/sns-signing.key` (0600, made on first start); SigningCertURL serves
 * its public key as PEM (`SubjectPublicKeyInfo`, not an X.509 certificate:
 * see ARCHITECTURE.md, Choices).
 */
export class MessageSigner {
  private constructor(private readonly privatePem: string, readonly publicPem: string) {}

  static open(dataDir: string): MessageSigner {
    const file = path.join(dataDir, 'sns-signing.key');
    let pem: string;
    try {
      pem = fs.readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: signingKeyBits });
      pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
      const tmp = `${file}.tmp`;
      fs.writeFileSync(tmp, pem, { mode: 0o600 });
      fs.renameSync(tmp, file);
    }
    const pub = createPublicKey(pem).export({ type: 'spki', format: 'pem' }) as string;
    return new MessageSigner(pem, pub);
  }

  /** The base64 signature of `fields` in AWS's order (the caller lists them as AWS's docs do for the message type). */
  sign(fields: [string, string | undefined][], version: '1' | '2'): string {
    let text = '';
    for (const [k, v] of fields) if (v !== undefined) text += `${k}\n${v}\n`;
    return createSign(version === '2' ? 'RSA-SHA256' : 'RSA-SHA1').update(text, 'utf8').sign(this.privatePem, 'base64');
  }
}
