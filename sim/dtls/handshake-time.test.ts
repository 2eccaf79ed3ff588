import { describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';

// "handshake complete in N ms": the client counts from its first ClientHello, the server from the ClientHello it
// keeps state for (after the cookie exchange), never from when it started waiting (which said 2226 ms in call-p2p).
describe('DTLS handshake time in the connected note', () => {
  it('the server counts from the ClientHello it accepted, so it never exceeds the client figure', () => {
    const trace = runScenario(parseScenario(findPreset('call-p2p')!.build())).trace;
    const ms = (role: string): number => {
      const n = trace.notes.find((x) => x.text.startsWith(`DTLS ${role}: connecting → connected`));
      const m = /handshake complete in ([\d.]+) ms/.exec(n?.text ?? '');
      if (!m) throw new Error(`no connected note for the DTLS ${role}`);
      return Number(m[1]);
    };
    const client = ms('client');
    const server = ms('server');
    expect(client).toBeGreaterThan(0);
    expect(server).toBeGreaterThan(0);
    expect(server).toBeLessThan(client);
    // less than a second: the ICE checks before the ClientHello are not counted
    expect(server).toBeLessThan(1000);
  });
});
