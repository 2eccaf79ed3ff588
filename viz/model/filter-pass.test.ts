import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { capturePath } from '../../test/captures.ts';
import { captureWalk, loadCapture } from './capture-load.ts';
import { FilterPass } from './filter-pass.ts';

// The page's display filter, field columns and follow stream run over a loaded capture's hops as the CLI runs over
// the file: the same frames selected (hop = frame number - 1), the same conversation followed.
const COTURN = capturePath('stun-turn-coturn', 'stun-turn-coturn.pcapng');

describe('the page filter pass over a capture', () => {
  const bytes = new Uint8Array(readFileSync(COTURN));
  const loaded = loadCapture(bytes, 'stun-turn-coturn.pcapng');
  // the load's pass kept every hop; a capture too long to keep is walked again, with the same answers
  const pass = new FilterPass(loaded.filter, captureWalk(bytes, undefined));
  const walked = new FilterPass(undefined, captureWalk(bytes, undefined));

  it('keeps the load pass dissection of every hop, and a walk of its own answers the same', () => {
    expect(loaded.filter?.packets).toHaveLength(loaded.trace.hops.length);
    for (const f of ['stun', 'udp.stream == 1', 'frame.number > 100 && stun.att.error', 'ip.src == 127.0.0.1', 'frame.len > 200']) expect(walked.filter(f), f).toEqual(pass.filter(f));
    expect(walked.column('udp.stream')).toEqual(pass.column('udp.stream'));
  });

  it('selects what rtclab dissect -Y and tshark select', () => {
    const r = pass.filter('stun.att.error.class == 4 && stun.att.error == 1');
    expect('indices' in r && [...r.indices]).toEqual([3, 9, 71, 77, 135]);
    expect(pass.filter('frame.number <= 2 && udp.stream == 0')).toEqual({ indices: Int32Array.from([0, 1]) });
  });

  it("says where a filter is wrong, with the token's column", () => {
    expect(pass.filter('stun.att.error.class == x')).toEqual({ error: { message: '"x" is not an integer, which stun.att.error.class needs', pos: 24, len: 1 } });
  });

  it('writes a field column for every hop', () => {
    const col = pass.column('stun.att.error.reason');
    expect(col).toHaveLength(loaded.trace.hops.length);
    expect(col[3]).toBe('Unauthorized');
    expect(col[0]).toBe('');
  });

  it("follows a hop's conversation", () => {
    const r = pass.follow(0, 'auto');
    expect('chunks' in r && r.kind).toBe('udp');
    expect('chunks' in r && r.chunks.map((c) => c.node)).toEqual([0, 1]);
  });
});
