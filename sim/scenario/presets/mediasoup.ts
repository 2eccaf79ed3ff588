import type { PresetInfo } from './index.ts';

type Json = Record<string, unknown>;

const SFU_IP = '198.51.100.30';
const AV = { audio: true, video: { fps: 30 } };

/** Three browsers behind three kinds of NAT and a mediasoup server on a public address. */
function roomNodes(only?: readonly string[]): Json {
  const all: Json = {
    internet: { kind: 'router' },
    sfu: { kind: 'host', uplink: 'internet', addresses: [`${SFU_IP}/24`], link: { delay: '5ms' } },
    natA: { kind: 'nat', uplink: 'internet', preset: 'port-restricted-cone', internal: '10.0.1.1/24', external: ['203.0.113.10'], link: { delay: '10ms' } },
    alice: { kind: 'host', uplink: 'natA', addresses: ['10.0.1.10/24'], link: { delay: '1ms' } },
    natB: { kind: 'nat', uplink: 'internet', preset: 'symmetric', internal: '10.0.2.1/24', external: ['203.0.113.20'], link: { delay: '15ms' } },
    bob: { kind: 'host', uplink: 'natB', addresses: ['10.0.2.10/24'], link: { delay: '1ms' } },
    carol: { kind: 'host', uplink: 'internet', addresses: ['203.0.113.30/24'], link: { delay: '20ms' } },
  };
  if (only) for (const h of ['alice', 'bob', 'carol']) if (!only.includes(h)) delete all[h];
  return all;
}

