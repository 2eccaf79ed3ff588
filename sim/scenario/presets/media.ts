/**
 * Presets for DTLS-SRTP calls without ICE: two peers that know each other's address and certificate fingerprint
 * (as signaling would tell them), a DTLS handshake, then SRTP audio and video both ways.
 */
import type { PresetInfo } from './index.ts';

type Json = Record<string, unknown>;

const INTERNET = { kind: 'router' };
const BOB = { kind: 'host', uplink: 'internet', addresses: ['198.51.100.20/24'], link: { delay: '15ms' } };
const ALICE_PUBLIC = { kind: 'host', uplink: 'internet', addresses: ['203.0.113.50/24'], link: { delay: '20ms' } };
const AV = { audio: true, video: { fps: 30 } };

const alice = (extra: Json = {}): Json => ({
  kind: 'dtls-peer',
  host: 'alice',
  bind: '203.0.113.50:50000',
  remote: '198.51.100.20:50000',
  setup: 'active',
  peer: 'bob',
  media: AV,
  ...extra,
});
const bob = (extra: Json = {}): Json => ({
  kind: 'dtls-peer',
  host: 'bob',
  bind: '198.51.100.20:50000',
  remote: '203.0.113.50:50000',
  setup: 'passive',
  peer: 'alice',
  media: AV,
  ...extra,
});

function scenario(name: string, title: string, description: string, duration: string, nodes: Json, apps: Json[], seed = 1): Json {
  return { name, title, description, seed, duration, nodes: { internet: INTERNET, ...nodes }, apps };
}

