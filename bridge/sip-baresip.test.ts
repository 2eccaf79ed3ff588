// Interop: a real baresip (Debian baresip 1.0.0, bridge/sip-real.ts) judges our registrar and our phone over real
// UDP on loopback. baresip registers at OUR sip-registrar (sim/sip/registrar.ts): our 401 challenge, its digest
// credentials verified by us, the binding stored with the expiry it asked for. Our phone (registered at the same
// registrar) calls baresip's address of record: our registrar redirects with 302 to baresip's Contact, the INVITE
// goes there, baresip answers at once, G.711 RTP flows both ways (baresip's own counters say how much of ours it
// received), our BYE is answered 200. Then baresip calls our phone directly: our phone rings, answers, and the call
// carries RTP both ways until baresip hangs up. Messages are parsed both ways: every message baresip sent decodes
// with our codec, and baresip answered every one of ours.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../sim/core/rng.ts';
import { MS, SECOND } from '../sim/core/time.ts';
import { SipPhone } from '../sim/sip/phone.ts';
import { SipRegistrar } from '../sim/sip/registrar.ts';
import { parseDigestCredentials } from '../sim/wire/sip/digest.ts';
import { parseNameAddr } from '../sim/wire/sip/headers.ts';
import { decodeSipMessage, sipHeader, sipHeaderValues, type SipMessage } from '../sim/wire/sip/message.ts';
import { hasBaresip, runOnSockets, startBaresip, type OnSockets, type RealBaresip } from './sip-real.ts';

// CI installs baresip (.ci/run), so there it must run
const skip = !process.env['CI'] && !hasBaresip;
const DOMAIN = 'rtclab.test';
const USERS = { '1001': 's3cret', '1003': 'bare-pw' };

interface Seen {
  readonly dir: 'in' | 'out';
  readonly m: SipMessage | undefined;
  readonly bytes: Uint8Array;
}

function sipOf(run: OnSockets<SipPhone | SipRegistrar>, port: number): Seen[] {
  return run.datagrams.filter((d) => (d.dir === 'out' ? d.from.port : d.to.port) === port && d.bytes.length > 4).map((d) => ({ dir: d.dir, m: decodeSipMessage(d.bytes).value, bytes: d.bytes }));
}

const line = (m: SipMessage | undefined): string => (!m ? 'undecodable' : m.start.kind === 'request' ? m.start.method : `${m.start.status} ${(sipHeader(m, 'CSeq') ?? '').split(' ')[1]}`);

/** Each message (direction, line, CSeq number) once: retransmissions folded. */
function flow(seen: readonly Seen[]): string[] {
  const keys = new Set<string>();
  const out: string[] = [];
  for (const s of seen) {
    const key = `${s.dir} ${line(s.m)} ${s.m ? (sipHeader(s.m, 'CSeq') ?? '').split(' ')[0] : ''}`;
    if (keys.has(key)) continue;
    keys.add(key);
    out.push(`${s.dir} ${line(s.m)}`);
  }
  return out;
}

/** RTP packets each side must have counted of the other's (20 ms packets: under a second of a call). */
const ENOUGH = 40;

/** The SSRC of the last RTP packet `phone` sent to anyone but `notTo` (a port). */
function lastSentSsrc(phone: OnSockets<SipPhone>, notTo: number): number | undefined {
  const d = phone.datagrams.filter((x) => x.dir === 'out' && x.bytes[0] === 0x80 && x.to.port !== notTo).at(-1);
  return d && new DataView(d.bytes.buffer, d.bytes.byteOffset).getUint32(8);
}

/**
 * Asks baresip (`audio_debug`) until it has counted more than ENOUGH of our RTP and we more than ENOUGH of its on
 * `callId`, or 60 s went by: how long that takes depends on the machine's load, so it is waited for, not slept for.
 * Resolves to baresip's last answer.
 */
async function untilRtpBothWays(bs: RealBaresip, phone: OnSockets<SipPhone>, callId: () => string | undefined, notTo: number): Promise<string> {
  const end = Date.now() + 60_000;
  for (;;) {
    const debug = (await bs.command('audio_debug')).data;
    const ssrc = lastSentSsrc(phone, notTo);
    const ours = phone.endpoint.mediaSummary().find((m) => m.callId === callId())?.received ?? 0;
    if ((ssrc !== undefined && (members(debug).get(ssrc) ?? 0) > ENOUGH && ours > ENOUGH) || Date.now() > end) return debug;
    await sleep(200);
  }
}

