import { noteMaker, type KindSet, type NotesOf } from '../../core/note.ts';
import type { AddressPooling, NatBehaviour, PortAssignment } from './config.ts';
import type { PortHow } from './external-ports.ts';
import type { TcpSessionPhase } from './tcp-sessions.ts';

/** What every note about one mapping says of it (mapping.ts `mappingData`). */
export type MappingFacts = {
  readonly id: number;
  /** "192.168.1.10:5000" */
  readonly internal: string;
  readonly external: string;
  /** When it expires unless refreshed (µs). */
  readonly expires: number;
  /** For address(-and-port)-dependent mappings, the remote it belongs to (an IP, or IP:port). */
  readonly boundTo?: string;
  /** "tcp" for a TCP mapping (RFC 5382), "icmp" for an ICMP query mapping by identifier (RFC 5508 §3); absent for UDP. */
  readonly protocol?: 'tcp' | 'icmp';
};

/** The NAT's configuration, as `nat.config` and the topology node's details show it (nat-box.ts). */
export type NatDetails = {
  readonly preset: string;
  readonly mapping: NatBehaviour;
  readonly filtering: NatBehaviour;
  readonly portAssignment: PortAssignment;
  readonly portParity: boolean;
  readonly hairpinning: boolean;
  readonly mappingLifetime: number;
  readonly inboundRefresh: boolean;
  readonly pooling: AddressPooling;
  /** The inside prefix, "192.168.1.1/24". */
  readonly internal: string;
  readonly external: string[];
  readonly portBlocks?: { readonly size: number; readonly maxPerSubscriber: number };
  /** Static 1:1 bindings (RFC 2663 §3.1), decided before any mapping. */
  readonly staticBindings?: { internal: string; external: string }[];
};

/** The notes of a NAT node (source: the NAT's name), RFC 4787 behaviour as it happens. */
export type NatNoteKinds = {
  'nat.config': NatDetails;
  'nat.mapping.created': MappingFacts & { readonly remote: string; readonly mapping: NatBehaviour; readonly port: PortHow };
  /** By an outbound packet (REQ-6), or by an inbound one when inbound refresh is on (REQ-6a). */
  'nat.mapping.refreshed': MappingFacts & { readonly remote: string } & ({ readonly by: 'outbound' } | { readonly refreshed: true; readonly firstReply: boolean });
  /** An inbound packet translated without refreshing the mapping. */
  'nat.inbound': MappingFacts & { readonly remote: string; readonly refreshed: false; readonly firstReply: boolean };
  'nat.mapping.failed': { readonly internal: string; readonly remote: string; readonly reason: 'port-space-exhausted' | 'quota-exhausted' };
  'nat.mapping.expired': MappingFacts & { readonly lastRefresh: number };
  /** RFC 5382 §5: a TCP connection through a mapping changed phase, and with it the mapping's idle timeout. */
  'nat.tcp.phase': { readonly mapping: number; readonly remote: string; readonly phase: TcpSessionPhase; readonly expires: number };
  'nat.no-mapping': { readonly external: string; readonly remote: string };
  /** `internal`: the inside endpoint(s) holding the port, "a or b". */
  'nat.filtered': { readonly external: string; readonly remote: string; readonly filtering: NatBehaviour; readonly internal: string };
  /** The first datagram of a static 1:1 binding in a direction and protocol (RFC 2663 §3.1: no mapping is made). */
  'nat.static': { readonly internal: string; readonly external: string; readonly direction: 'in' | 'out' | 'hairpin'; readonly protocol: 'udp' | 'tcp' | 'icmp'; readonly remote?: string };
  'nat.hairpin':
    | { readonly internal: string; readonly destination: string; readonly hairpinning: false }
    | { readonly internal: string; readonly destination: string; readonly source: string; readonly delivered: string };
};

export type NatNote = NotesOf<NatNoteKinds>;
export const natNote = noteMaker<NatNoteKinds>();
export const NAT_NOTE_KINDS = {
  'nat.config': true,
  'nat.mapping.created': true,
  'nat.mapping.refreshed': true,
  'nat.inbound': true,
  'nat.mapping.failed': true,
  'nat.mapping.expired': true,
  'nat.tcp.phase': true,
  'nat.no-mapping': true,
  'nat.filtered': true,
  'nat.static': true,
  'nat.hairpin': true,
} as const satisfies KindSet<NatNoteKinds>;
