import { describe, expect, it } from 'vitest';
import { readDescription } from '../peer/sdp.ts';
import { compareSdp } from './align.ts';

// draft-hancke-tsvwg-snap-00 §7: the example offer and answer, each with its a=sctp-init (fingerprints shortened
// onto one line, as an SDP must carry them).
const section = (ufrag: string, setup: string, fp: string, init?: string): string =>
  [
    'v=0',
    `o=- 8389853828849686268 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    `a=ice-ufrag:${ufrag}`,
    'a=ice-pwd:f/+ugRILrIUlAkSmkStnZb/h',
    'a=ice-options:trickle',
    `a=fingerprint:sha-256 ${fp}`,
    `a=setup:${setup}`,
    'a=mid:0',
    'a=sctp-port:5000',
    'a=max-message-size:262144',
    ...(init !== undefined ? [`a=sctp-init:${init}`] : []),
    '',
  ].join('\r\n');

const FP1 = '6A:15:F0:08:9C:55:51:CD:55:27:BD:0D:FB:14:DD:41:F6:8C:82:9F:CA:AD:DA:E7:04:61:6F:A9:FF:99:2D:7A';
const FP2 = 'AC:48:A1:C4:78:6D:6D:46:63:BB:7D:70:E4:B8:5D:C4:E8:6E:66:40:8C:81:31:D3:9C:34:32:9A:C3:6B:BB:AE';
const OFFER = section('UgEn', 'actpass', FP1, 'AQAAHols3R0AUAAA/////+B5ZR3AAAAEgAgABoLA');
const ANSWER = section('thzM', 'active', FP2, 'AQAAHl+zdHQAUAAA/////6Gq3HTAAAAEgAgABoLA');

const sctpInitRow = (offer: string, answer: string) => compareSdp(offer, answer).blocks.flatMap((b) => b.rows).find((r) => r.key === 'sctp-init');

describe('a=sctp-init read by a peer (draft-hancke-tsvwg-snap §5)', () => {
  it("the draft's offer gives the INIT chunk of its data channel section", () => {
    const d = readDescription(OFFER);
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.problems).toEqual([]);
    expect(d.value.application?.sctpInit).toMatchObject({ kind: 'INIT', initiateTag: 0x896cdd1d, arwnd: 0x00500000, outboundStreams: 65535, inboundStreams: 65535, initialTsn: 0xe079651d });
  });

  it('a garbled value is ignored with a problem, the rest of the description still read', () => {
    const d = readDescription(section('UgEn', 'actpass', FP1, 'AQAA*ols'));
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.value.application?.sctpInit).toBeUndefined();
    expect(d.value.application?.sctpPort).toBe(5000);
    expect(d.problems.join('\n')).toMatch(/a=sctp-init: a=sctp-init is not base64/);
  });
});

describe('the SDP view shows a=sctp-init as the INIT chunk it carries', () => {
  it('both sides: each INIT decoded, SNAP negotiated', () => {
    const r = sctpInitRow(OFFER, ANSWER)!;
    expect(r.status).toBe('differs');
    expect(r.explain).toMatch(/SNAP/);
    expect(r.note).toBe(
      'SNAP: offer INIT (tag 0x896cdd1d, a_rwnd 5242880, streams 65535/65535, TSN 3766052125, FORWARD-TSN, ext RE-CONFIG/FORWARD-TSN); ' +
        'answer INIT (tag 0x5fb37474, a_rwnd 5242880, streams 65535/65535, TSN 2712329332, FORWARD-TSN, ext RE-CONFIG/FORWARD-TSN); ' +
        'the association is ESTABLISHED once DTLS is, no INIT/INIT-ACK/COOKIE exchange (§6)',
    );
  });

  it('offer only: the normal handshake', () => {
    const r = sctpInitRow(OFFER, section('thzM', 'active', FP2))!;
    expect(r.status).toBe('offer-only');
    expect(r.note).toMatch(/^offer INIT \(tag 0x896cdd1d.*the answer has no a=sctp-init: SCTP does its INIT\/COOKIE handshake$/);
  });

  it('an answer carrying one the offer did not, and a garbled offer answered anyway, are conflicts', () => {
    const a = sctpInitRow(section('UgEn', 'actpass', FP1), ANSWER)!;
    expect(a.status).toBe('conflict');
    expect(a.note).toMatch(/but the offer had no a=sctp-init/);
    const g = sctpInitRow(section('UgEn', 'actpass', FP1, 'CwAABA=='), ANSWER)!;
    expect(g.status).toBe('conflict');
    expect(g.note).toMatch(/COOKIE-ACK chunk \(type 11\), not an INIT.*yet it does/);
  });
});
