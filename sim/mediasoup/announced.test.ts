// A mediasoup server on a cloud VM behind a static 1:1 NAT (sim/net/nat/static.ts): with announcedIp (mediasoup's
// listenInfo.announcedAddress) its candidates carry the public address and the room works through the NAT; without
// it they carry the private listen address, ICE fails although the WebSocket works, and the diagnosis names the cause.
import { describe, expect, it } from 'vitest';
import { diagnose } from '../diagnosis/diagnose.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario, type RunResult } from '../scenario/run.ts';
import { peekUdpDatagram } from '../wire/ip/udp-datagram.ts';

type Any = Record<string, unknown>;
const runs = new Map<string, RunResult>();
const run = (name: string): RunResult => runs.get(name) ?? (runs.set(name, runScenario(parseScenario(findPreset(name)!.build()))), runs.get(name)!);
const app = (r: RunResult, kind: string, host: string): Any => (r.summary.apps as Any[]).find((a) => a.kind === kind && a.host === host)!;
/** The server's candidates as the browsers' remote SDP carries them (a=candidate with the transport's port). */
const serverCandidates = (r: RunResult): string[] => [...new Set(r.trace.notes.filter((n) => n.kind === 'mediasoup-client.sdp').flatMap((n) => String(n.data!.sdp).split('\r\n')).filter((l) => / 4000\d typ host/.test(l)).map((l) => l.split(' ').slice(4, 6).join(':')))].sort();
const udpOn = (r: RunResult, link: string): string[] =>
  r.trace.hops.filter((h) => h.link === link && !h.drop).flatMap((h) => {
    const v = peekUdpDatagram(h.bytes);
    return 'error' in v ? [] : [`${v.src}:${v.srcPort} > ${v.dst}:${v.dstPort}`];
  });

describe('mediasoup-1to1-nat: listen on the private address, announce the public one', () => {
  it("every transport listens on 10.0.0.10 and announces 198.51.100.30: the browsers' SDP carries only the public address", () => {
    const r = run('mediasoup-1to1-nat');
    const created = r.trace.notes.filter((n) => n.kind === 'mediasoup.transport.created').map((n) => `${String(n.data!.local)} as ${String(n.data!.announced)}`);
    expect(created).toEqual(['10.0.0.10:40000 as 198.51.100.30:40000', '10.0.0.10:40001 as 198.51.100.30:40001', '10.0.0.10:40002 as 198.51.100.30:40002', '10.0.0.10:40003 as 198.51.100.30:40003']);
    expect(serverCandidates(r)).toEqual(['198.51.100.30:40000', '198.51.100.30:40001', '198.51.100.30:40002', '198.51.100.30:40003']);
  });

  it('the gateway translates the address only: checks come in to 10.0.0.10 on the announced port, answers leave as 198.51.100.30 on the same port, with no mapping made', () => {
    const r = run('mediasoup-1to1-nat');
    const wan = udpOn(r, 'cloud-wan');
    const lan = udpOn(r, 'sfu-lan');
    expect(wan.some((x) => x.startsWith('198.51.100.30:40000 > 203.0.113.10:'))).toBe(true);
    expect(lan.some((x) => x.endsWith('> 10.0.0.10:40000') && x.startsWith('203.0.113.10:'))).toBe(true);
    expect(wan.every((x) => !x.includes('10.0.0.10'))).toBe(true);
    const cloud = (r.summary.nats as Record<string, Any>).cloud!;
    expect(cloud).toMatchObject({ created: 0, filtered: 0, noMapping: 0, active: 0 });
    expect(cloud.translatedIn as number).toBeGreaterThan(1000);
    expect(r.trace.hops.filter((h) => h.drop).length).toBe(0);
  });

  it('both browsers select the public address and receive each other\'s audio and video with no loss', () => {
    const r = run('mediasoup-1to1-nat');
    for (const me of ['alice', 'carol']) {
      const c = app(r, 'mediasoup-client', me);
      for (const t of ['sendTransport', 'recvTransport']) expect(((c[t] as Any).selectedPair as Any).remote).toMatchObject({ address: '198.51.100.30' });
      const media = ((c.recvTransport as Any).media as Any[]).filter((m) => m.direction === 'receive');
      expect(media).toHaveLength(2);
      for (const m of media) {
        expect(m.lost).toBe(0);
        expect(m.packets as number).toBeGreaterThan(100);
      }
    }
    expect(diagnose(r.trace).findings).toEqual([]);
  });
});

describe('mediasoup-1to1-nat-no-announced: the candidates carry the private listen address', () => {
  it('the protoo requests all succeed through the 1:1 NAT, but the candidates carry 10.0.0.10 and every check dies for want of a route', () => {
    const r = run('mediasoup-1to1-nat-no-announced');
    expect(app(r, 'mediasoup-server', 'sfu')).toMatchObject({ protoo: { requests: 20, errors: 0 } });
    expect(serverCandidates(r)).toEqual(['10.0.0.10:40000', '10.0.0.10:40001', '10.0.0.10:40002', '10.0.0.10:40003']);
    const drops = [...new Set(r.trace.hops.filter((h) => h.drop).map((h) => h.drop))];
    expect(drops).toEqual(['internet: no route to 10.0.0.10']);
    for (const me of ['alice', 'carol']) {
      const c = app(r, 'mediasoup-client', me);
      expect((c.sendTransport as Any).selectedPair).toBeNull();
      expect((c.sendTransport as Any).dtls).toBe('new');
    }
  });

  it('the diagnosis names the private candidate behind the 1:1 binding and the fix: announce 198.51.100.30, no TURN', () => {
    const d = diagnose(run('mediasoup-1to1-nat-no-announced').trace);
    expect(d.findings.map((f) => `${f.severity} ${f.cause} ${f.subject}`).sort()).toEqual(['failure ice.private-candidate alice', 'failure ice.private-candidate carol']);
    for (const f of d.findings) {
      expect(f.fix).toBe('make sfu announce 198.51.100.30 in its ICE candidates (mediasoup: listenInfo.announcedAddress, the server\'s announcedIp)');
      expect(f.details[0]!.text).toContain("10.0.0.10 is sfu's inside address behind cloud's static 1:1 binding, reachable from outside only as 198.51.100.30");
    }
  });
});
