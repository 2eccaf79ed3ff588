import type { Micros } from '../core/time.ts';
import type { JanusHandleContext, JanusMediaPacket, JanusPlugin, JanusPluginFactory, JanusPluginHost, JanusPluginResult, Jsep, JsonObject } from './plugin.ts';
import { generateAnswer, JANUS_EXTMAPS } from './sdp.ts';

/** The echotest's error codes (janus_echotest.c). */
export const ECHOTEST_ERROR = { NO_MESSAGE: 411, INVALID_JSON: 412, INVALID_ELEMENT: 413, INVALID_SDP: 414 } as const;

interface EchoSession {
  readonly ctx: JanusHandleContext;
  audioActive: boolean;
  videoActive: boolean;
  /** The cap sent as REMB (0: none). */
  bitrate: number;
  up: boolean;
  readonly echoed: { audio: number; video: number; rtcpIn: number; dropped: number };
}

const PACKAGE = 'janus.plugin.echotest';

/**
 * janus.plugin.echotest (written from its documented behaviour): every `message` is acked ("I'm taking my time!")
 * and answered by an event `{"echotest":"event","result":"ok"}`, with a JSEP answer when it came with an offer
 * (one codec per m-line: `audiocodec`/`videocodec` or Janus's preference). `audio` and `video` turn the echo of
 * each medium on or off, `bitrate` caps what the browser sends (a REMB from the gateway). Media from the browser
 * is relayed back on the same m-line; RTCP is counted, not echoed. Hangup ends with `{"result":"done"}`.
 */
class EchoTest implements JanusPlugin {
  readonly package = PACKAGE;
  readonly shortName = 'echotest';
  readonly versionString = '0.0.8';
  readonly description = 'This is a trivial EchoTest plugin for Janus, just used to showcase the plugin interface.';
  private readonly sessions = new Map<number, EchoSession>();
  private answers = 0;

  constructor(private readonly host: JanusPluginHost) {}

  createSession(_now: Micros, ctx: JanusHandleContext): void {
    this.sessions.set(ctx.handleId, { ctx, audioActive: true, videoActive: true, bitrate: 0, up: false, echoed: { audio: 0, video: 0, rtcpIn: 0, dropped: 0 } });
  }

  handleMessage(now: Micros, handleId: number, transaction: string, body: JsonObject, jsep: Jsep | undefined): JanusPluginResult {
    const s = this.sessions.get(handleId);
    if (!s) return { type: 'error', text: 'No session associated with this handle...' };
    const fail = (code: number, error: string): JanusPluginResult => {
      s.ctx.pushEvent(now, transaction, { echotest: 'event', error_code: code, error });
      return { type: 'okWait', hint: "I'm taking my time!" };
    };
    for (const k of ['audio', 'video'] as const) if (body[k] !== undefined && typeof body[k] !== 'boolean') return fail(ECHOTEST_ERROR.INVALID_ELEMENT, `Invalid element (${k} should be a boolean)`);
    if (body.bitrate !== undefined && (typeof body.bitrate !== 'number' || !Number.isInteger(body.bitrate) || body.bitrate < 0)) return fail(ECHOTEST_ERROR.INVALID_ELEMENT, 'Invalid element (bitrate should be a positive integer)');
    for (const k of ['audiocodec', 'videocodec'] as const) if (body[k] !== undefined && typeof body[k] !== 'string') return fail(ECHOTEST_ERROR.INVALID_ELEMENT, `Invalid element (${k} should be a string)`);
    if (typeof body.audio === 'boolean') s.audioActive = body.audio;
    if (typeof body.video === 'boolean') s.videoActive = body.video;
    if (typeof body.bitrate === 'number') {
      s.bitrate = body.bitrate;
      if (s.up && s.bitrate > 0) s.ctx.sendRemb(now, s.bitrate);
    }
    s.ctx.note(now, 'settings', `audio ${s.audioActive ? 'on' : 'off'}, video ${s.videoActive ? 'on' : 'off'}, bitrate ${s.bitrate || 'unlimited'}`, { audio: s.audioActive, video: s.videoActive, bitrate: s.bitrate });
    let answer: Jsep | undefined;
    if (jsep) {
      if (jsep.type !== 'offer') return fail(ECHOTEST_ERROR.INVALID_SDP, 'The EchoTest only accepts offers');
      const a = generateAnswer(jsep.sdp, {
        audio: true, video: true,
        ...(typeof body.audiocodec === 'string' ? { audioCodec: body.audiocodec } : {}),
        ...(typeof body.videocodec === 'string' ? { videoCodec: body.videocodec } : {}),
        extmaps: [JANUS_EXTMAPS.mid, JANUS_EXTMAPS.rid, JANUS_EXTMAPS.repairedRid, JANUS_EXTMAPS.audioLevel, JANUS_EXTMAPS.videoOrientation, JANUS_EXTMAPS.transportWideCc, JANUS_EXTMAPS.absSendTime],
        sessionId: String(this.host.rng.int(1, 0x7fffffff)) + String(++this.answers), sessionName: '-',
      });
      if ('error' in a) return fail(ECHOTEST_ERROR.INVALID_SDP, a.error);
      answer = { type: 'answer', sdp: a.sdp };
    }
    s.ctx.pushEvent(now, transaction, { echotest: 'event', result: 'ok' }, answer);
    return { type: 'okWait', hint: "I'm taking my time!" };
  }

  setupMedia(now: Micros, handleId: number): void {
    const s = this.sessions.get(handleId);
    if (!s) return;
    s.up = true;
    if (s.bitrate > 0) s.ctx.sendRemb(now, s.bitrate);
  }

  incomingRtp(now: Micros, handleId: number, p: JanusMediaPacket): void {
    const s = this.sessions.get(handleId);
    if (!s || !s.up) return;
    if (p.video ? !s.videoActive : !s.audioActive) {
      s.echoed.dropped++;
      return;
    }
    if (p.video) s.echoed.video++;
    else s.echoed.audio++;
    s.ctx.relayRtp(now, p);
  }

  incomingRtcp(_now: Micros, handleId: number, _p: JanusMediaPacket): void {
    const s = this.sessions.get(handleId);
    if (s) s.echoed.rtcpIn++;
  }

  hangupMedia(now: Micros, handleId: number): void {
    const s = this.sessions.get(handleId);
    if (!s) return;
    s.up = false;
    s.audioActive = true;
    s.videoActive = true;
    s.bitrate = 0;
    s.ctx.pushEvent(now, undefined, { echotest: 'event', result: 'done' });
  }

  destroySession(_now: Micros, handleId: number): void {
    this.sessions.delete(handleId);
  }

  querySession(handleId: number): JsonObject {
    const s = this.sessions.get(handleId);
    if (!s) return {};
    return { audio_active: s.audioActive, video_active: s.videoActive, bitrate: s.bitrate, echoed_audio: s.echoed.audio, echoed_video: s.echoed.video, dropped: s.echoed.dropped, rtcp_in: s.echoed.rtcpIn };
  }
}

export const echoTestPlugin: JanusPluginFactory = {
  package: PACKAGE,
  create: (host) => new EchoTest(host),
};
