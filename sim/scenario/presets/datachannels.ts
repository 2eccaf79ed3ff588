/**
 * Data channel presets (RFC 8831, RFC 8832): two browser-like peers that open channels over SCTP in DTLS and send
 * messages on a schedule; one on a clean path, one on a lossy, reordering path where the reliable ordered channel
 * retransmits and blocks behind its gaps while an unordered max-retransmits=0 channel gives messages up.
 */
import { sideNodes } from './ice-pair.ts';
import type { PresetInfo } from './index.ts';

type Json = Record<string, unknown>;

const peer = (host: 'alice' | 'bob', dataChannels: Json[], extra: Json = {}): Json => ({
  kind: 'webrtc-peer', host, peer: host === 'alice' ? 'bob' : 'alice', offerer: host === 'alice', media: { audio: false, video: false }, signalingDelay: '50ms', dataChannels, ...extra,
});

/**
 * The call the setup shortcuts are measured on (SNAP, SPED): two hosts on 50 ms links (a 200 ms round trip), a "chat"
 * channel opened at once, both sides with the shortcut on.
 */
const setupShortcutCall = (name: string, title: string, description: string, shortcut: 'snap' | 'sped'): Json => ({
  name, title, description, seed: 1, duration: '4s',
  nodes: {
    internet: { kind: 'router' },
    alice: { kind: 'host', uplink: 'internet', addresses: ['203.0.113.10/24'], link: { delay: '50ms' } },
    bob: { kind: 'host', uplink: 'internet', addresses: ['203.0.113.20/24'], link: { delay: '50ms' } },
  },
  apps: [
    peer('alice', [
      { at: '0s', do: 'open', label: 'chat', protocol: 'text' },
      { at: '0s', do: 'send', label: 'chat', text: 'hello from alice {n}', count: 3, every: '100ms' },
    ], { [shortcut]: true }),
    peer('bob', [{ at: '0s', do: 'send', label: 'chat', text: 'hi alice, bob here ({n})', count: 2, every: '100ms' }], { [shortcut]: true }),
  ],
});

