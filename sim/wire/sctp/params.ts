import type { Field, Problem } from '../field.ts';
import { Reader } from '../reader.ts';
import { Writer } from '../writer.ts';
import type { ErrorCause, SctpParam } from './chunk.ts';
import { causeName, chunkTypeName, ParamType, paramTypeName, reconfigResultName } from './names.ts';

/** Parameters and error causes: the TLVs of RFC 9260 §3.2.1 and §3.3.10, each padded to 4 bytes. */

const pad4 = (n: number): number => (n + 3) & ~3;

function ipv4(b: Uint8Array): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

function ipv6(b: Uint8Array): string {
  const parts: string[] = [];
  for (let i = 0; i < 16; i += 2) parts.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  return parts.join(':');
}

/** Reads one parameter's value (the bytes after its 4-byte header) by type. */
function readParam(type: number, r: Reader, end: number): SctpParam {
  const len = end - r.pos;
  switch (type) {
    case ParamType.STATE_COOKIE:
      return { kind: 'state-cookie', cookie: r.bytes(len, 'cookie', (v) => `${v.length} bytes`) };
    case ParamType.HEARTBEAT_INFO:
      return { kind: 'heartbeat-info', info: r.bytes(len, 'heartbeat information', (v) => `${v.length} bytes`) };
    case ParamType.SUPPORTED_EXTENSIONS: {
      const chunkTypes: number[] = [];
      while (r.pos < end) chunkTypes.push(r.u8('chunk type', chunkTypeName));
      return { kind: 'supported-extensions', chunkTypes };
    }
    case ParamType.FORWARD_TSN_SUPPORTED:
      return { kind: 'forward-tsn-supported' };
    case ParamType.ZERO_CHECKSUM_ACCEPTABLE:
      return { kind: 'zero-checksum-acceptable', edmid: r.u32('error detection method', (v) => (v === 1 ? '1 (SCTP over DTLS, RFC 9653)' : String(v))) };
    case ParamType.IPV4_ADDRESS:
      return { kind: 'ipv4-address', address: ipv4(r.bytes(4, 'address', ipv4)) };
    case ParamType.IPV6_ADDRESS:
      return { kind: 'ipv6-address', address: ipv6(r.bytes(16, 'address', ipv6)) };
    case ParamType.SUPPORTED_ADDRESS_TYPES: {
      const types: number[] = [];
      while (r.pos + 2 <= end) types.push(r.u16('address type', paramTypeName));
      return { kind: 'supported-address-types', types };
    }
    case ParamType.COOKIE_PRESERVATIVE:
      return { kind: 'cookie-preservative', increment: r.u32('suggested cookie life-span increment (ms)') };
    case ParamType.OUTGOING_SSN_RESET: {
      const requestSeq = r.u32('request sequence number');
      const responseSeq = r.u32('response sequence number');
      const lastTsn = r.u32("sender's last assigned TSN");
      return { kind: 'outgoing-ssn-reset', requestSeq, responseSeq, lastTsn, streams: streamList(r, end) };
    }
    case ParamType.INCOMING_SSN_RESET: {
      const requestSeq = r.u32('request sequence number');
      return { kind: 'incoming-ssn-reset', requestSeq, streams: streamList(r, end) };
    }
    case ParamType.SSN_TSN_RESET:
      return { kind: 'ssn-tsn-reset', requestSeq: r.u32('request sequence number') };
    case ParamType.RECONFIG_RESPONSE: {
      const responseSeq = r.u32('response sequence number');
      const result = r.u32('result', (v) => `${v} (${reconfigResultName(v)})`);
      if (len >= 16) {
        const senderNextTsn = r.u32("sender's next TSN");
        const receiverNextTsn = r.u32("receiver's next TSN");
        return { kind: 'reconfig-response', responseSeq, result, senderNextTsn, receiverNextTsn };
      }
      return { kind: 'reconfig-response', responseSeq, result };
    }
    case ParamType.ADD_OUTGOING_STREAMS:
    case ParamType.ADD_INCOMING_STREAMS: {
      const requestSeq = r.u32('request sequence number');
      const count = r.u16('number of new streams');
      r.u16('reserved');
      return { kind: type === ParamType.ADD_OUTGOING_STREAMS ? 'add-outgoing-streams' : 'add-incoming-streams', requestSeq, count };
    }
    default:
      return { kind: 'other', type, body: r.bytes(len, 'value', (v) => `${v.length} bytes`) };
  }
}

function streamList(r: Reader, end: number): number[] {
  const streams: number[] = [];
  while (r.pos + 2 <= end) streams.push(r.u16('stream identifier'));
  return streams;
}

