import { createHash } from 'node:crypto';
import type { MessageAttributeValue } from '../domain/delivery';

/** MD5OfMessageBody: the hex MD5 of the body's UTF-8 bytes. */
export const md5OfBody = (body: string): string => createHash('md5').update(body, 'utf8').digest('hex');

/**
 * MD5OfMessageAttributes as AWS computes it (SQS Developer Guide,
 * "Calculating the MD5 message digest for message attributes"): attributes
 * sorted by name; for each, the name, the data type and the value, each as a
 * 4-byte big-endian length followed by its UTF-8 (or binary) bytes, with a
 * transport-type byte (1 string/number, 2 binary) before the value.
 */
export function md5OfAttributes(attrs: Record<string, MessageAttributeValue>): string | undefined {
  const names = Object.keys(attrs).sort();
  if (!names.length) return undefined;
  const h = createHash('md5');
  const field = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    h.update(len);
    h.update(b);
  };
  for (const n of names) {
    const a = attrs[n]!;
    field(Buffer.from(n, 'utf8'));
    field(Buffer.from(a.DataType, 'utf8'));
    if (a.DataType.startsWith('Binary')) {
      h.update(Buffer.from([2]));
      field(a.BinaryValue ?? Buffer.alloc(0));
    } else {
      h.update(Buffer.from([1]));
      field(Buffer.from(a.StringValue ?? '', 'utf8'));
    }
  }
  return h.digest('hex');
}
