// A scenario test of our own endpoint: it runs behind rtclab's NAT, against rtclab's STUN server, deterministically.
import { describe, expect, it } from 'vitest';
import { defineScenario, run } from 'rtclab';
import { registerAppKind } from 'rtclab/endpoint';
import 'rtclab/vitest';
import { bindingProberApp } from '../src/binding-prober.ts';

registerAppKind(bindingProberApp);

const scenario = (serverLoss = 0, transmits = 7) =>
  defineScenario({
    name: 'prober-behind-nat',
    duration: '12s',
    nodes: {
      internet: { kind: 'router' },
      server: { kind: 'host', uplink: 'internet', addresses: ['198.51.100.10/24'], link: { delay: '20ms', loss: serverLoss } },
      natA: { kind: 'nat', uplink: 'internet', preset: 'port-restricted-cone', internal: '192.168.1.1/24', external: ['203.0.113.10'], link: { delay: '10ms' } },
      alice: { kind: 'host', uplink: 'natA', addresses: ['192.168.1.10/24'], link: { delay: '1ms' } },
    },
    apps: [
      { kind: 'stun-server', host: 'server', listen: '198.51.100.10:3478' },
      { kind: 'binding-prober', host: 'alice', bind: '192.168.1.10:5000', server: '198.51.100.10:3478', interval: '5s', transmits },
    ],
  });

describe('binding-prober, our own endpoint behind a NAT', () => {
  it('learns the address the NAT maps it to', () => {
    const r = run(scenario());
    expect(r).toCreateNatMapping({ nat: 'natA', internal: '192.168.1.10:5000' });
    const prober = r.apps.find((a) => a.kind === 'binding-prober');
    expect(prober).toMatchObject({ host: 'alice', requests: 3, responses: 3, timeouts: 0, changes: 0 });
    expect(String(prober?.mapped)).toMatch(/^203\.0\.113\.10:\d+$/);
    expect(r.notes.filter((n) => n.source === 'alice/binding-prober').map((n) => n.kind)).toEqual(['prober.mapped']);
  });

  it('retransmits and gives up when every packet to the server is lost', () => {
    // three transmissions 0.5 s and 1 s apart, given up 2 s after the last (RFC 8489 §6.2.1): at 3.5 s and 8.5 s
    const r = run(scenario(1, 3));
    expect(r).toDropPacket('loss', { atLeast: 9 });
    expect(r.apps.find((a) => a.kind === 'binding-prober')).toMatchObject({ requests: 3, retransmits: 6, responses: 0, timeouts: 2 });
    expect(r.notes.filter((n) => n.kind === 'prober.timeout').map((n) => n.t)).toEqual([3_500_000, 8_500_000]);
    expect(r).not.toDropPacket('NAT filtering');
  });

  it('is deterministic: the same seed gives the same bytes', () => {
    const a = run(scenario(), { seed: 7 });
    expect(run(scenario(), { seed: 7 })).toMatchTraceDigest(a.digest());
    expect(run(scenario(), { seed: 8 }).digest()).not.toEqual(a.digest());
  });

  it('names what is wrong in a scenario that misuses it', () => {
    expect(() => run({ ...scenario(), apps: [{ kind: 'binding-prober', host: 'alice', bind: '192.168.1.10:5000', server: 'nowhere' }] })).toThrow(/apps\[0\]\.server/);
  });
});