/** The server and the room's three browsers producing audio and video, bob and carol joining 300 ms apart; `client` adds to each browser's options. */
function roomApps(client: Json = {}): Json[] {
  const server = `${SFU_IP}:4443`;
  return [
    { kind: 'mediasoup-server', host: 'sfu', listenIp: SFU_IP, port: 4443, rtcPorts: '40000-40099' },
    { kind: 'mediasoup-client', host: 'alice', server, media: AV, ...client },
    { kind: 'mediasoup-client', host: 'bob', server, media: AV, ...client, startAt: '300ms' },
    { kind: 'mediasoup-client', host: 'carol', server, media: AV, ...client, startAt: '600ms' },
  ];
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
      apps: roomApps(),
    }),
  );
  add(
    'mediasoup-room-tcp',
    'The mediasoup room of three with UDP blocked',
    "mediasoup-room behind three firewalls that drop all UDP (as some corporate networks do). Every WebRtcTransport also listens on TCP at its port and its createWebRtcTransport answer carries a second candidate with protocol tcp and tcpType passive (RFC 6544). Each browser's two PCs gather active ICE-TCP candidates: their UDP checks die at the firewall, and each opens a TCP connection to the transport's TCP server, on which STUN checks, the DTLS handshake and SRTP travel framed per RFC 4571 (two length bytes before each packet). The server's path notes start at WebRtcTransport::OnTcpConnectionPacketReceived, and its summary shows every selected tuple as tcp.",
    (name, title, description) => {
      const nodes: Json = { internet: { kind: 'router' }, sfu: { kind: 'host', uplink: 'internet', addresses: [`${SFU_IP}/24`], link: { delay: '5ms' } } };
      for (const [h, n, delay] of [['alice', 1, '10ms'], ['bob', 2, '15ms'], ['carol', 3, '20ms']] as const) {
        nodes[`fw${n}`] = { kind: 'firewall', uplink: 'internet', preset: 'block-udp', link: { delay } };
        nodes[h] = { kind: 'host', uplink: `fw${n}`, addresses: [`203.0.113.${n}0/24`], link: { delay: '1ms' } };
      }
      return {
        name, title, description, seed: 1, duration: '6s', nodes,
        apps: roomApps({ iceTcp: ['active'] }),
      };
    },
  );
  add(
    'mediasoup-room-lossy',
    'A mediasoup room with a lossy member: NACK, retransmission and PLI in the router',
    "mediasoup-room with carol's access link losing 5% of datagrams both ways. The router's RTCP (mediasoup's Producer and Consumer RTCP handling): what it forwarded to carol and she lost, her receive PC NACKs (RFC 4585 generic NACK) and the consumer answers from the producer's retransmission buffer (the consumers' parameters have no RTX, so the packet goes again on the consumer's SSRC, as mediasoup's RtpStreamSend does); what carol sends and the router loses on the way up, the router NACKs itself and her browser sends again. Each video consumer that starts (resumeConsumer) asks its producer for a keyframe (PLI), a request while one is pending is absorbed (mediasoup's KeyFrameRequestManager). Every transport gets sender reports for its consumers, report blocks about its producers and a REMB; the summary gives each producer's and consumer's score and NACK/PLI counts, as getStats() names them.",
    (name, title, description) => {
      const nodes = roomNodes();
      nodes.carol = { kind: 'host', uplink: 'internet', addresses: ['203.0.113.30/24'], link: { delay: '20ms', loss: 0.05 } };
      return {
        name, title, description, seed: 1, duration: '10s', nodes,
        apps: roomApps(),
      };
    },
  );
  add(
    'mediasoup-plain-comedia',
    'An ffmpeg-like broadcaster into a PlainTransport behind a NAT (comedia), watched by two browsers',
    "The way mediasoup's docs and mediasoup-demo feed ffmpeg into a room: the broadcaster (studio, behind a port-restricted cone NAT) joins over protoo, asks for a PlainTransport with comedia true and rtcpMux false (the demo's ffmpeg script), and produces audio and video with the SSRCs and payload types it will send; it needs no connect(): the transport learns the RTP tuple from its first RTP packet and the RTCP tuple from its first RTCP packet, which are the NAT's mappings (an address given in connect() would be the private one). It sends plain RTP to the transport's port and sender reports to its RTCP port; the router forwards the streams to alice and carol's WebRTC consumers (SRTP), and sends the broadcaster receiver reports, REMB and PLIs (which, like ffmpeg, it ignores: keyframes come on its own interval).",
    (name, title, description) => {
      const nodes = roomNodes(['alice', 'carol']);
      nodes.natS = { kind: 'nat', uplink: 'internet', preset: 'port-restricted-cone', internal: '10.0.9.1/24', external: ['203.0.113.90'], link: { delay: '8ms' } };
      nodes.studio = { kind: 'host', uplink: 'natS', addresses: ['10.0.9.10/24'], link: { delay: '1ms' } };
      return {
        name, title, description, seed: 1, duration: '5s', nodes,
        apps: [
          { kind: 'mediasoup-server', host: 'sfu', listenIp: SFU_IP, port: 4443, rtcPorts: '40000-40099' },
          { kind: 'mediasoup-client', host: 'alice', server: `${SFU_IP}:4443`, media: { audio: false, video: false }, produce: false },
          { kind: 'mediasoup-broadcaster', host: 'studio', server: `${SFU_IP}:4443`, comedia: true, rtcpMux: false, media: { audio: true, video: { fps: 25, keyframeInterval: 2 } }, startAt: '200ms' },
          { kind: 'mediasoup-client', host: 'carol', server: `${SFU_IP}:4443`, media: { audio: false, video: false }, produce: false, startAt: '1500ms' },
        ],
      };
    },
  );
  add(
    'mediasoup-plain-srtp',
    'An ffmpeg-like broadcaster sending SRTP into a PlainTransport (connect with ip/port, rtcpMux)',
    "A broadcaster on a public address (no NAT) asks for a PlainTransport with comedia false, rtcpMux true and enableSrtp with AES_CM_128_HMAC_SHA1_80. The createPlainTransport answer carries the transport's ip, port and srtpParameters (its master key and salt in base64); the broadcaster's connectPlainTransport gives its own ip and port and its own key. Each side encrypts with its own key and decrypts with the other's (RFC 3711, keys given instead of exported by DTLS): the router decrypts the broadcaster's SRTP and SRTCP and re-encrypts for bob's WebRTC consumers with the DTLS-SRTP keys of his transport; its receiver reports go back as SRTCP on the same port (RFC 5761), which the broadcaster authenticates with the transport's key.",
    (name, title, description) => {
      const nodes = roomNodes(['bob']);
      nodes.studio = { kind: 'host', uplink: 'internet', addresses: ['203.0.113.50/24'], link: { delay: '12ms' } };
      return {
        name, title, description, seed: 1, duration: '4s', nodes,
        apps: [
          { kind: 'mediasoup-server', host: 'sfu', listenIp: SFU_IP, port: 4443, rtcPorts: '40000-40099' },
          { kind: 'mediasoup-client', host: 'bob', server: `${SFU_IP}:4443`, media: { audio: false, video: false }, produce: false },
          { kind: 'mediasoup-broadcaster', host: 'studio', server: `${SFU_IP}:4443`, comedia: false, rtcpMux: true, srtpCryptoSuite: 'AES_CM_128_HMAC_SHA1_80', media: { audio: true, video: { fps: 25 } }, startAt: '300ms' },
        ],
      };
    },
  );
  for (const srtp of [false, true]) {
    add(
      srtp ? 'mediasoup-plain-consumer-srtp' : 'mediasoup-plain-consumer',
      srtp ? "A plain consumer sending SRTP to an ffmpeg-like receiver (rtcpMux, AES_CM_128_HMAC_SHA1_32)" : "A plain consumer: a browser's audio and video out of a PlainTransport to an ffmpeg-like receiver",
      `How mediasoup feeds ffmpeg or GStreamer to record a room: alice's browser produces audio and video over a WebRtcTransport; the receiver (recorder, on a public address) joins over protoo as a broadcaster with its RTP capabilities, so the join answer lists alice's producers; it asks for a PlainTransport with comedia off and rtcpMux ${srtp ? 'on and enableSrtp with AES_CM_128_HMAC_SHA1_32' : 'off'}, gives its own address in connectPlainTransport (${srtp ? 'and its own SRTP key; the transport\'s came in the create answer' : 'RTP on 5004, RTCP on 5005, as ffmpeg reading an SDP listens'}), and consumes each producer paused, then resumes them once it listens (so the first packets and the keyframe the router asks for are not lost). The router decrypts alice's SRTP, rewrites SSRC and sequence numbers per consumer, and sends ${srtp ? 'SRTP with the transport\'s key' : 'plain RTP'} out of the PlainTransport with sender reports; the receiver reads each stream by its consumer SSRC and sends receiver reports back, which become the consumers' scores.`,
      (name, title, description) => {
        const nodes = roomNodes(['alice']);
        nodes.recorder = { kind: 'host', uplink: 'internet', addresses: ['203.0.113.70/24'], link: { delay: '6ms' } };
        return {
          name, title, description, seed: 1, duration: '4s', nodes,
          apps: [
            { kind: 'mediasoup-server', host: 'sfu', listenIp: SFU_IP, port: 4443, rtcPorts: '40000-40099' },
            { kind: 'mediasoup-client', host: 'alice', server: `${SFU_IP}:4443`, media: AV, consume: false },
            { kind: 'mediasoup-receiver', host: 'recorder', server: `${SFU_IP}:4443`, from: 'alice', ...(srtp ? { rtcpMux: true, srtpCryptoSuite: 'AES_CM_128_HMAC_SHA1_32' } : {}), startAt: '800ms' },
          ],
        };
      },
    );
  }
  for (const announced of [true, false]) {
    add(
      announced ? 'mediasoup-1to1-nat' : 'mediasoup-1to1-nat-no-announced',
      announced ? 'A mediasoup server behind a 1:1 NAT (a cloud VM\'s elastic IP), with announcedAddress' : 'A mediasoup server behind a 1:1 NAT without announcedAddress: ICE fails',
      `The server runs on a cloud VM: its only address is the private 10.0.0.10, and the provider's gateway (cloud, a static 1:1 NAT as an AWS elastic IP is) maps the public 198.51.100.30 to it, every port, both ways, with no filtering. Alice (behind a NAT) and carol open the protoo WebSocket to the public address, which the gateway lets in to the VM. ${announced ? "The server listens on 10.0.0.10 and announces 198.51.100.30 (mediasoup's listenInfo announcedAddress): each transport's ICE candidates carry the public address, the browsers' checks reach the VM through the gateway, DTLS and SRTP follow, and alice and carol see each other's audio and video." : "The server listens on 10.0.0.10 and announces nothing, so each transport's ICE candidates carry the private 10.0.0.10 it listens on: the browsers send their checks there, the internet has no route to it, and no pair ever succeeds, although the WebSocket to the public address works. The diagnosis names the cause: the candidate is the server's private address behind a 1:1 NAT, and announcedAddress must be its public one."}`,
      (name, title, description) => {
        const nodes = roomNodes(['alice', 'carol']);
        nodes.cloud = { kind: 'nat', uplink: 'internet', internal: '10.0.0.1/24', external: [SFU_IP], nat: { staticBindings: [{ internal: '10.0.0.10', external: SFU_IP }] }, link: { delay: '4ms' } };
        nodes.sfu = { kind: 'host', uplink: 'cloud', addresses: ['10.0.0.10/24'], link: { delay: '1ms' } };
        return {
          name, title, description, seed: 1, duration: announced ? '4s' : '8s', nodes,
          apps: [
            { kind: 'mediasoup-server', host: 'sfu', listenIp: '10.0.0.10', ...(announced ? { announcedIp: SFU_IP } : {}), port: 4443, rtcPorts: '40000-40099' },
            { kind: 'mediasoup-client', host: 'alice', server: `${SFU_IP}:4443`, media: AV },
            { kind: 'mediasoup-client', host: 'carol', server: `${SFU_IP}:4443`, media: AV, startAt: '300ms' },
          ],
        };
      },
    );
  }
  add(
    'mediasoup-pipe',
    'One room over two mediasoup servers: pipeToRouter with PipeTransports between their routers',
    "Alice's browser joins room demo on sfu (198.51.100.30), carol's on sfu2 (198.51.100.31). Each server pipes the room to the other, as router.pipeToRouter() does: it joins the other's room over protoo as a pipe peer, asks it for a PipeTransport (createPipeTransport), makes its own, connects both (connectPipeTransport there, connect() here) and then, for each producer of its room, makes a pipe consumer here and a producer there with the consumer's SSRC (produce on the pipe transport). Between the routers the media is plain RTP on one UDP port each way, no ICE, no DTLS, no SRTP (mediasoup's PipeTransport without enableSrtp), RTCP on the same port: the far router's PLIs come back through the pipe to the producer. Each server then gives its browser the piped producers like any other, over WebRTC: alice sees carol's audio and video, carol sees alice's, each through two routers; producers that came through a pipe are not piped back.",
    (name, title, description) => {
      const nodes = roomNodes(['alice', 'carol']);
      nodes.sfu2 = { kind: 'host', uplink: 'internet', addresses: ['198.51.100.31/24'], link: { delay: '7ms' } };
      return {
        name, title, description, seed: 1, duration: '4s', nodes,
        apps: [
          { kind: 'mediasoup-server', host: 'sfu', listenIp: SFU_IP, port: 4443, rtcPorts: '40000-40099', pipeTo: '198.51.100.31:4443' },
          { kind: 'mediasoup-server', host: 'sfu2', listenIp: '198.51.100.31', port: 4443, rtcPorts: '40000-40099', pipeTo: `${SFU_IP}:4443` },
          { kind: 'mediasoup-client', host: 'alice', server: `${SFU_IP}:4443`, media: AV, startAt: '200ms' },
          { kind: 'mediasoup-client', host: 'carol', server: '198.51.100.31:4443', media: AV, startAt: '400ms' },
        ],
      };
    },
  );
  add(
    'mediasoup-pion-tcp',
    'The pion client over ICE-TCP: its UDP blocked, the WebRtcTransport reached on its passive TCP candidate',
    "The seed's pion client (DTLS client) behind a firewall that drops all UDP, and a browser over UDP. The WebRtcTransport (enableTcp) lists a UDP candidate and a passive TCP one on the same port number; pion's controlling agent has an active TCP candidate (RFC 6544) beside its UDP one: its UDP checks die at the firewall, and its first TCP check opens a connection to the transport's TCP server, on which STUN, the DTLS handshake, SRTP and SRTCP travel, each behind an RFC 4571 length. The server's path notes start at WebRtcTransport::OnTcpConnectionPacketReceived; the selected tuple is tcp; the browser and pion exchange audio and video through the router.",
    (name, title, description) => {
      const nodes = roomNodes(['alice']);
      nodes.fwG = { kind: 'firewall', uplink: 'internet', preset: 'block-udp', link: { delay: '12ms' } };
      nodes.gopher = { kind: 'host', uplink: 'fwG', addresses: ['203.0.113.60/24'], link: { delay: '1ms' } };
      return {
        name, title, description, seed: 1, duration: '4s', nodes,
        apps: [
          { kind: 'mediasoup-server', host: 'sfu', listenIp: SFU_IP, port: 4443, rtcPorts: '40000-40099' },
          { kind: 'pion-client', host: 'gopher', server: `${SFU_IP}:4443`, dtlsRole: 'client', media: AV, iceTcp: ['active'] },
          { kind: 'mediasoup-client', host: 'alice', server: `${SFU_IP}:4443`, media: AV, startAt: '200ms' },
        ],
      };
    },
  );
  for (const role of ['client', 'server'] as const) {
    add(
      `mediasoup-pion-dtls-${role}`,
      `A pion client (DTLS ${role}) and a browser in a mediasoup room`,
      `The seed's Go client written with pion, with no SDP at all: over the same protoo WebSocket it asks for one WebRtcTransport (producing and consuming) and joins; it dials a controlling ICE agent with the transport's ICE parameters and candidate (the server is ICE-lite and learns the client's NAT mapping from its checks); once ICE is connected it sends connectWebRtcTransport with role "${role}" and the SHA-256 fingerprint of its self-signed certificate, and runs ${role === 'client' ? 'dtls.Client: it sends the ClientHello and the mediasoup transport is the DTLS server' : 'dtls.Server: the mediasoup transport takes the DTLS client role and sends the ClientHello'}. SRTP and SRTCP sessions come from the exported keys; it writes audio and video on one SSRC each (produce) and reads the browser's two streams by their consumer SSRCs.`,
      (name, title, description) => ({
        name, title, description, seed: 1, duration: '4s',
        nodes: roomNodes(['alice', 'bob']),
        apps: [
          { kind: 'mediasoup-server', host: 'sfu', listenIp: SFU_IP, port: 4443, rtcPorts: '40000-40099' },
          { kind: 'pion-client', host: 'bob', server: `${SFU_IP}:4443`, dtlsRole: role, media: AV },
          { kind: 'mediasoup-client', host: 'alice', server: `${SFU_IP}:4443`, media: AV, startAt: '200ms' },
        ],
      }),
    );
  }
  add(
    'mediasoup-datachannel',
    'Chat through a mediasoup room: DataProducers and DataConsumers over SCTP',
    "mediasoup-demo's chat: three browsers send their sctpCapabilities (numStreams OS/MIS 1024) with createWebRtcTransport, so both of each one's transports get an SCTP association inside their DTLS (sctpParameters port 5000, maxMessageSize 262144). Each produces audio and a DataProducer: mediasoup-client opens a negotiated data channel (no DATA_CHANNEL_OPEN, RFC 8831 §6.5) on stream 0 of its send PC, whose offer now has an m=application UDP/DTLS/SCTP webrtc-datachannel section, and tells the server the stream with produceData. alice's chat is the demo's (unordered, maxRetransmits 1), bob's is reliable and ordered, carol's sends binary messages. For every other peer the server makes a DataConsumer on the lowest free stream of that peer's receive transport and asks with newDataConsumer; the browser adds an m=application section (mid datachannel) to its receive PC's remote offer, opens a negotiated channel on that stream and accepts. Each message crosses the SFU with its PPID (51 string, 53 binary). carol joins after alice has begun: she gets only the messages sent after her DataConsumer's association is up.",
    (name, title, description) => ({
      name, title, description, seed: 1, duration: '6s',
      nodes: roomNodes(),
      apps: [
        { kind: 'mediasoup-server', host: 'sfu', listenIp: SFU_IP, port: 4443, rtcPorts: '40000-40099' },
        { kind: 'mediasoup-client', host: 'alice', server: `${SFU_IP}:4443`, media: { audio: true }, dataProducers: [{ label: 'chat', ordered: false, maxRetransmits: 1, at: '1500ms', every: '250ms', count: 12, text: 'alice: hello {n}' }] },
        { kind: 'mediasoup-client', host: 'bob', server: `${SFU_IP}:4443`, media: { audio: true }, startAt: '300ms', dataProducers: [{ label: 'chat', at: '2s', every: '400ms', count: 5, text: 'bob: message {n}' }] },
        { kind: 'mediasoup-client', host: 'carol', server: `${SFU_IP}:4443`, media: { audio: true }, startAt: '2500ms', dataProducers: [{ label: 'file', at: '4s', every: '200ms', count: 4, bytes: 1000 }] },
      ],
    }),
  );
  add(
    'mediasoup-datachannel-loss',
    'Reliable chat through a mediasoup room over a lossy link: SCTP retransmissions',
    "mediasoup-datachannel with carol's access link losing 10% of datagrams both ways and every DataProducer reliable and ordered. alice and bob each send 20 chat messages; the SFU forwards them on carol's DataConsumers, and what her link drops, the server's SCTP association retransmits (T3-rtx timeouts and fast retransmits after three SACKs with gap blocks, RFC 9260 §6.3, §7.2.4); what carol sends and the link drops, her browser retransmits to the server. Ordered delivery holds each later message back until the lost one arrives (head-of-line blocking): every message still arrives, once and in order.",
    (name, title, description) => {
      const nodes = roomNodes();
      nodes.carol = { kind: 'host', uplink: 'internet', addresses: ['203.0.113.30/24'], link: { delay: '20ms', loss: 0.1 } };
      return {
        name, title, description, seed: 1, duration: '10s', nodes,
        apps: [
          { kind: 'mediasoup-server', host: 'sfu', listenIp: SFU_IP, port: 4443, rtcPorts: '40000-40099' },
          { kind: 'mediasoup-client', host: 'alice', server: `${SFU_IP}:4443`, media: {}, dataProducers: [{ label: 'chat', at: '3500ms', every: '100ms', count: 20, text: 'alice: message {n}' }] },
          { kind: 'mediasoup-client', host: 'bob', server: `${SFU_IP}:4443`, media: {}, startAt: '300ms', dataProducers: [{ label: 'chat', at: '3500ms', every: '150ms', count: 20, text: 'bob: message {n}' }] },
          { kind: 'mediasoup-client', host: 'carol', server: `${SFU_IP}:4443`, media: {}, startAt: '600ms', dataProducers: [{ label: 'chat', at: '4s', every: '200ms', count: 10, text: 'carol: message {n}' }] },
        ],
      };
    },
  );
  return out;
}
