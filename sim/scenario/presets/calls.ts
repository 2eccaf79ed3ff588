/**
 * WebRTC call presets: browser-like peers that gather through STUN/TURN, exchange a JSEP offer and answer with
 * trickled candidates over a signaling server on the wire (a WebSocket over TCP through their NATs), run DTLS over the ICE-selected pair, key SRTP from the exporter and
 * send audio and video both ways; and an ICE-lite SFU forwarding media between two browsers.
 */
import { SERVER_IP, sideNodes, TURN_USERS } from './ice-pair.ts';
import type { PresetInfo } from './index.ts';

type Json = Record<string, unknown>;

const SERVER = `${SERVER_IP}:3478`;
const AV = { audio: true, video: { fps: 30 } };

const turnServerApp = (): Json => ({ kind: 'turn-server', host: 'server', listen: SERVER, relay: `${SERVER_IP}:49152-49167`, realm: 'rtclab.example', users: TURN_USERS });

/** The signaling service: a WebSocket server on port 80 of `host` (sim/apps/signaling-server.ts). */
const signalingServerApp = (host: string, extra: Json = {}): Json => ({ kind: 'signaling-server', host, port: 80, path: '/signaling', ...extra });

const browser = (host: 'alice' | 'bob', extra: Json = {}): Json => ({
  kind: 'webrtc-peer', host, peer: host === 'alice' ? 'bob' : 'alice', offerer: host === 'alice',
  stun: [SERVER], turn: [{ server: SERVER, username: host, password: TURN_USERS[host] }], media: AV, signalingDelay: '50ms',
  ...extra,
});

export function p2p(name: string, title: string, description: string, a: Json, b: Json, o: { duration?: string; seed?: number; alice?: Json; bob?: Json; events?: Json[]; signaling?: Json; serverLink?: Json; tcpTurn?: boolean; tlsTurn?: boolean } = {}): Json {
  return {
    name, title, description, seed: o.seed ?? 1, duration: o.duration ?? '10s',
    nodes: {
      internet: { kind: 'router' },
      server: { kind: 'host', uplink: 'internet', addresses: [`${SERVER_IP}/24`], link: o.serverLink ?? { delay: '10ms' } },
      ...a, ...b,
    },
    apps: [{ ...turnServerApp(), ...(o.tcpTurn ? { tcp: true } : {}), ...(o.tlsTurn ? { tlsPort: 443 } : {}) }, browser('alice', o.alice), browser('bob', o.bob), signalingServerApp('server', o.signaling)],
    ...(o.events ? { events: o.events } : {}),
  };
}

