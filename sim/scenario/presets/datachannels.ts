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
  return out;
}
