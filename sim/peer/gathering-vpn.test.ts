// gather-vpn (sim/scenario/presets/gathering-vpn.ts): a VPN beside Wi-Fi is gathered on as a network of its own,
// ranked last and costed 50; its pairs work, but the call is nominated and carried on Wi-Fi.
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';

describe('gathering with a VPN beside Wi-Fi (gather-vpn)', () => {
  const { trace, summary } = runScenario(parseScenario(findPreset('gather-vpn')!.build()));
  const signalled = trace.notes.filter((n) => n.kind === 'signaling.sent' && n.source.startsWith('alice/')).flatMap((n) => {
    const d = n.data as { sdp?: string; candidate?: string };
    return d.candidate !== undefined ? [d.candidate] : (d.sdp ?? '').split('\r\n').filter((l) => l.startsWith('a=candidate:')).map((l) => l.slice('a=candidate:'.length));
  });
  const byBase = (ip: string): string[] => signalled.filter((c) => c.split(' ')[4] === ip || c.includes(`raddr ${ip} `));

  it('signals a host, srflx and relay candidate on each network; the VPN ones as network 2 with cost 50, ranked below Wi-Fi', () => {
    const wifi = byBase('10.0.1.10').concat(byBase('203.0.113.10'));
    const vpn = byBase('10.8.0.6').concat(byBase('198.51.100.50'));
    for (const type of ['host', 'srflx', 'relay']) {
      expect(wifi.some((c) => c.includes(`typ ${type} `)), `Wi-Fi ${type}`).toBe(true);
      expect(vpn.some((c) => c.includes(`typ ${type} `)), `VPN ${type}`).toBe(true);
    }
    for (const c of wifi) expect(c).toMatch(/network-id 1 network-cost 10$/);
    for (const c of vpn) expect(c).toMatch(/network-id 2 network-cost 50$/);
    const priority = (list: string[], type: string): number => Number(list.find((c) => c.includes(`typ ${type} `) && c.includes(' udp '))!.split(' ')[3]);
    for (const type of ['host', 'srflx', 'relay']) expect(priority(vpn, type)).toBeLessThan(priority(wifi, type));
  });

  it('checks pairs on both networks, and nominates and keeps the call on Wi-Fi', () => {
    const succeeded = trace.notes.filter((n) => n.kind === 'ice.pair.state' && n.source.startsWith('alice/') && (n.data as { state: string }).state === 'succeeded').map((n) => (n.data as { local: string }).local);
    expect(succeeded).toContain('host 10.8.0.6:54636');
    expect(succeeded).toContain('host 10.0.1.10:54635');
    const ice = summary['ice'] as Record<string, { selectedPair: { id: string; local: { type: string; address: string } } }>;
    expect(ice['alice']!.selectedPair.id).toMatch(/^10\.0\.1\.10:\d+ -> /);
    expect(ice['alice']!.selectedPair.local).toMatchObject({ type: 'srflx', address: '203.0.113.10' });
    expect(summary['outcome']).toBe('completed');
  });
});