/** What baresip's RTCP session says it received from each sender (its `audio_debug`: "member 0x<ssrc>: … rcvd=N"). */
function members(debug: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of debug.matchAll(/member 0x([0-9a-f]+):[\s\S]*?rcvd=(\d+)/g)) out.set(parseInt(m[1]!, 16), Number(m[2]));
  return out;
}

describe.skipIf(skip)('a real baresip against our registrar and our phone (UDP on loopback)', () => {
  let baresip: RealBaresip | undefined;
  let registrar: OnSockets<SipRegistrar> | undefined;
  let phone: OnSockets<SipPhone> | undefined;
  let caller: RealBaresip | undefined;
  afterAll(() => {
    caller?.stop();
    phone?.bridge.close();
    registrar?.bridge.close();
    baresip?.stop();
  });
  const why = (): string => `\nregistrar: ${registrar?.notes.map((n) => n.text).join('\n   ')}\nphone: ${phone?.notes.map((n) => n.text).join('\n   ')}\nbaresip:\n${baresip?.log().slice(-4000)}`;

  let registered: Promise<void> | undefined;
  const register = (): Promise<void> => (registered ??= (async () => {
    registrar = await runOnSockets([0], ([a]) => new SipRegistrar({ name: 'registrar', rng: Rng.fromSeed(5).fork('registrar'), local: a!, realm: DOMAIN, users: USERS, algorithm: 'MD5', badCredentials: 'challenge', defaultExpires: 3600, maxExpires: 3600, server: 'rtclab-registrar' }));
    baresip = await startBaresip({ aor: `sip:1003@${DOMAIN}`, password: USERS['1003'], registrar: registrar.endpoint.stack.local, regint: 600, ms: 60_000 });
    phone = await runOnSockets([0, 0], ([sip, rtp]) => new SipPhone({
      name: 'phone', rng: Rng.fromSeed(1001).fork('phone'), local: sip!, rtpPort: rtp!.port, user: '1001', domain: DOMAIN, password: USERS['1001'],
      registrar: registrar!.endpoint.stack.local, registerAt: 0, expires: 600, ringFor: 300 * MS, codecs: [0, 8], echo: false, userAgent: 'rtclab-phone',
    }));
    try {
      await registrar.bridge.until(() => registrar!.endpoint.bindings.size === 2, 60_000, 'baresip and our phone registered');
    } catch (e) {
      throw new Error(`${(e as Error).message}${why()}`);
    }
  })());

  it('baresip registers at our registrar: our 401 read, its digest credentials verified, the binding stored for the expiry it asked', { timeout: 240_000 }, async () => {
    await register();
    const r = registrar!;
    const seen = sipOf(r, r.endpoint.stack.local.port).filter((s) => s.m && (sipHeader(s.m, 'User-Agent') ?? sipHeader(s.m, 'To') ?? '').length && (sipHeader(s.m, 'From') ?? '').includes('1003@'));
    expect(seen.every((s) => s.m !== undefined)).toBe(true);
    expect(flow(seen).slice(0, 4)).toEqual(['in REGISTER', 'out 401 REGISTER', 'in REGISTER', 'out 200 REGISTER']);
    // the REGISTER with credentials, found by its header: on a loaded machine baresip may retransmit its first
    // REGISTER (Timer E) before our 401 reaches it, so it need not be the third datagram
    const authorized = seen.find((s) => s.dir === 'in' && s.m !== undefined && sipHeader(s.m, 'Authorization') !== undefined);
    if (!authorized?.m) throw new Error(`no REGISTER with Authorization from baresip: ${flow(seen).join(', ')}`);
    const creds = parseDigestCredentials(sipHeader(authorized.m, 'Authorization')!);
    if (typeof creds === 'string') throw new Error(creds);
    expect(creds).toMatchObject({ username: '1003', realm: DOMAIN, uri: `sip:${DOMAIN}`, qop: 'auth', nc: '00000001', algorithm: 'MD5' });
    expect(r.endpoint.rejected).toBe(0);
    // baresip asks for its regint with an expires parameter on its Contact (RFC 3261 §10.2.1.1), not an Expires header
    const asked = parseNameAddr(sipHeaderValues(authorized.m, 'Contact')[0]!);
    expect(typeof asked !== 'string' && asked.params.get('expires')).toBe('600');
    const b = r.endpoint.bindingList().find((x) => x.aor === `sip:1003@${DOMAIN}`);
    expect(b?.contact).toMatch(/^<sip:1003-[^@]*@127\.0\.0\.1:\d+>$/);
    expect(b?.expiresIn).toBeGreaterThan(590);
    // and baresip accepted our 200: it says it is registered
    await r.bridge.until(() => /200 OK \(rtclab-registrar\) \[1 binding\]/.test(baresip!.log()), 30_000, 'baresip to report its registration');
  });

  let outgoing: Promise<{ debug: string }> | undefined;
  const callBaresip = (): Promise<{ debug: string }> => (outgoing ??= (async () => {
    await register();
    const p = phone!;
    // talkFor is only a bound: the phone hangs up below, once RTP has flowed both ways
    p.endpoint.dial(p.bridge.now(), '1003', 120 * SECOND);
    p.bridge.pump();
    try {
      await p.bridge.until(() => p.endpoint.calls[0]?.state === 'confirmed', 60_000, 'baresip to answer');
      const debug = await untilRtpBothWays(baresip!, p, () => p.endpoint.calls[0]?.callId, registrar!.endpoint.stack.local.port);
      p.endpoint.calls[0]!.bye(p.bridge.now());
      p.bridge.pump();
      await p.bridge.until(() => p.endpoint.calls[0]?.state === 'ended', 60_000, 'our BYE answered');
      return { debug };
    } catch (e) {
      throw new Error(`${(e as Error).message}${why()}`);
    }
  })());

  it('our phone calls baresip: our registrar’s 302, the INVITE to its Contact, its 200 with SDP, our ACK and BYE', { timeout: 240_000 }, async () => {
    await callBaresip();
    const p = phone!;
    const call = p.endpoint.calls[0]!;
    const seen = sipOf(p, p.endpoint.stack.local.port).filter((s) => s.m && sipHeader(s.m, 'Call-ID') === call.callId);
    expect(flow(seen)).toEqual(expect.arrayContaining(['out INVITE', 'in 302 INVITE', 'out ACK', 'in 200 INVITE', 'out BYE', 'in 200 BYE']));
    expect(seen.every((s) => s.m !== undefined)).toBe(true);
    expect(call.redirects).toBe(1);
    expect(call.state).toBe('ended');
  });

  it('RTP flows both ways: our phone receives baresip’s tone, baresip counts ours', { timeout: 240_000 }, async () => {
    const { debug } = await callBaresip();
    const [m] = phone!.endpoint.mediaSummary();
    expect(m?.payloadType).toBe(0);
    expect(m!.received).toBeGreaterThan(ENOUGH);
    // our SSRC, read from the RTP we sent, is a member of baresip's RTCP session with the packets it received
    const rtp = phone!.datagrams.find((d) => d.dir === 'out' && d.bytes[0] === 0x80)!;
    const ssrc = new DataView(rtp.bytes.buffer, rtp.bytes.byteOffset).getUint32(8);
    expect(members(debug).get(ssrc) ?? 0, debug).toBeGreaterThan(ENOUGH);
  });

  it('baresip calls our phone: 100, 180, our 200 with a G.711 answer, its ACK; RTP both ways until its BYE, answered 200', { timeout: 240_000 }, async () => {
    await callBaresip();
    const p = phone!;
    // a second baresip that does not register: it sends its INVITE straight to our phone's address
    caller = await startBaresip({ aor: 'sip:1004@127.0.0.1', password: 'unused', ms: 60_000 });
    const before = p.endpoint.calls.length;
    let debug = '';
    try {
      const dialled = await caller.command('dial', `sip:1001@127.0.0.1:${p.endpoint.stack.local.port}`);
      expect(dialled.ok, dialled.data).toBe(true);
      await p.bridge.until(() => p.endpoint.calls[before]?.state === 'confirmed', 60_000, 'our phone to answer and get the ACK');
      debug = await untilRtpBothWays(caller, p, () => p.endpoint.calls[before]?.callId, registrar!.endpoint.stack.local.port);
      await caller.command('hangup');
      await p.bridge.until(() => p.endpoint.calls[before]?.state === 'ended', 60_000, 'baresip’s BYE');
    } catch (e) {
      throw new Error(`${(e as Error).message}${why()}\ncaller:\n${caller.log().slice(-4000)}`);
    }
    const call = p.endpoint.calls[before]!;
    const seen = sipOf(p, p.endpoint.stack.local.port).filter((s) => s.m && sipHeader(s.m, 'Call-ID') === call.callId);
    expect(flow(seen)).toEqual(['in INVITE', 'out 100 INVITE', 'out 180 INVITE', 'out 200 INVITE', 'in ACK', 'in BYE', 'out 200 BYE']);
    expect(call.role).toBe('uas');
    const m = p.endpoint.mediaSummary().find((x) => x.callId === call.callId)!;
    expect(m.received).toBeGreaterThan(ENOUGH);
    const ssrc = lastSentSsrc(p, registrar!.endpoint.stack.local.port)!;
    expect(members(debug).get(ssrc) ?? 0, debug).toBeGreaterThan(ENOUGH);
  });
});
