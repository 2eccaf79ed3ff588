/**
 * IP addresses as canonical text ("192.0.2.1", "2001:db8::1" in RFC 5952 form) and as bytes.
 * Text is what traces, scenarios and notes carry; bytes are what goes on the wire.
 */
export type IpFamily = 4 | 6;

export function parseIPv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    out[i] = v;
  }
  return out;
}

export function parseIPv6(text: string): Uint8Array | undefined {
  let s = text;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const out = new Uint8Array(16);
  let tail: Uint8Array | undefined;
  // an embedded IPv4 address in the last 32 bits (::ffff:192.0.2.1)
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.', lastColon)) {
    tail = parseIPv4(s.slice(lastColon + 1));
    if (!tail) return undefined;
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const groups = head.length + rest.length;
  if (halves.length === 1 ? groups !== 8 : groups > 7) return undefined;
  const write = (list: string[], start: number): boolean => {
    for (let i = 0; i < list.length; i++) {
      const g = list[i]!;
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return false;
      const v = Number.parseInt(g, 16);
      out[(start + i) * 2] = v >> 8;
      out[(start + i) * 2 + 1] = v & 0xff;
    }
    return true;
  };
  if (!write(head, 0) || !write(rest, 8 - rest.length)) return undefined;
  if (tail) out.set(tail, 12);
  return out;
}

/** Parses either family; undefined when the text is not an address. A fresh array the caller may change. */
export function parseIp(text: string): Uint8Array | undefined {
  return text.includes(':') ? parseIPv6(text) : parseIPv4(text);
}

const parsed = new Map<string, Uint8Array | undefined>();

/**
 * `parseIp` remembered: a simulation handles a few addresses millions of times (routing, encoding, rewriting).
 * The array is shared — callers only read it or copy it. The memory is bounded: the map is cleared when full.
 */
export function parseIpShared(text: string): Uint8Array | undefined {
  let b = parsed.get(text);
  if (b === undefined && !parsed.has(text)) {
    if (parsed.size >= 4096) parsed.clear();
    b = parseIp(text);
    parsed.set(text, b);
  }
  return b;
}

export function ipFamily(text: string): IpFamily {
  return text.includes(':') ? 6 : 4;
}

export function isIp(text: string): boolean {
  return parseIp(text) !== undefined;
}

export function formatIPv4(b: Uint8Array, offset = 0): string {
  // a capture names few addresses many times: remember their text (bounded, so any input stays cheap)
  // a short array (a truncated packet) is written as it is and never remembered: its missing bytes would read as 0
  // in the key and give a whole address (0.0.0.0 for [0]) the short one's text
  if (offset < 0 || offset + 4 > b.length) return `${b[offset]}.${b[offset + 1]}.${b[offset + 2]}.${b[offset + 3]}`;
  const key = b[offset]! * 0x1000000 + ((b[offset + 1]! << 16) | (b[offset + 2]! << 8) | b[offset + 3]!);
  let text = ipv4Text.get(key);
  if (text === undefined) {
    if (ipv4Text.size >= 4096) ipv4Text.clear();
    text = `${b[offset]}.${b[offset + 1]}.${b[offset + 2]}.${b[offset + 3]}`;
    ipv4Text.set(key, text);
  }
  return text;
}

const ipv4Text = new Map<number, string>();

/** RFC 5952 §4: lowercase, leading zeros dropped, the longest run (≥ 2) of zero groups as "::", first on a tie. */
export function formatIPv6(b: Uint8Array, offset = 0): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[offset + 2 * i]! << 8) | b[offset + 2 * i + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

export function formatIp(b: Uint8Array, offset = 0, family: IpFamily = b.length - offset === 4 ? 4 : 6): string {
  return family === 4 ? formatIPv4(b, offset) : formatIPv6(b, offset);
}

/** Canonical text for any accepted spelling ("2001:DB8:0::1" → "2001:db8::1"); undefined if not an address. */
export function canonicalIp(text: string): string | undefined {
  const b = parseIp(text);
  return b ? formatIp(b) : undefined;
}

/** Whether `ip` lies in `prefix` written as "10.0.0.0/8" or "fe80::/10". */
export function inPrefix(ip: string, prefix: string): boolean {
  const slash = prefix.indexOf('/');
  const net = parseIp(slash >= 0 ? prefix.slice(0, slash) : prefix);
  const addr = parseIp(ip);
  if (!net || !addr || net.length !== addr.length) return false;
  const bits = slash >= 0 ? Number(prefix.slice(slash + 1)) : net.length * 8;
  if (!Number.isInteger(bits) || bits < 0 || bits > net.length * 8) return false;
  return prefixMatches(addr, net, bits);
}

export function prefixMatches(addr: Uint8Array, net: Uint8Array, bits: number): boolean {
  const full = bits >> 3;
  for (let i = 0; i < full; i++) if (addr[i] !== net[i]) return false;
  const rem = bits & 7;
  if (rem === 0) return true;
  const mask = (0xff << (8 - rem)) & 0xff;
  return ((addr[full]! ^ net[full]!) & mask) === 0;
}

/** RFC 1918 / RFC 6598 / RFC 4193 and friends: addresses that are not routable on the public internet. */
export function isPrivateOrLocal(ip: string): boolean {
  const ranges = ip.includes(':')
    ? ['::1/128', '::/128', 'fc00::/7', 'fe80::/10', '::ffff:0:0/96']
    : ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '0.0.0.0/8'];
  return ranges.some((r) => inPrefix(ip, r));
}
