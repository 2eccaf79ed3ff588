/**
 * ICMP (RFC 792) and ICMPv6 (RFC 4443) message types and codes, named as the IANA registries name them
 * ("Internet Control Message Protocol (ICMP) Parameters", "ICMPv6 Parameters"), each with the RFC that defines it.
 */

/** An error reports a problem with a datagram it quotes; a query (informational message) does not. */
export type IcmpKind = 'error' | 'query';

interface TypeInfo {
  readonly name: string;
  readonly kind: IcmpKind;
  readonly codes?: Readonly<Record<number, string>>;
}

/** ICMP for IPv4 (IANA icmp-parameters). */
export const ICMP4_TYPES: Readonly<Record<number, TypeInfo>> = {
  0: { name: 'Echo Reply', kind: 'query' }, // RFC 792
  3: {
    name: 'Destination Unreachable', // RFC 792
    kind: 'error',
    codes: {
      0: 'Net Unreachable',
      1: 'Host Unreachable',
      2: 'Protocol Unreachable',
      3: 'Port Unreachable',
      4: 'Fragmentation Needed and DF Set', // RFC 1191 puts the next-hop MTU in bytes 6–7
      5: 'Source Route Failed',
      6: 'Destination Network Unknown', // RFC 1122 §3.2.2.1
      7: 'Destination Host Unknown',
      8: 'Source Host Isolated',
      9: 'Communication with Destination Network is Administratively Prohibited',
      10: 'Communication with Destination Host is Administratively Prohibited',
      11: 'Destination Network Unreachable for Type of Service',
      12: 'Destination Host Unreachable for Type of Service',
      13: 'Communication Administratively Prohibited', // RFC 1812 §5.2.7.1
      14: 'Host Precedence Violation',
      15: 'Precedence cutoff in effect',
    },
  },
  4: { name: 'Source Quench', kind: 'error' }, // RFC 792, deprecated by RFC 6633
  5: { name: 'Redirect', kind: 'error', codes: { 0: 'Redirect Datagram for the Network', 1: 'Redirect Datagram for the Host', 2: 'Redirect Datagram for the Type of Service and Network', 3: 'Redirect Datagram for the Type of Service and Host' } }, // RFC 792
  6: { name: 'Alternate Host Address', kind: 'query' }, // deprecated (RFC 6918)
  8: { name: 'Echo Request', kind: 'query' }, // RFC 792
  9: { name: 'Router Advertisement', kind: 'query', codes: { 0: 'Normal router advertisement', 16: 'Does not route common traffic' } }, // RFC 1256, RFC 3344
  10: { name: 'Router Solicitation', kind: 'query' }, // RFC 1256
  11: { name: 'Time Exceeded', kind: 'error', codes: { 0: 'Time to Live exceeded in Transit', 1: 'Fragment Reassembly Time Exceeded' } }, // RFC 792
  12: { name: 'Parameter Problem', kind: 'error', codes: { 0: 'Pointer indicates the error', 1: 'Missing a Required Option', 2: 'Bad Length' } }, // RFC 792, RFC 1108
  13: { name: 'Timestamp', kind: 'query' }, // RFC 792
  14: { name: 'Timestamp Reply', kind: 'query' },
  15: { name: 'Information Request', kind: 'query' }, // RFC 792, deprecated (RFC 6918)
  16: { name: 'Information Reply', kind: 'query' },
  17: { name: 'Address Mask Request', kind: 'query' }, // RFC 950, deprecated (RFC 6918)
  18: { name: 'Address Mask Reply', kind: 'query' },
  30: { name: 'Traceroute', kind: 'query' }, // RFC 1393, deprecated (RFC 6918)
  40: { name: 'Photuris', kind: 'error', codes: { 0: 'Bad SPI', 1: 'Authentication Failed', 2: 'Decompression Failed', 3: 'Decryption Failed', 4: 'Need Authentication', 5: 'Need Authorization' } }, // RFC 2521
  42: { name: 'Extended Echo Request', kind: 'query', codes: { 0: 'No Error' } }, // RFC 8335
  43: {
    name: 'Extended Echo Reply', // RFC 8335
    kind: 'query',
    codes: { 0: 'No Error', 1: 'Malformed Query', 2: 'No Such Interface', 3: 'No Such Table Entry', 4: 'Multiple Interfaces Satisfy Query' },
  },
};

