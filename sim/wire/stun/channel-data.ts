import type { Decoded } from '../field.ts';
import { Reader } from '../reader.ts';
import { Writer } from '../writer.ts';
import { CHANNEL_MAX, CHANNEL_MAX_RFC5766, CHANNEL_MIN, hex16 } from './constants.ts';

/** ChannelData messages (RFC 8656 §12.4): channel number, length, application data, padding. */
export interface ChannelData {
  readonly channel: number;
  readonly data: Uint8Array;
}

export interface ChannelDataOptions {
  /** Over TCP/TLS the message is padded to a multiple of 4; over UDP padding is optional (RFC 8656 §12.5). */
  readonly transport?: 'udp' | 'tcp';
  /** Record field spans (default true); a packet list needs none. */
  readonly spans?: boolean;
}

/** What is wrong with a channel number, or undefined when RFC 8656 allows it. */
export function channelNumberProblem(channel: number): string | undefined {
  if (channel < CHANNEL_MIN || channel > CHANNEL_MAX_RFC5766) return `channel ${hex16(channel)} is not a channel number (0x4000–0x4FFF, RFC 8656 §12)`;
  if (channel > CHANNEL_MAX) return `channel ${hex16(channel)} was allowed by RFC 5766 (up to 0x7FFF) but RFC 8656 reserves 0x5000–0xFFFF`;
  return undefined;
}

/** Encodes a ChannelData message; pads over TCP always, over UDP only when `pad` is set. */
export function encodeChannelData(cd: ChannelData, options: ChannelDataOptions & { readonly pad?: boolean } = {}): Uint8Array {
  if (!Number.isInteger(cd.channel) || cd.channel < CHANNEL_MIN || cd.channel > CHANNEL_MAX_RFC5766) {
    throw new RangeError(channelNumberProblem(cd.channel) ?? `bad channel ${cd.channel}`);
  }
  if (cd.data.length > 0xffff) throw new RangeError(`ChannelData: ${cd.data.length} bytes do not fit the 16-bit length`);
  const w = new Writer(4 + cd.data.length + 3);
  w.u16(cd.channel).u16(cd.data.length);
  w.bytes(cd.data);
  if (options.transport === 'tcp' || options.pad) w.zeros((4 - (cd.data.length % 4)) % 4);
  return w.finish();
}

/**
 * Decodes a ChannelData message; never throws. Channels 0x5000–0x7FFF (RFC 5766's range, used by coturn's
 * turnutils_uclient) decode with a problem rather than failing.
 */
export function decodeChannelData(bytes: Uint8Array, options: ChannelDataOptions = {}): Decoded<ChannelData | undefined> {
  const r = new Reader(bytes, 0, 0, bytes.length, options.spans ?? true);
  const channel = r.u16('Channel Number', hex16);
  const len = r.u16('Length');
  if (r.truncated) return { value: undefined, fields: r.fields, problems: r.problems };
  const bad = channelNumberProblem(channel);
  // 0x5000–0x7FFF: RFC 5766 §11 allowed them, RFC 8656 §12 reserves them: a warning, not a malformation
  if (bad) r.problems.push({ offset: 0, length: 2, message: bad, ...(channel >= CHANNEL_MIN && channel <= CHANNEL_MAX_RFC5766 ? { severity: 'warning' as const } : {}) });
  if (len > r.remaining) r.problem(`ChannelData length says ${len} bytes, only ${r.remaining} follow`, 2, 2);
  const data = r.bytes(Math.min(len, r.remaining), 'Application Data', (v) => `${v.length} bytes`).slice();
  const pad = (4 - (len % 4)) % 4;
  const rest = r.remaining;
  if (options.transport === 'tcp') {
    if (rest < pad) r.problem(`over TCP a ChannelData message is padded to a multiple of 4: ${pad} byte(s) of padding needed, ${rest} present (RFC 8656 §12.5)`, r.pos, rest);
    if (rest > 0) r.bytes(Math.min(pad, rest), 'Padding');
    if (r.remaining > 0) r.rest('Following bytes', (v) => `${v.length} bytes (the next message in the stream)`);
  } else if (rest > 0) {
    if (rest === pad) r.rest('Padding');
    else {
      r.problem(`${rest} byte(s) after the application data are not padding to a multiple of 4`, r.pos, rest);
      r.rest('Trailing bytes');
    }
  }
  return { value: { channel, data }, fields: r.fields, problems: r.problems };
}
