import { describe, expect, it } from 'vitest';
import { shortenLabel } from './labels.ts';

describe('ladder labels cut to fit', () => {
  it('leaves a short summary alone', () => {
    expect(shortenLabel('Binding Request (USE-CANDIDATE)')).toBe('Binding Request (USE-CANDIDATE)');
  });

  it('cuts a long summary with an ellipsis at the limit', () => {
    const s = `SRTP PT 111 ssrc 0x80d5b793 seq 30508 ts 422721295 M, payload encrypted and more words`;
    const out = shortenLabel(s, 40);
    expect(out.length).toBe(40);
    expect(out.endsWith('…')).toBe(true);
    expect(s.startsWith(out.slice(0, -1))).toBe(true);
  });

  it('keeps what the keys revealed: the trailing bracket survives, the cut is made before it', () => {
    const s = 'Flight 6: ChangeCipherSpec, Finished (encrypted) [decrypted: Finished, verify_data verified]';
    const out = shortenLabel(s);
    expect(out.length).toBeLessThanOrEqual(64);
    expect(out.endsWith('[decrypted: Finished, verify_data verified]')).toBe(true);
    expect(out.startsWith('Flight 6: Cha')).toBe(true);
    expect(out).toContain('…');
  });

  it('shows the bracket alone when the rest has no room, and never exceeds the limit', () => {
    const tail = ' [decrypted: Certificate, CertificateVerify, Finished, verify_data verified]';
    const out = shortenLabel(`Flight 5: ClientKeyExchange${tail}`, 64);
    expect(out.length).toBeLessThanOrEqual(64);
    expect(out.startsWith('[decrypted:')).toBe(true);
  });
});
