import { noteMaker, type KindSet, type NotesOf } from '../core/note.ts';

/** RFC 5780 §4.3/§4.4 behaviour words (the same as RFC 4787's). */
type Behaviour = 'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent';

/** The RFC 5780 tests a NatDiscoveryClient runs. */
export type DiscoveryTest = 'test I' | 'filtering test II' | 'filtering test III' | 'mapping test II' | 'mapping test III';

/** The notes of STUN transactions, servers, Binding clients and RFC 5780 discovery. Addresses are "ip:port". */
export type StunNoteKinds = {
  /** RFC 8489 §6.2.1: a request given up after its last transmission. */
  'stun.transaction.timeout': { readonly transactionId: string; readonly to: string; readonly attempts: number };
  /** RFC 8445 §7.2.5.2.2 / RFC 1122 §4.1.3.3: a hard ICMP error about the request ends the transaction at once. */
  'stun.transaction.icmp-error': { readonly transactionId: string; readonly to: string; readonly attempts: number; readonly error: string; readonly from: string };
  'stun.retransmit': { readonly reason: 'stun-retransmit'; readonly transactionId: string; readonly attempt: number; readonly to: string };
  /** A server answered a Binding request: `mapped` what it saw, `source` where the answer leaves from (CHANGE-REQUEST). */
  'stun.binding.answered': { readonly mapped: string; readonly to: string; readonly source: string; readonly changeIp?: boolean; readonly changePort?: boolean };
  'stun.error.sent': { readonly to: string };
  'stun.binding.sent': { readonly to: string };
  'stun.binding.error': { readonly error: string };
  /** `mapped` null when the success response carried no (XOR-)MAPPED-ADDRESS. */
  'stun.binding.result': { readonly mapped: string | null; readonly local: string; readonly rtt: number; readonly server: string };
  'nat-discovery.test': { readonly test: DiscoveryTest; readonly to: string };
  'nat-discovery.mapped': { readonly test: DiscoveryTest; readonly mapped: string };
  /** `filtering` absent when the test only narrowed it down (test II unanswered). */
  'nat-discovery.filtering': { readonly test: DiscoveryTest; readonly filtering?: Behaviour };
  'nat-discovery.mapping': { readonly test: DiscoveryTest; readonly mapped: string };
  'nat-discovery.result': {
    readonly nat: boolean;
    readonly mapping: Behaviour | 'no-nat' | null;
    readonly filtering: Behaviour | null;
    readonly mapped: string | null;
    readonly error?: string;
    readonly mappedByTest: { readonly [test: string]: string };
  };
};

export type StunNote = NotesOf<StunNoteKinds>;
export const stunNote = noteMaker<StunNoteKinds>();
export const STUN_NOTE_KINDS = {
  'stun.transaction.timeout': true,
  'stun.transaction.icmp-error': true,
  'stun.retransmit': true,
  'stun.binding.answered': true,
  'stun.error.sent': true,
  'stun.binding.sent': true,
  'stun.binding.error': true,
  'stun.binding.result': true,
  'nat-discovery.test': true,
  'nat-discovery.mapped': true,
  'nat-discovery.filtering': true,
  'nat-discovery.mapping': true,
  'nat-discovery.result': true,
} as const satisfies KindSet<StunNoteKinds>;