/** The smallest value length each known parameter needs (RFC sections above). */
const MIN_VALUE: Readonly<Record<number, number>> = {
  [ParamType.ZERO_CHECKSUM_ACCEPTABLE]: 4,
  [ParamType.IPV4_ADDRESS]: 4,
  [ParamType.IPV6_ADDRESS]: 16,
  [ParamType.COOKIE_PRESERVATIVE]: 4,
  [ParamType.OUTGOING_SSN_RESET]: 12,
  [ParamType.INCOMING_SSN_RESET]: 4,
  [ParamType.SSN_TSN_RESET]: 4,
  [ParamType.RECONFIG_RESPONSE]: 8,
  [ParamType.ADD_OUTGOING_STREAMS]: 8,
  [ParamType.ADD_INCOMING_STREAMS]: 8,
};

/**
 * Reads parameters from `r.pos` to `end`. A length under 4, or past `end`, stops the list with a problem naming the
 * parameter; what was read before stays.
 */
export function readParams(r: Reader, end: number): SctpParam[] {
  const out: SctpParam[] = [];
  while (r.pos + 4 <= end) {
    const at = r.pos;
    const type = (r.buf[at]! << 8) | r.buf[at + 1]!;
    const length = (r.buf[at + 2]! << 8) | r.buf[at + 3]!;
    const name = paramTypeName(type);
    if (length < 4 || at + length > end) {
      r.problem(`${name} parameter length ${length} ${length < 4 ? 'is under 4' : `runs past its chunk (${end - at} bytes left)`} (RFC 9260 §3.2.1)`, at, end - at);
      r.pos = end;
      return out;
    }
    const need = MIN_VALUE[type] ?? 0;
    const p = r.group<SctpParam>(
      name,
      () => {
        r.u16('type', (v) => `0x${v.toString(16).padStart(4, '0')} (${name})`);
        r.u16('length');
        if (length - 4 < need) {
          r.problem(`${name} needs ${need} bytes of value, has ${length - 4}`, at, length);
          return { kind: 'other', type, body: r.bytes(length - 4, 'value') };
        }
        const sub = new Reader(r.buf, r.base, r.pos, at + length, r.spans);
        const v = readParam(type, sub, at + length);
        r.adopt(sub.fieldList(), sub.problemList());
        r.pos = at + length;
        return v;
      },
      () => describeParam(type, length),
    );
    out.push(p);
    const padded = Math.min(end, at + pad4(length));
    if (padded > r.pos) r.skip(padded - r.pos, 'padding');
  }
  if (r.pos < end) {
    r.problem(`${end - r.pos} byte(s) after the last parameter, too few for a parameter header`, r.pos, end - r.pos);
    r.pos = end;
  }
  return out;
}

function describeParam(type: number, length: number): string {
  return `${paramTypeName(type)}, ${length} bytes`;
}

/** Reads error causes from `r.pos` to `end` (RFC 9260 §3.3.10). */
export function readCauses(r: Reader, end: number): ErrorCause[] {
  const out: ErrorCause[] = [];
  while (r.pos + 4 <= end) {
    const at = r.pos;
    const code = (r.buf[at]! << 8) | r.buf[at + 1]!;
    const length = (r.buf[at + 2]! << 8) | r.buf[at + 3]!;
    if (length < 4 || at + length > end) {
      r.problem(`error cause ${causeName(code)} length ${length} ${length < 4 ? 'is under 4' : 'runs past its chunk'} (RFC 9260 §3.3.10)`, at, end - at);
      r.pos = end;
      return out;
    }
    const info = r.group(causeName(code), () => {
      r.u16('cause code', (v) => `${v} (${causeName(v)})`);
      r.u16('cause length');
      return r.bytes(length - 4, 'cause information', (v) => describeCauseInfo(code, v));
    });
    out.push({ code, info });
    const padded = Math.min(end, at + pad4(length));
    if (padded > r.pos) r.skip(padded - r.pos, 'padding');
  }
  if (r.pos < end) r.skip(end - r.pos, 'trailing bytes');
  return out;
}

const TEXT = new TextDecoder('utf-8', { fatal: false });

/** A cause's information as a person reads it: the reason text of a User-Initiated Abort or Protocol Violation. */
export function describeCauseInfo(code: number, info: Uint8Array): string {
  if (code === 12 || code === 13) return JSON.stringify(TEXT.decode(info));
  if ((code === 1) && info.length >= 2) return `stream ${(info[0]! << 8) | info[1]!}`;
  if (code === 6 && info.length >= 1) return `chunk type ${info[0]} (${chunkTypeName(info[0]!)})`;
  return `${info.length} bytes`;
}

