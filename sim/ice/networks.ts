import { ipFamily, parseIp } from '../wire/ip/address.ts';

/**
 * A host's networks as libwebrtc's BasicNetworkManager ranks them (one network per interface address prefix): each
 * gets an id in the order found (the `network-id` of its candidates), a cost from its adapter type (`network-cost`),
 * and a preference from 127 down after sorting by adapter type (ethernet, Wi-Fi, cellular, VPN), then address
 * precedence (RFC 6724-like table, IPv6 before IPv4), then order. The preference is the high byte of a host
 * candidate's local preference, the address precedence its low byte (Candidate::GetPriority).
 */
export type NetworkType = 'ethernet' | 'wifi' | 'cellular' | 'vpn' | 'unknown';

export interface NetworkInfo {
  /** 1, 2, … in the order the host lists its interfaces and addresses. */
  readonly id: number;
  readonly type: NetworkType;
  /** libwebrtc's network cost by adapter type (rtc::ComputeNetworkCostByType): 0 ethernet, 10 Wi-Fi, 900 cellular, 50 unknown. */
  readonly cost: number;
  /** 127 for the best network, then down by one. */
  readonly preference: number;
  /** The interface it is on ("alice-lan"). */
  readonly name: string;
}

const TYPES: readonly NetworkType[] = ['ethernet', 'wifi', 'cellular', 'vpn', 'unknown'];

/** An interface's network label as a type ("unknown" for anything else). */
export function networkType(label: string): NetworkType {
  return TYPES.find((t) => t === label) ?? 'unknown';
}

const ADAPTER_ORDER: Readonly<Record<NetworkType, number>> = { unknown: 0, ethernet: 1, wifi: 2, cellular: 4, vpn: 8 };
const COST: Readonly<Record<NetworkType, number>> = { ethernet: 0, wifi: 10, cellular: 900, vpn: 50, unknown: 50 };

/** libwebrtc's IPAddressPrecedence: IPv4 30; IPv6 ::1 60, ULA fc00::/7 50, 6to4 and Teredo 5, site-local 1, other 40. */
export function addressPrecedence(ip: string): number {
  if (ipFamily(ip) === 4) return 30;
  const b = parseIp(ip);
  if (!b) return 0;
  if (b.every((x, i) => (i < 15 ? x === 0 : x === 1))) return 60;
  if ((b[0]! & 0xfe) === 0xfc) return 50;
  if (b[0] === 0x20 && b[1] === 0x02) return 5;
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0 && b[3] === 0) return 5;
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0xc0) return 1;
  return 40;
}

/** IPv4 169.254/16 and IPv6 fe80::/10: libwebrtc gathers no candidate on a link-local address. */
export function isLinkLocal(ip: string): boolean {
  const b = parseIp(ip);
  if (!b) return false;
  return b.length === 4 ? b[0] === 169 && b[1] === 254 : b[0] === 0xfe && (b[1]! & 0xc0) === 0x80;
}

/** The networks of `addresses` (in the host's order), keyed by address. */
export function rankNetworks(addresses: readonly { readonly ip: string; readonly type: NetworkType; readonly name: string }[]): Map<string, NetworkInfo> {
  const listed = addresses.map((a, i) => ({ ...a, id: i + 1 }));
  const sorted = [...listed].sort((a, b) => ADAPTER_ORDER[a.type] - ADAPTER_ORDER[b.type] || addressPrecedence(b.ip) - addressPrecedence(a.ip) || a.id - b.id);
  const out = new Map<string, NetworkInfo>();
  sorted.forEach((a, rank) => out.set(a.ip, { id: a.id, type: a.type, cost: COST[a.type], preference: Math.max(0, 127 - rank), name: a.name }));
  return out;
}
