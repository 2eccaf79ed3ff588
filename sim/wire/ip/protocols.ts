/** IP protocol numbers (IANA "Assigned Internet Protocol Numbers"), shared by IPv4 Protocol and IPv6 Next Header. */
export const IPPROTO = {
  HOPOPT: 0,
  ICMP: 1,
  IGMP: 2,
  IPIP: 4,
  TCP: 6,
  UDP: 17,
  IPV6: 41,
  IPV6_ROUTE: 43,
  IPV6_FRAG: 44,
  GRE: 47,
  ESP: 50,
  AH: 51,
  ICMPV6: 58,
  IPV6_NONXT: 59,
  IPV6_OPTS: 60,
  SCTP: 132,
  MOBILITY: 135,
  UDPLITE: 136,
  HIP: 139,
  SHIM6: 140,
} as const;

const NAMES: Readonly<Record<number, string>> = {
  0: 'IPv6 Hop-by-Hop Options',
  1: 'ICMP',
  2: 'IGMP',
  4: 'IPv4-in-IP',
  6: 'TCP',
  17: 'UDP',
  41: 'IPv6',
  43: 'IPv6 Routing',
  44: 'IPv6 Fragment',
  47: 'GRE',
  50: 'ESP',
  51: 'AH',
  58: 'ICMPv6',
  59: 'No Next Header',
  60: 'IPv6 Destination Options',
  132: 'SCTP',
  135: 'Mobility',
  136: 'UDP-Lite',
  139: 'HIP',
  140: 'Shim6',
  253: 'Experimental',
  254: 'Experimental',
};

/** "UDP", "TCP", … or "protocol 200" for numbers without a name here. */
export function protocolName(p: number): string {
  return NAMES[p] ?? `protocol ${p}`;
}

/** "17 (UDP)": how protocol fields are displayed. */
export function showProtocol(p: number): string {
  const n = NAMES[p];
  return n ? `${p} (${n})` : String(p);
}

/** RFC 3168 §5: the two ECN bits. */
export function ecnName(ecn: number): string {
  return ['Not-ECT', 'ECT(1)', 'ECT(0)', 'CE'][ecn & 3]!;
}
