// The SIP presets end to end: phones register with digest authentication, one calls the other through the
// registrar's 302, plain G.711 RTP flows both ways, BYE ends the call; a wrong password fails as real phones fail.
// tshark reads every SIP datagram without a malformed packet and agrees with our dissector field by field.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { buildScenario } from '../scenario/build.ts';
import { appsSummaryLines } from './summary.ts';
import { writePcapng } from '../wire/pcap/pcapng-writer.ts';
import { dissectPacket } from '../dissect/dissect.ts';
import { tsharkAvailable } from '../../test/support/tshark.ts';
import type { Trace } from '../core/trace.ts';

const HOSTS = new Set(['desk', 'mobile', 'pbx', 'janus']);

/** Every SIP message in the order sent (each datagram once: its first hop, leaving a host), as "from→to summary". */
function sipFlow(trace: Trace): string[] {
  const out: string[] = [];
  for (const h of trace.hops) {
    if (!HOSTS.has(h.from)) continue;
    const p = dissectPacket(h.bytes);
    const sip = p.layers.find((l) => l.protocol === 'SIP');
    if (sip) out.push(`${h.from}→${h.to === 'internet' ? '' : h.to}${sip.summary}`);
  }
  return out.map((s) => s.replace('→', ' '));
}

function run(name: string, edit?: (j: { apps: Record<string, unknown>[] }) => void) {
  const json = findPreset(name)!.build() as { apps: Record<string, unknown>[] };
  edit?.(json);
  return runScenario(parseScenario(json));
}

type PhoneEntry = { kind: string; host: string; registration: { state: string; status: number; attempts: number } | null; calls: { role: string; state: string }[]; media: { payloadType: number; sent: number; received: number; lost: number }[]; sip: { retransmissions: number; malformed: number } };