export function mediaPresets(): PresetInfo[] {
  const out: PresetInfo[] = [];
  const add = (name: string, title: string, description: string, build: (n: string, t: string, d: string) => Json): void => {
    out.push({ name, title, description, build: () => build(name, title, description) });
  };
  add(
    'dtls-srtp-call',
    'A DTLS-SRTP call',
    'Alice (a=setup:active) runs the DTLS 1.2 handshake with Bob: ClientHello, HelloVerifyRequest with a cookie, ClientHello again, the server flight, the client flight with certificates and Finished, and Bob\'s Finished. Each side checks the other\'s certificate against the fingerprint from signaling, both export SRTP keys, and audio and video flow both ways with RTCP reports. Run with --pcap and --keylog to decrypt the handshake in Wireshark.',
    (n, t, d) => scenario(n, t, d, '10s', { alice: ALICE_PUBLIC, bob: BOB }, [alice(), bob()]),
  );
  add(
    'dtls-lossy-retransmit',
    'DTLS on a lossy link',
    'A quarter of the datagrams on Alice\'s link are lost. Lost flights are retransmitted when the timer fires (1 s, then 2 s, 4 s …) or at once when the peer retransmits its own flight; the HelloVerifyRequest is never retransmitted, the client simply sends its ClientHello again. The handshake completes late and media then shows the loss in its receiver reports.',
    (n, t, d) =>
      scenario(n, t, d, '30s', { alice: { ...ALICE_PUBLIC, link: { delay: '20ms', loss: 0.25 } }, bob: BOB }, [alice({ media: { audio: true } }), bob({ media: { audio: true } })], 9),
  );
  const V13 = { versions: ['1.3', '1.2'] };
  const HYBRID = { versions: ['1.3', '1.2'], groups13: ['x25519mlkem768', 'x25519'] };
  add(
    'dtls13-call',
    'A DTLS 1.3 call',
    'The dtls-srtp-call with both sides offering DTLS 1.3 and 1.2 (RFC 9147): Alice\'s ClientHello carries supported_versions and an X25519 key share; Bob answers statelessly with a HelloRetryRequest carrying a cookie (the DoS defence the 1.2 HelloVerifyRequest was); the second ClientHello echoes it; Bob\'s ServerHello is the last plaintext message, EncryptedExtensions (use_srtp), CertificateRequest, Certificate, CertificateVerify and Finished travel in epoch 2 with encrypted record numbers; Alice\'s Certificate, CertificateVerify and Finished follow and Bob ACKs them in epoch 3. SRTP keys come from the TLS 1.3 exporter. Run with --pcap and --keylog: the key log has the TLS 1.3 secrets.',
    (n, t, d) => scenario(n, t, d, '10s', { alice: ALICE_PUBLIC, bob: BOB }, [alice(V13), bob(V13)]),
  );
  add(
    'dtls13-hybrid-call',
    'A DTLS 1.3 call with the post-quantum hybrid key exchange',
    'The dtls13-call with X25519MLKEM768 (ML-KEM-768 plus X25519, IANA 0x11EC) preferred by both sides, as Chromium offers it: Alice\'s key share alone is 1216 bytes, so each ClientHello is fragmented across two records in two datagrams; Bob\'s share is the 1120-byte ML-KEM ciphertext plus his X25519 key. The shared secret is the ML-KEM secret followed by the X25519 one.',
    (n, t, d) => scenario(n, t, d, '10s', { alice: ALICE_PUBLIC, bob: BOB }, [alice(HYBRID), bob(HYBRID)]),
  );
  add(
    'dtls13-lossy-retransmit',
    'DTLS 1.3 on a lossy link',
    'The dtls-lossy-retransmit link (a quarter of Alice\'s datagrams lost, same seed) with DTLS 1.3 on both sides: flights are retransmitted on the timer, a partial ACK makes the server resend only what was not acknowledged (RFC 9147 §7.1), and the client retransmits its last flight until Bob\'s ACK arrives.',
    (n, t, d) =>
      scenario(n, t, d, '30s', { alice: { ...ALICE_PUBLIC, link: { delay: '20ms', loss: 0.25 } }, bob: BOB }, [alice({ ...V13, media: { audio: true } }), bob({ ...V13, media: { audio: true } })], 9),
  );
  add(
    'dtls13-hybrid-lossy',
    'DTLS 1.3 with the hybrid key exchange on a lossy link',
    'The dtls13-lossy-retransmit link with X25519MLKEM768: the ClientHello is two datagrams, so it is lost more often than a one-datagram ClientHello; either fragment lost means the whole hello is sent again.',
    (n, t, d) =>
      scenario(n, t, d, '30s', { alice: { ...ALICE_PUBLIC, link: { delay: '20ms', loss: 0.25 } }, bob: BOB }, [alice({ ...HYBRID, media: { audio: true } }), bob({ ...HYBRID, media: { audio: true } })], 9),
  );
  add(
    'dtls13-fallback-to-12',
    'A DTLS 1.3 client with the hybrid key share falls back to a DTLS 1.2-only peer',
    'Alice offers DTLS 1.3 and 1.2 with an X25519MLKEM768 key share, as Chromium does: her ClientHello is 1327 bytes, so it leaves in two fragments in two datagrams. Bob knows only DTLS 1.2: he joins the two fragments (his only state before the cookie is one small buffer per source, RFC 6347 §4.2.3) and answers the whole hello with a HelloVerifyRequest, ignoring supported_versions and the key share he does not understand. Alice reads the 1.2 answer and goes on as a DTLS 1.2 client with the same ClientHello; her cookie copy is two datagrams too. Bob picks X25519 from supported_groups (the hybrid group means nothing to a 1.2 server), and his ServerHello random has no downgrade sentinel: only a 1.3-capable server writes one (RFC 8446 §4.1.3). SRTP keys come from the 1.2 exporter.',
    (n, t, d) => scenario(n, t, d, '10s', { alice: ALICE_PUBLIC, bob: BOB }, [alice(HYBRID), bob()]),
  );
  add(
    'dtls-mitm-fingerprint-mismatch',
    'A man in the middle is caught by the fingerprint',
    'Signaling told Alice to expect Bob\'s certificate, but Mallory answers at the address Alice uses. The handshake runs until Alice sees Mallory\'s certificate: its SHA-256 fingerprint is not the one in a=fingerprint, so Alice sends a fatal bad_certificate alert and the connection fails. No SRTP keys are ever derived.',
    (n, t, d) =>
      scenario(
        n,
        t,
        d,
        '5s',
        {
          alice: ALICE_PUBLIC,
          bob: BOB,
          mallory: { kind: 'host', uplink: 'internet', addresses: ['192.0.2.66/24'], link: { delay: '5ms' } },
        },
        [
          alice({ remote: '192.0.2.66:50000' }),
          { kind: 'dtls-peer', host: 'mallory', bind: '192.0.2.66:50000', setup: 'passive', peer: 'alice', media: AV },
        ],
      ),
  );
  add(
    'dtls-srtp-call-nat',
    'A DTLS-SRTP call through a port-restricted NAT',
    'Alice sits behind a port-restricted cone NAT. Her ClientHello opens the mapping; Bob, passive, has no address for her until it arrives, then answers the mapped address and port. Both then send media through the same mapping, which stays open because Alice keeps sending.',
    (n, t, d) =>
      scenario(
        n,
        t,
        d,
        '10s',
        {
          natA: { kind: 'nat', uplink: 'internet', preset: 'port-restricted-cone', internal: '192.168.1.1/24', external: ['203.0.113.10'], link: { delay: '10ms' } },
          alice: { kind: 'host', uplink: 'natA', addresses: ['192.168.1.10/24'], link: { delay: '1ms' } },
          bob: BOB,
        },
        [alice({ bind: '192.168.1.10:50000' }), bob({ remote: undefined })],
      ),
  );
  add('dtls-pmtu-rescue', 'A DTLS handshake rescued by path MTU discovery', PMTU_RESCUE, (n, t, d) => scenario(n, t, d, '10s', pmtuPath(false), pmtuPeers(false)));
  add('dtls-pmtu-black-hole', 'A path MTU black hole: ICMP filtered, DTLS falls back on timeouts', PMTU_BLACK_HOLE, (n, t, d) => scenario(n, t, d, '20s', pmtuPath(true), pmtuPeers(true)));
  return out;
}

