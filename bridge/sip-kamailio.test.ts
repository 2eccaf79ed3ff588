// Interop: a real Kamailio (Debian kamailio 5.6.3: registrar, usrloc in memory, auth with the passwords in its
// configuration, record-routing proxy; bridge/sip-real.ts) judges our SIP phone (sim/sip/phone.ts) over real UDP on
// loopback. Two of our phones register with digest authentication (Kamailio's 401, qop=auth), one calls the other
// through Kamailio: the INVITE is challenged with 407 and sent again with Proxy-Authorization, Kamailio looks the
// callee up and relays with its Record-Route, both ends keep the route set (the ACK and the BYE go through Kamailio
// with a Route header), plain G.711 RTP flows both ways; a wrong password gets 401 twice and fails. tshark reads
// every SIP and RTP packet of the run with no malformed one.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../sim/core/rng.ts';
import { MS, SECOND } from '../sim/core/time.ts';
import { SipPhone } from '../sim/sip/phone.ts';
import { parseDigestChallenge, parseDigestCredentials } from '../sim/wire/sip/digest.ts';
import { parseNameAddr, parseVia } from '../sim/wire/sip/headers.ts';
import { decodeSipMessage, sipHeader, sipHeaderValues, type SipMessage } from '../sim/wire/sip/message.ts';
import { startLiveCapture, stopLiveCapture, untilCaptured } from '../test/support/live-capture.ts';
import { freeUdpPort, hasKamailio, runOnSockets, startKamailio, type OnSockets, type RealKamailio } from './sip-real.ts';

// CI installs kamailio (.ci/run), so there it must run
const skip = !process.env['CI'] && !hasKamailio;
const DOMAIN = 'rtclab.test';
const USERS = { '1001': 's3cret', '1002': 'hunter2', '1003': 'ringring' };

interface Seen {
  readonly dir: 'in' | 'out';
  readonly m: SipMessage;
}

/** The lines of a message flow with retransmissions folded: each message (direction, line, CSeq number) once. */
function firsts(seen: readonly Seen[]): Seen[] {
  const keys = new Set<string>();
  return seen.filter((s) => {
    const key = `${s.dir} ${line(s.m)} ${(sipHeader(s.m, 'CSeq') ?? '').split(' ')[0]}`;
    if (keys.has(key)) return false;
    keys.add(key);
    return true;
  });
}

const flowOf = (seen: readonly Seen[]): string[] => seen.map((s) => `${s.dir} ${line(s.m)}`);

/** The SIP messages an endpoint sent and received, decoded (RTP and keep-alives left out). */
function sipOf(run: OnSockets<SipPhone>): Seen[] {
  const out: Seen[] = [];
  for (const d of run.datagrams) {
    if (d.bytes[0] === 0x80) continue;
    const m = decodeSipMessage(d.bytes);
    if (m.value) out.push({ dir: d.dir, m: m.value });
  }
  return out;
}

const line = (m: SipMessage): string => (m.start.kind === 'request' ? m.start.method : `${m.start.status} ${(sipHeader(m, 'CSeq') ?? '').split(' ')[1]}`);

