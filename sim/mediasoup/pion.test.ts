// The seed's pion client against the mediasoup server, in both DTLS roles: no SDP anywhere on its side, a controlling
// ICE agent, the ClientHello from the side the role says, SRTP keyed from the exporter, one write and one read
// stream per SSRC.
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario, type RunResult } from '../scenario/run.ts';
import { demuxClass } from '../wire/demux.ts';

type Obj = Record<string, unknown>;
const runs = new Map<string, RunResult>();
const run = (role: 'client' | 'server'): RunResult => {
  const name = `mediasoup-pion-dtls-${role}`;
  if (!runs.has(name)) runs.set(name, runScenario(parseScenario(findPreset(name)!.build())));
  return runs.get(name)!;
};
const app = (r: RunResult, kind: string): Obj => (r.summary.apps as Obj[]).find((a) => a.kind === kind)!;

describe.each(['client', 'server'] as const)('mediasoup-pion-dtls-%s', (role) => {
  it('walks the protoo flow with no SDP: capabilities, one transport, join, connect with its role and fingerprint, produce, newConsumer answered', () => {
    const r = run(role);
    const reqs = r.trace.notes.filter((n) => n.kind === 'mediasoup.request' && n.data!.peer === 'bob').map((n) => n.data as { method: string; ok: boolean });
    expect(reqs.map((x) => x.method)).toEqual(['getRouterRtpCapabilities', 'createWebRtcTransport', 'join', 'connectWebRtcTransport', 'produce', 'produce', 'resumeConsumer', 'resumeConsumer']);
    expect(reqs.every((x) => x.ok)).toBe(true);
    expect(r.trace.notes.filter((n) => n.source === 'bob/pion-client' && /sdp/i.test(n.kind))).toEqual([]);
    const connected = r.trace.notes.find((n) => n.kind === 'mediasoup.transport.connected' && n.data!.peer === 'bob')!;
    expect(connected.data).toMatchObject({ remoteRole: role, role: role === 'client' ? 'server' : 'client' });
    const steps = r.trace.notes.filter((n) => n.kind === 'pion-client.step').map((n) => String(n.data!.step));
    const own = steps.filter((s) => !s.startsWith('notification'));
    expect(own.slice(0, 4)).toEqual(['ice.Agent.Dial', 'fingerprint.Fingerprint', `dtls.${role === 'client' ? 'Client' : 'Server'}`, 'srtp.Config.ExtractSessionKeysFromDTLS']);
    // the write streams open when produce is answered, the read streams when the browser's newConsumer requests come
    expect(own.slice(4).sort()).toEqual(['OpenReadStream', 'OpenReadStream', 'OpenWriteStream', 'OpenWriteStream']);
  });

  it(`the ClientHello comes from ${role === 'client' ? 'the pion client' : 'the mediasoup transport'}, after ICE selected a pair on the controlling side`, () => {
    const r = run(role);
    const pion = app(r, 'pion-client');
    expect(pion.ice).toMatchObject({ role: 'controlling', state: 'completed' });
    expect(pion.dtls).toEqual({ role, state: 'connected', fingerprintVerified: true });
    const server = (app(r, 'mediasoup-server').transports as Obj[]).find((t) => t.peer === 'bob')!;
    expect(server).toMatchObject({ direction: 'sendrecv', dtlsState: 'connected', dtlsRole: role === 'client' ? 'server' : 'client', fingerprintVerified: true, srtpFailures: 0 });
    // the first DTLS datagram on bob's transport port: from the server's port 40000 when the server is the client
    const first = r.trace.hops.find((h) => h.from === 'sfu' || h.to === 'sfu' ? isDtlsOn(h.bytes, 40000) : false)!;
    expect(first.from === 'sfu').toBe(role === 'server');
  });

  it('writes one SSRC per kind and reads the browser\'s two streams on their consumer SSRCs, with no loss', () => {
    const r = run(role);
    const pion = app(r, 'pion-client');
    const streams = pion.streams as Obj[];
    const writes = streams.filter((s) => s.direction === 'send');
    expect(writes.map((s) => s.kind)).toEqual(['audio', 'video']);
    for (const w of writes) expect((pion.producers as Obj[]).find((p) => p.ssrc === w.ssrc)).toBeDefined();
    const reads = streams.filter((s) => s.direction === 'receive');
    expect(reads).toHaveLength(2);
    for (const c of pion.consumers as Obj[]) {
      const rd = reads.find((s) => s.ssrc === c.ssrc)!;
      expect(rd.packets as number).toBeGreaterThan(c.kind === 'audio' ? 100 : 200);
      expect(rd.lost).toBe(0);
    }
    // and the browser decrypts what pion wrote, under its consumer SSRCs
    const alice = app(r, 'mediasoup-client');
    const got = ((alice.recvTransport as Obj).media as Obj[]).filter((m) => m.direction === 'receive');
    expect(got.map((m) => m.kind).sort()).toEqual(['audio', 'video']);
    for (const m of got) expect(m.packets as number).toBeGreaterThan(100);
  });
});

/** A DTLS record (RFC 7983: first byte 20–63) in a UDP datagram to or from `port`. */
function isDtlsOn(ip: Uint8Array, port: number): boolean {
  if (ip[9] !== 17) return false;
  const ihl = (ip[0]! & 0x0f) * 4;
  const sport = (ip[ihl]! << 8) | ip[ihl + 1]!;
  const dport = (ip[ihl + 2]! << 8) | ip[ihl + 3]!;
  return (sport === port || dport === port) && demuxClass(ip.subarray(ihl + 8)) === 'dtls';
}
