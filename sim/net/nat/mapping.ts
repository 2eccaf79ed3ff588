import type { MappingFacts, NatNote } from './notes.ts';
import type { TransportAddress } from '../../core/endpoint.ts';
import { formatTransportAddress } from '../../core/endpoint.ts';
import type { Micros } from '../../core/time.ts';
import type { NatBehaviour } from './config.ts';

/** A mapping's state inside the table, and the read-only views and note facts the table hands out. */

export interface RemoteSeen {
  readonly remote: TransportAddress;
  readonly firstSeen: Micros;
  lastSeen: Micros;
}

export interface MappingState {
  readonly id: number;
  readonly internal: TransportAddress;
  readonly external: TransportAddress;
  /** The mapping-table key: internal endpoint plus, for dependent mappings, the remote part (RFC 4787 §4.1). */
  readonly key: string;
  /** '' for endpoint-independent mappings, the remote address or address:port otherwise. */
  readonly boundTo: string;
  /** Every remote endpoint an outbound packet went to through this mapping: the filter set (RFC 4787 §5). */
  readonly remotes: Map<string, RemoteSeen>;
  readonly created: Micros;
  lastRefresh: Micros;
  expires: Micros;
  /** Whether an inbound packet has passed through it (selects `mappingLifetime` over `unrepliedLifetime`). */
  replied: boolean;
  /** The CGN port block holding its port, as "ip|lo". */
  readonly block?: string | undefined;
}

/** What the visualizer's NAT table shows; a snapshot, safe to keep. */
export interface NatMappingView {
  readonly id: number;
  readonly internal: TransportAddress;
  readonly external: TransportAddress;
  /** For a dependent mapping, the remote it belongs to ("203.0.113.9" or "203.0.113.9:3478"); absent when EIM. */
  readonly boundTo?: string;
  /** The remote filter set: endpoints this mapping has sent to, in first-seen order. */
  readonly remotes: readonly { readonly remote: TransportAddress; readonly firstSeen: Micros; readonly lastSeen: Micros }[];
  readonly created: Micros;
  readonly lastRefresh: Micros;
  readonly expires: Micros;
  readonly replied: boolean;
}

/** Everything a trace note needs except its time and source: a typed note body (notes.ts). */
export type NatNoteFacts = NatNote;

export const fmt = formatTransportAddress;

export function endpointKey(a: TransportAddress): string {
  return fmt(a);
}

/** The part of the remote endpoint a behaviour looks at: nothing, the address, or address and port. */
export function remoteKey(behaviour: NatBehaviour, remote: TransportAddress): string {
  if (behaviour === 'endpoint-independent') return '';
  if (behaviour === 'address-dependent') return remote.ip;
  return fmt(remote);
}

/** RFC 4787 §5: does the mapping's filter set admit a packet from `remote`? */
export function filterAdmits(m: MappingState, filtering: NatBehaviour, remote: TransportAddress): boolean {
  if (filtering === 'endpoint-independent') return true;
  if (filtering === 'address-and-port-dependent') return m.remotes.has(fmt(remote));
  for (const r of m.remotes.values()) if (r.remote.ip === remote.ip) return true;
  return false;
}

export function viewOf(m: MappingState): NatMappingView {
  const remotes = [...m.remotes.values()].map((r) => ({ remote: r.remote, firstSeen: r.firstSeen, lastSeen: r.lastSeen }));
  const base = { id: m.id, internal: m.internal, external: m.external, remotes, created: m.created, lastRefresh: m.lastRefresh, expires: m.expires, replied: m.replied };
  return m.boundTo ? { ...base, boundTo: m.boundTo } : base;
}

export function mappingData(m: MappingState): MappingFacts {
  const data = { id: m.id, internal: fmt(m.internal), external: fmt(m.external), expires: m.expires };
  return m.boundTo ? { ...data, boundTo: m.boundTo } : data;
}

/** "192.168.1.10:5000 ⇄ 203.0.113.1:5000" */
export function pair(m: MappingState): string {
  return `${fmt(m.internal)} ⇄ ${fmt(m.external)}`;
}
