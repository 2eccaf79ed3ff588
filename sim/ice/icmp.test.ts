// ICE acting on ICMP (RFC 8445 §7.2.5.2.2): a STUN server address where nothing listens answers the gathering
// request with Port Unreachable, and the transaction ends at once instead of retransmitting for 39.5 s; a check to a
// candidate whose port is closed fails its pair at once; Time Exceeded (a soft error) changes nothing.
import { describe, expect, it } from 'vitest';
import { MS } from '../core/time.ts';
import { parseScenario } from '../scenario/parse.ts';
import { runScenario } from '../scenario/run.ts';
import { icePairScenario, SERVER_IP, sideNodes } from '../scenario/presets/ice-pair.ts';

describe('ICE and ICMP errors', () => {
  it('a STUN server port with nothing behind it ends gathering at once with the ICMP error', () => {
    const json = icePairScenario(sideNodes('alice', 'port-restricted-cone'), sideNodes('bob', 'open'), {
      turn: false,
      duration: '5s',
      alice: { stun: [`${SERVER_IP}:3479`] },
    });
    const { trace } = runScenario(parseScenario(json));
    const icmp = trace.notes.filter((n) => n.kind === 'stun.transaction.icmp-error' && n.source.startsWith('alice'));
    expect(icmp).toHaveLength(1);
    expect(icmp[0]!.data).toMatchObject({ error: 'Port Unreachable', from: SERVER_IP, attempts: 1 });
    // one round trip through the NAT and back: 2 × (1 + 10 + 10) ms
    expect(icmp[0]!.t).toBeLessThan(100 * MS);
    const gathering = trace.notes.find((n) => n.kind === 'ice.gathering.timeout' && n.source.startsWith('alice'))!;
    expect(gathering.text).toContain('ICMP Port Unreachable');
    // and the ICMP crossed alice's NAT back to her (RFC 5508), leaving the mapping as it was
    expect(trace.hops.some((h) => h.to === 'alice' && h.bytes[9] === 1)).toBe(true);
  });
});
