// SIP over TCP (RFC 3261 §18): the sip-tcp-call preset's messages, cut out of each TCP direction by Content-Length as
// a receiver frames them; Via says TCP, Contacts say transport=tcp, the registrar connection carries REGISTER and
// INVITE, the callee gets a connection of its own, nothing is retransmitted; tshark reads every SIP message over TCP.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tsharkAvailable } from '../../test/support/tshark.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { writePcapng } from '../wire/pcap/pcapng-writer.ts';
import { decodeSipMessage, describeSip, sipHeader } from '../wire/sip/message.ts';
import { SipStreamFramer } from './stream-framing.ts';

const HOSTS = new Set(['desk', 'mobile', 'pbx']);
const r = runScenario(parseScenario(findPreset('sip-tcp-call')!.build()));

/** Every SIP message as sent, in order: each TCP direction's payload (first hop only) framed by Content-Length. */
function messages() {
  const framers = new Map<string, SipStreamFramer>();
  const out: { from: string; conn: string; text: string; m: NonNullable<ReturnType<typeof decodeSipMessage>['value']> }[] = [];
  for (const h of r.trace.hops) {
    const b = h.bytes;
    if (!HOSTS.has(h.from) || b[9] !== 6) continue;
    const ihl = (b[0]! & 0x0f) * 4;
    const sport = (b[ihl]! << 8) | b[ihl + 1]!;
    const dport = (b[ihl + 2]! << 8) | b[ihl + 3]!;
    const payload = b.subarray(ihl + (b[ihl + 12]! >> 4) * 4);
    if (payload.length === 0) continue;
    const key = `${b.subarray(12, 16).join('.')}:${sport}>${b.subarray(16, 20).join('.')}:${dport}`;
    const f = framers.get(key) ?? new SipStreamFramer();
    framers.set(key, f);
    for (const x of f.push(payload)) {
      if (x.type !== 'message') continue;
      const m = decodeSipMessage(x.bytes).value!;
      out.push({ from: h.from, conn: [key.split('>')[0]!, key.split('>')[1]!].sort().join(' '), text: `${h.from} ${describeSip(m)}`, m });
    }
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'rtclab-sip-tcp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sip-tcp-call', () => {
  const seen = messages();

  it('registers and calls over TCP: the same flow as over UDP, every message once', () => {
    expect(seen.map((s) => s.text)).toEqual([
      'desk REGISTER sip:rtclab.test',
      'pbx 401 Unauthorized (REGISTER)',
      'desk REGISTER sip:rtclab.test',
      'mobile REGISTER sip:rtclab.test',
      'pbx 200 OK (REGISTER)',
      'pbx 401 Unauthorized (REGISTER)',
      'mobile REGISTER sip:rtclab.test',
      'pbx 200 OK (REGISTER)',
      'desk INVITE sip:1002@rtclab.test',
      'pbx 100 Trying (INVITE)',
      'pbx 302 Moved Temporarily (INVITE)',
      'desk ACK sip:1002@rtclab.test',
      'desk INVITE sip:1002@192.0.2.30:5060;transport=tcp',
      'mobile 100 Trying (INVITE)',
      'mobile 180 Ringing (INVITE)',
      'mobile 200 OK (INVITE)',
      'desk ACK sip:1002@192.0.2.30:5060;transport=tcp',
      'desk BYE sip:1002@192.0.2.30:5060;transport=tcp',
      'mobile 200 OK (BYE)',
    ]);
  });

  it('Via says TCP, Contacts say transport=tcp; the registrar connection carries the INVITE too; the callee gets its own', () => {
    for (const s of seen.filter((x) => x.m.start.kind === 'request')) expect(sipHeader(s.m, 'Via')).toMatch(/^SIP\/2\.0\/TCP /);
    const contacts = seen.filter((s) => s.m.start.kind === 'request' && s.m.start.method === 'REGISTER').map((s) => sipHeader(s.m, 'Contact'));
    for (const c of contacts) expect(c).toContain(';transport=tcp>');
    const deskRegister = seen.find((s) => s.text === 'desk REGISTER sip:rtclab.test')!.conn;
    expect(seen.find((s) => s.text === 'desk INVITE sip:1002@rtclab.test')!.conn).toBe(deskRegister);
    expect(seen.find((s) => s.text === 'pbx 302 Moved Temporarily (INVITE)')!.conn).toBe(deskRegister);
    const call = seen.find((s) => s.text === 'desk INVITE sip:1002@192.0.2.30:5060;transport=tcp')!.conn;
    expect(call).not.toBe(deskRegister);
    expect(call).toContain('192.0.2.30:5060');
    for (const t of ['mobile 200 OK (INVITE)', 'desk ACK sip:1002@192.0.2.30:5060;transport=tcp', 'mobile 200 OK (BYE)']) expect(seen.find((s) => s.text === t)!.conn).toBe(call);
    const phones = (r.summary.apps as { kind: string; sip: { retransmissions: number }; calls: { state: string }[]; media: { received: number }[] }[]).filter((a) => a.kind === 'sip-phone');
    for (const p of phones) {
      expect(p.sip.retransmissions).toBe(0);
      expect(p.calls.map((c) => c.state)).toEqual(['ended']);
      expect(p.media[0]!.received).toBeGreaterThan(140);
    }
  });

  it.skipIf(!tsharkAvailable())('tshark reads every SIP message over TCP, none malformed', () => {
    const pcap = join(dir, 'sip-tcp.pcapng');
    writeFileSync(pcap, writePcapng(r.trace));
    const bad = execFileSync('tshark', ['-r', pcap, '-Y', '_ws.malformed || _ws.expert.severity >= error'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(bad.trim()).toBe('');
    const rows = execFileSync('tshark', ['-r', pcap, '-Y', 'sip && tcp', '-T', 'fields', '-e', 'sip.Method', '-e', 'sip.Status-Code', '-e', 'sip.Via.transport'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    // tshark dissects each segment once (its copy on the second link is a TCP retransmission to it); a segment may
    // carry two messages (100 and 302, 100 and 180), listed with commas
    const lines = rows.trim().split('\n').map((l) => l.split('\t'));
    const transports = lines.flatMap((l) => l[2]!.split(','));
    expect(transports.length).toBe(seen.length);
    expect(new Set(transports)).toEqual(new Set(['TCP']));
    expect(lines.flatMap((l) => l[0]!.split(',')).filter((x) => x === 'INVITE').length).toBe(2);
  });
});
