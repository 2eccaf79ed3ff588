import { utf8Decode, utf8Encode } from '../../core/encoding.ts';
import type { Reader } from '../reader.ts';
import type { Writer } from '../writer.ts';
import type { AttributeCodec } from './attribute.ts';
import { checkUint, defineAttribute, expectEnd, expectLength } from './attribute.ts';
import { bytesAttribute, flagAttribute, u32Attribute } from './attrs-common.ts';
import { FAMILY_IPV4, FAMILY_IPV6, familyName } from './attrs-address.ts';
import { readClassNumber, writeClassNumber } from './attrs-stun.ts';
import { AttrType, CHANNEL_MAX, CHANNEL_MAX_RFC5766, CHANNEL_MIN, hex16 } from './constants.ts';

/** TURN attributes (RFC 8656 §18) and RFC 6062's CONNECTION-ID. */

/** RFC 8656 §18.1: channel number (16 bits) then RFFU (16 bits). */
export const ChannelNumber = defineAttribute<number>(AttrType.ChannelNumber, {
  decode: (r) => {
    if (!expectLength(r, 4, 'CHANNEL-NUMBER')) {
      r.rest('Value');
      return undefined;
    }
    const at = r.pos;
    const ch = r.u16('Channel Number', hex16);
    r.u16('RFFU');
    if (ch < CHANNEL_MIN || ch > CHANNEL_MAX_RFC5766) r.problem(`CHANNEL-NUMBER ${hex16(ch)} is outside 0x4000–0x4FFF (RFC 8656 §12)`, at, 2);
    // RFC 5766 §11 allowed up to 0x7FFF and coturn still binds there: legacy, so a warning rather than an error
    else if (ch > CHANNEL_MAX) r.problems.push({ offset: r.base + at, length: 2, message: `CHANNEL-NUMBER ${hex16(ch)} is in RFC 5766's range but outside RFC 8656's 0x4000–0x4FFF`, severity: 'warning' });
    expectEnd(r, 'CHANNEL-NUMBER');
    return ch;
  },
  encode: (w, v) => {
    w.u16(checkUint(v, 16, 'CHANNEL-NUMBER'));
    w.u16(0);
  },
  show: hex16,
});

/** RFC 8656 §18.2: seconds until the allocation expires; 0 deletes it. */
export const Lifetime = u32Attribute(AttrType.Lifetime, 'Lifetime', (v) => `${v} s`);

/** RFC 8656 §18.4: the application data of Send and Data indications. */
export const Data = bytesAttribute(AttrType.Data, 'Data');

/** RFC 8656 §18.9: 8 opaque bytes naming a reserved relayed address. */
export const ReservationToken = bytesAttribute(AttrType.ReservationToken, 'Token', 8);

/** RFC 8656 §18.10: no value; ask the server to set DF on relayed packets. */
export const DontFragment = flagAttribute(AttrType.DontFragment);

/** RFC 6062 §6.2.1: identifies a TCP connection of a TCP allocation. */
export const ConnectionId = u32Attribute(AttrType.ConnectionId, 'Connection ID', (v) => `0x${v.toString(16).padStart(8, '0')}`);

export type AddressFamily = 4 | 6;

/** RFC 8656 §18.6, §18.11: family (8 bits) then 24 RFFU bits. */
function familyAttribute(type: number, what: string): AttributeCodec<AddressFamily> {
  return defineAttribute<AddressFamily>(type, {
    decode: (r) => {
      if (!expectLength(r, 4, what)) {
        r.rest('Value');
        return undefined;
      }
      const f = r.u8('Family', (v) => `${familyName(v)} (0x${v.toString(16).padStart(2, '0')})`);
      r.u24('RFFU');
      expectEnd(r, what);
      if (f !== FAMILY_IPV4 && f !== FAMILY_IPV6) {
        r.problem(`${what}: ${familyName(f)}`, r.pos - 4, 1);
        return undefined;
      }
      return f === FAMILY_IPV4 ? 4 : 6;
    },
    encode: (w, v) => {
      w.u8(v === 4 ? FAMILY_IPV4 : FAMILY_IPV6);
      w.u24(0);
    },
    show: (v) => `IPv${v}`,
  });
}

export const RequestedAddressFamily = familyAttribute(AttrType.RequestedAddressFamily, 'REQUESTED-ADDRESS-FAMILY');
export const AdditionalAddressFamily = familyAttribute(AttrType.AdditionalAddressFamily, 'ADDITIONAL-ADDRESS-FAMILY');

