// Seeds for the fuzz targets, from the real captures in captures/: frames, IP datagrams and the UDP and TCP payloads
// inside them, sorted by kind (RFC 7983 for UDP), plus the head of each capture file and the SDP of the presets.
import { readFileSync } from 'node:fs';
import { utf8Encode } from '../../sim/core/encoding.ts';
import { demuxClass } from '../../sim/wire/demux.ts';
import { decodeTcpDatagram } from '../../sim/wire/tcp/tcp-datagram.ts';
import { decodeUdpDatagram } from '../../sim/wire/ip/datagram.ts';
import { readCapture } from '../../sim/wire/pcap/capture-reader.ts';
import { decodeLinkLayer } from '../../sim/wire/pcap/link-layer.ts';
import { captureCases } from '../support/dissect-captures.ts';
import type { SeedKind } from './targets.ts';

const PER_KIND = 64;
/** At most this many of one kind from one capture, so every capture contributes. */
const PER_FILE = 12;

/** A few typical SDP bodies (RFC 8866), since the captures carry theirs inside WebSocket frames. */
const SDP = [
  'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\na=msid-semantic: WMS\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdefghijklmn\r\na=fingerprint:sha-256 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89\r\na=setup:actpass\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\na=candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host\r\n',
  'v=0\r\no=alice 1 1 IN IP6 2001:db8::1\r\ns= \r\nc=IN IP6 2001:db8::1\r\nt=0 0\r\nm=video 5004 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\na=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\n',
];

let cache: Map<SeedKind, Uint8Array[]> | undefined;

/** Seeds by kind, at most 64 each, in capture order; read once per process. */
export function seedsByKind(): Map<SeedKind, Uint8Array[]> {
  if (cache) return cache;
  const out = new Map<SeedKind, Uint8Array[]>();
  let fromFile = new Map<SeedKind, number>();
  const add = (k: SeedKind, b: Uint8Array | undefined): void => {
    if (!b || b.length === 0) return;
    const n = fromFile.get(k) ?? 0;
    if (n >= PER_FILE) return;
    fromFile.set(k, n + 1);
    const list = out.get(k) ?? [];
    if (list.length < PER_KIND && !list.some((x) => x.length === b.length && x.every((v, i) => v === b[i]))) list.push(b.slice());
    out.set(k, list);
  };
  for (const c of captureCases()) {
    const file = new Uint8Array(readFileSync(c.file));
    fromFile = new Map();
    add('file', file.subarray(0, 2048));
    for (const p of readCapture(file).packets) {
      add('frame', p.data);
      const link = decodeLinkLayer(p.data, p.linkType);
      if (link.ipOffset === undefined) continue;
      const ip = p.data.subarray(link.ipOffset);
      add('ip', ip);
      const udp = decodeUdpDatagram(ip);
      if (udp.payload) {
        const cls = demuxClass(udp.payload);
        if (cls === 'stun') add('stun', udp.payload);
        else if (cls === 'dtls') {
          add('dtls', udp.payload);
          // the record's fragment: handshake messages (plaintext at epoch 0)
          if (udp.payload[0] === 22 && udp.payload.length > 13) add('dtls-handshake', udp.payload.subarray(13));
        } else if (cls === 'turn-channeldata') add('channel-data', udp.payload);
        else if (cls === 'rtp') add('rtp', udp.payload);
        else if (cls === 'rtcp') add('rtcp', udp.payload);
        continue;
      }
      const tcp = decodeTcpDatagram(ip);
      if (tcp.payload && tcp.payload.length > 0) add('tcp-payload', tcp.payload);
    }
  }
  for (const s of SDP) add('sdp', utf8Encode(s));
  cache = out;
  return out;
}
