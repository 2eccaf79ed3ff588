import { toHex } from '../../core/encoding.ts';
import { formatIPv6 } from '../ip/address.ts';
import type { Reader } from '../reader.ts';

/** ICMPv6 Neighbor Discovery message types (RFC 4861 §4): Router/Neighbor Solicitation and Advertisement, Redirect. */
export const ND_ROUTER_SOLICIT = 133;
export const ND_ROUTER_ADVERT = 134;
export const ND_NEIGHBOR_SOLICIT = 135;
export const ND_NEIGHBOR_ADVERT = 136;
export const ND_REDIRECT = 137;

export const isNdp = (type: number): boolean => type >= ND_ROUTER_SOLICIT && type <= ND_REDIRECT;

/** RFC 4861 §4.6 option types (and RFC 3971's Nonce, RFC 8106's RDNSS and DNSSL, as IANA lists them). */
const OPTION_NAMES: Readonly<Record<number, string>> = {
  1: 'Source link-layer address',
  2: 'Target link-layer address',
  3: 'Prefix information',
  4: 'Redirected header',
  5: 'MTU',
  14: 'Nonce',
  24: 'Route Information',
  25: 'Recursive DNS Server',
  31: 'DNS Search List',
};

export const ndpOptionName = (type: number): string => OPTION_NAMES[type] ?? 'unknown option';

/** One Neighbor Discovery option (RFC 4861 §4.6): type, length in units of 8 octets, and what its type says. */
export interface NdpOption {
  readonly type: number;
  readonly name: string;
  /** The length field: units of 8 octets, type and length included. */
  readonly length: number;
  /** Source/Target link-layer address (§4.6.1): colon-separated hex (a MAC on Ethernet). */
  readonly linkAddress?: string;
  /** Prefix Information (§4.6.2). */
  readonly prefix?: string;
  readonly prefixLength?: number;
  readonly onLink?: boolean;
  readonly autonomous?: boolean;
  readonly validLifetime?: number;
  readonly preferredLifetime?: number;
  /** MTU (§4.6.4). */
  readonly mtu?: number;
  /** Nonce (RFC 3971 §5.3.2), in hex: a Duplicate Address Detection solicitation carries one (RFC 7527). */
  readonly nonce?: string;
}

/** What a Neighbor Discovery message carries after the ICMPv6 header (RFC 4861 §4.1–§4.5). */
export interface NdpMessage {
  /** Neighbor Solicitation/Advertisement and Redirect: the address asked about or advertised. */
  readonly target?: string;
  /** Redirect: the destination that is better reached through `target`. */
  readonly destination?: string;
  /** Neighbor Advertisement flags (§4.4): Router, Solicited, Override. */
  readonly router?: boolean;
  readonly solicited?: boolean;
  readonly override?: boolean;
  /** Router Advertisement (§4.2). */
  readonly curHopLimit?: number;
  readonly managed?: boolean;
  readonly other?: boolean;
  readonly routerLifetime?: number;
  readonly reachableTime?: number;
  readonly retransTimer?: number;
  readonly options: readonly NdpOption[];
}

const address = (b: Uint8Array): string => (b.length === 16 ? formatIPv6(b) : toHex(b));
const flag = (v: number, bit: number): boolean => ((v >>> bit) & 1) === 1;

/**
 * Reads a Neighbor Discovery message from `r`, positioned after the ICMPv6 type, code and checksum and ending at
 * the message's end: the fixed part its type gives, then the options. Problems go on `r`; never throws.
 */