describe('SIP presets', () => {
  const call = run('sip-register-call');

  it('sip-register-call: REGISTER, 401, REGISTER with credentials, 200; INVITE, 302, ACK, INVITE, 100, 180, 200, ACK, BYE, 200', () => {
    expect(sipFlow(call.trace)).toEqual([
      'desk REGISTER sip:rtclab.test',
      'pbx 401 Unauthorized (REGISTER)',
      'mobile REGISTER sip:rtclab.test',
      'desk REGISTER sip:rtclab.test',
      'pbx 401 Unauthorized (REGISTER)',
      'pbx 200 OK (REGISTER)',
      'mobile REGISTER sip:rtclab.test',
      'pbx 200 OK (REGISTER)',
      'desk INVITE sip:1002@rtclab.test',
      'pbx 100 Trying (INVITE)',
      'pbx 302 Moved Temporarily (INVITE)',
      'desk ACK sip:1002@rtclab.test',
      // RFC 3261 §8.1.3.4: the INVITE after the 302 goes to the Contact's URI
      'desk INVITE sip:1002@192.0.2.30:5060',
      'mobile 100 Trying (INVITE)',
      'mobile 180 Ringing (INVITE)',
      'mobile 200 OK (INVITE)',
      'desk ACK sip:1002@192.0.2.30:5060',
      'desk BYE sip:1002@192.0.2.30:5060',
      'mobile 200 OK (BYE)',
    ]);
  });

  it('sip-register-call: both registered, the call ended by BYE after plain PCMU flowed both ways without loss', () => {
    const apps = call.summary.apps as unknown as PhoneEntry[];
    const [desk, mobile] = apps.filter((a) => a.kind === 'sip-phone');
    for (const p of [desk!, mobile!]) {
      expect(p.registration).toMatchObject({ state: 'registered', status: 200, attempts: 2 });
      expect(p.calls.map((c) => c.state)).toEqual(['ended']);
      expect(p.media).toHaveLength(1);
      expect(p.media[0]!.payloadType).toBe(0);
      expect(p.media[0]!.sent).toBeGreaterThan(140);
      expect(p.media[0]!.received).toBeGreaterThan(140);
      expect(p.media[0]!.lost).toBe(0);
      expect(p.sip).toEqual({ sent: expect.any(Number), received: expect.any(Number), retransmissions: 0, malformed: 0 });
    }
    expect(desk!.calls[0]!.role).toBe('uac');
    expect(call.trace.notes.filter((n) => n.kind === 'sip.call').map((n) => `${n.source} ${(n.data as { state: string }).state}`)).toEqual([
      'desk/sip-phone calling',
      'mobile/sip-phone ringing',
      'desk/sip-phone ringing',
      'mobile/sip-phone answered',
      'desk/sip-phone confirmed',
      'mobile/sip-phone confirmed',
      'mobile/sip-phone ended',
      'desk/sip-phone ended',
    ]);
  });

  it('sip-wrong-password: 401, credentials, 401 again: registration failed, no binding', () => {
    const r = run('sip-wrong-password');
    expect(sipFlow(r.trace)).toEqual(['desk REGISTER sip:rtclab.test', 'pbx 401 Unauthorized (REGISTER)', 'desk REGISTER sip:rtclab.test', 'pbx 401 Unauthorized (REGISTER)']);
    const phone = (r.summary.apps as unknown as PhoneEntry[]).find((a) => a.kind === 'sip-phone')!;
    expect(phone.registration).toMatchObject({ state: 'failed', status: 401 });
    const failed = r.trace.notes.find((n) => n.kind === 'sip.registration');
    expect(failed?.text).toContain('credentials refused: 401 again after answering the challenge');
    expect((r.summary.apps as { kind: string; bindings?: unknown[] }[]).find((a) => a.kind === 'sip-registrar')!.bindings).toEqual([]);
  });

  it('a registrar configured as Asterisk is refuses wrong credentials with 403', () => {
    const r = run('sip-wrong-password', (j) => (j.apps[0]!.badCredentials = 'forbidden'));
    expect(sipFlow(r.trace).at(-1)).toBe('pbx 403 Forbidden (REGISTER)');
    expect((r.summary.apps as unknown as PhoneEntry[]).find((a) => a.kind === 'sip-phone')!.registration).toMatchObject({ state: 'failed', status: 403 });
  });

  it('on a lossy link the transactions retransmit (Timer E, A, G or the 2xx) and the call still completes', () => {
    const r = run('sip-register-call', (j) => {
      (j as unknown as { nodes: { desk: { link: Record<string, unknown> } } }).nodes.desk.link = { delay: '20ms', loss: 0.3 };
      (j as unknown as { seed: number }).seed = 3;
      (j as unknown as { duration: string }).duration = '12s';
    });
    const phones = (r.summary.apps as unknown as PhoneEntry[]).filter((a) => a.kind === 'sip-phone');
    expect(phones.reduce((n, p) => n + p.sip.retransmissions, 0)).toBeGreaterThan(0);
    expect(phones.map((p) => p.calls.map((c) => c.state))).toEqual([['ended'], ['ended']]);
  });

  it('a REGISTER to a registrar that is not there gives up at Timer F (32 s) with a timeout', () => {
    const r = run('sip-wrong-password', (j) => {
      j.apps.splice(0, 1);
      (j as unknown as { duration: string }).duration = '40s';
    });
    const timeout = r.trace.notes.find((n) => n.kind === 'sip.timeout');
    expect(timeout?.t).toBe(32_000_000);
    expect(timeout?.data).toEqual({ method: 'REGISTER', timer: 'F', to: '198.51.100.5:5060' });
    expect((r.summary.apps as unknown as PhoneEntry[])[0]!.registration).toMatchObject({ state: 'failed', status: 408 });
  });
});

