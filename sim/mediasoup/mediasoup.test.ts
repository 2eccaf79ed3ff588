// mediasoup-room: three browsers, a mediasoup-style server, mediasoup-demo's protoo API on a WebSocket. The flow is
// read from the server's request notes, the media from what each browser's receive PC decrypted, the receive path
// from the server's `mediasoup.path` notes, and tshark reads every protoo frame as JSON.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '../core/encoding.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario, type RunResult } from '../scenario/run.ts';
import { writePcapng } from '../wire/pcap/pcapng-writer.ts';
import { tsharkAvailable } from '../../test/support/tshark.ts';

type Obj = Record<string, unknown>;
let cached: RunResult | undefined;
const run = (): RunResult => (cached ??= runScenario(parseScenario(findPreset('mediasoup-room')!.build())));
const app = (r: RunResult, kind: string, host: string): Obj => (r.summary.apps as Obj[]).find((a) => a.kind === kind && a.host === host)!;
const dir = mkdtempSync(join(tmpdir(), 'rtclab-mediasoup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mediasoup-room: three browsers and a mediasoup server over UDP', () => {
  it("each browser walks mediasoup-demo's request flow, and every request is answered ok", () => {
    const r = run();
    const reqs = r.trace.notes.filter((n) => n.kind === 'mediasoup.request').map((n) => n.data as { peer: string; method: string; ok: boolean });
    expect(reqs.every((x) => x.ok)).toBe(true);
    for (const peer of ['alice', 'bob', 'carol']) {
      const methods = reqs.filter((x) => x.peer === peer).map((x) => x.method);
      expect(methods.slice(0, 5)).toEqual(['getRouterRtpCapabilities', 'createWebRtcTransport', 'createWebRtcTransport', 'join', 'connectWebRtcTransport']);
      expect(methods.filter((m) => m === 'produce')).toHaveLength(2);
      expect(methods.filter((m) => m === 'connectWebRtcTransport')).toHaveLength(2);
      expect(methods.filter((m) => m === 'resumeConsumer')).toHaveLength(4); // two producers of each of the two others
    }
    const steps = r.trace.notes.filter((n) => n.kind === 'mediasoup-client.step').map((n) => `${n.source} ${String(n.data!.method)}`);
    expect(steps.filter((s) => s.endsWith('newConsumer'))).toHaveLength(12);
    expect(steps.filter((s) => s.endsWith('newPeer'))).toHaveLength(3); // alice hears of bob and carol, bob of carol
  });

  it("each browser's send PC negotiates once per producer (mediasoup-client's Chrome111 handler): audio alone, then audio and video, each produce after its answer", () => {
    const r = run();
    for (const host of ['alice', 'bob', 'carol']) {
      const sdp = r.trace.notes.filter((n) => n.source === `${host}/mediasoup-client` && n.kind === 'mediasoup-client.sdp' && n.data!.direction === 'send').map((n) => ({ type: String(n.data!.type), sections: String(n.data!.sdp).match(/^m=\w+/gm) }));
      expect(sdp).toEqual([
        { type: 'offer', sections: ['m=audio'] }, { type: 'answer', sections: ['m=audio'] },
        { type: 'offer', sections: ['m=audio', 'm=video'] }, { type: 'answer', sections: ['m=audio', 'm=video'] },
      ]);
      const reqs = r.trace.notes.filter((n) => n.kind === 'mediasoup.request' && n.data!.peer === host && n.data!.method === 'produce');
      const answers = r.trace.notes.filter((n) => n.source === `${host}/mediasoup-client` && n.kind === 'mediasoup-client.sdp' && n.data!.direction === 'send' && n.data!.type === 'answer');
      // each produce is answered after its own send answer, and the second offer comes after the first produce
      expect(reqs).toHaveLength(2);
      expect(reqs[0]!.t).toBeGreaterThan(answers[0]!.t);
      expect(answers[1]!.t).toBeGreaterThanOrEqual(reqs[0]!.t);
      expect(reqs[1]!.t).toBeGreaterThan(answers[1]!.t);
    }
  });

  it('the server: one worker, one router, six transports (a send and a receive per browser), all ICE-completed and DTLS-connected as the server', () => {
    const s = app(run(), 'mediasoup-server', 'sfu');
    expect((s.workers as Obj[])).toHaveLength(1);
    const rooms = s.rooms as Obj[];
    expect(rooms).toHaveLength(1);
    const transports = s.transports as Obj[];
    expect(transports.map((t) => `${String(t.peer)} ${String(t.direction)}`)).toEqual(['alice send', 'alice recv', 'bob send', 'bob recv', 'carol send', 'carol recv']);
    for (const t of transports) {
      expect(t.iceState).toBe('completed');
      expect(t.dtlsState).toBe('connected');
      expect(t.dtlsRole).toBe('server');
      expect(t.remoteDtlsRole).toBe('client');
      expect(t.fingerprintVerified).toBe(true);
      expect(t.srtpFailures).toBe(0);
      expect((t.iceSelectedTuple as Obj).localIp).toBe('198.51.100.30');
    }
    // bob is behind a symmetric NAT: the tuple the server selected is his NAT's mapping, learned from his checks
    expect(((transports[2]!.iceSelectedTuple as Obj).remoteIp)).toBe('203.0.113.20');
    expect((rooms[0]!.producers as Obj[])).toHaveLength(6);
    expect((rooms[0]!.consumers as Obj[])).toHaveLength(12);
  });

  it("each browser decrypts the others' audio and video on its receive PC, under the consumers' SSRCs", () => {
    const r = run();
    const room = (app(r, 'mediasoup-server', 'sfu').rooms as Obj[])[0]!;
    for (const me of ['alice', 'bob', 'carol']) {
      const c = app(r, 'mediasoup-client', me);
      const received = ((c.recvTransport as Obj).media as Obj[]).filter((m) => m.direction === 'receive');
      const mine = (room.consumers as Obj[]).filter((x) => x.peer === me);
      expect(mine).toHaveLength(4);
      for (const consumer of mine) {
        const rx = received.find((m) => m.ssrc === consumer.ssrc)!;
        expect(rx, `${me} receives consumer ssrc ${String(consumer.ssrc)}`).toBeDefined();
        expect(rx.lost).toBe(0);
        expect(rx.packets as number).toBeGreaterThan(consumer.kind === 'audio' ? 200 : 400);
        expect(rx.packets as number).toBeLessThanOrEqual(consumer.packets as number);
      }
      // the send PC is the DTLS client and sent its two tracks
      expect((c.sendTransport as Obj).dtlsRole).toBe('client');
      expect((c.producers as Obj[])).toHaveLength(2);
    }
  });

  it("the server's notes follow mediasoup's receive path in the seed's order, per transport", () => {
    const r = run();
    const path = r.trace.notes.filter((n) => n.kind === 'mediasoup.path');
    const first = String(path[0]!.data!.transport);
    const steps = path.filter((n) => n.data!.transport === first).map((n) => `${String(n.data!.step)}${n.data!.class ? ` ${String(n.data!.class)}` : ''}`);
    const order = [
      'WebRtcTransport::OnUdpSocketPacketReceived stun',
      'WebRtcTransport::OnUdpSocketPacketReceived dtls',
      'WebRtcTransport::OnDtlsDataReceived',
      'DtlsTransport::ProcessHandshake',
      'DtlsTransport::CheckRemoteFingerprint',
      'DtlsTransport::ExtractSrtpKeys',
      'WebRtcTransport::OnDtlsTransportConnected',
      'RTC::SrtpSession',
      'WebRtcTransport::OnUdpSocketPacketReceived rtp',
    ];
    let at = -1;
    for (const s of order) {
      const i = steps.indexOf(s, at + 1);
      expect(i, `${s} after ${order[order.indexOf(s) - 1] ?? 'the start'} in ${steps.join(' | ')}`).toBeGreaterThan(at);
      at = i;
    }
    // every DTLS datagram of the handshake gets its OnDtlsDataReceived (three flights from the client: ClientHello, its cookie retry, the Finished flight)
    expect(steps.filter((s) => s === 'WebRtcTransport::OnDtlsDataReceived').length).toBeGreaterThanOrEqual(3);
  });

  it('same seed, same bytes', () => {
    const hops = (): string => runScenario(parseScenario(findPreset('mediasoup-room')!.build()), { until: 1_000_000 }).trace.hops.map((h) => toHex(h.bytes)).join();
    expect(hops()).toBe(hops());
  });

  it.skipIf(!tsharkAvailable() && !process.env['CI'])('tshark reads every protoo frame as JSON on every link, with no malformed packet', { timeout: 300_000 }, () => {
    const file = join(dir, 'mediasoup-room.pcapng');
    writeFileSync(file, writePcapng(runScenario(parseScenario(findPreset('mediasoup-room')!.build()), { until: 2_000_000 }).trace));
    // link by link: each link is its own vantage point (a segment seen on two links is not a retransmission)
    const ids = [...new Set(execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.interface_id'], { encoding: 'utf8' }).split('\n').filter(Boolean))];
    expect(ids.length).toBeGreaterThan(4);
    const methods = new Set<string>();
    let frames = 0;
    for (const id of ids) {
      const one = join(dir, `if${id}.pcapng`);
      execFileSync('tshark', ['-r', file, '-Y', `frame.interface_id == ${id}`, '-w', one]);
      const bad = execFileSync('tshark', ['-r', one, '-n', '-o', 'websocket.text_type:As JSON', '-Y', '_ws.malformed', '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' });
      expect(bad.trim(), `interface ${id}: malformed frames`).toBe('');
      const out = execFileSync('tshark', ['-r', one, '-n', '-o', 'websocket.text_type:As JSON', '-Y', 'websocket.opcode == 1', '-T', 'fields', '-E', 'separator=/t', '-e', '_ws.col.Protocol', '-e', 'json.member_with_value', '-e', '_ws.expert.message'], { encoding: 'utf8', maxBuffer: 1 << 26 });
      for (const [protocol, members, expert] of out.split('\n').filter(Boolean).map((l) => l.split('\t'))) {
        frames++;
        expect(protocol, `interface ${id}`).toBe('WebSocket/JSON');
        expect((expert ?? '').split(',').filter((m) => m && !/^hop \d+ · packet/.test(m))).toEqual([]);
        for (const m of (members ?? '').matchAll(/method:([A-Za-z]+)/g)) methods.add(m[1]!);
      }
    }
    expect(frames).toBeGreaterThan(50);
    expect([...methods]).toEqual(expect.arrayContaining(['getRouterRtpCapabilities', 'createWebRtcTransport', 'join', 'connectWebRtcTransport', 'produce', 'newConsumer', 'resumeConsumer', 'newPeer']));
  });
});
