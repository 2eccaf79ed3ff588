import { describe, expect, it } from 'vitest';
import { AttrType, decodeChannelData, decodeStun, encodeChannelData } from './index.ts';
import { Writer } from '../writer.ts';

/** Legacy channel numbers (RFC 5766 §11 allowed 0x4000–0x7FFF; RFC 8656 §12 keeps 0x4000–0x4FFF) are warnings. */
function channelBind(channel: number): Uint8Array {
  const w = new Writer(28);
  w.u16(0x0009).u16(8).u32(0x2112a442);
  for (let i = 0; i < 12; i++) w.u8(i);
  w.u16(AttrType.ChannelNumber).u16(4).u16(channel).u16(0);
  return w.finish();
}

describe('legacy channel numbers carry severity warning', () => {
  it('a ChannelBind for coturn-style channel 0x6ab8 has one warning and no error', () => {
    const d = decodeStun(channelBind(0x6ab8));
    expect(d.problems).toHaveLength(1);
    expect(d.problems[0]).toMatchObject({ severity: 'warning', offset: 24, length: 2 });
  });

  it('a ChannelBind for 0x8000 (never a channel) is an error', () => {
    const d = decodeStun(channelBind(0x8000));
    expect(d.problems[0]?.severity ?? 'error').toBe('error');
  });

  it('ChannelData on channel 0x6ab8 is a warning, on 0x3fff an error', () => {
    const legacy = decodeChannelData(encodeChannelData({ channel: 0x4001, data: new Uint8Array([1, 2]) }).map((b, i) => (i === 0 ? 0x6a : b)));
    expect(legacy.problems).toEqual([expect.objectContaining({ severity: 'warning' })]);
    const bad = decodeChannelData(new Uint8Array([0x3f, 0xff, 0, 1, 9, 0, 0, 0]));
    expect(bad.problems[0]?.severity ?? 'error').toBe('error');
  });
});
