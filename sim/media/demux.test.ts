// RFC 8843 §9.2 on the receiving side: a packet is placed by its MID header extension, else by a signaled or
// learned SSRC, else by a payload type one section alone receives (only where MID was not negotiated, as libwebrtc);
// anything else is dropped, and the first packet of each stream and reason is handed out for a note.
import { describe, expect, it } from 'vitest';
import { decodeRtp, encodeRtp } from '../wire/rtp/rtp.ts';
import { encodeNamedExtension } from '../wire/rtp/extensions.ts';
import { midOf, RtpDemux, type DemuxTable } from './demux.ts';

const MID_ID = 4;

function header(ssrc: number, payloadType: number, mid?: string, sequenceNumber = 1) {
  const bytes = encodeRtp({
    marker: false, payloadType, sequenceNumber, timestamp: 0, ssrc, payload: new Uint8Array(4),
    ...(mid !== undefined ? { extension: { elements: [{ id: MID_ID, data: encodeNamedExtension({ kind: 'mid', value: mid }) }], form: 'one-byte' as const } } : {}),
  });
  return decodeRtp(bytes, { spans: false }).value.header;
}

/** Chromium-like: audio (opus 111) on mid 0, video (VP8 96, RTX 97) on mid 1, SSRCs signaled. */
function table(midNegotiated: boolean, signaled = true): DemuxTable {
  return {
    midExtensionId: midNegotiated ? MID_ID : undefined,
    sections: [
      { mid: '0', kind: 'audio', payloadTypes: [111], ssrcs: signaled ? [1000] : [], payloadTypeDemux: !midNegotiated },
      { mid: '1', kind: 'video', payloadTypes: [96, 97], ssrcs: signaled ? [2000, 2001] : [], payloadTypeDemux: !midNegotiated },
    ],
  };
}

describe('RtpDemux (RFC 8843 §9.2)', () => {
  it('reads the MID header extension by its negotiated id', () => {
    expect(midOf(header(1, 111, '1'), MID_ID)).toBe('1');
    expect(midOf(header(1, 111, '1'), 5)).toBeUndefined();
    expect(midOf(header(1, 111), MID_ID)).toBeUndefined();
  });

  it('places a signaled SSRC without MID, and an unsignaled one by its MID, learning it for later packets without', () => {
    const d = new RtpDemux(table(true));
    expect(d.route(header(1000, 111))).toMatchObject({ ok: true, section: { mid: '0' } });
    expect(d.route(header(7777, 96, '1'))).toMatchObject({ ok: true, section: { mid: '1' } });
    expect(d.route(header(7777, 96, undefined, 2))).toMatchObject({ ok: true, section: { mid: '1' } });
    expect(d.take()).toEqual([]);
  });

  it('drops an unsignaled SSRC without MID when MID was negotiated, noting the stream once', () => {
    const d = new RtpDemux(table(true));
    for (let i = 0; i < 5; i++) expect(d.route(header(0xdeadbeef, 111, undefined, i))).toEqual({ ok: false, reason: 'unknown-ssrc' });
    expect(d.dropped.get(0xdeadbeef)).toBe(5);
    expect(d.take()).toEqual([{ ssrc: 0xdeadbeef, payloadType: 111, sequenceNumber: 0, mid: undefined, reason: 'unknown-ssrc' }]);
    expect(d.take()).toEqual([]);
  });

  it('binds an unsignaled SSRC by a payload type only one section receives when MID was not negotiated', () => {
    const d = new RtpDemux(table(false, false));
    expect(d.route(header(5, 97))).toMatchObject({ ok: true, section: { mid: '1' } });
    // the stream keeps its section: another payload type of another section is not decoded on it
    expect(d.route(header(5, 111))).toEqual({ ok: false, reason: 'payload-type-mismatch' });
    expect(d.take()).toMatchObject([{ ssrc: 5, reason: 'payload-type-mismatch', section: '1' }]);
  });

  it('leaves out a payload type two sections receive', () => {
    const d = new RtpDemux({
      midExtensionId: undefined,
      sections: [
        { mid: 'a', kind: 'video', payloadTypes: [96], ssrcs: [], payloadTypeDemux: true },
        { mid: 'b', kind: 'video', payloadTypes: [96], ssrcs: [], payloadTypeDemux: true },
      ],
    });
    expect(d.route(header(9, 96))).toEqual({ ok: false, reason: 'unknown-ssrc' });
  });

  it('drops a packet whose MID names no section, even on a signaled SSRC', () => {
    const d = new RtpDemux(table(true));
    expect(d.route(header(1000, 111, '9'))).toEqual({ ok: false, reason: 'unknown-mid' });
    expect(d.take()).toMatchObject([{ ssrc: 1000, mid: '9', reason: 'unknown-mid' }]);
  });

  it('forgets learned bindings to a section a new description removed', () => {
    const d = new RtpDemux(table(true));
    expect(d.route(header(7777, 96, '1')).ok).toBe(true);
    d.configure({ midExtensionId: MID_ID, sections: [table(true).sections[0]!] });
    expect(d.route(header(7777, 96))).toEqual({ ok: false, reason: 'unknown-ssrc' });
  });
});
