// Interop over TCP: a real Kamailio (Debian kamailio 5.6.3, listening on tcp only) judges our SIP over TCP (RFC 3261
// §18) and our TCP with it: inside a network namespace made for the test, our two phones run on our own TCP stack
// behind a TUN device, the Linux kernel's TCP on Kamailio's side (bridge/sip-tcp-run.ts). Both register over a
// connection each opens (401, digest, 200 with the expiry granted), 1001 calls 1002 through Kamailio (407 answered
// with Proxy-Authorization; Kamailio opens a connection of its own to 1002's Contact and record-routes with
// transport=tcp), ACK and BYE follow the route set; nothing is retransmitted; Kamailio's messages come several to a
// segment and our framing by Content-Length reads them. tshark, capturing the TUN, reads every SIP message with
// nothing malformed, and our dissector agrees with it message by message on that real capture.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareWithTshark, tshark } from '../test/support/tshark.ts';
import { Dissector } from '../sim/dissect/dissector.ts';
import { readCapture } from '../sim/wire/pcap/index.ts';
import { decodeSipMessage, sipHeader, sipHeaderValues, type SipMessage } from '../sim/wire/sip/message.ts';
import { parseNameAddr, parseVia } from '../sim/wire/sip/headers.ts';
import { hasKamailio } from './sip-real.ts';
import { useTestNamespace } from './test-netns.ts';