export function callPresets(): PresetInfo[] {
  const out: PresetInfo[] = [];
  const add = (name: string, title: string, description: string, build: (n: string, t: string, d: string) => Json): void => {
    out.push({ name, title, description, build: () => build(name, title, description) });
  };
  add(
    'call-p2p',
    'A WebRTC call between two browsers behind NATs',
    'Alice and Bob sit behind port-restricted cone NATs with a STUN/TURN server on the internet. Alice sends an SDP offer (BUNDLE audio+video, a=setup:actpass, her fingerprint), candidates trickle as they are gathered, Bob answers with a=setup:active. ICE pairs their server-reflexive candidates, Bob (the DTLS client) starts the handshake once a pair is selected, both check the certificate against the SDP fingerprint, export SRTP keys, and audio and video flow both ways.',
    (n, t, d) => p2p(n, t, d, sideNodes('alice', 'port-restricted-cone'), sideNodes('bob', 'port-restricted-cone')),
  );
  add(
    'call-p2p-turn',
    'A WebRTC call relayed through TURN',
    'Both browsers are behind symmetric NATs: every direct pair fails, and the selected pair uses the TURN relay. The DTLS handshake and SRTP media travel inside TURN ChannelData messages to the server and out of the relayed address to the peer.',
    (n, t, d) => p2p(n, t, d, sideNodes('alice', 'symmetric'), sideNodes('bob', 'symmetric'), { duration: '12s' }),
  );
  add(
    'call-turn-tcp',
    'A WebRTC call through TURN over TCP when UDP is blocked',
    "Alice sits behind a firewall that drops every UDP datagram; Bob is behind a port-restricted cone NAT. Alice's browser is given the TURN server twice, as turn:…?transport=udp and turn:…?transport=tcp, and gathers in that order: the UDP Allocate never gets out, the TCP one does (RFC 8656 §3.1). Her relayed candidate, reached over TCP, ranks below a UDP relay would (RFC 8445 §5.1.2.1, as browsers do). Every pair from her host candidate fails at the firewall; the pair from her TCP-reached relay to Bob succeeds, and DTLS and SRTP travel as ChannelData padded to 4 bytes on the TCP connection, then as UDP from the relayed address to Bob.",
    (n, t, d) =>
      p2p(n, t, d, sideNodes('alice', 'udp-blocked'), sideNodes('bob', 'port-restricted-cone'), {
        duration: '12s',
        alice: {
          turn: [
            { url: `turn:${SERVER}?transport=udp`, username: 'alice', password: TURN_USERS.alice },
            { url: `turn:${SERVER}?transport=tcp`, username: 'alice', password: TURN_USERS.alice },
          ],
        },
        tcpTurn: true,
      }),
  );
  add(
    'call-turn-tls-443',
    'A WebRTC call through TURN over TLS on port 443 past a web-only firewall',
    "Alice's corporate firewall lets out only TCP connections to ports 80 and 443. Her browser is given the TURN server three ways, turn:…?transport=udp, turn:…:3478?transport=tcp and turns:…:443, and gathers from them in that order: the UDP Allocate is dropped, the SYN to port 3478 is dropped and retransmitted, and the TLS connection to port 443 gets through. TLS 1.3 is negotiated (the key log decrypts it in Wireshark), and inside it run the Allocate, the permission and channel for Bob, then DTLS and SRTP as ChannelData: three layers of encryption on one TCP connection, relayed as plain UDP datagrams to Bob.",
    (n, t, d) =>
      p2p(n, t, d, {
        fwA: { kind: 'firewall', uplink: 'internet', preset: 'allow-outbound-tcp-web-only', link: { delay: '10ms' } },
        alice: { kind: 'host', uplink: 'fwA', addresses: ['203.0.113.10/24'], link: { delay: '1ms' } },
      }, sideNodes('bob', 'port-restricted-cone'), {
        duration: '12s',
        alice: {
          turn: [
            { url: `turn:${SERVER}?transport=udp`, username: 'alice', password: TURN_USERS.alice },
            { url: `turn:${SERVER}?transport=tcp`, username: 'alice', password: TURN_USERS.alice },
            { url: `turns:${SERVER_IP}:443?transport=tcp`, username: 'alice', password: TURN_USERS.alice },
          ],
        },
        tcpTurn: true,
        tlsTurn: true,
      }),
  );
  add(
    'call-ice-tcp',
    'A WebRTC call over ICE-TCP when UDP is blocked',
    "Alice sits behind a firewall that drops every UDP datagram and has no TURN server that could carry her over TCP; Bob is on a public address. Both browsers gather ICE-TCP host candidates beside their UDP ones (RFC 6544): Alice an active one, signaled with port 9 (it only opens connections), Bob a passive one listening on port 443. Their type preference (90) ranks them below every UDP candidate. Every UDP pair dies at Alice's firewall; for the pair from her active candidate to Bob's passive one she opens a TCP connection, which the firewall lets out, and sends her check on it behind an RFC 4571 length. Bob learns her connection's real port as a peer-reflexive active candidate and checks back on the same connection; the pair is selected, and DTLS, SRTP and SRTCP follow on that one TCP connection, each packet behind its 2-byte length.",
    (n, t, d) =>
      p2p(n, t, d, sideNodes('alice', 'udp-blocked'), sideNodes('bob', 'open'), {
        duration: '10s',
        alice: { turn: [], iceTcp: ['active'] },
        bob: { turn: [], iceTcp: ['passive'], tcpPort: 443 },
      }),
  );
  add(
    'call-lossy',
    'A WebRTC call over a lossy link',
    "Alice's access link loses 20% of datagrams both ways and adds jitter: ICE checks and DTLS flights are retransmitted (RFC 6347 §4.2.4 timer: 1 s, doubling), the call still connects, and the receivers' reports show media loss and interarrival jitter.",
    (n, t, d) =>
      p2p(
        n, t, d,
        {
          natA: { kind: 'nat', uplink: 'internet', preset: 'port-restricted-cone', internal: '10.0.1.1/24', external: ['203.0.113.10'], link: { delay: '20ms', jitter: '15ms', loss: 0.2 } },
          alice: { kind: 'host', uplink: 'natA', addresses: ['10.0.1.10/24'], link: { delay: '1ms' } },
        },
        sideNodes('bob', 'full-cone'),
        // seed 7: ICE checks (11) and DTLS flights (4) are lost and sent again, and the handshake still ends at 3.7 s,
        // leaving most of the call to show media loss and its repair (seed 4 now needs 18.2 s of doubling timers)
        { duration: '30s', seed: 7 },
      ),
  );
  add(
    'call-sfu',
    'Two browsers in an SFU room',
    "A mediasoup-style SFU on a public address (ICE-lite, DTLS server). Each browser asks it over protoo-style JSON for the router's RTP capabilities and a WebRtcTransport, builds its offer and the SFU's answer from the transport's ICE and DTLS parameters, connects (it controls ICE and is the DTLS client), and produces audio and video. The SFU announces each producer to the other browser, which consumes it: RTP is decrypted with the sender's SRTP keys, gets the consumer's SSRC and sequence numbers, and is encrypted again with the receiver's keys.",
    (n, t, d) => ({
      name: n, title: t, description: d, seed: 1, duration: '8s',
      nodes: {
        internet: { kind: 'router' },
        server: { kind: 'host', uplink: 'internet', addresses: [`${SERVER_IP}/24`], link: { delay: '10ms' } },
        sfu: { kind: 'host', uplink: 'internet', addresses: ['198.51.100.30/24'], link: { delay: '5ms' } },
        ...sideNodes('alice', 'port-restricted-cone'),
        ...sideNodes('bob', 'symmetric'),
      },
      apps: [
        turnServerApp(),
        { kind: 'sfu', host: 'sfu', ip: '198.51.100.30', ports: '40000-40099', signalingDelay: '20ms' },
        { kind: 'sfu-client', host: 'alice', sfu: 'sfu', stun: [SERVER], media: AV, signalingDelay: '40ms' },
        { kind: 'sfu-client', host: 'bob', sfu: 'sfu', stun: [SERVER], media: AV, signalingDelay: '60ms', startAt: '500ms' },
        // mediasoup's protoo WebSocket server runs beside its SFU: the SFU is a party in process, the browsers connect
        signalingServerApp('sfu'),
      ],
    }),
  );
  add(
    'call-sfu-ice-tcp',
    'An SFU reached over ICE-TCP when UDP is blocked',
    "The call-sfu room, but Alice sits behind a firewall that drops every UDP datagram, with no TURN server to fall back on. The SFU runs with mediasoup's enableTcp: each WebRtcTransport also listens on TCP at its UDP port number and lists a passive TCP candidate beside the UDP one (RFC 6544). Alice's browser gathers an active TCP candidate (port 9 in SDP); its checks to the SFU's UDP candidate die at the firewall, while for the TCP pair it opens a connection to the transport's port, sends the check behind an RFC 4571 length, and nominates it. The ICE-lite SFU learns her connection as a peer-reflexive active candidate, and DTLS, SRTP and SRTCP run on that one connection; Bob, behind a symmetric NAT, keeps using UDP in the same room.",
    (n, t, d) => ({
      name: n, title: t, description: d, seed: 1, duration: '8s',
      nodes: {
        internet: { kind: 'router' },
        sfu: { kind: 'host', uplink: 'internet', addresses: ['198.51.100.30/24'], link: { delay: '5ms' } },
        ...sideNodes('alice', 'udp-blocked'),
        ...sideNodes('bob', 'symmetric'),
      },
      apps: [
        { kind: 'sfu', host: 'sfu', ip: '198.51.100.30', ports: '40000-40099', signalingDelay: '20ms', enableTcp: true },
        { kind: 'sfu-client', host: 'alice', sfu: 'sfu', media: AV, signalingDelay: '40ms', iceTcp: ['active'] },
        { kind: 'sfu-client', host: 'bob', sfu: 'sfu', media: AV, signalingDelay: '60ms', startAt: '500ms' },
        signalingServerApp('sfu'),
      ],
    }),
  );
  add(
    'call-signaling-http',
    'Signaling over HTTP long polls',
    "The call-p2p call, but its signaling server speaks plain HTTP, as Janus's REST API does: each browser POSTs every message on one TCP connection and holds a GET open on another (HTTP/1.1 sends one request at a time per connection); the server answers a held GET as soon as a message for that browser arrives, or with 204 after 30 s.",
    (n, t, d) => p2p(n, t, d, sideNodes('alice', 'port-restricted-cone'), sideNodes('bob', 'port-restricted-cone'), { signaling: { scheme: 'http' } }),
  );
  add(
    'call-signaling-wss',
    'Signaling over a secure WebSocket on 443',
    "The call-p2p call with its signaling server on wss://…:443: each browser's TCP connection carries a TLS 1.3 handshake (SNI signaling.example, ALPN http/1.1, the server's self-signed ECDSA certificate), then the WebSocket upgrade and the JSEP messages as TLS application data. The key log is in the capture: `rtclab dissect --keylog` and Wireshark decrypt them.",
    (n, t, d) => p2p(n, t, d, sideNodes('alice', 'port-restricted-cone'), sideNodes('bob', 'port-restricted-cone'), { signaling: { scheme: 'wss', port: 443 } }),
  );
  add(
    'call-signaling-down',
    'A signaling server that is not there yet',
    'The signaling server only starts listening at 5 s. Until then every SYN to port 80 is answered with a RST: each browser notes the refused connection and retries after 1 s, 2 s, 4 s; the offer waits in Alice\'s queue, and the call starts only when the retry at 7 s gets through.',
    (n, t, d) => p2p(n, t, d, sideNodes('alice', 'port-restricted-cone'), sideNodes('bob', 'port-restricted-cone'), { duration: '14s', signaling: { startAt: '5s' } }),
  );
  add(
    'call-signaling-slow',
    'A slow signaling server on a lossy link',
    "The signaling server takes 400 ms over each message, and its link loses 10% of packets: TCP retransmits the lost WebSocket frames (the RTO, fast retransmits), every offer, answer and candidate arrives late but in order, and ICE and DTLS start correspondingly later than in call-p2p.",
    (n, t, d) => p2p(n, t, d, sideNodes('alice', 'port-restricted-cone'), sideNodes('bob', 'port-restricted-cone'), { duration: '14s', seed: 2, signaling: { processingDelay: '400ms' }, serverLink: { delay: '10ms', loss: 0.1 } }),
  );
  return out;
}