export function describeCause(c: ErrorCause): string {
  return c.info.length ? `${causeName(c.code)}: ${describeCauseInfo(c.code, c.info)}` : causeName(c.code);
}

// ---- encoding

function ipv4Bytes(a: string): number[] {
  return a.split('.').map((x) => Number(x) & 0xff);
}

function paramType(p: SctpParam): number {
  switch (p.kind) {
    case 'state-cookie':
      return ParamType.STATE_COOKIE;
    case 'heartbeat-info':
      return ParamType.HEARTBEAT_INFO;
    case 'supported-extensions':
      return ParamType.SUPPORTED_EXTENSIONS;
    case 'forward-tsn-supported':
      return ParamType.FORWARD_TSN_SUPPORTED;
    case 'zero-checksum-acceptable':
      return ParamType.ZERO_CHECKSUM_ACCEPTABLE;
    case 'ipv4-address':
      return ParamType.IPV4_ADDRESS;
    case 'ipv6-address':
      return ParamType.IPV6_ADDRESS;
    case 'supported-address-types':
      return ParamType.SUPPORTED_ADDRESS_TYPES;
    case 'cookie-preservative':
      return ParamType.COOKIE_PRESERVATIVE;
    case 'outgoing-ssn-reset':
      return ParamType.OUTGOING_SSN_RESET;
    case 'incoming-ssn-reset':
      return ParamType.INCOMING_SSN_RESET;
    case 'ssn-tsn-reset':
      return ParamType.SSN_TSN_RESET;
    case 'reconfig-response':
      return ParamType.RECONFIG_RESPONSE;
    case 'add-outgoing-streams':
      return ParamType.ADD_OUTGOING_STREAMS;
    case 'add-incoming-streams':
      return ParamType.ADD_INCOMING_STREAMS;
    case 'other':
      return p.type;
  }
}

function paramValue(p: SctpParam, w: Writer): void {
  switch (p.kind) {
    case 'state-cookie':
      w.bytes(p.cookie);
      return;
    case 'heartbeat-info':
      w.bytes(p.info);
      return;
    case 'supported-extensions':
      for (const t of p.chunkTypes) w.u8(t);
      return;
    case 'forward-tsn-supported':
      return;
    case 'zero-checksum-acceptable':
      w.u32(p.edmid);
      return;
    case 'ipv4-address':
      for (const b of ipv4Bytes(p.address)) w.u8(b);
      return;
    case 'ipv6-address': {
      // the full eight-group form only (the simulator writes no IPv6 addresses in INIT; this is for tests)
      for (const g of p.address.split(':')) w.u16(parseInt(g || '0', 16));
      return;
    }
    case 'supported-address-types':
      for (const t of p.types) w.u16(t);
      return;
    case 'cookie-preservative':
      w.u32(p.increment);
      return;
    case 'outgoing-ssn-reset':
      w.u32(p.requestSeq).u32(p.responseSeq).u32(p.lastTsn);
      for (const s of p.streams) w.u16(s);
      return;
    case 'incoming-ssn-reset':
      w.u32(p.requestSeq);
      for (const s of p.streams) w.u16(s);
      return;
    case 'ssn-tsn-reset':
      w.u32(p.requestSeq);
      return;
    case 'reconfig-response':
      w.u32(p.responseSeq).u32(p.result);
      if (p.senderNextTsn !== undefined && p.receiverNextTsn !== undefined) w.u32(p.senderNextTsn).u32(p.receiverNextTsn);
      return;
    case 'add-outgoing-streams':
    case 'add-incoming-streams':
      w.u32(p.requestSeq).u16(p.count).u16(0);
      return;
    case 'other':
      w.bytes(p.body);
      return;
  }
}

/**
 * Writes parameters, each but the last padded to 4 bytes: RFC 9260 §3.2, the chunk length includes the padding of
 * every parameter but the last, whose padding is the chunk's own (tshark calls anything else malformed).
 */
export function writeParams(params: readonly SctpParam[], w: Writer): void {
  for (const [i, p] of params.entries()) {
    if (i > 0) while (w.pos % 4) w.u8(0);
    const at = w.pos;
    w.u16(paramType(p)).u16(0);
    paramValue(p, w);
    const length = w.pos - at;
    w.setU16(at + 2, length);
  }
}

/** Writes error causes, each but the last padded to 4 bytes (as parameters are, RFC 9260 §3.2). */
export function writeCauses(causes: readonly ErrorCause[], w: Writer): void {
  for (const [i, c] of causes.entries()) {
    if (i > 0) while (w.pos % 4) w.u8(0);
    w.u16(c.code).u16(4 + c.info.length).bytes(c.info);
  }
}

export type { Field, Problem };
