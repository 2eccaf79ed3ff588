// Offer/answer judged by Chromium over real UDP on 127.0.0.1 (bridge/chromium-call.ts): Chromium answers our offer
// (we control ICE and nominate; Chromium picks its DTLS role from our a=setup:actpass), and we answer Chromium's
// offer (our answer mirrors its m-lines, mids and BUNDLE group and keeps its payload types). Either way the call
// must connect and carry SRTP both ways, which is Chromium's verdict on the SDP.
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../sim/core/trace.ts';
import { chromiumCall, hasChromium } from './chromium-call.ts';

type Stat = Record<string, JsonValue>;
const byType = (stats: Record<string, Stat>, type: string): Stat[] => Object.values(stats).filter((s) => s.type === type);

/** Each m-section of an SDP: its media line, mid, direction and rtpmap (payload type → encoding name/clock rate). */
function sections(sdp: string): { m: string; mid: string | undefined; port: string; rtpmap: Map<string, string> }[] {
  return sdp.split(/\r\n(?=m=)/).slice(1).map((s) => {
    const lines = s.split('\r\n');
    const m = lines[0]!;
    const rtpmap = new Map(lines.filter((l) => l.startsWith('a=rtpmap:')).map((l) => { const [pt, enc] = l.slice('a=rtpmap:'.length).split(' '); return [pt!, enc!.toLowerCase()]; }));
    return { m, mid: lines.find((l) => l.startsWith('a=mid:'))?.slice(6), port: m.split(' ')[1]!, rtpmap };
  });
}
const bundle = (sdp: string): string | undefined => sdp.split('\r\n').find((l) => l.startsWith('a=group:BUNDLE'));

/** The answer mirrors the offer: same m-lines in order (kind and mid), the BUNDLE group, and only offered payload types under their offered names. */
function expectMirrors(offer: string, answer: string): void {
  const o = sections(offer);
  const a = sections(answer);
  expect(a.map((s) => [s.m.split(' ')[0], s.mid])).toEqual(o.map((s) => [s.m.split(' ')[0], s.mid]));
  expect(bundle(answer)).toBe(bundle(offer));
  a.forEach((s, i) => {
    if (s.port === '0') return;
    const offered = o[i]!.rtpmap;
    expect(s.rtpmap.size, s.m).toBeGreaterThan(0);
    for (const [pt, enc] of s.rtpmap) expect(offered.get(pt), `${s.m}: payload type ${pt}`).toBe(enc);
    // the answer's m-line lists what it accepted, in the offer's order
    const order = o[i]!.m.split(' ').slice(3);
    const ours = s.m.split(' ').slice(3);
    expect([...ours].sort((x, y) => order.indexOf(x) - order.indexOf(y)), s.m).toEqual(ours);
  });
}

describe.skipIf(!process.env.CI && !hasChromium)('offer/answer with Chromium', () => {
  it('Chromium answers our offer: the answer mirrors our m-lines and keeps our payload types; we control ICE, Chromium chooses DTLS client, SRTP flows both ways', { timeout: 240_000 }, async () => {
    // Chromium, DTLS client here, sends its DTLS 1.3 ClientHello with an X25519MLKEM768 share over two datagrams; our
    // DTLS 1.2-only server drops a fragmented ClientHello (its stateless cookie exchange, as OpenSSL's DTLSv1_listen)
    // and the call never connects, so our server speaks 1.3 and 1.2 here, as Chromium's own does
    const r = await chromiumCall({ mediaMs: 2000, waitMs: 45_000, weOffer: true, dtls13: { versions: ['1.3', '1.2'], groups13: ['x25519mlkem768', 'x25519'], keyShares13: ['x25519mlkem768'] } });
    const log = r.notes.map((n) => n.text).join('\n');
    expect(r.pageErrors).toEqual([]);
    expect(r.offer).toMatch(/a=setup:actpass/);
    expectMirrors(r.offer, r.answer);
    expect(r.pageState).toEqual({ connection: 'connected', ice: 'connected', dtls: 'connected' });
    // RFC 8445 §6.1.1: the offerer controls; Chromium, answering a=setup:actpass, takes a=setup:active (RFC 8842 §5.3)
    expect(r.agentRole).toBe('controlling');
    expect(r.answer).toMatch(/a=setup:active/);
    const [transport] = byType(r.stats, 'transport');
    expect(transport).toMatchObject({ iceRole: 'controlled', dtlsState: 'connected', dtlsRole: 'client' });
    expect(r.summary.dtls, log).toMatchObject({ role: 'server', state: 'connected', version: 'DTLS 1.3', fingerprintVerified: true });
    const inbound = byType(r.stats, 'inbound-rtp');
    for (const s of r.ourStreams) expect(inbound.find((x) => x.ssrc === s.ssrc)?.packetsReceived, `${s.kind} ${s.ssrc}`).toBeGreaterThan(0);
    expect(r.summary.srtp.failures).toEqual({});
    expect(r.summary.srtp.rtpReceived).toBeGreaterThan(50);
  });

  it("we answer Chromium's offer: our answer mirrors its m-lines, mids and BUNDLE group and keeps its payload types; the call connects", { timeout: 240_000 }, async () => {
    const r = await chromiumCall({ mediaMs: 1500, waitMs: 45_000 });
    expect(r.pageErrors).toEqual([]);
    expectMirrors(r.offer, r.answer);
    expect(r.pageState).toEqual({ connection: 'connected', ice: 'connected', dtls: 'connected' });
    expect(r.agentRole).toBe('controlled');
    expect(r.summary.srtp.failures).toEqual({});
    expect(r.summary.srtp.rtpReceived).toBeGreaterThan(50);
  });
});