/**
 * Alice behind a home router whose uplink to the carrier's NAT is a tunnel with a 576-byte MTU; bob behind a firewall,
 * which drops ICMP in the black-hole case. Audio only: the media is not path-MTU aware, and small Opus packets fit.
 */
function pmtuPath(blackHole: boolean): Json {
  return {
    ...(blackHole ? { fw: { kind: 'firewall', uplink: 'internet', preset: 'drop-icmp', link: { delay: '2ms' } } } : {}),
    bob: { ...BOB, uplink: blackHole ? 'fw' : 'internet' },
    cgnat: { kind: 'nat', uplink: 'internet', preset: 'cgnat', internal: '100.64.0.1/10', external: ['203.0.113.20'], link: { delay: '10ms' } },
    home: { kind: 'nat', uplink: 'cgnat', preset: 'port-restricted-cone', internal: '192.168.1.1/24', external: ['100.64.0.42'], link: { delay: '3ms', mtu: 576 } },
    alice: { kind: 'host', uplink: 'home', addresses: ['192.168.1.10/24'], link: { delay: '1ms' } },
  };
}

function pmtuPeers(fallback: boolean): Json[] {
  return [
    alice({ bind: '192.168.1.10:50000', media: { audio: true } }),
    { ...bob({ media: { audio: true } }), remote: undefined, ...(fallback ? { mtuFallback: true } : {}) },
  ];
}

const PMTU_RESCUE =
  "Alice's home router reaches the carrier-grade NAT through a tunnel whose MTU is 576. Bob's server flight (Certificate and the rest, 624 bytes on the wire with DF set) reaches the CGN, which cannot put it on the tunnel and answers Fragmentation Needed (MTU 576) about the datagram as bob sent it. Bob's DTLS lowers its datagram size to 548 (RFC 6347 §4.1.1.1) and its timer retransmission goes out in two fragments that pass. Alice's 577-byte client flight meets the same tunnel from the other side: her home router answers Fragmentation Needed, she refragments at her next retransmission, and the handshake completes two seconds late; audio then flows.";
const PMTU_BLACK_HOLE =
  "The same tunnel, but bob sits behind a firewall that passes UDP and TCP and drops everything else, ICMP included (a path MTU black hole, RFC 2923). The CGN's Fragmentation Needed never reaches bob, so his server flight goes out unchanged again 1 s and 3 s later and is lost each time. Bob's stack behaves as OpenSSL and BoringSSL do on a datagram socket (mtuFallback): at its third timer retransmission, 7 s in, it falls back to 548 bytes and the flight gets through. Alice still learns from her home router's ICMP. A browser does not fall back (WebRTC gives BoringSSL no fallback size): with mtuFallback false bob's flight is lost until the handshake times out.";
