// What sim/ writes and the page quotes, in Chinese (viz/i18n-reasons.ts): every drop reason shape the presets give, a
// DTLS failure reason and the diagnosis detail lines come out with no English prose left, their figures kept.
import { describe, expect, it } from 'vitest';
import { englishProse, zhQuoted } from './i18n-reasons.ts';

/** One of each drop reason the presets' runs give (collected from every preset), and a few more sim/ can write. */
const DROPS = [
  'bob: port unreachable: no socket bound to 203.0.113.50 port 7001; ICMP Port Unreachable sent',
  'cgnat: NAT filtering: address-and-port-dependent filtering: no outbound packet from 10.64.0.10:54636 to 198.51.100.10:49153 was seen',
  'cgnat: TTL expired in transit; ICMP Time Exceeded sent',
  'cgnat: exceeds the next-hop MTU of home-lan (624 bytes > 576) and may not be fragmented; ICMP Fragmentation Needed sent',
  'fw: firewall: firewall default policy drop: no rule allows it: ICMP error 203.0.113.20:0 → 198.51.100.20:0 about udp 198.51.100.20:50000 → 203.0.113.20:10725 (inbound, related to a tracked flow)',
  'fw: firewall: firewall rule "drop-inbound" (unsolicited inbound traffic): udp 198.51.100.10:3479 → 203.0.113.50:5000 (inbound, new)',
  'fwA: firewall: firewall default policy drop: no rule allows it: tcp 203.0.113.10:43136 → 198.51.100.10:3478 (outbound, new)',
  'fwA: firewall: firewall rule "drop-udp" (drop all UDP both ways): udp 198.51.100.10:49152 → 203.0.113.10:54635 (inbound, new)',
  'gw: exceeds the next-hop MTU of gw-wan (1496 bytes > 1280) and may not be fragmented; ICMP Packet Too Big sent',
  'internet: TTL expired in transit',
  'internet: exceeds the next-hop MTU of alice-wan (1265 bytes > 1250) and may not be fragmented',
  'internet: no route to 10.0.1.10',
  'link down',
  'loss',
  'loss (burst)',
  'exceeds MTU: 1600 bytes > 1500',
  'queue full: 64000 + 1200 bytes > 64000',
  'natA: NAT filtering: address-dependent filtering: no outbound packet from 192.168.1.10:5000 to 198.51.100.11 was seen',
  'natA: NAT hairpinning: hairpin: address-and-port-dependent filtering: no outbound packet from 10.0.1.10:54635 to 203.0.113.10:60623 was seen',
  "natA: NAT hairpinning: hairpinning is off: 192.168.1.20:6000 cannot reach the NAT's own external address 203.0.113.10:5000",
  'natB: NAT no mapping: no mapping for 203.0.113.20:40000: nothing inside has sent a packet through that port',
  'server: TURN no permission: peer 198.51.100.10, relayed address 198.51.100.10:49152',
  'turn: TURN permission expired: peer 203.0.113.50, relayed address 198.51.100.20:49152',
  'alice: not addressed to this host (10.0.0.9)',
  'bob: no socket here joined the group 224.0.0.251',
  'nat: 224.0.0.251 is a link-local multicast group: never forwarded off its link (RFC 6762 §11, RFC 5771 §4)',
  'gw: ff02::fb is a link-local multicast group: never forwarded off its link (RFC 6762 §11, RFC 4291 §2.7)',
];

