// Signaling on the wire (sim/signaling-wire/relay.ts, client.ts, transport.ts; the signaling-server app): the
// call presets' offers, answers and candidates travel as WebSocket or HTTP bytes over TCP through the NATs; a server
// that refuses connections delays the call, one that never comes breaks it, a slow one on a lossy link delays it;
// tshark reads every link of the capture with no malformed packet and no TCP warning the scenario did not cause.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SECOND } from '../core/time.ts';
import type { Trace } from '../core/trace.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { writePcapng } from '../wire/pcap/pcapng-writer.ts';
import { Dissector } from '../dissect/dissector.ts';
import { readCapture } from '../wire/pcap/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'rtclab-signaling-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function hasTshark(): boolean {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function run(name: string, edit: (s: Record<string, unknown>) => void = () => {}): { trace: Trace; summary: Record<string, unknown> } {
  const json = findPreset(name)!.build();
  edit(json);
  const r = runScenario(parseScenario(json));
  return { trace: r.trace, summary: r.summary as Record<string, unknown> };
}

const notes = (t: Trace, kind: string, source?: string): Trace['notes'] => t.notes.filter((n) => n.kind === kind && (source === undefined || n.source === source));
const firstAt = (t: Trace, kind: string, source: string, text = ''): number | undefined => t.notes.find((n) => n.kind === kind && n.source === source && n.text.includes(text))?.t;

describe('call-p2p signals over a WebSocket through the NATs', () => {
  const { trace } = run('call-p2p', (s) => (s.duration = '4s'));

  it('each browser opens one WebSocket (subprotocol jsep) to port 80 and every message crosses it as JSON', () => {
    expect(notes(trace, 'signaling.connected').map((n) => n.source)).toEqual(['alice/signaling', 'bob/signaling']);
    expect(notes(trace, 'websocket.open', 'server/signaling-server').map((n) => (n.data as { protocol: string }).protocol)).toEqual(['jsep', 'jsep']);
    const sent = notes(trace, 'signaling.sent').length;
    expect(sent).toBeGreaterThanOrEqual(6);
    expect(notes(trace, 'signaling.received')).toHaveLength(sent);
    // the offer leaves alice's host as a masked text frame, through natA, with a TCP segment per hop
    const tcpHops = trace.hops.filter((h) => h.bytes[9] === 6);
    expect(tcpHops.length).toBeGreaterThan(20);
  });

  it('the call connects: each side receives the other’s description and candidates in the order sent', () => {
    const received = notes(trace, 'signaling.received', 'bob/signaling').map((n) => (n.data as { message: string }).message);
    expect(received[0]).toBe('offer');
    expect(received.at(-1)).toBe('end-of-candidates');
    expect(firstAt(trace, 'peer.state', 'alice/webrtc-peer', 'connected') ?? firstAt(trace, 'dtls.state', 'alice/webrtc-peer', 'connected')).toBeDefined();
  });

  it('our dissector finds the upgrade, the frames and the JSEP inside them with no problem', () => {
    const cap = readCapture(writePcapng(trace));
    const d = new Dissector();
    const packets = cap.packets.map((p) => d.packet(p.data, { index: p.index, linkType: p.linkType, t: p.time?.us ?? 0 }));
    const protocols = new Set(packets.flatMap((p) => p.layers.map((l) => l.protocol)));
    expect([...protocols]).toEqual(expect.arrayContaining(['HTTP', 'WEBSOCKET', 'SIGNALING', 'SDP']));
    const tcpProblems = packets.filter((p) => p.layers.some((l) => l.protocol === 'TCP')).flatMap((p) => p.problems.map((x) => x.message));
    expect(tcpProblems).toEqual([]);
  });

  it.skipIf(!hasTshark() && !process.env['CI'])('tshark, link by link: HTTP and WebSocket, no malformed packet, no TCP warning', { timeout: 300_000 }, () => {
    const all = join(dir, 'call-p2p.pcapng');
    const file = join(dir, 'call-p2p-tcp.pcapng');
    writeFileSync(all, writePcapng(trace));
    execFileSync('tshark', ['-r', all, '-Y', 'tcp', '-w', file]);
    const interfaces = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.interface_id'], { encoding: 'utf8' }).split('\n').filter(Boolean);
    const ids = [...new Set(interfaces)];
    const seen = new Set<string>();
    for (const id of ids) {
      // each link is its own vantage point: the same segment seen on two links is not a retransmission
      const one = join(dir, `if${id}.pcapng`);
      execFileSync('tshark', ['-r', file, '-Y', `frame.interface_id == ${id} && tcp`, '-w', one]);
      const out = execFileSync('tshark', ['-r', one, '-o', 'tcp.check_checksum:TRUE', '-Y', 'tcp', '-T', 'fields', '-e', '_ws.col.Protocol', '-e', '_ws.expert.message', '-e', '_ws.malformed'], { encoding: 'utf8', maxBuffer: 1 << 26 });
      for (const line of out.split('\n').filter(Boolean)) {
        const [protocol, ...rest] = line.split('\t');
        seen.add(protocol!);
        const messages = rest.join(',').split(',').map((m) => m.trim()).filter((m) => m && !/^hop \d+ · packet/.test(m));
        const warnings = messages.filter((m) => !/^Connection establish|^GET |^HTTP\/1\.1 |^POST /.test(m));
        expect(warnings, `interface ${id}: ${line}`).toEqual([]);
      }
    }
    expect([...seen]).toEqual(expect.arrayContaining(['HTTP', 'WebSocket']));
  });
});

describe('the HTTP variant: a POST per message and a held long-poll GET', () => {
  const { trace } = run('call-signaling-http', (s) => (s.duration = '3s'));

  it('each browser keeps two connections, and a GET is answered when a message for it arrives', () => {
    const requests = notes(trace, 'http.request', 'server/signaling-server').map((n) => (n.data as { method: string }).method);
    expect(requests.filter((m) => m === 'POST').length).toBe(notes(trace, 'signaling.sent').length);
    expect(requests.filter((m) => m === 'GET').length).toBeGreaterThan(requests.filter((m) => m === 'POST').length);
    const conns = new Set(notes(trace, 'http.request', 'server/signaling-server').map((n) => (n.data as { connection: string }).connection));
    expect(conns.size).toBe(4);
    expect(notes(trace, 'signaling.received')).toHaveLength(notes(trace, 'signaling.sent').length);
  });
});

describe('wss: the same WebSocket inside TLS 1.3 on 443', () => {
  const { trace } = run('call-signaling-wss', (s) => (s.duration = '2s'));

  it('each browser runs a TLS handshake (SNI, ALPN http/1.1) before the upgrade; its key log is in the trace', () => {
    expect(notes(trace, 'tls.negotiated', 'alice/signaling')[0]!.text).toContain('TLS 1.3');
    expect(notes(trace, 'signaling.connected').map((n) => n.text)).toEqual([expect.stringContaining('tls(tcp 10.0.1.10'), expect.stringContaining('tls(tcp 10.0.2.10')]);
    expect(notes(trace, 'signaling.received', 'bob/signaling')[0]!.text).toContain('SDP offer');
    expect(trace.secrets.filter((x) => x.source === 'alice/signaling').map((x) => x.text.split(' ')[0])).toEqual(expect.arrayContaining(['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0']));
  });

  it.skipIf(!hasTshark() && !process.env['CI'])("tshark decrypts alice's link with the key log: HTTP upgrade and WebSocket frames, no malformed packet", { timeout: 300_000 }, () => {
    const file = join(dir, 'wss.pcapng');
    const lan = join(dir, 'wss-lan.pcapng');
    const keylog = join(dir, 'wss.keylog');
    writeFileSync(file, writePcapng(trace));
    writeFileSync(keylog, trace.secrets.map((x) => `${x.text}\n`).join(''));
    execFileSync('tshark', ['-r', file, '-Y', 'ip.addr == 10.0.1.10 && tcp', '-w', lan]);
    const out = execFileSync('tshark', ['-r', lan, '-o', `tls.keylog_file:${keylog}`, '-T', 'fields', '-e', '_ws.col.Protocol', '-e', '_ws.malformed', '-e', 'websocket.opcode'], { encoding: 'utf8' });
    const rows = out.split('\n').filter(Boolean).map((l) => l.split('\t'));
    expect(rows.filter((r) => r[1])).toEqual([]);
    expect(rows.filter((r) => r[0] === 'WebSocket').length).toBeGreaterThanOrEqual(4);
    expect(rows.some((r) => r[0] === 'HTTP')).toBe(true);
  });
});

describe('a signaling server that is down or slow', () => {
  it('refused connections (RST) are retried after 1, 2, 4 s and the call starts at the retry that gets through', () => {
    const { trace } = run('call-signaling-down', (s) => (s.duration = '8s'));
    const failed = notes(trace, 'signaling.connect-failed', 'alice/signaling');
    expect(failed.map((n) => (n.data as { retryIn?: number }).retryIn)).toEqual([SECOND, 2 * SECOND, 4 * SECOND]);
    expect(failed[0]!.text).toContain('connection refused');
    expect(notes(trace, 'tcp.reset-sent').length + trace.hops.filter((h) => h.bytes[9] === 6 && (h.bytes[33]! & 0x04) !== 0).length).toBeGreaterThan(0);
    const offerAt = firstAt(trace, 'signaling.received', 'bob/signaling', 'offer')!;
    expect(offerAt).toBeGreaterThan(7 * SECOND);
  });

  it('a server that never comes: the browsers give up, noted, and the call never starts', () => {
    const { trace } = run('call-signaling-down', (s) => {
      s.duration = '40s';
      (s.apps as Record<string, unknown>[]).find((a) => a.kind === 'signaling-server')!.startAt = '60s';
    });
    const last = notes(trace, 'signaling.connect-failed', 'alice/signaling').at(-1)!;
    expect(last.text).toContain('giving up after 5 attempt(s)');
    expect(notes(trace, 'signaling.received')).toEqual([]);
    expect(notes(trace, 'dtls.state').filter((n) => n.text.includes('connected'))).toEqual([]);
  });

  it('a server that stops mid-call resets its connections: each browser notes the loss', () => {
    const { trace } = run('call-p2p', (s) => {
      s.duration = '4s';
      (s.apps as Record<string, unknown>[]).find((a) => a.kind === 'signaling-server')!.stopAt = '2s';
    });
    const lost = notes(trace, 'signaling.disconnected');
    expect(lost.map((n) => n.source).sort()).toEqual(['alice/signaling', 'bob/signaling']);
    expect(lost[0]!.t).toBeGreaterThanOrEqual(2 * SECOND);
  });

  it('a slow server on a lossy link delivers every message late but in order', () => {
    const fast = run('call-p2p', (s) => (s.duration = '3s')).trace;
    const { trace } = run('call-signaling-slow', (s) => (s.duration = '6s'));
    const at = (t: Trace): number => firstAt(t, 'signaling.received', 'bob/signaling', 'offer')!;
    expect(at(trace) - at(fast)).toBeGreaterThanOrEqual(400_000);
    const sent = notes(trace, 'signaling.sent', 'alice/signaling').map((n) => n.text.split(': ').slice(1).join(': '));
    const got = notes(trace, 'signaling.received', 'bob/signaling').map((n) => n.text.split(': ').slice(1).join(': '));
    expect(got).toEqual(sent);
  });
});

describe('call-sfu: protoo over WebSocket, the SFU in process beside its server', () => {
  const { trace } = run('call-sfu', (s) => (s.duration = '2s'));
  it('the browsers connect with subprotocol protoo; the SFU opens no connection of its own', () => {
    expect(notes(trace, 'websocket.open', 'server/signaling-server')).toEqual([]);
    expect(notes(trace, 'websocket.open', 'sfu/signaling-server').map((n) => (n.data as { protocol: string }).protocol)).toEqual(['protoo', 'protoo']);
    expect(notes(trace, 'signaling.connected').map((n) => n.source).sort()).toEqual(['alice/signaling', 'bob/signaling']);
    expect(notes(trace, 'signaling.received', 'sfu/signaling').length).toBeGreaterThan(4);
  });
});
