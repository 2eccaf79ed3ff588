import { describe, expect, it } from 'vitest';
import { formatViewState, parseViewState } from './url.ts';

// The address bar carries the packet list's display filter and field columns, so a view can be shared.
describe('the display filter and columns in the address bar', () => {
  it('round-trips a filter with spaces, quotes, && and ==, and the field columns in order', () => {
    const filter = 'rtp.ssrc == 0x3e41ac39 && ip.src == 127.0.0.1 || http.request.uri contains "janus"';
    const q = formatViewState({ scenario: 'call-p2p', filter, cols: ['rtp.ssrc', 'tcp.stream'] });
    expect(q).toContain('filter=rtp.ssrc+%3D%3D+0x3e41ac39+%26%26');
    expect(q).toContain('cols=rtp.ssrc%2Ctcp.stream');
    expect(parseViewState(q)).toEqual({ scenario: 'call-p2p', filter, cols: ['rtp.ssrc', 'tcp.stream'] });
  });

  it('keeps an empty filter= (it clears a saved one) and leaves checking the filter to the filter box', () => {
    expect(parseViewState('?filter=').filter).toBe('');
    // not valid, yet passed on: the box shows its caret error (not silence)
    expect(parseViewState('?filter=stun.type%20%3D%3D').filter).toBe('stun.type ==');
  });

  it('names what it cannot use: a filter over 2,000 characters, columns that are not field names', () => {
    expect(parseViewState(`?filter=${'a'.repeat(2001)}`).problems?.[0]).toMatch(/^filter=a{40}… is not a display filter of at most 2000 characters$/);
    expect(parseViewState('?cols=rtp.ssrc,<b>').problems).toEqual(['cols=rtp.ssrc,<b> is not field names separated by commas (at most 32)']);
  });
});
