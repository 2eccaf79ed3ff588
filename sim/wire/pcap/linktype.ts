/**
 * Link-layer header types shared by pcap and pcapng (the tcpdump.org LINKTYPE_ registry, draft-ietf-opsawg-pcaplinktype).
 * Only the ones whose IP datagram the reader can find are named here; any other value is kept as a number.
 */
export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

const NAMES: Record<number, string> = {
  [LINKTYPE_NULL]: 'NULL (BSD loopback)',
  [LINKTYPE_ETHERNET]: 'ETHERNET',
  [LINKTYPE_RAW]: 'RAW (IP)',
  [LINKTYPE_LOOP]: 'LOOP (OpenBSD loopback)',
  [LINKTYPE_LINUX_SLL]: 'LINUX_SLL (Linux cooked v1)',
  [LINKTYPE_IPV4]: 'IPV4',
  [LINKTYPE_IPV6]: 'IPV6',
  [LINKTYPE_LINUX_SLL2]: 'LINUX_SLL2 (Linux cooked v2)',
};

export function linkTypeName(linkType: number): string {
  return NAMES[linkType] ?? `LINKTYPE ${linkType}`;
}

/** Ethertypes (IEEE 802 numbers) the reader cares about. */
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_VLAN = 0x8100; // IEEE 802.1Q customer tag
export const ETHERTYPE_QINQ = 0x88a8; // IEEE 802.1ad service tag
export const ETHERTYPE_QINQ_OLD = 0x9100; // pre-standard double tagging, still seen
export const ETHERTYPE_IPV6 = 0x86dd;

const ETHERTYPE_NAMES: Record<number, string> = {
  [ETHERTYPE_IPV4]: 'IPv4',
  [ETHERTYPE_ARP]: 'ARP',
  [ETHERTYPE_VLAN]: '802.1Q VLAN',
  [ETHERTYPE_QINQ]: '802.1ad QinQ',
  [ETHERTYPE_QINQ_OLD]: 'QinQ (0x9100)',
  [ETHERTYPE_IPV6]: 'IPv6',
  0x8035: 'RARP',
  0x88cc: 'LLDP',
  0x8863: 'PPPoE discovery',
  0x8864: 'PPPoE session',
  0x8847: 'MPLS',
  0x0060: 'Ethernet loopback',
};

export function ethertypeName(type: number): string {
  const hex = `0x${type.toString(16).padStart(4, '0')}`;
  const name = ETHERTYPE_NAMES[type];
  return name ? `${hex} (${name})` : hex;
}