/** ICMPv6 (IANA icmpv6-parameters); types 0–127 are errors, 128–255 informational (RFC 4443 §2.1). */
export const ICMP6_TYPES: Readonly<Record<number, TypeInfo>> = {
  1: {
    name: 'Destination Unreachable', // RFC 4443 §3.1
    kind: 'error',
    codes: {
      0: 'No route to destination',
      1: 'Communication with destination administratively prohibited',
      2: 'Beyond scope of source address',
      3: 'Address unreachable',
      4: 'Port unreachable',
      5: 'Source address failed ingress/egress policy',
      6: 'Reject route to destination',
      7: 'Error in Source Routing Header', // RFC 6550
      8: 'Headers too long', // RFC 8883
    },
  },
  2: { name: 'Packet Too Big', kind: 'error' }, // RFC 4443 §3.2: the MTU in bytes 4–7
  3: { name: 'Time Exceeded', kind: 'error', codes: { 0: 'Hop limit exceeded in transit', 1: 'Fragment reassembly time exceeded' } }, // RFC 4443 §3.3
  4: {
    name: 'Parameter Problem', // RFC 4443 §3.4
    kind: 'error',
    codes: {
      0: 'Erroneous header field encountered',
      1: 'Unrecognized Next Header type encountered',
      2: 'Unrecognized IPv6 option encountered',
      3: 'IPv6 First Fragment has incomplete IPv6 Header Chain', // RFC 7112
      4: 'SR Upper-layer Header Error', // RFC 8754
      5: 'Unrecognized Next Header type encountered by intermediate node', // RFC 8883
      6: 'Extension header too big',
      7: 'Extension header chain too long',
      8: 'Too many extension headers',
      9: 'Too many options in extension header',
      10: 'Option too big',
    },
  },
  128: { name: 'Echo Request', kind: 'query' }, // RFC 4443 §4.1
  129: { name: 'Echo Reply', kind: 'query' }, // RFC 4443 §4.2
  130: { name: 'Multicast Listener Query', kind: 'query' }, // RFC 2710
  131: { name: 'Multicast Listener Report', kind: 'query' },
  132: { name: 'Multicast Listener Done', kind: 'query' },
  133: { name: 'Router Solicitation', kind: 'query' }, // RFC 4861 §4.1
  134: { name: 'Router Advertisement', kind: 'query' }, // RFC 4861 §4.2
  135: { name: 'Neighbor Solicitation', kind: 'query' }, // RFC 4861 §4.3
  136: { name: 'Neighbor Advertisement', kind: 'query' }, // RFC 4861 §4.4
  137: { name: 'Redirect Message', kind: 'query' }, // RFC 4861 §4.5
  138: { name: 'Router Renumbering', kind: 'query', codes: { 0: 'Router Renumbering Command', 1: 'Router Renumbering Result', 255: 'Sequence Number Reset' } }, // RFC 2894
  139: { name: 'ICMP Node Information Query', kind: 'query' }, // RFC 4620
  140: { name: 'ICMP Node Information Response', kind: 'query' },
  141: { name: 'Inverse Neighbor Discovery Solicitation Message', kind: 'query' }, // RFC 3122
  142: { name: 'Inverse Neighbor Discovery Advertisement Message', kind: 'query' },
  143: { name: 'Version 2 Multicast Listener Report', kind: 'query' }, // RFC 3810
  144: { name: 'Home Agent Address Discovery Request Message', kind: 'query' }, // RFC 6275
  145: { name: 'Home Agent Address Discovery Reply Message', kind: 'query' },
  146: { name: 'Mobile Prefix Solicitation', kind: 'query' },
  147: { name: 'Mobile Prefix Advertisement', kind: 'query' },
  148: { name: 'Certification Path Solicitation Message', kind: 'query' }, // RFC 3971
  149: { name: 'Certification Path Advertisement Message', kind: 'query' },
  151: { name: 'Multicast Router Advertisement', kind: 'query' }, // RFC 4286
  152: { name: 'Multicast Router Solicitation', kind: 'query' },
  153: { name: 'Multicast Router Termination', kind: 'query' },
  154: { name: 'FMIPv6 Messages', kind: 'query' }, // RFC 5568
  155: { name: 'RPL Control Message', kind: 'query' }, // RFC 6550
  157: { name: 'Duplicate Address Request', kind: 'query' }, // RFC 6775
  158: { name: 'Duplicate Address Confirmation', kind: 'query' },
  160: { name: 'Extended Echo Request', kind: 'query', codes: { 0: 'No Error' } }, // RFC 8335
  161: {
    name: 'Extended Echo Reply', // RFC 8335
    kind: 'query',
    codes: { 0: 'No Error', 1: 'Malformed Query', 2: 'No Such Interface', 3: 'No Such Table Entry', 4: 'Multiple Interfaces Satisfy Query' },
  },
};

function table(family: 4 | 6): Readonly<Record<number, TypeInfo>> {
  return family === 4 ? ICMP4_TYPES : ICMP6_TYPES;
}

/** "Destination Unreachable", or "type 77 (unassigned)". */
export function icmpTypeName(family: 4 | 6, type: number): string {
  return table(family)[type]?.name ?? `type ${type} (unassigned)`;
}

/** The code's name for a type with named codes; undefined for a type whose only code is 0 (and code 0 is given). */
export function icmpCodeName(family: 4 | 6, type: number, code: number): string | undefined {
  const codes = table(family)[type]?.codes;
  if (codes) return codes[code] ?? `code ${code} (unassigned)`;
  return code === 0 ? undefined : `code ${code} (unassigned)`;
}

/** Error or query: from the table, else by RFC 4443 §2.1's rule for ICMPv6 (type < 128: error). */
export function icmpKind(family: 4 | 6, type: number): IcmpKind {
  const known = table(family)[type]?.kind;
  if (known) return known;
  return family === 6 && type < 128 ? 'error' : 'query';
}

/** The echo-like messages: an identifier and a sequence number follow the checksum (RFC 792, RFC 4443 §4). */
export function hasIdentifier(family: 4 | 6, type: number): boolean {
  return family === 4 ? [0, 8, 13, 14, 15, 16, 17, 18].includes(type) : type === 128 || type === 129;
}