export function dataChannelPresets(): PresetInfo[] {
  const out: PresetInfo[] = [];
  const add = (name: string, title: string, description: string, build: (n: string, t: string, d: string) => Json): void => {
    out.push({ name, title, description, build: () => build(name, title, description) });
  };
  add(
    'datachannel-p2p',
    'Data channels between two browsers',
    'Alice and Bob connect as in a call, with an m=application section instead of media (a=sctp-port, a=max-message-size). Once DTLS is up both start SCTP (INIT, INIT-ACK with a signed state cookie, COOKIE-ECHO, COOKIE-ACK, all inside DTLS application data). Alice (the DTLS server here: Bob answers a=setup:active) opens "chat" on odd stream 1 with a DATA_CHANNEL_OPEN; Bob acknowledges it and both exchange text; Bob opens a negotiated binary channel "files" on stream 10 that both sides created out of band and sends a 20 kB message split into DATA chunks and reassembled; Alice opens an unordered "cursor" channel; at the end Alice closes "chat" by resetting its stream (RFC 6525) and Bob resets his in answer.',
    (name, title, description) => ({
      name, title, description, seed: 1, duration: '6s',
      nodes: { internet: { kind: 'router' }, ...sideNodes('alice', 'open'), ...sideNodes('bob', 'open') },
      apps: [
        peer('alice', [
          { at: '1s', do: 'open', label: 'chat', protocol: 'text' },
          { at: '1s', do: 'open', label: 'files', negotiated: true, id: 10 },
          { at: '1s', do: 'open', label: 'cursor', ordered: false },
          { at: '1.2s', do: 'send', label: 'chat', text: 'hello from alice {n}', count: 3, every: '200ms' },
          { at: '1.5s', do: 'send', label: 'cursor', bytes: 8, count: 5, every: '100ms' },
          { at: '2.5s', do: 'send', label: 'chat', text: '', count: 1 },
          { at: '4s', do: 'close', label: 'chat' },
        ]),
        peer('bob', [
          { at: '1s', do: 'open', label: 'files', negotiated: true, id: 10 },
          { at: '1.3s', do: 'send', label: 'chat', text: 'hi alice, bob here ({n})', count: 2, every: '300ms' },
          { at: '2s', do: 'send', label: 'files', bytes: 20000, count: 1 },
          { at: '2.2s', do: 'send', label: 'files', bytes: 0, count: 1 },
        ]),
      ],
    }),
  );
  add(
    'datachannel-lossy',
    'Data channels on a lossy, reordering link: retransmission, head-of-line blocking, and what an unreliable channel drops',
    "Alice's access link loses 8% of datagrams and reorders with 20 ms of jitter. She sends 40 messages on a reliable ordered \"chat\" channel and 40 on an unordered \"telemetry\" channel with maxRetransmits 0. SCTP reports the losses in SACK gap blocks and retransmits (fast retransmit after three miss indications, or T3-rtx with the RTO doubling); on \"chat\" a message that arrives after a gap is held until the gap is filled (sctp.hol.blocked / sctp.hol.released notes), while \"telemetry\" delivers what arrives at once and gives lost messages up: the sender abandons them (RFC 3758) and tells the receiver with FORWARD-TSN, so the summary shows fewer received than sent.",
    (name, title, description) => ({
      name, title, description, seed: 5, duration: '14s',
      nodes: {
        internet: { kind: 'router' },
        alice: { kind: 'host', uplink: 'internet', addresses: ['203.0.113.10/24'], link: { delay: '20ms', jitter: '20ms', loss: 0.08, reorder: true } },
        ...sideNodes('bob', 'open'),
      },
      apps: [
        peer('alice', [
          { at: '2s', do: 'open', label: 'chat' },
          { at: '2s', do: 'open', label: 'telemetry', ordered: false, maxRetransmits: 0 },
          { at: '2.5s', do: 'send', label: 'chat', text: 'chat message {n}', count: 40, every: '50ms' },
          { at: '2.5s', do: 'send', label: 'telemetry', text: 'sample {n}', count: 40, every: '50ms' },
        ]),
        peer('bob', [{ at: '3s', do: 'send', label: 'chat', text: 'ack from bob {n}', count: 10, every: '200ms' }]),
      ],
    }),
  );
  const HYBRID = { versions: ['1.3', '1.2'], groups13: ['x25519mlkem768', 'x25519'] };
  add(
    'datachannel-dtls13',
    'Data channels and audio over DTLS 1.3 with the post-quantum hybrid',
    'Two browser-like peers as Chromium 156 calls another Chromium: both offer DTLS 1.3 and 1.2 with X25519MLKEM768 preferred. After ICE, Bob (a=setup:active, the DTLS client) sends a ClientHello fragmented over two datagrams by its 1216-byte hybrid key share; Alice answers with a HelloRetryRequest cookie, then her encrypted flight; SRTP keys come from the TLS 1.3 exporter and SCTP runs inside DTLS 1.3 records whose unified header hides the record number. Alice opens "chat" (odd stream 1, she is the DTLS server) and both exchange text while audio flows. Run with --pcap and --keylog: the dissector opens every record with the TLS 1.3 secrets and shows the DCEP and chat messages inside.',
    (name, title, description) => ({
      name, title, description, seed: 1, duration: '5s',
      nodes: { internet: { kind: 'router' }, ...sideNodes('alice', 'open'), ...sideNodes('bob', 'open') },
      apps: [
        peer('alice', [
          { at: '1s', do: 'open', label: 'chat', protocol: 'text' },
          { at: '1.2s', do: 'send', label: 'chat', text: 'hello over DTLS 1.3 ({n})', count: 3, every: '200ms' },
        ], { ...HYBRID, media: { audio: true } }),
        peer('bob', [
          { at: '1.5s', do: 'send', label: 'chat', text: 'hi alice, bob here ({n})', count: 2, every: '300ms' },
        ], { ...HYBRID, media: { audio: true } }),
      ],
    }),
  );
  add(
    'datachannel-small-mtu',
    'Data channels over a path narrower than 1,200-byte SCTP packets: PLPMTUD finds what passes',
    "Alice's access link carries IP datagrams of at most 1,250 bytes, and the router before it has no address to send Fragmentation Needed from: a path MTU black hole. An SCTP packet of 1,200 bytes, WebRTC's size, is 1,265 bytes once DTLS (37), UDP and IPv4 wrap it, so every full-size packet from bob dies there. Bob's SCTP runs RFC 8899 PLPMTUD (sctpPathMtuDiscovery): it probes BASE_PLPMTU with a 1,200-byte packet of a HEARTBEAT and a PAD chunk; three probes go unanswered (PROBE_TIMER 1 s each), so it enters ERROR and builds packets of MIN_PLPMTU, 512 bytes, while it keeps probing 1,200 now and then. The 20,000-byte message he sends on \"files\" at 5 s leaves in 42 DATA chunks of 484 bytes or fewer, one to a 512-byte packet, and arrives whole; the small chat messages fit either way. Without the option the same message would be cut into 1,200-byte packets that never arrive.",
    (name, title, description) => ({
      name, title, description, seed: 1, duration: '8s',
      nodes: { internet: { kind: 'router' }, alice: { kind: 'host', uplink: 'internet', addresses: ['203.0.113.10/24'], link: { delay: '10ms', mtu: 1250 } }, ...sideNodes('bob', 'open') },
      apps: [
        peer('alice', [
          { at: '1s', do: 'open', label: 'files', negotiated: true, id: 10 },
          { at: '1s', do: 'open', label: 'chat' },
          { at: '1.2s', do: 'send', label: 'chat', text: 'hello from alice {n}', count: 2, every: '500ms' },
        ]),
        peer('bob', [
          { at: '1s', do: 'open', label: 'files', negotiated: true, id: 10 },
          { at: '1.5s', do: 'send', label: 'chat', text: 'hi alice ({n})', count: 2, every: '500ms' },
          { at: '5s', do: 'send', label: 'files', bytes: 20000, count: 1 },
        ], { sctpPathMtuDiscovery: true }),
      ],
    }),
  );
  add(
    'datachannel-ptb',
    'Data channels when the path shrinks: Fragmentation Needed handed from DTLS to SCTP (RFC 8899, RFC 8261 §5)',
    "Bob's SCTP runs RFC 8899 PLPMTUD and finds the whole 1,500-byte path: SCTP packets of 1,432 bytes (1,497 on the wire with DTLS, UDP and IPv4). At 4 s the route to alice moves onto a link of 1,400 bytes behind her router gw, which has an address and answers what does not fit with ICMP Fragmentation Needed (MTU 1400). Bob's 20,000-byte message at 5 s leaves in 1,404-byte DATA chunks; the first ones die at gw and each brings back an ICMP error. Bob's transport checks that it quotes his DTLS datagrams (his address and port to alice's, RFC 8899 §4.6.1) and hands SCTP a PL_PTB_SIZE of 1,400 less 65 bytes: 1,335. Over DTLS the SCTP header in the quote is encrypted, so the PTB is only a hint: PLPMTUD goes back to BASE_PLPMTU 1,200, the DATA chunks not yet sent are cut again to fit, a probe of 1,200 and then one of 1,332 (the hint, 4-byte aligned) confirm the new size. The chunks already sent keep their TSN and size (RFC 9260 §6.9 never cuts them again): their T3-rtx retransmission leaves with DF clear and gw fragments it. The message arrives once, whole, and the second one at 7 s goes in packets of 1,332 bytes.",
    (name, title, description) => ({
      name, title, description, seed: 1, duration: '10s',
      nodes: {
        internet: { kind: 'router' },
        gw: { kind: 'router', uplink: 'internet', addresses: ['192.0.2.1/24'], link: { delay: '5ms' } },
        alice: { kind: 'host', uplink: 'gw', addresses: ['198.51.100.10/24'], link: { delay: '5ms' } },
        ...sideNodes('bob', 'open'),
      },
      events: [{ at: '4s', link: 'alice-wan', direction: 'down', set: { mtu: 1400 } }],
      apps: [
        peer('alice', [
          { at: '1s', do: 'open', label: 'files', negotiated: true, id: 10 },
          { at: '1s', do: 'open', label: 'chat' },
          { at: '6s', do: 'send', label: 'chat', text: 'got it? ({n})', count: 2, every: '500ms' },
        ]),
        peer('bob', [
          { at: '1s', do: 'open', label: 'files', negotiated: true, id: 10 },
          { at: '5s', do: 'send', label: 'files', bytes: 20000, count: 1 },
          { at: '5s', do: 'send', label: 'chat', text: 'sent you a file ({n})', count: 3, every: '100ms' },
          { at: '7s', do: 'send', label: 'files', bytes: 20000, count: 1 },
        ], { sctpPathMtuDiscovery: true }),
      ],
    }),
  );
  add(
    'datachannel-snap',
    'Data channels without the SCTP handshake: SNAP, the INIT carried in SDP (a=sctp-init)',
    "Alice and Bob both have SNAP on (draft-hancke-tsvwg-snap, Chromium's enable_sctp_snap). Each side's SCTP association is made before its description: Alice's offer carries a=sctp-init with the INIT chunk her association would send (initiate tag, a_rwnd, 65535 streams each way, initial TSN, FORWARD-TSN and RE-CONFIG), and Bob, seeing a readable one, answers with his own. Nothing of that state goes on the wire until DTLS is up; then each side takes the association as ESTABLISHED at once: no INIT, INIT-ACK, COOKIE-ECHO or COOKIE-ACK is ever sent. Alice's first packet is the DATA_CHANNEL_OPEN for \"chat\", under Bob's initiate tag from his INIT, with her initial TSN; Bob's SACK and DATA_CHANNEL_ACK carry her tag. Each link is 50 ms one way (a 200 ms round trip): the channel opens two round trips (400 ms) earlier than the same call without SNAP, and one side without SNAP makes both fall back to the usual handshake.",
    (name, title, description) => setupShortcutCall(name, title, description, 'snap'),
  );
  add(
    'datachannel-sped',
    'The DTLS handshake inside the ICE checks: SPED (DTLS-IN-STUN)',
    "Alice and Bob both have SPED on (draft-hancke-webrtc-sped, libwebrtc's DTLS-in-STUN piggybacking). Bob answers as the DTLS client and starts his handshake as soon as he has Alice's offer, before any pair works: his ClientHello rides in his first Binding request as DTLS-IN-STUN-DATA. Alice's DTLS server takes it as if it came on the wire, and her success response carries her HelloVerifyRequest and, in DTLS-IN-STUN-ACK, the CRC-32 of the packet she took. The cookie exchange is over by the time ICE selects the pair: the second ClientHello and the flights after it go on the selected pair (and in the checks still sent). DTLS connects one round trip (200 ms) earlier than without SPED, Alice at 550 ms instead of 750 ms and Bob at 650 ms instead of 850 ms, and the data channel opens 200 ms earlier too. Alice's last flight stays pending until Bob acknowledges it: her first consent check (2.5 s) still carries it, his answer lists its CRC-32, and from then on neither side embeds anything (COMPLETE). Each link is 50 ms one way (a 200 ms round trip). A peer without SPED sends checks with neither attribute, which turns SPED off on the other side, and DTLS runs on the wire as usual.",
    (name, title, description) => setupShortcutCall(name, title, description, 'sped'),
  );
  return out;
}