export function readNdp(r: Reader, type: number): NdpMessage {
  const out: { -readonly [K in keyof NdpMessage]: NdpMessage[K] } = { options: [] };
  if (type === ND_ROUTER_SOLICIT) r.u32('reserved');
  else if (type === ND_ROUTER_ADVERT) {
    out.curHopLimit = r.u8('cur hop limit');
    const flags = r.u8('flags', (v) => `0x${v.toString(16).padStart(2, '0')}${flag(v, 7) ? ' managed' : ''}${flag(v, 6) ? ' other' : ''}`);
    out.managed = flag(flags, 7);
    out.other = flag(flags, 6);
    out.routerLifetime = r.u16('router lifetime', (v) => `${v} s`);
    out.reachableTime = r.u32('reachable time', (v) => `${v} ms`);
    out.retransTimer = r.u32('retrans timer', (v) => `${v} ms`);
  } else if (type === ND_NEIGHBOR_SOLICIT) {
    r.u32('reserved');
    out.target = address(r.bytes(16, 'target address', address));
  } else if (type === ND_NEIGHBOR_ADVERT) {
    const flags = r.u32('flags', (v) => `0x${v.toString(16).padStart(8, '0')}${flag(v, 31) ? ' router' : ''}${flag(v, 30) ? ' solicited' : ''}${flag(v, 29) ? ' override' : ''}`);
    out.router = flag(flags, 31);
    out.solicited = flag(flags, 30);
    out.override = flag(flags, 29);
    out.target = address(r.bytes(16, 'target address', address));
  } else if (type === ND_REDIRECT) {
    r.u32('reserved');
    out.target = address(r.bytes(16, 'target address', address));
    out.destination = address(r.bytes(16, 'destination address', address));
  }
  if (r.truncated) return out;
  const options: NdpOption[] = [];
  while (r.remaining > 0) {
    const start = r.pos;
    if (r.remaining < 2) {
      r.problem(`${r.remaining} byte(s) after the last option: an option needs at least 8 (RFC 4861 §4.6)`, start, r.remaining);
      r.bytes(r.remaining, 'truncated option');
      break;
    }
    const optType = r.buf[start]!;
    const units = r.buf[start + 1]!;
    const name = ndpOptionName(optType);
    if (units === 0) {
      // RFC 4861 §4.6: a zero length is invalid, and the whole message is discarded
      r.problem(`${name} option with length 0: invalid, receivers discard the message (RFC 4861 §4.6)`, start + 1, 1);
      r.bytes(r.remaining, 'invalid option');
      break;
    }
    const size = units * 8;
    if (size > r.remaining) {
      r.problem(`${name} option says ${size} bytes, only ${r.remaining} left in the message`, start, r.remaining);
      r.bytes(r.remaining, 'truncated option');
      break;
    }
    const o: { -readonly [K in keyof NdpOption]: NdpOption[K] } = { type: optType, name, length: units };
    r.group(
      `option: ${name}`,
      () => {
        r.u8('type', (v) => `${v} (${name})`);
        r.u8('length', (v) => `${v} (${v * 8} bytes)`);
        const body = size - 2;
        if (optType === 1 || optType === 2) o.linkAddress = toHex(r.bytes(body, 'link-layer address', (b) => toHex(b, ':')), ':');
        else if (optType === 3 && body === 30) {
          o.prefixLength = r.u8('prefix length');
          const f = r.u8('flags', (v) => `0x${v.toString(16).padStart(2, '0')}${flag(v, 7) ? ' on-link' : ''}${flag(v, 6) ? ' autonomous' : ''}`);
          o.onLink = flag(f, 7);
          o.autonomous = flag(f, 6);
          o.validLifetime = r.u32('valid lifetime');
          o.preferredLifetime = r.u32('preferred lifetime');
          r.u32('reserved');
          o.prefix = address(r.bytes(16, 'prefix', address));
        } else if (optType === 5 && body === 6) {
          r.u16('reserved');
          o.mtu = r.u32('MTU');
        } else if (optType === 14) o.nonce = toHex(r.bytes(body, 'nonce', (b) => toHex(b)));
        else r.bytes(body, 'option data');
      },
      () => (o.linkAddress ? `${name}: ${o.linkAddress}` : o.prefix ? `${name}: ${o.prefix}/${o.prefixLength}` : o.mtu !== undefined ? `${name}: ${o.mtu}` : name),
    );
    options.push(o);
  }
  out.options = options;
  return out;
}

const linkOption = (n: NdpMessage, type: number): string | undefined => n.options.find((o) => o.type === type)?.linkAddress;

/**
 * tshark's words for a Neighbor Discovery message: "Neighbor Solicitation for fd00:1::1 from 1a:f3:…",
 * "Neighbor Advertisement fd00:1::1 (rtr, sol, ovr) is at a2:28:…", "Router Solicitation from 86:2d:…".
 */
export function describeNdp(type: number, typeName: string, n: NdpMessage): string {
  const source = linkOption(n, 1);
  if (type === ND_NEIGHBOR_SOLICIT) return `${typeName} for ${n.target ?? '?'}${source ? ` from ${source}` : ''}`;
  if (type === ND_NEIGHBOR_ADVERT) {
    const flags = [n.router ? 'rtr' : '', n.solicited ? 'sol' : '', n.override ? 'ovr' : ''].filter((f) => f);
    const at = linkOption(n, 2);
    return `${typeName} ${n.target ?? '?'}${flags.length ? ` (${flags.join(', ')})` : ''}${at ? ` is at ${at}` : ''}`;
  }
  if (type === ND_REDIRECT) return `${typeName}: ${n.destination ?? '?'} via ${n.target ?? '?'}`;
  return `${typeName}${source ? ` from ${source}` : ''}`;
}
