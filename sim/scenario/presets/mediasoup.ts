import type { PresetInfo } from './index.ts';

type Json = Record<string, unknown>;

const SFU_IP = '198.51.100.30';
const AV = { audio: true, video: { fps: 30 } };

/** Three browsers behind three kinds of NAT and a mediasoup server on a public address. */
function roomNodes(): Json {
  return {
    internet: { kind: 'router' },
    sfu: { kind: 'host', uplink: 'internet', addresses: [`${SFU_IP}/24`], link: { delay: '5ms' } },
    natA: { kind: 'nat', uplink: 'internet', preset: 'port-restricted-cone', internal: '10.0.1.1/24', external: ['203.0.113.10'], link: { delay: '10ms' } },
    alice: { kind: 'host', uplink: 'natA', addresses: ['10.0.1.10/24'], link: { delay: '1ms' } },
    natB: { kind: 'nat', uplink: 'internet', preset: 'symmetric', internal: '10.0.2.1/24', external: ['203.0.113.20'], link: { delay: '15ms' } },
    bob: { kind: 'host', uplink: 'natB', addresses: ['10.0.2.10/24'], link: { delay: '1ms' } },
    carol: { kind: 'host', uplink: 'internet', addresses: ['203.0.113.30/24'], link: { delay: '20ms' } },
  };
}

/** The mediasoup presets (issue #16): mediasoup-demo's protoo API over a WebSocket, WebRtcTransports, clients. */
export function mediasoupPresets(): PresetInfo[] {
  const out: PresetInfo[] = [];
  const add = (name: string, title: string, description: string, build: (name: string, title: string, description: string) => Json): void => {
    out.push({ name, title, description, build: () => build(name, title, description) });
  };
  add(
    'mediasoup-room',
    'A mediasoup room of three over UDP',
    "mediasoup-demo's flow, byte for byte: three browsers open a protoo WebSocket to the server (ws://198.51.100.30:4443/?roomId=demo&peerId=…), ask for the router's RTP capabilities, create a send and a receive WebRtcTransport (ICE-lite, one UDP port each), join, and produce audio and video. Each browser turns the transports into SDP for two RTCPeerConnections, as mediasoup-client does, and connects them with connectWebRtcTransport (DTLS client). The server creates a paused consumer of every producer for every other peer and asks for it with a newConsumer request; the browser accepts it, adds a section to its receive PC and resumes it. Notes named after mediasoup's own functions follow each transport's first packets through RFC 7983 demultiplexing, the DTLS handshake, the fingerprint check and the SRTP key export.",
    (name, title, description) => ({
      name, title, description, seed: 1, duration: '6s',
      nodes: roomNodes(),
      apps: [
        { kind: 'mediasoup-server', host: 'sfu', listenIp: SFU_IP, port: 4443, rtcPorts: '40000-40099' },
        { kind: 'mediasoup-client', host: 'alice', server: `${SFU_IP}:4443`, media: AV },
        { kind: 'mediasoup-client', host: 'bob', server: `${SFU_IP}:4443`, media: AV, startAt: '300ms' },
        { kind: 'mediasoup-client', host: 'carol', server: `${SFU_IP}:4443`, media: AV, startAt: '600ms' },
      ],
    }),
  );
  return out;
}
