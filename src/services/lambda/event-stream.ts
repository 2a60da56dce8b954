import { EventStreamCodec, type Message } from '@smithy/core/event-streams';

/**
 * AWS's event-stream framing (`application/vnd.amazon.eventstream`: prelude,
 * headers, payload, CRC32s), encoded with the codec the AWS SDKs decode it
 * with (@smithy/core's event-streams, formerly @smithy/eventstream-codec), so
 * both ends frame the same bytes the same way.
 */
const codec = new EventStreamCodec(
  (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'),
  (text) => Buffer.from(text, 'utf8'),
);

/** One event of an operation's event stream: `:message-type` event, `:event-type` the member name. */
export function encodeEvent(eventType: string, contentType: string, body: Uint8Array): Buffer {
  const msg: Message = {
    headers: {
      ':event-type': { type: 'string', value: eventType },
      ':content-type': { type: 'string', value: contentType },
      ':message-type': { type: 'string', value: 'event' },
    },
    body,
  };
  const out = codec.encode(msg);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/** Decodes one framed message (tests read Kumo's streams with it). */
export function decodeEvent(frame: Uint8Array): Message {
  return codec.decode(frame);
}
