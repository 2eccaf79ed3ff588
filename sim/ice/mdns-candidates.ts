/**
 * mDNS host candidates (draft-ietf-rtcweb-mdns-ice-candidates, RFC 8828 mode 2), libwebrtc's way, at the signaling
 * boundary of a peer: with obfuscation on, a host candidate leaves with a `<uuid>.local` name in place of its IP
 * (PortAllocator::SanitizeCandidate), and a server-reflexive candidate's related address with 0.0.0.0 port 0 (its
 * raddr would give the host address away). A remote candidate named under .local is resolved first
 * (P2PTransportChannel resolves it before it pairs it); one that does not resolve is dropped, and the peer is still
 * found as peer-reflexive from its checks (RFC 8445 §7.3.1.3). The names and the resolving are a host service
 * (sim/mdns/service.ts), given to the peer through `MdnsNames`.
 */

import type { Micros } from '../core/time.ts';

/** What a peer asks of its host's mDNS service (libwebrtc's MdnsResponderInterface and an async resolver). */
export interface MdnsNames {
  /** Whether the peer's own host candidates are signalled by name (Chromium's default since M76). */
  readonly obfuscate: boolean;
  /** The name for one of the host's addresses (the same address keeps its name: CreateNameForAddress). */
  nameFor(ip: string): string;
  /** Resolves a `.local` name; `done` is called once, at the time it ends, with the address or undefined (nobody answered). */
  resolve(name: string, done: (now: Micros, ip: string | undefined) => void): void;
}

/** RFC 6762 §3: names ending in ".local." are link-local. */
export function isMdnsName(address: string): boolean {
  return /\.local\.?$/i.test(address);
}

/** The candidate line as signalled (its host address replaced by the name, a srflx raddr by 0.0.0.0 0). */
export function sanitizeLocalCandidate(line: string, names: MdnsNames): string {
  if (!names.obfuscate) return line;
  const t = line.split(' ');
  const type = t[7];
  if (type === 'host' && t[4] !== undefined && !isMdnsName(t[4])) t[4] = names.nameFor(t[4]);
  const ri = t.indexOf('raddr');
  const pi = t.indexOf('rport');
  // the related address of a server-reflexive candidate is its host address (the base): filtered as libwebrtc does
  if (type === 'srflx' && ri > 7 && pi > 7) {
    t[ri + 1] = t[ri + 1]?.includes(':') ? '::' : '0.0.0.0';
    t[pi + 1] = '0';
  }
  return t.join(' ');
}

/** The name of a candidate line signalled with a `.local` address, else undefined. */
export function mdnsNameOf(line: string): string | undefined {
  const address = line.replace(/^a=/, '').replace(/^candidate:/, '').trim().split(/\s+/)[4];
  return address !== undefined && isMdnsName(address) ? address : undefined;
}

/** The candidate line with its address replaced by the resolved one. */
export function withResolvedAddress(line: string, ip: string): string {
  const prefix = line.match(/^(a=)?(candidate:)?/)?.[0] ?? '';
  const t = line.slice(prefix.length).trim().split(/\s+/);
  t[4] = ip;
  return prefix + t.join(' ');
}