const dir = mkdtempSync(join(tmpdir(), 'rtclab-sip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!tsharkAvailable())('tshark reads our SIP', () => {
  it('sip-register-call: no malformed packet, and tshark\'s method, status, Call-ID, CSeq, branch and tags equal ours', () => {
    const r = runScenario(parseScenario(findPreset('sip-register-call')!.build()));
    const pcap = join(dir, 'sip.pcapng');
    writeFileSync(pcap, writePcapng(r.trace));
    const malformed = execFileSync('tshark', ['-r', pcap, '-Y', '_ws.malformed || _ws.expert.severity >= error'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(malformed.trim()).toBe('');
    const rows = execFileSync('tshark', ['-r', pcap, '-Y', 'sip', '-T', 'fields', '-E', 'separator=|', '-e', 'frame.number', '-e', 'sip.Method', '-e', 'sip.Status-Code', '-e', 'sip.Call-ID', '-e', 'sip.CSeq.seq', '-e', 'sip.CSeq.method', '-e', 'sip.Via.branch', '-e', 'sip.from.tag', '-e', 'sip.to.tag', '-e', 'sdp.media.port'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .split('\n');
    const ours: string[] = [];
    r.trace.hops.forEach((h) => {
      const p = dissectPacket(h.bytes);
      const sip = p.layers.find((l) => l.protocol === 'SIP');
      if (!sip || sip.protocol !== 'SIP' || !sip.value) return;
      const m = sip.value;
      const get = (name: string) => m.headers.find((x) => x.name === name)?.value ?? '';
      const tag = (v: string) => /;tag=([^;]+)/.exec(v)?.[1] ?? '';
      const [seq, method] = get('CSeq').split(' ');
      const sdp = p.layers.find((l) => l.protocol === 'SDP');
      const port = sdp && sdp.protocol === 'SDP' && sdp.value ? String(sdp.value.media[0]?.port ?? '') : '';
      ours.push([h.index + 1, m.start.kind === 'request' ? m.start.method : '', m.start.kind === 'response' ? m.start.status : '', get('Call-ID'), seq, method, /branch=([^;,]+)/.exec(get('Via'))?.[1] ?? '', tag(get('From')), tag(get('To')), port].join('|'));
    });
    expect(rows.length).toBe(38);
    expect(rows).toEqual(ours);
  });
});

describe('Janus SIP presets', () => {
  type Seen = { via: string; message: { janus: string; plugindata?: { data?: { result?: { event?: string; code?: number } } }; jsep?: { type: string; sdp: string } } };
  /** Builds and runs a preset, keeping its apps (the page's client holds every reply and event it saw). */
  const runKeep = (name: string) => {
    const s = parseScenario(findPreset(name)!.build());
    const { net, apps } = buildScenario(s, s.seed);
    net.run(s.duration, 50_000_000);
    const client = apps.find((a) => a.spec.kind === 'janus-client')!.endpoint as unknown as { seen: Seen[] };
    return { trace: net.trace, seen: client.seen };
  };
  const results = (seen: Seen[]) => seen.filter((s) => s.message.janus === 'event').map((s) => s.message.plugindata?.data?.result?.event ?? 'error');

  it('janus-sip-call: registering, registered, calling, ringing, accepted with a PCMU answer, media through the gateway, hangup', () => {
    const k = runKeep('janus-sip-call');
    const r = run('janus-sip-call');
    const seen = k.seen;
    expect(results(seen)).toEqual(['registering', 'registered', 'calling', 'ringing', 'proceeding', 'accepted', 'hangingup', 'hangup']);
    const accepted = seen.find((s) => s.message.plugindata?.data?.result?.event === 'accepted')!;
    expect(accepted.message.jsep?.type).toBe('answer');
    expect(accepted.message.jsep!.sdp).toMatch(/m=audio \d+ UDP\/TLS\/RTP\/SAVPF 0 101\r\n/);
    expect(accepted.message.jsep!.sdp).toContain('a=mid:0');
    expect(seen.map((s) => s.message.janus)).toEqual(expect.arrayContaining(['webrtcup', 'media']));
    const phone = (r.summary.apps as unknown as PhoneEntry[]).find((a) => a.kind === 'sip-phone')!;
    expect(phone.calls.map((c) => c.state)).toEqual(['ended']);
    // rtclab run says it in Janus's terms: the plugin's events with their codes, the plugin's own state, no "echoed"
    const lines = appsSummaryLines(r.summary as unknown as Parameters<typeof appsSummaryLines>[0]).apps;
    expect(lines).toContain('    janus.plugin.sip events: registering, registered, calling, ringing, proceeding 180, accepted (+answer), hangingup, hangup 200 to BYE');
    expect(lines.find((l) => l.includes('handle') && l.includes('janus.plugin.sip:'))).toMatch(/sip:1001@rtclab\.test registered, call ended, relayed \d+ RTP to the SIP peer \+ \d+ to the browser$/);
    expect(lines.find((l) => l.startsWith('    RTP sent'))).not.toContain('echoed');
    expect(phone.media[0]!.received).toBeGreaterThan(150);
    expect(sipFlow(r.trace).filter((l) => !l.includes('REGISTER'))).toEqual([
      'janus INVITE sip:1002@rtclab.test',
      'pbx 100 Trying (INVITE)',
      'pbx 302 Moved Temporarily (INVITE)',
      'janus ACK sip:1002@rtclab.test',
      'janus INVITE sip:1002@192.0.2.30:5060',
      'mobile 100 Trying (INVITE)',
      'mobile 180 Ringing (INVITE)',
      'mobile 200 OK (INVITE)',
      'janus ACK sip:1002@192.0.2.30:5060',
      'janus BYE sip:1002@192.0.2.30:5060',
      'mobile 200 OK (BYE)',
    ]);
  });

  it('janus-sip-wrong-password: 401 twice, registration_failed with code 401, no call', () => {
    const r = runKeep('janus-sip-wrong-password');
    const seen = r.seen;
    expect(results(seen)).toEqual(['registering', 'registration_failed']);
    expect(seen.at(-1)!.message.plugindata?.data?.result).toMatchObject({ event: 'registration_failed', code: 401 });
    const summary = run('janus-sip-wrong-password').summary;
    const client = (summary.apps as unknown as { kind: string; pluginEvents: string[] }[]).find((a) => a.kind === 'janus-client')!;
    expect(client.pluginEvents[0]).toBe('registering');
    expect(client.pluginEvents[1]).toMatch(/^registration_failed 401 /);
    expect(appsSummaryLines(summary as unknown as Parameters<typeof appsSummaryLines>[0]).apps.find((l) => l.includes('handle') && l.includes('janus.plugin.sip:'))).toContain('sip:1001@rtclab.test failed, call idle');
    // the phone's own REGISTER is challenged once too (the first 401)
    expect(sipFlow(r.trace).filter((l) => l.startsWith('janus') || l.includes('401'))).toEqual(['pbx 401 Unauthorized (REGISTER)', 'janus REGISTER sip:rtclab.test', 'pbx 401 Unauthorized (REGISTER)', 'janus REGISTER sip:rtclab.test', 'pbx 401 Unauthorized (REGISTER)']);
  });

  /** RTP datagrams (UDP from port 4002, the phone's RTP port) leaving the phone, by send time (µs). */
  const phoneRtp = (trace: Trace): number[] => trace.hops.filter((h) => h.from === 'mobile' && h.bytes[9] === 17 && ((h.bytes[20]! << 8) | h.bytes[21]!) === 4002).map((h) => h.t);
  const sdpOf = (trace: Trace, from: string, what: string): string[] => {
    const out: string[] = [];
    for (const h of trace.hops) {
      if (h.from !== from) continue;
      const p = dissectPacket(h.bytes);
      const sip = p.layers.find((l) => l.protocol === 'SIP');
      if (sip?.summary === what && sip.protocol === 'SIP' && sip.value) out.push(new TextDecoder().decode(sip.value.body));
    }
    return out;
  };

  it('janus-sip-incoming: the phone calls the registered page: incomingcall with the gateway\'s offer, accept with the answer, 200 OK, media both ways, the phone\'s BYE', () => {
    const k = runKeep('janus-sip-incoming');
    const r = run('janus-sip-incoming');
    expect(results(k.seen)).toEqual(['registering', 'registered', 'incomingcall', 'accepted', 'hangup']);
    const incoming = k.seen.find((s) => s.message.plugindata?.data?.result?.event === 'incomingcall')!;
    expect(incoming.message.plugindata?.data?.result).toEqual({ event: 'incomingcall', username: 'sip:1002@rtclab.test', displayname: 'Mobile', callee: 'sip:1001@rtclab.test' });
    // the gateway offers: the phone's codecs on a WebRTC section, its own transport, a=setup:actpass (RFC 8842 §5.3)
    const offer = incoming.message.jsep!;
    expect(offer.type).toBe('offer');
    expect(offer.sdp).toMatch(/m=audio 9 UDP\/TLS\/RTP\/SAVPF 0 8 101\r\n/);
    for (const l of ['a=setup:actpass', 'a=mid:0', 'a=group:BUNDLE 0', 'a=rtpmap:0 PCMU/8000', 'a=candidate:', 'a=fingerprint:sha-256 ', 'a=ice-ufrag:']) expect(offer.sdp).toContain(l);
    expect(sipFlow(r.trace).filter((l) => !l.includes('REGISTER'))).toEqual([
      'mobile INVITE sip:1001@rtclab.test',
      'pbx 100 Trying (INVITE)',
      'pbx 302 Moved Temporarily (INVITE)',
      'mobile ACK sip:1001@rtclab.test',
      'mobile INVITE sip:1001@198.51.100.40:5070',
      'janus 100 Trying (INVITE)',
      'janus 180 Ringing (INVITE)',
      'janus 200 OK (INVITE)',
      'mobile ACK sip:1001@198.51.100.40:5070',
      'mobile BYE sip:1001@198.51.100.40:5070',
      'janus 200 OK (BYE)',
    ]);
    // the 200's SDP is plain RTP/AVP on the gateway's RTP port, made from the page's answer (PCMU chosen)
    const ok = sdpOf(r.trace, 'janus', '200 OK (INVITE)')[0]!;
    expect(ok).toMatch(/m=audio 30000 RTP\/AVP 0/);
    expect(ok).toContain('c=IN IP4 198.51.100.40');
    // the page answered a=setup:active, so the gateway is the DTLS server; media flowed both ways
    const roles = r.trace.notes.filter((n) => n.kind === 'peer.dtls-role').map((n) => n.text);
    expect(roles).toEqual([expect.stringContaining('a=setup:active here, a=setup:actpass there → DTLS client')]);
    const page = (r.summary.apps as unknown as { kind: string; rtpSent: number; rtpReceived: number; webrtcup: number | null }[]).find((a) => a.kind === 'janus-client')!;
    expect(page.webrtcup).not.toBeNull();
    expect(page.rtpReceived).toBeGreaterThan(80);
    const phone = (r.summary.apps as unknown as PhoneEntry[]).find((a) => a.kind === 'sip-phone')!;
    expect(phone.calls.map((c) => `${c.role} ${c.state}`)).toEqual(['uac ended']);
    expect(phone.media[0]!.received).toBeGreaterThan(80);
    expect(phone.media[0]!.lost).toBe(0);
  });

  it('janus-sip-hold: hold sends a re-INVITE with a=sendonly, the phone answers recvonly and goes silent; unhold restores sendrecv', () => {
    const k = runKeep('janus-sip-hold');
    const r = run('janus-sip-hold');
    expect(results(k.seen)).toEqual(['registering', 'registered', 'calling', 'ringing', 'proceeding', 'accepted', 'holding', 'resuming', 'hangingup', 'hangup']);
    const flow = sipFlow(r.trace).filter((l) => !l.includes('REGISTER'));
    expect(flow.slice(9)).toEqual([
      'janus INVITE sip:1002@192.0.2.30:5060',
      'mobile 200 OK (INVITE)',
      'janus ACK sip:1002@192.0.2.30:5060',
      'janus INVITE sip:1002@192.0.2.30:5060',
      'mobile 200 OK (INVITE)',
      'janus ACK sip:1002@192.0.2.30:5060',
      'janus BYE sip:1002@192.0.2.30:5060',
      'mobile 200 OK (BYE)',
    ]);
    // RFC 3264 §8.4 and §8: the re-INVITEs change the direction and raise the o= version; the phone mirrors it
    const offers = sdpOf(r.trace, 'janus', 'INVITE sip:1002@192.0.2.30:5060');
    expect(offers.map((o) => [/^o=\S+ \S+ (\d+)/m.exec(o)?.[1], /a=(sendrecv|sendonly|recvonly|inactive)/.exec(o)?.[1]])).toEqual([['1', 'sendrecv'], ['2', 'sendonly'], ['3', 'sendrecv']]);
    const answers = sdpOf(r.trace, 'mobile', '200 OK (INVITE)');
    expect(answers.map((o) => [/^o=\S+ \S+ (\d+)/m.exec(o)?.[1], /a=(sendrecv|sendonly|recvonly|inactive)/.exec(o)?.[1]])).toEqual([['1', 'sendrecv'], ['2', 'recvonly'], ['3', 'sendrecv']]);
    // the phone is silent from the hold's 200 (3.5 s + a round trip) until the unhold's
    const rtp = phoneRtp(r.trace);
    expect(rtp.filter((t) => t > 3_600_000 && t < 5_500_000)).toEqual([]);
    expect(rtp.filter((t) => t > 2_500_000 && t < 3_500_000).length).toBeGreaterThan(40);
    expect(rtp.filter((t) => t > 5_600_000 && t < 7_000_000).length).toBeGreaterThan(60);
  });
});