const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const root = process.getuid?.() === 0;
// CI runs as root with socat, kamailio and tshark installed (.ci/run), so there it must run
const skip = !process.env['CI'] && !(root && hasKamailio && has('socat') && has('ip') && has('tshark'));
const ns = `rtclab-siptcp-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'rtclab-sip-tcp-kamailio-'));

interface Run {
  seen: Record<'1001' | '1002', { dir: 'in' | 'out'; peer: string; text: string }[]>;
  registration: [string, string, number];
  calls: { state: string; role: string }[][];
  media: { payloadType: number; sent: number; received: number }[][];
  routeSets: string[][];
  connections: { opened: number; accepted: number }[];
  retransmissions: number[];
  errors: string[];
  tcpNotes: string[];
  undelivered: number;
}

let result: Run | undefined;
const capture = join(dir, 'sip-tcp.pcapng');
function run(): Run {
  if (result) return result;
  const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', 'bridge/sip-tcp-run.ts', capture], { encoding: 'utf8', timeout: 280_000 });
  if (r.status !== 0) throw new Error(`sip-tcp-run failed (${r.status ?? r.signal}): ${r.stderr}`);
  return (result = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Run);
}

const decoded = (text: string): SipMessage => {
  const d = decodeSipMessage(Buffer.from(text, 'latin1'));
  if (!d.value) throw new Error(`${d.problems.map((p) => p.message).join('; ')}: ${text.slice(0, 80)}`);
  return d.value;
};
const line = (m: SipMessage): string => (m.start.kind === 'request' ? m.start.method : `${m.start.status} ${(sipHeader(m, 'CSeq') ?? '').split(' ')[1]}`);
const flow = (r: Run, user: '1001' | '1002'): string[] => r.seen[user].map((s) => `${s.dir} ${line(decoded(s.text))}`);

describe.skipIf(skip)('our SIP over our TCP against a real Kamailio over the kernel’s TCP (TUN, network namespace)', () => {
  useTestNamespace(ns, dir, skip);

  it('both phones register over TCP and call through Kamailio: the flow of each, every message once', { timeout: 300_000 }, () => {
    const r = run();
    expect(r.errors).toEqual([]);
    expect(r.tcpNotes).toEqual([]);
    expect(r.registration).toEqual(['registered', 'registered', 600]);
    expect(flow(r, '1001')).toEqual(['out REGISTER', 'in 401 REGISTER', 'out REGISTER', 'in 200 REGISTER', 'out INVITE', 'in 407 INVITE', 'out ACK', 'out INVITE', 'in 100 INVITE', 'in 180 INVITE', 'in 200 INVITE', 'out ACK', 'out BYE', 'in 200 BYE']);
    expect(flow(r, '1002')).toEqual(['out REGISTER', 'in 401 REGISTER', 'out REGISTER', 'in 200 REGISTER', 'in INVITE', 'out 100 INVITE', 'out 180 INVITE', 'out 200 INVITE', 'in ACK', 'in BYE', 'out 200 BYE']);
    expect(r.calls.map((c) => c.map((x) => `${x.role} ${x.state}`))).toEqual([['uac ended'], ['uas ended']]);
    // §17: over TCP nothing is retransmitted by the transaction layer
    expect(r.retransmissions).toEqual([0, 0]);
  });

  it('Via says TCP, Contacts say transport=tcp, Kamailio record-routes with transport=tcp and opens its own connection to the callee', { timeout: 300_000 }, () => {
    const r = run();
    for (const user of ['1001', '1002'] as const) {
      for (const s of r.seen[user].filter((x) => x.dir === 'out')) {
        const m = decoded(s.text);
        const via = parseVia(sipHeaderValues(m, 'Via')[0]!);
        expect(typeof via !== 'string' && via.transport, `${user} ${line(m)}`).toBe('TCP');
        const contact = sipHeader(m, 'Contact');
        if (contact) expect(contact, `${user} ${line(m)}`).toContain(';transport=tcp>');
      }
    }
    // Kamailio's 200 to the REGISTER lists our Contact (transport=tcp) with the expiry it granted, and stamps rport
    const ok = decoded(r.seen['1001'][3]!.text);
    const contact = parseNameAddr(sipHeader(ok, 'Contact')!);
    expect(typeof contact !== 'string' && [contact.uri, contact.params.get('expires')]).toEqual(['sip:1001@10.79.0.2:5060;transport=tcp', '600']);
    const via = parseVia(sipHeaderValues(ok, 'Via')[0]!);
    expect(typeof via !== 'string' && typeof via.rport === 'number' && via.rport !== 5060).toBe(true);
    // the route set both ends keep names TCP (RFC 3261 §12.1.1); the ACK and BYE go through it
    expect(r.routeSets).toEqual([['<sip:10.79.0.1;transport=tcp;lr;ftag=' + /ftag=([^>]+)>/.exec(r.routeSets[0]![0]!)![1] + '>'], r.routeSets[0]]);
    for (const i of [11, 12]) expect(sipHeaderValues(decoded(r.seen['1001'][i]!.text), 'Route')).toEqual(r.routeSets[0]);
    // 1001 opened one connection (registration and call on it); 1002 opened one to register and accepted Kamailio's
    expect(r.connections).toEqual([{ opened: 1, accepted: 0 }, { opened: 1, accepted: 1 }]);
    const peers = (user: '1001' | '1002'): string[] => [...new Set(r.seen[user].map((s) => s.peer))];
    expect(peers('1001')).toEqual(['10.79.0.1:5060']);
    expect(peers('1002')).toHaveLength(2);
    expect(peers('1002')[1]).not.toBe('10.79.0.1:5060');
    // the callee's INVITE came in on Kamailio's connection, and everything of the call went back on it (§18.2.2)
    expect(r.seen['1002'].slice(4).every((s) => s.peer === peers('1002')[1])).toBe(true);
  });

  it('the call’s G.711 flows both ways between our phones (Kamailio relays only the signalling)', { timeout: 300_000 }, () => {
    const r = run();
    const [[a], [b]] = r.media as [[{ payloadType: number; sent: number; received: number }], [{ payloadType: number; sent: number; received: number }]];
    expect([a.payloadType, b.payloadType]).toEqual([0, 0]);
    // 2 s of 20 ms packets is 100; on a loaded machine timers fire late
    expect(a.received).toBeGreaterThan(50);
    expect(b.received).toBeGreaterThan(50);
    expect(r.undelivered).toBe(0);
  });

  it('tshark on the TUN reads every SIP message over TCP, none malformed; our dissector agrees message by message', { timeout: 300_000 }, () => {
    const r = run();
    const bad = execFileSync('tshark', ['-r', capture, '-Y', '_ws.malformed || _ws.expert.severity >= error'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(bad.trim()).toBe('');
    const cap = readCapture(new Uint8Array(readFileSync(capture)));
    const d = new Dissector();
    const ours = cap.packets.map((p) => d.packet(p.data, { index: p.index, linkType: p.linkType, t: p.time?.us ?? 0 }));
    expect(ours.flatMap((p, i) => p.problems.map((x) => `${i + 1}: ${x.message}`))).toEqual([]);
    compareWithTshark(ours, tshark(capture, undefined));
    // the TUN sees each message once: everything both phones sent and received
    const sip = ours.flatMap((p) => p.layers.filter((l) => l.protocol === 'SIP' && l.value));
    expect(sip).toHaveLength(r.seen['1001'].length + r.seen['1002'].length);
    // Kamailio and our stack both put several messages in one segment at times (100 and 180; ACK and INVITE)
    expect(ours.some((p) => p.layers.filter((l) => l.protocol === 'SIP').length > 1)).toBe(true);
  });
});