/** RFC 8656 §18.7: one byte: R (reserve the next port) then 7 RFFU bits. */
export const EvenPort = defineAttribute<{ readonly reserve: boolean }>(AttrType.EvenPort, {
  decode: (r) => {
    if (!expectLength(r, 1, 'EVEN-PORT')) return undefined;
    const at = r.pos;
    const b = r.u8();
    r.fieldBits('R', at, 1, 0, 1, b & 0x80 ? '1 (reserve next port)' : '0');
    r.fieldBits('RFFU', at, 1, 1, 7, String(b & 0x7f));
    expectEnd(r, 'EVEN-PORT');
    return { reserve: (b & 0x80) !== 0 };
  },
  encode: (w, v) => {
    w.u8(v.reserve ? 0x80 : 0);
  },
  show: (v) => (v.reserve ? 'even, reserve next' : 'even'),
});

/** RFC 8656 §18.8: protocol number (17 = UDP; RFC 6062 adds 6 = TCP) then 24 RFFU bits. */
export const RequestedTransport = defineAttribute<number>(AttrType.RequestedTransport, {
  decode: (r) => {
    if (!expectLength(r, 4, 'REQUESTED-TRANSPORT')) {
      r.rest('Value');
      return undefined;
    }
    const p = r.u8('Protocol', protocolName);
    r.u24('RFFU');
    expectEnd(r, 'REQUESTED-TRANSPORT');
    return p;
  },
  encode: (w, v) => {
    w.u8(checkUint(v, 8, 'REQUESTED-TRANSPORT'));
    w.u24(0);
  },
  show: protocolName,
});

function protocolName(p: number): string {
  return p === 17 ? 'UDP (17)' : p === 6 ? 'TCP (6)' : String(p);
}

export interface AddressErrorCodeValue {
  readonly family: AddressFamily;
  readonly code: number;
  readonly reason: string;
}

/** RFC 8656 §18.12: Family (8) Reserved (13) Class (3) Number (8), reason phrase. */
export const AddressErrorCode = defineAttribute<AddressErrorCodeValue>(AttrType.AddressErrorCode, {
  decode: (r: Reader) => {
    if (!expectLength(r, 4, 'ADDRESS-ERROR-CODE')) {
      r.rest('Value');
      return undefined;
    }
    const at = r.pos;
    const f = r.buf[at]!;
    r.fieldBits('Family', at, 4, 0, 8, `${familyName(f)} (0x${f.toString(16).padStart(2, '0')})`);
    r.pos += 4;
    const code = readClassNumber(r, at, 8, 'ADDRESS-ERROR-CODE');
    const reason = utf8Decode(r.rest('Reason Phrase', (v) => JSON.stringify(utf8Decode(v))));
    if (f !== FAMILY_IPV4 && f !== FAMILY_IPV6) {
      r.problem(`ADDRESS-ERROR-CODE: ${familyName(f)}`, at, 1);
      return undefined;
    }
    return { family: f === FAMILY_IPV4 ? 4 : 6, code, reason };
  },
  encode: (w: Writer, v) => {
    writeClassNumber(w, v.code, v.family === 4 ? FAMILY_IPV4 : FAMILY_IPV6, 'ADDRESS-ERROR-CODE');
    w.bytes(utf8Encode(v.reason));
  },
  show: (v) => `IPv${v.family}: ${v.code} ${v.reason}`,
});

export interface IcmpValue {
  /** 7 bits. */
  readonly type: number;
  /** 9 bits. */
  readonly code: number;
  /** Error Data: the next-hop MTU for "fragmentation needed"/"packet too big", else 0. */
  readonly data: number;
}

/** RFC 8656 §18.13: Reserved (16) ICMP Type (7) ICMP Code (9), then 32 bits of Error Data. */
export const Icmp = defineAttribute<IcmpValue>(AttrType.Icmp, {
  decode: (r) => {
    if (!expectLength(r, 8, 'ICMP')) {
      r.rest('Value');
      return undefined;
    }
    r.u16('Reserved');
    const at = r.pos;
    const word = r.u16();
    const type = word >>> 9;
    const code = word & 0x1ff;
    r.fieldBits('ICMP Type', at, 2, 0, 7, String(type));
    r.fieldBits('ICMP Code', at, 2, 7, 9, String(code));
    const data = r.u32('Error Data');
    expectEnd(r, 'ICMP');
    return { type, code, data };
  },
  encode: (w, v) => {
    w.u16(0);
    w.u16((checkUint(v.type, 7, 'ICMP type') << 9) | checkUint(v.code, 9, 'ICMP code'));
    w.u32(checkUint(v.data, 32, 'ICMP error data'));
  },
  show: (v) => `type ${v.type} code ${v.code}${v.data ? ` data ${v.data}` : ''}`,
});
