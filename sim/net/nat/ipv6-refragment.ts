// A NAT's IPv6 datagram after translation: the NAT reassembled it to read the ports only the first fragment carries
// (node.ts, as Linux's nf_defrag_ipv6 does for conntrack), so it leaves in fragments again, each at most as large as
// the largest that arrived (Linux's ip6_fragment with frag_max_size) and with the Identification it came with. IPv6
// is never fragmented on the way (RFC 8200 §4.5): fragments that arrived larger than the next hop's MTU get Packet
// Too Big toward the sender instead, as the IPv4 path answers a datagram with DF set.
import { formatIPv6 } from '../../wire/ip/address.ts';
import { fragmentIPv6 } from '../../wire/ip/fragment.ts';

/** What reassembly learnt of a datagram's fragments as they arrived. */
export interface Reassembled6 {
  /** The largest fragment, whole IPv6 packet bytes (Linux's frag_max_size). */
  readonly largest: number;
  readonly identification: number;
  readonly fragments: number;
}

export type Refragmented =
  | { readonly kind: 'parts'; readonly parts: Uint8Array[]; readonly text: string; readonly facts: { id: number; length: number; mtu: number; fragments: number } }
  | { readonly kind: 'too-big'; readonly mtu: number; readonly reason: string }
  | { readonly kind: 'error'; readonly reason: string };

export function refragment6(translated: Uint8Array, r: Reassembled6, mtu: number | undefined, outName: string): Refragmented {
  if (mtu !== undefined && r.largest > mtu) {
    return { kind: 'too-big', mtu, reason: `its fragments (up to ${r.largest} bytes) exceed the next-hop MTU of ${outName} (${mtu}), and IPv6 is never fragmented on the way (RFC 8200 §4.5)` };
  }
  const parts = fragmentIPv6(translated, r.largest, r.identification);
  if ('error' in parts) return { kind: 'error', reason: `cannot fragment the translated IPv6 datagram again: ${parts.error}` };
  const id = `0x${r.identification.toString(16).padStart(8, '0')}`;
  return {
    kind: 'parts',
    parts,
    text: `the translated ${translated.length}-byte IPv6 datagram to ${formatIPv6(translated, 24)} split again into ${parts.length} fragments of at most ${r.largest} bytes, as it came in ${r.fragments} (id ${id})`,
    facts: { id: r.identification, length: translated.length, mtu: r.largest, fragments: parts.length },
  };
}
