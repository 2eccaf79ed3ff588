// tshark as the wire oracle for STUN/TURN: every message the turn-relay and discovery presets emit dissects with no
// malformed packet, and tshark reads the same method, class, transaction id and attribute types as our decoder;
// ChannelData is recognised as such.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toHex } from '../sim/core/encoding.ts';
import { parseScenario } from '../sim/scenario/parse.ts';
import { findPreset } from '../sim/scenario/presets/index.ts';
import { runScenario } from '../sim/scenario/run.ts';
import { peekUdpDatagram, udpPayload } from '../sim/wire/ip/udp-datagram.ts';
import { writePcapng } from '../sim/wire/pcap/pcapng-writer.ts';
import { decodeChannelData, decodeStun, isChannelData, isStun } from '../sim/wire/stun/index.ts';

const CLASS_BITS = { request: '0x0000', indication: '0x0001', success: '0x0010', error: '0x0011' } as const;
const dir = mkdtempSync(join(tmpdir(), 'rtclab-turn-tshark-'));
const hex4 = (n: number): string => `0x${n.toString(16).padStart(4, '0')}`;

function check(preset: string): { stun: number; channelData: number } {
  const { trace } = runScenario(parseScenario(findPreset(preset)!.build()));
  const file = join(dir, `${preset}.pcapng`);
  writeFileSync(file, writePcapng(trace));
  const out = execFileSync(
    'tshark',
    ['-r', file, '-T', 'fields', '-E', 'separator=/t', '-e', 'frame.number', '-e', '_ws.malformed', '-e', 'stun.type.method', '-e', 'stun.type.class', '-e', 'stun.id', '-e', 'stun.att.type', '-e', 'stun.channel'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const rows = out.replace(/\n$/, '').split('\n').map((l) => l.split('\t'));
  expect(rows).toHaveLength(trace.hops.length);
  let stun = 0;
  let channelData = 0;
  trace.hops.forEach((hop, i) => {
    const [no, malformed, method, cls, id, types, channel] = rows[i]!;
    expect(malformed, `frame ${no}`).toBe('');
    const v = peekUdpDatagram(hop.bytes);
    if ('error' in v) throw new Error(v.error);
    const payload = udpPayload(hop.bytes, v);
    if (isStun(payload)) {
      const m = decodeStun(payload);
      expect(m.problems, `frame ${no}`).toEqual([]);
      const msg = m.value!;
      expect([method, cls, id, types], `frame ${no}`).toEqual([hex4(msg.method), CLASS_BITS[msg.class], toHex(msg.transactionId), msg.attributes.map((a) => hex4(a.type)).join(',')]);
      stun++;
    } else if (isChannelData(payload)) {
      const cd = decodeChannelData(payload).value!;
      expect(channel, `frame ${no}`).toBe(hex4(cd.channel));
      channelData++;
    } else {
      expect(method, `frame ${no}: tshark sees STUN in a datagram we do not`).toBe('');
    }
  });
  return { stun, channelData };
}

describe('tshark dissects our STUN/TURN exactly as our decoder does', () => {
  it('turn-relay: every STUN message and the ChannelData frames', () => {
    const n = check('turn-relay');
    expect(n.stun).toBeGreaterThan(40);
    expect(n.channelData).toBeGreaterThanOrEqual(6);
  });
  it('turn-permission-expiry', () => {
    expect(check('turn-permission-expiry').stun).toBeGreaterThan(10);
  });
  it('nat-discovery-full-cone: CHANGE-REQUEST, OTHER-ADDRESS and RESPONSE-ORIGIN included', () => {
    expect(check('nat-discovery-full-cone').stun).toBeGreaterThan(10);
  });
});
