import { describe, expect, it } from 'vitest';
import type { Candidate } from './candidate.ts';
import { candidatePriority, formatCandidate, foundationOf, localPreference, parseCandidate, redundantWith, TYPE_PREFERENCE } from './candidate.ts';
import { makePair, pairPriority } from './pair.ts';
import { Checklist } from './checklist.ts';

// RFC 8445 §5.1.2.1 and §6.1.2.3 worked by hand; the four candidate values are the ones every browser's
// SDP shows for a single interface (type preferences 126/110/100/0, local preference 65535, component 1).
describe('candidate priority (RFC 8445 §5.1.2.1)', () => {
  it('host, prflx, srflx and relay on one interface give the familiar browser values', () => {
    expect(candidatePriority(TYPE_PREFERENCE.host, 65535, 1)).toBe(126 * 16777216 + 65535 * 256 + 255);
    expect(candidatePriority(TYPE_PREFERENCE.host, 65535, 1)).toBe(2130706431);
    expect(candidatePriority(TYPE_PREFERENCE.prflx, 65535, 1)).toBe(1862270975);
    expect(candidatePriority(TYPE_PREFERENCE.srflx, 65535, 1)).toBe(1694498815);
    expect(candidatePriority(TYPE_PREFERENCE.relay, 65535, 1)).toBe(16777215);
  });

  it('component 2 (RTCP without rtcp-mux) is one less than component 1', () => {
    expect(candidatePriority(126, 65535, 2)).toBe(2130706430);
  });

  it('rejects values outside the fields of the formula', () => {
    expect(() => candidatePriority(127, 65535, 1)).toThrow(RangeError);
    expect(() => candidatePriority(126, 65536, 1)).toThrow(RangeError);
    expect(() => candidatePriority(126, 65535, 0)).toThrow(RangeError);
  });

  it('with several interfaces IPv6 comes before IPv4 (RFC 8421) and one interface gets 65535', () => {
    expect(localPreference(0, 4, 1)).toBe(65535);
    expect(localPreference(0, 6, 2)).toBeGreaterThan(localPreference(1, 4, 2));
    expect(localPreference(1, 6, 3)).toBeGreaterThan(localPreference(0, 4, 3));
  });
});

describe('pair priority (RFC 8445 §6.1.2.3)', () => {
  it('is 2^32·MIN(G,D) + 2·MAX(G,D) + (G>D ? 1 : 0), worked for a controlling host and a controlled srflx', () => {
    // G = 2130706431 (host), D = 1694498815 (srflx): 1694498815·2^32 + 2·2130706431 + 1
    expect(pairPriority(2130706431, 1694498815)).toBe(7277816997797167103n);
    // the same two candidates with the roles swapped lose the final 1
    expect(pairPriority(1694498815, 2130706431)).toBe(7277816997797167102n);
  });

  it('exceeds 2^53, so it is a bigint and orders correctly where numbers would not', () => {
    const a = pairPriority(2130706431, 2130706431);
    const b = pairPriority(2130706431, 2130706430);
    expect(a > b).toBe(true);
    expect(Number(a) > Number.MAX_SAFE_INTEGER).toBe(true);
  });
});

describe('foundations (RFC 8445 §5.1.1.3)', () => {
  it('are equal for the same type, base IP, server IP and transport, and differ when any of them differs', () => {
    const f = foundationOf('srflx', '10.0.1.10', '198.51.100.10', 'udp');
    expect(foundationOf('srflx', '10.0.1.10', '198.51.100.10', 'udp')).toBe(f);
    expect(foundationOf('srflx', '10.0.1.11', '198.51.100.10', 'udp')).not.toBe(f);
    expect(foundationOf('srflx', '10.0.1.10', '198.51.100.11', 'udp')).not.toBe(f);
    expect(foundationOf('relay', '10.0.1.10', '198.51.100.10', 'udp')).not.toBe(f);
    expect(foundationOf('srflx', '10.0.1.10', '198.51.100.10', 'tcp')).not.toBe(f);
  });

  it('are 1–32 ice-chars so they fit an SDP candidate line', () => {
    expect(foundationOf('host', '2001:db8::1', undefined, 'udp')).toMatch(/^[A-Za-z0-9+/]{1,32}$/);
  });
});

const host: Candidate = { foundation: '1', component: 1, transport: 'udp', priority: 2130706431, address: { ip: '203.0.113.10', port: 5000 }, type: 'host', base: { ip: '203.0.113.10', port: 5000 } };

describe('candidates', () => {
  it('a server-reflexive candidate equal to its host candidate (no NAT) is redundant (§5.1.3)', () => {
    const srflx: Candidate = { ...host, foundation: '2', priority: 1694498815, type: 'srflx', related: host.address };
    expect(redundantWith(srflx, [host])).toBe(host);
    expect(redundantWith({ ...srflx, address: { ip: '203.0.113.99', port: 5000 } }, [host])).toBeUndefined();
  });

  it('round-trips through the SDP candidate-attribute (RFC 8839 §5.1)', () => {
    const relay: Candidate = { foundation: '77', component: 1, transport: 'udp', priority: 16777215, address: { ip: '198.51.100.10', port: 49152 }, type: 'relay', base: { ip: '198.51.100.10', port: 49152 }, related: { ip: '203.0.113.10', port: 1024 } };
    const text = formatCandidate(relay);
    expect(text).toBe('77 1 udp 16777215 198.51.100.10 49152 typ relay raddr 203.0.113.10 rport 1024');
    expect(parseCandidate(`candidate:${text}`)).toEqual(relay);
    expect(parseCandidate('1 1 udp 1 1.2.3.4 5 typ nonsense')).toHaveProperty('error');
    expect(parseCandidate('garbage')).toHaveProperty('error');
  });
});

describe('checklist', () => {
  it('starts one pair per foundation Waiting and the rest Frozen (§6.1.2.6), and orders by priority', () => {
    const cl = new Checklist();
    const r1: Candidate = { ...host, foundation: 'r', address: { ip: '203.0.113.20', port: 6000 }, base: { ip: '203.0.113.20', port: 6000 } };
    const r2: Candidate = { ...r1, priority: 1694498815, address: { ip: '203.0.113.20', port: 6001 }, base: { ip: '203.0.113.20', port: 6001 } };
    const p1 = makePair(host, r1, true);
    const p2 = makePair(host, r2, true);
    cl.add(p2);
    p2.state = cl.initialState(p2);
    cl.add(p1);
    p1.state = cl.initialState(p1);
    expect(p2.state).toBe('waiting');
    expect(p1.state).toBe('frozen');
    expect(cl.pairs[0]).toBe(p1);
    expect(cl.add(makePair(host, r1, true))).toBe(false); // §6.1.2.4: same base and remote: pruned
  });
});
