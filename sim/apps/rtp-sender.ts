import { MEDIA_NOTE_KINDS } from '../media/notes.ts';
import { someKinds } from './app-kind.ts';
import { formatTransportAddress, type TransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import { PlainRtpSender } from '../media/plain-sender.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import { bool, duration, required, transport, withDefault } from '../schema/fields.ts';
import { defineApp, HOST_FIELD, kindField, type Obj } from './app-kind.ts';
import { mediaType, type MediaSpec } from './peer-common.ts';

/**
 * The scenario app "rtp-sender": plain RTP (no ICE, DTLS or SRTP) from one port to a fixed address, as ffmpeg or
 * GStreamer feed an SFU's plain transport (sim/media/plain-sender.ts).
 *
 *   { "kind": "rtp-sender", "host": "alice", "bind": "203.0.113.50:5004", "remote": "198.51.100.10:5004",
 *     "media": { "audio": true, "video": { "fps": 15 } } }
 */
export interface RtpSenderAppSpec {
  readonly kind: 'rtp-sender';
  readonly host: string;
  readonly bind: TransportAddress;
  readonly remote: TransportAddress;
  readonly media: MediaSpec;
  readonly rtcp: boolean;
  readonly startAt: Micros;
}

export const rtpSenderApp = defineApp({
  kind: 'rtp-sender',
  about: 'sends plain RTP audio and video (no ICE, DTLS or SRTP) to a fixed address, as ffmpeg does',
  fields: [
    kindField('rtp-sender'),
    HOST_FIELD,
    required('bind', transport, 'The local address and port RTP (and RTCP) leave from.', '203.0.113.50:5004'),
    required('remote', transport, 'Where RTP goes: a receiver\'s RTP port.', '198.51.100.10:5004'),
    withDefault('media', mediaType, { audio: true, video: false }, '`{ "audio": true }`', 'What it sends: `audio` and `video`; when `media` is given, both default to `false`.', { audio: true, video: { fps: 15 } }),
    withDefault('rtcp', bool, true, '`true`', 'Sends an RTCP sender report and SDES every 0.5–1.5 s on the RTP port (RFC 3550 §6.3.1, RFC 5761 multiplexing).', false),
    withDefault('startAt', duration, 0, '`0`', 'When the first packet leaves.', '1s'),
  ],
  spec: ({ kind: _k, ...v }): RtpSenderAppSpec => ({ kind: 'rtp-sender', ...v }),
  build(world, host, spec: RtpSenderAppSpec, ctx) {
    ctx.own(spec.bind, 'bind');
    const endpoint = new PlainRtpSender({
      name: spec.host, local: spec.bind, remote: spec.remote, rng: world.rng(ctx.source),
      audio: spec.media.audio, video: spec.media.video, start: spec.startAt, rtcp: spec.rtcp,
    });
    const driver = new EndpointDriver(world.net, host, endpoint, ctx.source);
    driver.bind(spec.bind.ip, spec.bind.port);
    return { endpoint, driver };
  },
  sections: [],
  appEntry: ({ spec, endpoint: e }) => ({ to: formatTransportAddress(spec.remote), streams: e.streams(), rtcpSent: e.rtcpSent, received: e.received }),
  appLines(a) {
    const streams = (a.streams as Obj[]).map((s) => `${String(s.kind)} ssrc 0x${Number(s.ssrc).toString(16)} ${String(s.packets)} packets`);
    return [`  RTP sender on ${String(a.host)} to ${String(a.to)}: ${streams.join(', ') || 'no streams'}, ${String(a.rtcpSent)} RTCP reports`];
  },
  notes: [someKinds(MEDIA_NOTE_KINDS, 'rtp-sender.started')],
});