/** Diagnosis detail lines (one of each shape the failing presets give). */
const DETAILS = [
  'host 10.0.1.10:54635 → host 10.0.2.10:60623: 7 checks or answers were dropped at internet (no route to 10.0.2.10): a private address is not reachable across the internet (expected for host candidates)',
  'host 10.0.1.10:54635 → relay 198.51.100.10:49153: the answers failed MESSAGE-INTEGRITY: the peer signs with another ice-pwd than the one signaled',
  'relay 198.51.100.10:49152 → host 10.0.2.10:60623: never checked (waiting when the trace ends)',
  'host 10.0.2.10:60623 → host 203.0.113.10:54635: 7 checks or answers were dropped at fwA (firewall: firewall rule "drop-udp" (drop all UDP both ways): udp 203.0.113.20:60623 → 203.0.113.10:54635 (inbound, new))',
  'host 10.0.1.10:54635 → srflx 203.0.113.20:60623: 7 checks or answers were dropped at natB (NAT filtering: address-and-port-dependent filtering: no outbound packet from 10.0.2.10:60623 to 203.0.113.10:54635 was seen)',
  'host 10.0.2.10:60623 → srflx 203.0.113.10:1024: 7 checks or answers were dropped at natA (NAT filtering: address-and-port-dependent filtering: no outbound packet from 10.0.1.10:54635 to 203.0.113.20:1026 was seen): natB maps address-and-port-dependent (symmetric), so the check came from 203.0.113.20:1026, a port the peer never saw in a candidate and natA never sent to',
  "host 203.0.113.30:43677 → host 10.0.0.10:40002: 4 checks or answers were dropped at internet (no route to 10.0.0.10): 10.0.0.10 is sfu's inside address behind cloud's static 1:1 binding, reachable from outside only as 198.51.100.30; the candidate carries the address it listens on instead of the one it is reached at",
  '320 dropped on link alice-wan (loss)',
  '0.1 s: alice → bob: trickled candidate 499454879 1 tcp 1518280447 10.0.1.10 9 typ host tcptype active generation 0 network-id 1',
  '0.134 s: alice → bob: end-of-candidates (ufrag enEaFO6B)',
  'the answer from bob to alice: a=ice-pwd:CwvO80brlH3jlF8bB1jBh/2s → rewrittenRewrittenPwd1',
  'the answer from bob to alice: a=setup:active → passive',
  'the candidate from alice to bob: candidate dropped',
  'the end-of-candidates from bob to alice: end-of-candidates dropped',
  'the offer from alice to bob: codec(s) removed: opus/111, G722/9, PCMU/0, PCMA/8',
  'the offer from alice to bob: direction sendrecv → sendonly',
  '12 dropped at fwA (firewall: firewall default policy drop: no rule allows it: udp 203.0.113.10:54635 → 198.51.100.10:3478 (outbound, new))',
  '14 dropped at fwA (firewall: firewall rule "drop-udp" (drop all UDP both ways): udp 203.0.113.10:54635 → 198.51.100.10:3478 (outbound, new))',
  'unexpected client_hello while waiting for hello',
  'peer sent fatal alert fatal unexpected_message',
  'handshake timed out: flight 5 unanswered after 6 retransmissions',
  'certificate fingerprint does not match a=fingerprint',
];

const chinese = /[\u4e00-\u9fff]/;
const figures = (s: string): string[] => s.match(/\d+\.\d+\.\d+\.\d+(:\d+)?|\b[a-z]+[A-Z]\b|\b(?:natA|natB|fwA|alice-wan|internet|cgnat)\b/g) ?? [];

describe('the texts sim/ writes, quoted by the page in Chinese', () => {
  it.each([...DROPS, ...DETAILS])('words %s in Chinese, keeping its figures', (en) => {
    const zh = zhQuoted(en);
    expect(zh).toMatch(chinese);
    expect(englishProse(zh), zh).toBeUndefined();
    for (const f of figures(en)) expect(zh, f).toContain(f);
  });

  it('leaves a text it does not know as it is', () => {
    expect(zhQuoted('something sim/ has never said')).toBe('something sim/ has never said');
    expect(englishProse(zhQuoted('something sim/ has never said'))).toBe('has never said');
  });

  it('finds English prose but not names', () => {
    expect(englishProse('Alice 在 a=setup:active 的 end-of-candidates 后，“drop all UDP both ways”')).toBeUndefined();
    expect(englishProse('Allocate 收到 486 Allocation Quota Reached')).toBeUndefined();
    expect(englishProse('从 10.0.0.1 到 waiting when the trace ends')).toBe('waiting when the');
  });
});
