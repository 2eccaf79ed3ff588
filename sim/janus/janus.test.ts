// The Janus gateway (sim/janus) and its page (janus-client): the presets run the seed's flow end to end (create,
// attach, message + offer → ack, the long poll's event with the answer, trickle, webrtcup, media echoed back), the
// session watchdog reaps a silent session, every API error comes with Janus's code, and tshark reads every link
// of the capture as HTTP with JSON and no malformed packet.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.ts';
import { SECOND } from '../core/time.ts';
import { generateDtlsIdentity } from '../dtls/identity.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { writePcapng } from '../wire/pcap/pcapng-writer.ts';
import { readCapture } from '../wire/pcap/index.ts';
import { Dissector } from '../dissect/dissector.ts';
import { isDeclaredKind } from '../notes/index.ts';
import { JanusGateway } from './gateway.ts';
import type { JsonObject } from './plugin.ts';

const dir = mkdtempSync(join(tmpdir(), 'rtclab-janus-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Obj = Record<string, unknown>;
const hasTshark = (): boolean => {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const run = (name: string, edit: (s: Record<string, unknown>) => void = () => {}) => {
  const json = findPreset(name)!.build();
  edit(json);
  const r = runScenario(parseScenario(json));
  const apps = (r.summary as { apps: Obj[] }).apps;
  return { trace: r.trace, gateway: apps.find((a) => a.kind === 'janus')!, client: apps.find((a) => a.kind === 'janus-client')! };
};

describe('janus-echotest: the seed flow against the simulated gateway', () => {
  const { trace, gateway, client } = run('janus-echotest');

  it('create → session, attach → handle, message → ack then the event with the answer, trickle acks, webrtcup, media', () => {
    const seq = client.sequence as string[];
    expect(seq.filter((s) => s.includes(':'))).toEqual(['create:success', 'attach:success', 'message:ack', 'trickle:ack', 'trickle:ack']);
    expect(seq.filter((s) => !s.includes(':'))).toEqual(['event', 'webrtcup', 'media', 'media']);
    expect(client.session).toBe((gateway.sessions as Obj[])[0]!.id);
    expect(client.handle).toBe(((gateway.sessions as Obj[])[0]!.handles as Obj[])[0]!.id);
    expect(client.media).toEqual([{ mid: '0', type: 'audio', receiving: true }, { mid: '1', type: 'video', receiving: true }]);
    expect(client.errors).toEqual([]);
    // the echotest's own words: its result and the JSEP answer that came with it
    expect(client.pluginEvents).toEqual(['ok (+answer)']);
  });

  it('every audio and video packet comes back (echoed with the gateway’s own SSRCs)', () => {
    const sent = client.rtpSent as number;
    expect(sent).toBeGreaterThan(1000);
    // the last packets are still on the way back when the run ends
    expect(client.rtpReceived as number).toBeGreaterThan(sent - 10);
    const h = ((gateway.sessions as Obj[])[0]!.handles as Obj[])[0]!;
    expect(h.webrtcup).toBe(true);
    expect(h.ice).toBe('completed');
    expect((h.plugin_state as Obj).echoed_audio as number).toBeGreaterThan(300);
    expect((h.plugin_state as Obj).echoed_video as number).toBeGreaterThan(600);
  });

  it('the gateway is a full ICE agent: it sends checks of its own, and answers with a=setup:active (it is the DTLS client)', () => {
    const checks = trace.notes.filter((n) => n.source === 'janus/janus' && n.kind === 'ice.check.sent');
    expect(checks.length).toBeGreaterThan(0);
    expect(trace.notes.some((n) => n.source === 'janus/janus' && n.kind === 'dtls.state' && n.text.startsWith('DTLS client: connecting → connected'))).toBe(true);
  });

  it('our dissector reads every request, reply and long-poll answer (an array with maxev=10) as Janus, the answer’s SDP inside', () => {
    const cap = readCapture(writePcapng(trace));
    const d = new Dissector();
    const texts = cap.packets.map((p) => d.packet(p.data, { index: p.index, linkType: p.linkType, t: p.time?.us ?? 0 })).filter((p) => p.layers.some((l) => l.protocol === 'SIGNALING')).map((p) => p.summary);
    for (const k of ['Janus create', 'Janus success', 'Janus attach', 'Janus message', 'Janus ack', 'Janus trickle', 'Janus webrtcup', 'Janus media, media']) expect(texts.some((x) => x.startsWith(k)), k).toBe(true);
    expect(texts.some((x) => /^Janus event \(transaction \w+\): SDP answer/.test(x))).toBe(true);
  });

  it('every note the run writes is of a declared kind (sim/janus/notes.ts for the gateway’s)', () => {
    const kinds = [...new Set(trace.notes.map((n) => n.kind))];
    expect(kinds.filter((k) => !isDeclaredKind(k))).toEqual([]);
    expect(kinds.filter((k) => k.startsWith('janus.')).sort()).toEqual(['janus.echotest.settings', 'janus.handle.attached', 'janus.jsep', 'janus.media', 'janus.pc.created', 'janus.session.created', 'janus.webrtcup']);
  });

  it.skipIf(!hasTshark() && !process.env['CI'])('tshark, link by link: HTTP with JSON, no malformed packet, no TCP warning', { timeout: 300_000 }, () => {
    const all = join(dir, 'janus.pcapng');
    writeFileSync(all, writePcapng(trace));
    const ids = [...new Set(execFileSync('tshark', ['-r', all, '-Y', 'tcp', '-T', 'fields', '-e', 'frame.interface_id'], { encoding: 'utf8' }).split('\n').filter(Boolean))];
    const seen = new Set<string>();
    let janus = 0;
    for (const id of ids) {
      const one = join(dir, `if${id}.pcapng`);
      execFileSync('tshark', ['-r', all, '-Y', `frame.interface_id == ${id} && tcp`, '-w', one]);
      const out = execFileSync('tshark', ['-r', one, '-o', 'tcp.check_checksum:TRUE', '-Y', 'tcp', '-T', 'fields', '-e', '_ws.col.Protocol', '-e', '_ws.expert.message', '-e', '_ws.malformed', '-e', 'json.member_with_value'], { encoding: 'utf8', maxBuffer: 1 << 26 });
      for (const line of out.split('\n').filter(Boolean)) {
        const [protocol, expert = '', malformed = '', members = ''] = line.split('\t');
        seen.add(protocol!);
        if (members.includes('janus:')) janus++;
        expect(malformed, `interface ${id}: ${line}`).toBe('');
        const warnings = expert.split(',').map((m) => m.trim()).filter((m) => m && !/^hop \d+ · packet/.test(m) && !/^Connection establish|^GET |^HTTP\/1\.1 |^POST /.test(m));
        expect(warnings, `interface ${id}: ${line}`).toEqual([]);
      }
    }
    expect([...seen]).toEqual(expect.arrayContaining(['HTTP/JSON']));
    expect(janus).toBeGreaterThan(10);
  });
});

describe('janus-session-timeout: the watchdog reaps a silent session', () => {
  const { gateway, client } = run('janus-session-timeout');

  it('the session ends in timeout, the held poll carries {"janus":"timeout"}, the handle is hung up and detached', () => {
    const s = (gateway.sessions as Obj[])[0]!;
    expect(s.end).toBe('timeout');
    expect(s.events).toEqual(['event', 'webrtcup', 'media', 'media', 'timeout', 'hangup', 'event', 'detached']);
    expect(gateway.timeouts).toBe(1);
    expect(client.timeout).toBe(true);
    expect(((s.handles as Obj[])[0]!).detached).toBe(true);
  });
});

describe('echotest settings, slowlink and leaving, on edited janus-echotest runs', () => {
  const app = (s: Record<string, unknown>, kind: string): Record<string, unknown> => (s.apps as Record<string, unknown>[]).find((a) => a.kind === kind)!;

  it('audio: false stops the audio echo (video still comes back); bitrate sends the browser a REMB', () => {
    const { gateway, client } = run('janus-echotest', (s) => {
      s.duration = '4s';
      app(s, 'janus-client').body = { audio: false, video: true, bitrate: 128000 };
    });
    const h = ((gateway.sessions as Obj[])[0]!.handles as Obj[])[0]!;
    const ps = h.plugin_state as Obj;
    expect(ps).toMatchObject({ audio_active: false, video_active: true, bitrate: 128000, echoed_audio: 0 });
    expect(ps.echoed_video as number).toBeGreaterThan(200);
    expect(ps.dropped as number).toBeGreaterThan(100);
    expect(h.rtcpOut as number).toBeGreaterThanOrEqual(1);
    expect(client.errors).toEqual([]);
  });

  it('losses from the browser over slowlink_threshold raise slowlink events (uplink, with the count lost)', () => {
    const { trace, client } = run('janus-echotest', (s) => {
      s.duration = '5s';
      s.seed = 3;
      ((s.nodes as Record<string, Record<string, unknown>>).natA!).link = { delay: '10ms', loss: 0.15 };
      app(s, 'janus').slowlinkThreshold = 4;
    });
    expect((client.events as Obj).slowlink as number).toBeGreaterThan(0);
    const n = trace.notes.find((x) => x.kind === 'janus.slowlink')!;
    expect(n.data).toMatchObject({ mid: expect.any(String) });
    expect((n.data as Obj).lost as number).toBeGreaterThanOrEqual(4);
  });

  it('leaving as janus.js destroy() does: detach (hangup, the echotest’s done, detached), then destroy', () => {
    const { gateway, client } = run('janus-echotest', (s) => {
      s.duration = '4s';
      app(s, 'janus-client').leaveAt = '2s';
    });
    const sess = (gateway.sessions as Obj[])[0]!;
    expect(sess.end).toBe('destroy');
    expect(sess.events).toEqual(['event', 'webrtcup', 'media', 'media', 'hangup', 'event', 'detached']);
    expect((client.sequence as string[]).filter((x) => x.includes(':')).slice(-2)).toEqual(['detach:success', 'destroy:success']);
    expect(((sess.handles as Obj[])[0]!).hangup).toBe('Detach');
  });
});

describe('the Janus API core: replies and error codes as Janus numbers them', () => {
  const gw = new JanusGateway({
    name: 'gw', ip: '198.51.100.40', rng: Rng.fromSeed(1), identity: generateDtlsIdentity(Rng.fromSeed(2)), sessionTimeout: 10 * SECOND, watchdogPeriod: 2 * SECOND,
    rtpPortRange: { min: 20000, max: 20009 }, noMediaTimer: SECOND, slowlinkThreshold: 0, plugins: { 'janus.plugin.echotest': {} }, serverName: 'test',
  });
  gw.bindPort = (port) => ({ ip: '198.51.100.40', port });
  const req = (path: { session?: number; handle?: number }, body: unknown, t = 0): JsonObject => gw.request(t, path, typeof body === 'string' ? body : JSON.stringify(body));
  const code = (r: JsonObject): unknown => (r.error as JsonObject | undefined)?.code;

  it('refuses bad requests with 454, 455, 456, 457, 458, 459, 460, 464, 465, 467, 469', () => {
    expect(code(req({}, '{"janus":'))).toBe(454);
    expect(code(req({}, '[1]'))).toBe(455);
    expect(req({}, { janus: 'create' })).toEqual({ janus: 'error', error: { code: 456, reason: 'Missing mandatory element (transaction)' } });
    expect(req({}, { janus: 'foo', transaction: 'x' })).toEqual({ janus: 'error', transaction: 'x', error: { code: 457, reason: "Unhandled request 'foo' at this path" } });
    expect(req({ session: 99 }, { janus: 'keepalive', transaction: 't' })).toEqual({ janus: 'error', session_id: 99, transaction: 't', error: { code: 458, reason: 'No such session 99' } });
    const s = (req({}, { janus: 'create', transaction: 'c' }).data as JsonObject).id as number;
    expect(code(req({ session: s }, { janus: 'attach', transaction: 'a' }))).toBe(456);
    expect(req({ session: s }, { janus: 'attach', plugin: 'janus.plugin.nope', transaction: 'a' }).error).toEqual({ code: 460, reason: "No such plugin 'janus.plugin.nope'" });
    expect(req({ session: s, handle: 77 }, { janus: 'message', body: {}, transaction: 'm' }).error).toEqual({ code: 459, reason: `No such handle 77 in session ${s}` });
    const h = (req({ session: s }, { janus: 'attach', plugin: 'janus.plugin.echotest', transaction: 'a' }).data as JsonObject).id as number;
    expect(code(req({ session: s, handle: h }, { janus: 'message', transaction: 'm' }))).toBe(456);
    expect(code(req({ session: s, handle: h }, { janus: 'message', body: [], transaction: 'm' }))).toBe(467);
    expect(code(req({ session: s, handle: h }, { janus: 'message', body: {}, jsep: { type: 'pranswer', sdp: 'v=0' }, transaction: 'm' }))).toBe(464);
    expect(req({ session: s, handle: h }, { janus: 'message', body: {}, jsep: { type: 'offer', sdp: 'v=0' }, transaction: 'm' }).error).toEqual({ code: 465, reason: 'Missing mandatory lines (o=, s= or m=)' });
    expect(code(req({ session: s, handle: h }, { janus: 'message', body: {}, jsep: { type: 'answer', sdp: 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n' }, transaction: 'm' }))).toBe(469);
    expect(code(req({ session: s, handle: h }, { janus: 'trickle', transaction: 't' }))).toBe(456);
    expect(code(req({ session: s, handle: h }, { janus: 'attach', plugin: 'janus.plugin.echotest', transaction: 't' }))).toBe(457);
  });

  it('a message is acked with the echotest’s hint, its event queued after; hangup and detach answer success, then `done` and `detached`', () => {
    const s = (req({}, { janus: 'create', transaction: 'c' }, 0).data as JsonObject).id as number;
    const h = (req({ session: s }, { janus: 'attach', plugin: 'janus.plugin.echotest', transaction: 'a' }, 0).data as JsonObject).id as number;
    expect(req({ session: s, handle: h }, { janus: 'message', body: { audio: true }, transaction: 'm' })).toEqual({ janus: 'ack', session_id: s, transaction: 'm', hint: "I'm taking my time!" });
    expect(req({ session: s, handle: h }, { janus: 'trickle', candidate: { completed: true }, transaction: 't' })).toEqual({ janus: 'ack', session_id: s, transaction: 't' });
    expect(req({ session: s, handle: h }, { janus: 'hangup', transaction: 'g' })).toEqual({ janus: 'success', session_id: s, transaction: 'g' });
    expect(req({ session: s, handle: h }, { janus: 'detach', transaction: 'd' })).toEqual({ janus: 'success', session_id: s, transaction: 'd' });
    const queue = gw.sessions.get(s)!.queue;
    expect(queue).toEqual([
      { janus: 'event', session_id: s, transaction: 'm', sender: h, plugindata: { plugin: 'janus.plugin.echotest', data: { echotest: 'event', result: 'ok' } } },
      { janus: 'event', session_id: s, sender: h, plugindata: { plugin: 'janus.plugin.echotest', data: { echotest: 'event', result: 'done' } } },
      { janus: 'detached', session_id: s, sender: h },
    ]);
    expect(req({ session: s }, { janus: 'keepalive', transaction: 'k' })).toEqual({ janus: 'ack', session_id: s, transaction: 'k' });
    expect(req({ session: s }, { janus: 'destroy', transaction: 'x' })).toEqual({ janus: 'success', session_id: s, transaction: 'x' });
    expect(gw.sessions.has(s)).toBe(false);
  });

  it('a plugin that throws on a message is answered with 462 and a note; the gateway and the session go on', () => {
    const s = (req({}, { janus: 'create', transaction: 'c' }, 0).data as JsonObject).id as number;
    const h = (req({ session: s }, { janus: 'attach', plugin: 'janus.plugin.echotest', transaction: 'a' }, 0).data as JsonObject).id as number;
    const plugin = gw.handles.get(h)!.plugin;
    const original = plugin.handleMessage.bind(plugin);
    plugin.handleMessage = () => {
      throw new Error('port 20000 is already bound');
    };
    try {
      expect(req({ session: s, handle: h }, { janus: 'message', body: {}, transaction: 'boom' })).toEqual({ janus: 'error', session_id: s, transaction: 'boom', error: { code: 462, reason: 'janus.plugin.echotest: port 20000 is already bound' } });
    } finally {
      plugin.handleMessage = original;
    }
    expect(req({ session: s }, { janus: 'keepalive', transaction: 'k' })).toEqual({ janus: 'ack', session_id: s, transaction: 'k' });
  });

  it('the watchdog reaps a session idle for session_timeout at its next 2 s look, and keeps one that keeps alive', () => {
    const t0 = 100 * SECOND;
    const idle = (req({}, { janus: 'create', transaction: 'c' }, t0).data as JsonObject).id as number;
    const alive = (req({}, { janus: 'create', transaction: 'c' }, t0).data as JsonObject).id as number;
    for (let t = t0; t <= t0 + 14 * SECOND; t += SECOND) {
      req({ session: alive }, { janus: 'keepalive', transaction: 'k' }, t);
      gw.handleTimeout(t);
      for (let o = gw.poll(t); o.type !== 'timeout' && o.type !== 'idle'; o = gw.poll(t));
    }
    expect(gw.sessions.has(idle)).toBe(false);
    expect(gw.sessions.has(alive)).toBe(true);
    expect(gw.history.find((x) => x.id === idle)!.emitted).toEqual(['timeout']);
  });
});
