import type { TransportAddress } from '../core/endpoint.ts';
import { canonicalIp } from '../wire/ip/address.ts';

/** How a client reaches a TURN server (RFC 8656 §3.1): UDP, TCP, or TLS over TCP ("turns:"). */
export type TurnTransport = 'udp' | 'tcp' | 'tls';

/** RFC 8656 §3.1 / RFC 7065 §3: the default ports, 3478 for turn: (UDP and TCP), 5349 for turns: (TLS). */
export const TURN_DEFAULT_PORT = 3478;
export const TURNS_DEFAULT_PORT = 5349;

/**
 * A TURN URI as a browser's RTCIceServer.urls takes it (RFC 7065 §3.1): `turn:host[:port][?transport=udp|tcp]` or
 * `turns:host[:port][?transport=tcp]`. The lab has no DNS, so the host is an IP address (IPv6 in brackets).
 * Without `?transport`, turn: means UDP (as browsers read it) and turns: means TLS over TCP.
 */
export function parseTurnUrl(url: string): { server: TransportAddress; transport: TurnTransport } | { error: string } {
  const m = /^(turns?):(\[[^\]]+\]|[^:?\[\]]+)(?::(\d+))?(?:\?transport=([a-z]+))?$/i.exec(url);
  if (!m) return { error: `expected "turn:address[:port][?transport=udp|tcp]" or "turns:address[:port]" (RFC 7065 §3.1), got ${JSON.stringify(url)}` };
  const secure = m[1]!.toLowerCase() === 'turns';
  const host = m[2]!.replace(/^\[|\]$/g, '');
  const ip = canonicalIp(host);
  if (!ip) return { error: `${JSON.stringify(host)} in ${JSON.stringify(url)} is not an IP address (the lab has no DNS)` };
  const port = m[3] === undefined ? (secure ? TURNS_DEFAULT_PORT : TURN_DEFAULT_PORT) : Number(m[3]);
  if (!(port >= 1 && port <= 65535)) return { error: `port ${m[3]} in ${JSON.stringify(url)} is not 1–65535` };
  const t = m[4]?.toLowerCase();
  if (t !== undefined && t !== 'udp' && t !== 'tcp') return { error: `transport=${m[4]} in ${JSON.stringify(url)}: RFC 7065 allows udp or tcp` };
  // RFC 7065 §3.1: "turns" with transport=udp would be DTLS, which RFC 7065 does not define
  if (secure && t === 'udp') return { error: `${JSON.stringify(url)}: turns: runs over TCP (TLS); transport=udp is not defined by RFC 7065` };
  return { server: { ip, port }, transport: secure ? 'tls' : t === 'tcp' ? 'tcp' : 'udp' };
}

/** The URL for a server and transport, as notes and summaries show it. */
export function formatTurnUrl(server: TransportAddress, transport: TurnTransport): string {
  const host = server.ip.includes(':') ? `[${server.ip}]` : server.ip;
  return transport === 'tls' ? `turns:${host}:${server.port}?transport=tcp` : `turn:${host}:${server.port}?transport=${transport}`;
}

/** RFC 8656 §3.1, as browsers gather: UDP first, then TCP, then TLS (a stable sort of the servers given). */
export function browserOrder<T extends { readonly transport?: TurnTransport }>(servers: readonly T[]): T[] {
  const rank = (t: TurnTransport | undefined): number => (t === 'tcp' ? 1 : t === 'tls' ? 2 : 0);
  return servers.map((s, i) => ({ s, i })).sort((a, b) => rank(a.s.transport) - rank(b.s.transport) || a.i - b.i).map((x) => x.s);
}
