/**
 * mDNS host candidates (sim/ice/mdns-candidates.ts, sim/mdns/service.ts): Chromium signals each host candidate as a
 * `<uuid>.local` name; on one LAN the peer resolves it with Multicast DNS and the call runs host to host, across NATs
 * nobody answers and the call runs on the server-reflexive candidates (or ones learnt as peer-reflexive).
 */
import { SERVER_IP, sideNodes } from './ice-pair.ts';
import type { PresetInfo } from './index.ts';

type Json = Record<string, unknown>;

const SERVER = `${SERVER_IP}:3478`;

const peer = (host: 'alice' | 'bob'): Json => ({
  kind: 'webrtc-peer', host, peer: host === 'alice' ? 'bob' : 'alice', offerer: host === 'alice', stun: [SERVER], mdns: true, media: { audio: true }, signalingDelay: '20ms',
});

const server: Json = { kind: 'host', uplink: 'internet', addresses: [`${SERVER_IP}/24`], link: { delay: '10ms' } };

function lan(): PresetInfo {
  const name = 'call-mdns-lan';
  const title = 'mDNS host candidates on one LAN: the names resolve';
  const description =
    "Alice and Bob share a switch behind a NAT, both with Chromium's mDNS obfuscation on: each signals its host candidate as a random <uuid>.local name (and its srflx candidate with raddr 0.0.0.0 rport 0), so no private address is in the SDP. Each host's responder first probes for its name, three times 250 ms apart (RFC 6762 §8.1), then announces it twice, one second apart (§8.3), to 224.0.0.251:5353 with TTL 255; the switch floods it over the segment and the NAT drops it (link-local multicast never leaves the link, §11). Each peer asks for the other's name with QM queries for A and AAAA while the other is still probing, and a name being probed for is not answered yet; the first announcement, 750 ms in, resolves the names. Until then the call starts on the srflx candidates through the NAT's hairpinning; then the host pair is checked, nominated and selected, and the audio moves onto the LAN.";
  return {
    name, title, description,
    build: () => ({
      name, title, description, seed: 1, duration: '4s',
      nodes: {
        internet: { kind: 'router' },
        server,
        nat: { kind: 'nat', uplink: 'internet', preset: 'port-restricted-cone', internal: '192.168.1.1/24', external: ['203.0.113.10'], link: { delay: '10ms' } },
        lan: { kind: 'switch', uplink: 'nat', linkName: 'lan-uplink', link: { delay: '100us' } },
        alice: { kind: 'host', uplink: 'lan', addresses: ['192.168.1.10/24'], link: { delay: '200us' } },
        bob: { kind: 'host', uplink: 'lan', addresses: ['192.168.1.20/24'], link: { delay: '200us' } },
      },
      apps: [{ kind: 'stun-server', host: 'server', listen: SERVER }, peer('alice'), peer('bob')],
    }),
  };
}

function acrossNats(): PresetInfo {
  const name = 'call-mdns-nat';
  const title = 'mDNS host candidates across NATs: the names do not resolve';
  const description =
    "Alice behind a full-cone NAT, Bob behind a symmetric one, both with mDNS obfuscation on. Each receives the other's host candidate as a <uuid>.local name and asks the link for it: the query, like the other's probes and announcements, reaches no one (the NAT drops link-local multicast), so after Chromium's 3 s transaction timeout the candidate is dropped. The call does not wait for that: Bob's check reaches Alice from a port his NAT chose for her, not the one his srflx candidate names, so she learns him as a peer-reflexive candidate (RFC 8445 §7.3.1.3) and the srflx-to-prflx pair carries DTLS and audio.";
  return {
    name, title, description,
    build: () => ({
      name, title, description, seed: 1, duration: '5s',
      nodes: { internet: { kind: 'router' }, server, ...sideNodes('alice', 'full-cone'), ...sideNodes('bob', 'symmetric') },
      apps: [{ kind: 'stun-server', host: 'server', listen: SERVER }, peer('alice'), peer('bob')],
    }),
  };
}

export function mdnsPresets(): PresetInfo[] {
  return [lan(), acrossNats()];
}
