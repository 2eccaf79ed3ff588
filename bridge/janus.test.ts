// Interop: a real Janus (Debian janus 1.1.2, HTTP transport and echotest on loopback) judges our browser side.
// Our JanusClient (sim/janus/client.ts) speaks the Janus HTTP API through our HTTP/1.1 client over real TCP sockets,
// and its WebRtcPeer runs ICE, DTLS and SRTP over real UDP (bridge/udp-bridge.ts) with Janus's own libnice agent
// and DTLS stack: the session, the handle, the answer in the event, webrtcup, media, and our media echoed back.
// Then the same flow against our simulated gateway gives the same sequence of Janus messages with the same fields.
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../sim/core/rng.ts';
import { SECOND } from '../sim/core/time.ts';
import { generateDtlsIdentity } from '../sim/dtls/identity.ts';
import { HttpClientConnection } from '../sim/http/client.ts';
import { JanusClient, type JanusSeen } from '../sim/janus/client.ts';
import type { JsonObject } from '../sim/janus/plugin.ts';
import { WebRtcPeer } from '../sim/peer/webrtc-peer.ts';
import { parseScenario } from '../sim/scenario/parse.ts';
import { findPreset } from '../sim/scenario/presets/index.ts';
import { buildScenario } from '../sim/scenario/build.ts';
import { hasJanus, iceInterface, startJanus, type RealJanus } from './janus-real.ts';
import { NodeSocketStream } from './node-stream.ts';
import { UdpBridge } from './udp-bridge.ts';

// CI installs janus (.ci/run), so there it must run
const ice = iceInterface();
const skip = (!process.env['CI'] && !hasJanus) || ice === undefined;

/** The shape of a Janus message: its keys, and the keys of the objects inside (plugindata, data, jsep, error). */
function shape(m: JsonObject, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(m)) {
    out.push(`${prefix}${k}`);
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && k !== 'data') out.push(...shape(v as JsonObject, `${prefix}${k}.`));
  }
  return out.sort();
}

/** What two runs are compared on: replies in order as `request:janus`, events in order, each message's shape. */
function flow(seen: readonly JanusSeen[]): { replies: string[]; events: string[]; shapes: Record<string, string[]> } {
  const shapes: Record<string, string[]> = {};
  for (const s of seen) {
    const key = s.via === 'reply' ? `${s.request}:${String(s.message.janus)}` : String(s.message.janus);
    shapes[key] ??= shape(s.message);
  }
  return {
    replies: seen.filter((s) => s.via === 'reply').map((s) => `${s.request}:${String(s.message.janus)}`),
    // the two media events come in either order (audio and video start independently)
    events: seen.filter((s) => s.via === 'event').map((s) => (s.message.janus === 'media' ? `media ${String(s.message.type)}` : String(s.message.janus))),
    shapes,
  };
}

