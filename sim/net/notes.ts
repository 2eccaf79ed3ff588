import { noteMaker, type KindSet, type NotesOf } from '../core/note.ts';
import type { FirewallDirection, FirewallProto } from './firewall/rules.ts';

/** What a firewall says of the packet behind a rule's decision (firewall/firewall.ts). */
export type FirewallPacketFacts = {
  /** The rule's name, or "default". */
  readonly rule: string;
  readonly direction: FirewallDirection;
  readonly proto: FirewallProto;
  readonly src: string;
  readonly dst: string;
  readonly state: 'new' | 'established';
};

/** The notes of the network itself: hosts, routers, firewalls, links and endpoint drivers. */
export type NetNoteKinds = {
  /** A host or router with no route (or no address of the family) for a destination IP; null when unreadable. */
  'net.no-route': { readonly dst: string | null };
  /** IPv4 fragmentation (RFC 791): a datagram split to fit a link's MTU; fragments put back together; a datagram whose fragments did not all come in 30 s. */
  'net.ip.fragmented': { readonly id: number; readonly length: number; readonly mtu: number; readonly fragments: number };
  'net.ip.reassembled': { readonly datagram: string; readonly length: number; readonly fragments: number };
  'net.ip.reassembly-timeout': { readonly datagram: string; readonly fragments: number; readonly icmp: boolean };
  /** A host's path MTU to an IPv6 destination lowered by Packet Too Big (RFC 8201 §4). */
  'net.ip.pmtu': { readonly dst: string; readonly from: string; readonly previous: number; readonly mtu: number; readonly reported: number };
  /** An endpoint asked to send from an address its host has not bound (endpoint-driver.ts). */
  'endpoint.error': undefined;
  /** An endpoint threw; its driver stops it (it gets no more input). */
  'endpoint.failed': { readonly reason: string };
  /** A scheduled link change of the scenario (`events`). */
  'link.changed': { readonly link: string; readonly direction: string };
  /** A host got a usable ICMP error about a datagram it sent (icmp/receive.ts): who sent it, what, about which flow. */
  'net.icmp.received': { readonly from: string; readonly error: string; readonly about: string; readonly protocol: number; readonly mtu: number | null; readonly delivered: boolean };
  'firewall.config': { readonly policy: string };
  'firewall.blocked': { readonly direction: FirewallDirection; readonly proto: FirewallProto };
  /** The stateful filter's own facts (firewall/firewall.ts). */
  'firewall.drop': FirewallPacketFacts;
  'firewall.flow.created': FirewallPacketFacts;
  'firewall.flow.expired': { readonly proto: FirewallProto; readonly initiator: string; readonly responder: string };
};

export type NetNote = NotesOf<NetNoteKinds>;
export const netNote = noteMaker<NetNoteKinds>();
export const NET_NOTE_KINDS = {
  'net.no-route': true,
  'net.ip.fragmented': true,
  'net.ip.reassembled': true,
  'net.ip.reassembly-timeout': true,
  'net.ip.pmtu': true,
  'endpoint.error': true,
  'endpoint.failed': true,
  'link.changed': true,
  'net.icmp.received': true,
  'firewall.config': true,
  'firewall.blocked': true,
  'firewall.drop': true,
  'firewall.flow.created': true,
  'firewall.flow.expired': true,
} as const satisfies KindSet<NetNoteKinds>;
