// The signalling side of mDNS candidates (mdns-candidates.ts): what a host, srflx and relay candidate look like once
// sanitized as libwebrtc sanitizes them, and how a remote `.local` candidate is recognised and given its address.
import { describe, expect, it } from 'vitest';
import { isMdnsName, mdnsNameOf, sanitizeLocalCandidate, withResolvedAddress, type MdnsNames } from './mdns-candidates.ts';

const names = (obfuscate: boolean): MdnsNames => ({ obfuscate, nameFor: (ip) => `name-of-${ip.replaceAll(/[.:]/g, '-')}.local`, resolve: () => undefined });

describe('mDNS candidates at the signalling boundary', () => {
  const host = '1 1 udp 2122260223 192.168.1.10 54635 typ host generation 0 network-id 1';
  const host6 = '2 1 udp 2122262783 2001:db8::10 54636 typ host generation 0 network-id 2';
  const srflx = '3 1 udp 1686052607 203.0.113.10 54635 typ srflx raddr 192.168.1.10 rport 54635 generation 0 network-id 1';
  const srflx6 = '4 1 udp 1686052607 2001:db8:1::10 54635 typ srflx raddr 2001:db8::10 rport 54636 generation 0 network-id 2';
  const relay = '5 1 udp 41885439 198.51.100.10 49152 typ relay raddr 203.0.113.10 rport 54635 generation 0 network-id 1';
  const tcp = '6 1 tcp 1518280447 192.168.1.10 9 typ host tcptype active generation 0 network-id 1';

  it('replaces a host address by its name and a srflx raddr by the unspecified address, leaves relay alone', () => {
    const n = names(true);
    expect(sanitizeLocalCandidate(host, n)).toBe('1 1 udp 2122260223 name-of-192-168-1-10.local 54635 typ host generation 0 network-id 1');
    expect(sanitizeLocalCandidate(host6, n)).toContain(' name-of-2001-db8--10.local 54636 typ host ');
    expect(sanitizeLocalCandidate(tcp, n)).toBe('6 1 tcp 1518280447 name-of-192-168-1-10.local 9 typ host tcptype active generation 0 network-id 1');
    expect(sanitizeLocalCandidate(srflx, n)).toBe('3 1 udp 1686052607 203.0.113.10 54635 typ srflx raddr 0.0.0.0 rport 0 generation 0 network-id 1');
    expect(sanitizeLocalCandidate(srflx6, n)).toContain('typ srflx raddr :: rport 0 ');
    // PortAllocator::SanitizeCandidate filters a relay's raddr only when reflexive candidates are filtered
    expect(sanitizeLocalCandidate(relay, n)).toBe(relay);
  });

  it('changes nothing without obfuscation', () => {
    for (const c of [host, srflx, relay, tcp]) expect(sanitizeLocalCandidate(c, names(false))).toBe(c);
  });

  it('recognises a .local candidate, and puts the resolved address in its place', () => {
    const remote = 'candidate:1 1 udp 2122260223 0b3a9ad4-2f0e-4c1a-9d52-0f0f4c6a1b2e.local 54635 typ host generation 0';
    expect(mdnsNameOf(remote)).toBe('0b3a9ad4-2f0e-4c1a-9d52-0f0f4c6a1b2e.local');
    expect(mdnsNameOf(host)).toBeUndefined();
    expect(mdnsNameOf('garbage')).toBeUndefined();
    expect(withResolvedAddress(remote, '192.168.1.10')).toBe('candidate:1 1 udp 2122260223 192.168.1.10 54635 typ host generation 0');
    expect([isMdnsName('x.local'), isMdnsName('x.LOCAL.'), isMdnsName('x.localhost'), isMdnsName('192.0.2.1')]).toEqual([true, true, false, false]);
  });
});