/** An answer's layout: per m-line its codec, the attribute names in order (repeats folded) and its extension URIs. */
function layout(sdp: string): { session: string[]; media: { codec: string; attributes: string[]; extmaps: string[] }[] } {
  const name = (l: string): string => l.slice(2).split(/[:\s]/)[0]!;
  const fold = (xs: string[]): string[] => xs.filter((x, i) => x !== xs[i - 1]);
  const parts = sdp.split('\r\nm=');
  const session = fold(parts[0]!.split('\r\n').filter((l) => l.startsWith('a=')).map(name));
  const media = parts.slice(1).map((m) => {
    const ls = m.split('\r\n');
    // Janus adds RTX for video (RFC 4588), which we do not model: its rtpmap/fmtp/ssrc-group lines are left out
    const rtx = ls.filter((l) => / rtx\//.test(l)).map((l) => l.slice(9).split(' ')[0]);
    const kept = ls.filter((l) => l.startsWith('a=') && !l.startsWith('a=ssrc-group') && !rtx.some((pt) => l.startsWith(`a=rtpmap:${pt} `) || l.startsWith(`a=fmtp:${pt} `)));
    return {
      codec: ls.find((l) => l.startsWith('a=rtpmap:'))!.split(' ')[1]!,
      attributes: fold(kept.map(name)),
      extmaps: kept.filter((l) => l.startsWith('a=extmap:')).map((l) => l.split(' ')[1]!).sort(),
    };
  });
  return { session, media };
}

describe.skipIf(skip)('our browser side against a real Janus (echotest over HTTP, ICE/DTLS/SRTP over UDP on loopback)', () => {
  let janus: RealJanus | undefined;
  let bridge: UdpBridge | undefined;
  afterAll(() => {
    bridge?.close();
    janus?.stop();
  });

  let result: Promise<{ client: JanusClient; peer: WebRtcPeer }> | undefined;
  const call = (): Promise<{ client: JanusClient; peer: WebRtcPeer }> => (result ??= start());
  const start = async (): Promise<{ client: JanusClient; peer: WebRtcPeer }> => {
    janus = await startJanus({ sessionTimeout: 60, ms: 60_000, iceInterface: ice!.name });
    const rng = Rng.fromSeed(7);
    const peer = new WebRtcPeer({
      name: 'browser', rng: rng.fork('peer'), identity: generateDtlsIdentity(rng.fork('identity'), 'browser'), offerer: true, autoStart: false,
      signalingPeer: 'janus', trickle: true, media: { audio: true, video: { fps: 15 } },
    });
    const port = janus.port;
    const stream = (): HttpClientConnection => new HttpClientConnection(new NodeSocketStream('127.0.0.1', port, () => bridge!.now(), () => bridge!.pump()), { host: `127.0.0.1:${port}` });
    const client = new JanusClient(peer, { name: 'browser', basePath: '/janus', plugin: 'janus.plugin.echotest', body: { audio: true, video: true }, maxev: 10, keepaliveInterval: 25 * SECOND, startAt: 0 }, rng.fork('transactions'), { post: stream(), poll: stream() });
    bridge = new UdpBridge(client);
    client.wake = () => bridge!.pump();
    peer.addLocalAddress(await bridge.bind(ice!.ip));
    bridge.pump();
    const events = (k: string): number => client.seen.filter((s) => s.via === 'event' && s.message.janus === k).length;
    try {
      await bridge.until(() => events('webrtcup') === 1 && events('media') >= 2 && peer.counters.rtpIn >= 100, 90_000, 'webrtcup, two media events and 100 echoed RTP packets');
    } catch (e) {
      throw new Error(`${(e as Error).message}\nseen: ${client.sequence().join(', ')}\nerrors: ${client.errors.join('; ')}\njanus log:\n${janus.log().slice(-4000)}`);
    }
    return { client, peer };
  };

  it('create, attach, message (ack, then the echotest event with the JSEP answer), trickle, webrtcup, media', { timeout: 180_000 }, async () => {
    const { client } = await call();
    const f = flow(client.seen);
    expect(f.replies.slice(0, 3)).toEqual(['create:success', 'attach:success', 'message:ack']);
    expect(f.replies.slice(3).every((r) => r === 'trickle:ack')).toBe(true);
    expect(f.events.slice(0, 2)).toEqual(['event', 'webrtcup']);
    expect(f.events.slice(2, 4).sort()).toEqual(['media audio', 'media video']);
    const ev = client.seen.find((s) => s.message.janus === 'event')!.message;
    expect(ev.plugindata).toEqual({ plugin: 'janus.plugin.echotest', data: { echotest: 'event', result: 'ok' } });
    expect((ev.jsep as JsonObject).type).toBe('answer');
    expect(client.errors).toEqual([]);
  });

  it('ICE and DTLS complete with Janus’s own agent and DTLS stack, and our audio and video come back echoed', { timeout: 180_000 }, async () => {
    const { peer } = await call();
    expect(peer.state).toBe('connected');
    expect(peer.dtls?.state).toBe('connected');
    expect(peer.dtls?.fingerprintVerified).toBe(true);
    const s = peer.summary();
    const received = (s.media as { direction?: string; kind?: string; packets?: number }[]).filter((m) => m.direction === 'receive');
    expect(received.map((m) => m.kind).sort()).toEqual(['audio', 'video']);
    for (const m of received) expect(m.packets ?? 0).toBeGreaterThan(10);
  });

  it('the same flow against our simulated gateway: the same sequence of Janus messages with the same field names', { timeout: 300_000 }, async () => {
    const { client } = await call();
    const json = findPreset('janus-echotest')!.build();
    // as on loopback: no STUN server, so the only trickle is {"completed":true}
    for (const a of json.apps as Record<string, unknown>[]) if (a.kind === 'janus-client') a.stun = [];
    json.duration = '3s';
    const s = parseScenario(json);
    const { net, apps } = buildScenario(s, s.seed);
    net.run(s.duration, 50_000_000);
    const simulated = flow((apps.find((a) => a.spec.kind === 'janus-client')!.endpoint as JanusClient).seen);
    const real = flow(client.seen);
    expect(simulated.replies).toEqual(real.replies);
    expect(simulated.events.slice(0, 2)).toEqual(real.events.slice(0, 2));
    expect(simulated.events.slice(2, 4).sort()).toEqual(real.events.slice(2, 4).sort());
    for (const [k, v] of Object.entries(real.shapes)) expect(simulated.shapes[k], k).toEqual(v);
    // the answer in the event: laid out as Janus lays it out (RTX aside)
    const answer = (seen: readonly JanusSeen[]): string => ((seen.find((x) => x.message.janus === 'event')!.message.jsep as JsonObject).sdp as string);
    const ours = layout(answer((apps.find((a) => a.spec.kind === 'janus-client')!.endpoint as JanusClient).seen));
    const theirs = layout(answer(client.seen));
    expect(theirs.media.map((m) => m.codec)).toEqual(['opus/48000/2', 'VP8/90000']);
    expect(theirs.media[1]!.attributes).toEqual(expect.arrayContaining(['ice-ufrag', 'setup', 'rtcp-fb', 'extmap', 'msid', 'ssrc', 'candidate', 'end-of-candidates']));
    expect(ours).toEqual(theirs);
    expect(Object.keys(simulated.shapes).sort()).toEqual(Object.keys(real.shapes).sort());
  });
});