describe.skipIf(skip)('our SIP phone against a real Kamailio (registrar and record-routing proxy on loopback)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtclab-sip-kamailio-'));
  let kamailio: RealKamailio | undefined;
  const runs: OnSockets<SipPhone>[] = [];
  afterAll(() => {
    for (const r of runs) r.bridge.close();
    kamailio?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const phone = async (user: string, password: string, ports: number[], ringFor = 300 * MS): Promise<OnSockets<SipPhone>> => {
    const run = await runOnSockets(ports, ([sip, rtp]) => new SipPhone({
      name: `phone${user}`, rng: Rng.fromSeed(Number(user)).fork('phone'), local: sip!, rtpPort: rtp!.port, user, domain: DOMAIN, password,
      registrar: kamailio!.address, registerAt: 0, expires: 600, ringFor, codecs: [0, 8], echo: false, userAgent: 'rtclab-phone',
    }));
    runs.push(run);
    return run;
  };

  let result: Promise<{ a: OnSockets<SipPhone>; b: OnSockets<SipPhone>; capture: string; rtpPorts: number[]; sipCaptured: number }> | undefined;
  const call = (): Promise<{ a: OnSockets<SipPhone>; b: OnSockets<SipPhone>; capture: string; rtpPorts: number[]; sipCaptured: number }> => (result ??= start());
  const start = async (): Promise<{ a: OnSockets<SipPhone>; b: OnSockets<SipPhone>; capture: string; rtpPorts: number[]; sipCaptured: number }> => {
    kamailio = await startKamailio({ domain: DOMAIN, users: USERS, ms: 60_000 });
    const ports = [await freeUdpPort(), await freeUdpPort(), await freeUdpPort(), await freeUdpPort()];
    const capture = join(dir, 'sip.pcapng');
    // resolves once dumpcap has the filter attached (live-capture.ts untilCapturing): the first REGISTER is caught
    const tshark = await startLiveCapture(capture, [kamailio.address.port, ...ports].map((p) => `udp port ${p}`).join(' or '), 90_000);
    const phones: OnSockets<SipPhone>[] = [];
    try {
      const a = await phone('1001', USERS['1001'], ports.slice(0, 2));
      const b = await phone('1002', USERS['1002'], ports.slice(2, 4));
      phones.push(a, b);
      const why = (): string => `\nA: ${a.notes.map((n) => n.text).join('\n   ')}\nB: ${b.notes.map((n) => n.text).join('\n   ')}\nkamailio:\n${kamailio!.log().slice(-3000)}`;
      try {
        await a.bridge.until(() => a.endpoint.registration?.state === 'registered' && b.endpoint.registration?.state === 'registered', 60_000, 'both phones registered');
        a.endpoint.dial(a.bridge.now(), '1002', 2 * SECOND);
        a.bridge.pump();
        await a.bridge.until(() => a.endpoint.calls.length === 1 && b.endpoint.calls.length === 1 && a.endpoint.calls[0]!.state === 'ended' && b.endpoint.calls[0]!.state === 'ended', 90_000, 'the call placed, answered and hung up');
      } catch (e) {
        throw new Error(`${(e as Error).message}${why()}`);
      }
    } finally {
      // dumpcap reads the last packets (the BYE and its 200) a little after they were sent: waited for, not slept for
      await untilCaptured(capture, phones.flatMap((p) => [p.bridge.last.in, p.bridge.last.out]).filter((x): x is Uint8Array => x !== undefined), 60_000);
      await stopLiveCapture(tshark);
    }
    const [a, b] = phones as [OnSockets<SipPhone>, OnSockets<SipPhone>];
    // the SIP datagrams the phones had when the capture stopped (later ones, if any, are not in it)
    return { a, b, capture, rtpPorts: [ports[1]!, ports[3]!], sipCaptured: sipOf(a).length + sipOf(b).length };
  };

  it('REGISTER: Kamailio’s 401 challenge is read, our digest credentials are accepted, the binding’s expiry is what it granted', { timeout: 240_000 }, async () => {
    const { a } = await call();
    const seen = firsts(sipOf(a).filter((s) => (sipHeader(s.m, 'CSeq') ?? '').endsWith('REGISTER')));
    expect(flowOf(seen).slice(0, 4)).toEqual(['out REGISTER', 'in 401 REGISTER', 'out REGISTER', 'in 200 REGISTER']);
    const challenge = parseDigestChallenge(sipHeader(seen[1]!.m, 'WWW-Authenticate')!);
    if (typeof challenge === 'string') throw new Error(challenge);
    expect(challenge.realm).toBe(DOMAIN);
    expect(challenge.qop).toEqual(['auth']);
    const creds = parseDigestCredentials(sipHeader(seen[2]!.m, 'Authorization')!);
    if (typeof creds === 'string') throw new Error(creds);
    expect(creds).toMatchObject({ username: '1001', realm: DOMAIN, nonce: challenge.nonce, uri: `sip:${DOMAIN}`, qop: 'auth', nc: '00000001' });
    // RFC 3261 §10.2.4: the 200 lists our Contact with the expiry granted; Kamailio stamped our Via with rport
    const ok = seen[3]!.m;
    const contact = sipHeaderValues(ok, 'Contact').map((c) => parseNameAddr(c)).find((c) => typeof c !== 'string' && c.uri.startsWith('sip:1001@'));
    expect(contact && typeof contact !== 'string' ? contact.params.get('expires') : undefined).toBe('600');
    expect(a.endpoint.registration?.expires).toBe(600);
    const via = parseVia(sipHeaderValues(ok, 'Via')[0]!);
    if (typeof via === 'string') throw new Error(via);
    expect(via.rport).toBe(a.endpoint.stack.local.port);
    // one Call-ID and From tag for both REGISTERs, CSeq rising (§10.2.4)
    expect(sipHeader(seen[0]!.m, 'Call-ID')).toBe(sipHeader(seen[2]!.m, 'Call-ID'));
    expect([sipHeader(seen[0]!.m, 'CSeq'), sipHeader(seen[2]!.m, 'CSeq')]).toEqual(['1 REGISTER', '2 REGISTER']);
  });

  it('INVITE through Kamailio: 407 answered with Proxy-Authorization, the callee gets Record-Route, ACK and BYE follow the route set', { timeout: 240_000 }, async () => {
    const { a, b } = await call();
    const sa = firsts(sipOf(a).filter((s) => !(sipHeader(s.m, 'CSeq') ?? '').endsWith('REGISTER')));
    const sb = firsts(sipOf(b).filter((s) => !(sipHeader(s.m, 'CSeq') ?? '').endsWith('REGISTER')));
    expect(flowOf(sa)).toEqual(['out INVITE', 'in 407 INVITE', 'out ACK', 'out INVITE', 'in 100 INVITE', 'in 180 INVITE', 'in 200 INVITE', 'out ACK', 'out BYE', 'in 200 BYE']);
    expect(flowOf(sb)).toEqual(['in INVITE', 'out 100 INVITE', 'out 180 INVITE', 'out 200 INVITE', 'in ACK', 'in BYE', 'out 200 BYE']);
    // the 407's ACK: the INVITE's branch (§17.1.1.3); the authorised INVITE: new branch, CSeq 2, same Call-ID and tag
    const branch = (m: SipMessage): string | undefined => { const v = parseVia(sipHeaderValues(m, 'Via')[0]!); return typeof v === 'string' ? undefined : v.branch; };
    expect(branch(sa[2]!.m)).toBe(branch(sa[0]!.m));
    expect(branch(sa[3]!.m)).not.toBe(branch(sa[0]!.m));
    expect([sipHeader(sa[0]!.m, 'CSeq'), sipHeader(sa[3]!.m, 'CSeq')]).toEqual(['1 INVITE', '2 INVITE']);
    expect(sipHeader(sa[3]!.m, 'Call-ID')).toBe(sipHeader(sa[0]!.m, 'Call-ID'));
    expect(sipHeader(sa[3]!.m, 'From')).toBe(sipHeader(sa[0]!.m, 'From'));
    const pc = parseDigestCredentials(sipHeader(sa[3]!.m, 'Proxy-Authorization')!);
    if (typeof pc === 'string') throw new Error(pc);
    expect(pc).toMatchObject({ username: '1001', realm: DOMAIN, uri: `sip:1002@${DOMAIN}`, qop: 'auth' });
    // the callee: Kamailio's Via on top of ours, its Record-Route; our 200 copies the Record-Route (§12.1.1)
    const invite = sb[0]!.m;
    expect(sipHeaderValues(invite, 'Via')).toHaveLength(2);
    const rr = sipHeaderValues(invite, 'Record-Route');
    expect(rr).toHaveLength(1);
    expect(rr[0]).toContain(`127.0.0.1:${a.endpoint.registration!.registrar.port};lr`);
    expect(sipHeaderValues(sb[3]!.m, 'Record-Route')).toEqual(rr);
    // the caller's ACK for the 200 and its BYE: sent to Kamailio with Route, Request-URI the callee's Contact (§12.2.1.1)
    for (const s of [sa[7]!, sa[8]!]) {
      expect(sipHeaderValues(s.m, 'Route'), line(s.m)).toEqual(rr);
      expect(s.m.start.kind === 'request' ? s.m.start.uri : '', line(s.m)).toBe(`sip:1002@127.0.0.1:${b.endpoint.stack.local.port}`);
    }
    const okContact = parseNameAddr(sipHeader(sb[3]!.m, 'Contact')!);
    expect(typeof okContact !== 'string' && okContact.uri).toBe(`sip:1002@127.0.0.1:${b.endpoint.stack.local.port}`);
    // the ACK and BYE reached the callee through Kamailio (two Vias)
    expect(sipHeaderValues(sb[4]!.m, 'Via')).toHaveLength(2);
    expect(sipHeaderValues(sb[5]!.m, 'Via')).toHaveLength(2);
    expect(a.endpoint.calls[0]!.routeSet).toEqual(rr);
    expect(b.endpoint.calls[0]!.routeSet).toEqual(rr);
  });

  it('plain G.711 RTP flows both ways for the two seconds of the call', { timeout: 240_000 }, async () => {
    const { a, b } = await call();
    const [ma] = a.endpoint.mediaSummary();
    const [mb] = b.endpoint.mediaSummary();
    expect(ma?.payloadType).toBe(0);
    expect(mb?.payloadType).toBe(0);
    // 2 s of 20 ms packets is 100; on a loaded machine timers fire late, so ask for well over half
    expect(ma!.sent).toBeGreaterThan(60);
    expect(mb!.received).toBeGreaterThan(50);
    expect(ma!.received).toBeGreaterThan(50);
  });

  it('tshark reads every SIP and RTP packet of the run with no malformed one', { timeout: 240_000 }, async () => {
    const { capture, rtpPorts, sipCaptured } = await call();
    const out = execFileSync('tshark', ['-r', capture, ...rtpPorts.flatMap((p) => ['-d', `udp.port==${p},rtp`]), '-T', 'fields', '-E', 'separator=/t', '-e', 'frame.number', '-e', '_ws.malformed', '-e', 'sip.Method', '-e', 'sip.Status-Code', '-e', 'rtp.ssrc', '-e', '_ws.expert.severity'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const rows = out.trim().split('\n').map((l) => l.split('\t'));
    expect(rows.filter((r) => r[1] !== '')).toEqual([]);
    const sip = rows.filter((r) => r[2] !== '' || r[3] !== '');
    expect(sip.length).toBe(sipCaptured);
    expect(rows.filter((r) => r[4] !== '').length).toBeGreaterThan(150);
  });

  it('a wrong password: 401, credentials, 401 again: the registration fails and says why', { timeout: 240_000 }, async () => {
    await call();
    const c = await phone('1001', 'letmein', [0, 0]);
    await c.bridge.until(() => c.endpoint.registration?.state === 'failed', 60_000, 'the registration to fail');
    expect(flowOf(firsts(sipOf(c)))).toEqual(['out REGISTER', 'in 401 REGISTER', 'out REGISTER', 'in 401 REGISTER']);
    expect(c.notes.find((n) => n.kind === 'sip.registration')?.text).toMatch(/registration failed: credentials refused/);
    expect(kamailio!.log()).toMatch(/REGISTER credentials of '1001' refused/);
  });

  it('CANCEL through Kamailio: it answers our CANCEL 200, cancels the callee’s branch, and relays the 487 we ACK', { timeout: 240_000 }, async () => {
    const { a } = await call();
    const c = await phone('1003', USERS['1003'], [0, 0], 30 * SECOND);
    await c.bridge.until(() => c.endpoint.registration?.state === 'registered', 60_000, '1003 registered');
    const before = a.endpoint.calls.length;
    const placed = a.endpoint.dial(a.bridge.now(), '1003', 2 * SECOND)!;
    a.bridge.pump();
    await a.bridge.until(() => placed.state === 'ringing', 60_000, '180 from 1003');
    placed.cancel(a.bridge.now());
    a.bridge.pump();
    await a.bridge.until(() => placed.state === 'ended' && c.endpoint.calls[0]?.state === 'ended', 60_000, 'the cancelled call to end at both ends');
    // the callee's call ends as it sends its 487; Kamailio's ACK of that 487 comes a moment later
    await c.bridge.until(() => sipOf(c).some((s) => s.m.start.kind === 'request' && s.m.start.method === 'ACK' && sipHeader(s.m, 'Call-ID') === c.endpoint.calls[0]?.callId), 60_000, "Kamailio's ACK of the callee's 487");
    expect(a.endpoint.calls).toHaveLength(before + 1);
    const sa = firsts(sipOf(a).filter((s) => sipHeader(s.m, 'Call-ID') === placed.callId));
    expect(flowOf(sa)).toEqual(['out INVITE', 'in 407 INVITE', 'out ACK', 'out INVITE', 'in 100 INVITE', 'in 180 INVITE', 'out CANCEL', 'in 200 CANCEL', 'in 487 INVITE', 'out ACK']);
    const sc = firsts(sipOf(c).filter((s) => (sipHeader(s.m, 'CSeq') ?? '').split(' ')[1] !== 'REGISTER'));
    expect(flowOf(sc)).toEqual(['in INVITE', 'out 100 INVITE', 'out 180 INVITE', 'in CANCEL', 'out 200 CANCEL', 'out 487 INVITE', 'in ACK']);
    // §9.1: our CANCEL carries the authorised INVITE's branch, Request-URI, Call-ID, From, To and CSeq number
    const invite = sa[3]!.m;
    const cancel = sa[6]!.m;
    expect(sipHeaderValues(cancel, 'Via')).toEqual(sipHeaderValues(invite, 'Via'));
    expect(cancel.start.kind === 'request' && invite.start.kind === 'request' && cancel.start.uri === invite.start.uri).toBe(true);
    for (const h of ['Call-ID', 'From', 'To']) expect(sipHeader(cancel, h), h).toBe(sipHeader(invite, h));
    expect(sipHeader(cancel, 'CSeq')).toBe('2 CANCEL');
    expect(c.notes.find((n) => n.kind === 'sip.call' && /487/.test(n.text))?.text).toMatch(/CANCEL received/);
    c.bridge.close();
  });
});
