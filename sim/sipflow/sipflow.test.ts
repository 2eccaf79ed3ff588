// SIP call flows as sngrep draws them (`rtclab dissect --call-flow`): the messages grouped by Call-ID, a message
// crossing several links drawn once, a retransmission marked, the call's state, and the ladder's arrows between the
// right columns; run on the janus-sip-call preset (its pcapng written with a link per interface) as a user runs it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dissectOutput } from '../../test/golden/compute.ts';
import { DissectionPass } from '../pass/pass.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { writePcapng } from '../wire/pcap/pcapng-writer.ts';
import type { Trace } from '../core/trace.ts';
import { callState, SipFlowCollector, type SipFlowMessage } from './collect.ts';
import { arrowLabel } from './format.ts';

const dir = mkdtempSync(join(tmpdir(), 'rtclab-sipflow-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const runPreset = (name: string, edit: (j: Record<string, unknown>) => void = () => {}): Trace => {
  const json = findPreset(name)!.build();
  edit(json);
  return runScenario(parseScenario(json)).trace;
};

/** The calls of a simulated trace, each link its own vantage point (as the visualizer's pass sees a run). */
function flows(trace: Trace) {
  const c = new SipFlowCollector();
  const pass = new DissectionPass({ spans: false }, [c]);
  for (const h of trace.hops) pass.hop({ bytes: h.bytes, index: h.index, t: h.t, vantage: h.link });
  pass.finish();
  return c.result();
}

describe('SIP call flows (sngrep)', () => {
  const trace = runPreset('janus-sip-call');
  const pcap = join(dir, 'janus-sip-call.pcapng');
  writeFileSync(pcap, writePcapng(trace));

  it('janus-sip-call: two registrations and one call by Call-ID, each message once though it crossed several links', () => {
    const calls = flows(trace);
    expect(calls.map((c) => `${c.method} ${c.state} ${String(c.messages.length)}`)).toEqual(['REGISTER 200 OK 4', 'REGISTER 200 OK 4', 'INVITE COMPLETED 11']);
    const call = calls[2]!;
    expect(call.messages.map(arrowLabel)).toEqual(['INVITE (SDP)', '100 Trying', '302 Moved Temporarily', 'ACK', 'INVITE (SDP)', '100 Trying', '180 Ringing', '200 OK (SDP)', 'ACK', 'BYE', '200 OK']);
    // the columns: the gateway's SIP port, the registrar (a redirect server), the phone the 302 named
    expect(call.endpoints).toEqual(['198.51.100.40:5070', '198.51.100.5:5060', '192.0.2.30:5060']);
    expect(call.messages.filter((m) => m.retransmission)).toEqual([]);
    expect(call.from).toMatch(/^<sip:1001@rtclab\.test>;tag=/);
  });

  it('rtclab dissect --call-flow draws the ladder: arrows between the right columns, times, deltas and frames; --json gives the same calls', async () => {
    const r = await dissectOutput([pcap, '--call-flow']);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    const head = lines.indexOf('SIP call 3: INVITE · COMPLETED · 11 message(s)');
    expect(head).toBeGreaterThan(0);
    const ladder = lines.slice(head + 5, head + 16);
    const col = (l: string): number[] => [...l].flatMap((ch, i) => (ch === '│' ? [i] : []));
    // the INVITE to the registrar ends at the second column; the INVITE after the 302 crosses it to the third
    expect(ladder[0]).toMatch(/^0\.204000 \+0\.000 +│─+ INVITE \(SDP\) ─+>│ +│  frame \d+$/);
    expect(ladder[4]).toMatch(/^0\.234000 \+0\.000 +│─+ INVITE \(SDP\) ─+>│  frame \d+$/);
    expect(ladder[7]).toMatch(/│<─+ 200 OK \(SDP\) ─+│  frame \d+$/);
    expect(ladder[9]).toMatch(/^6\.016000 \+4\.712 +│─+ BYE ─+>│  frame \d+$/);
    expect(col(ladder[0]!)).toHaveLength(3);
    expect(col(ladder[0]!)).toEqual(col(ladder[1]!));
    expect(lines[head + 4]!.split(/ +/).filter(Boolean)).toEqual(['198.51.100.40:5070', '198.51.100.5:5060', '192.0.2.30:5060']);
    const j = JSON.parse((await dissectOutput([pcap, '--call-flow', '--json'])).out) as { calls: { state: string; messages: { frame: number; label: string }[] }[] };
    expect(j.calls.map((c) => c.state)).toEqual(['200 OK', '200 OK', 'COMPLETED']);
    // the frames named are the capture's: the INVITE's line and the JSON agree
    expect(ladder[0]!.endsWith(`frame ${String(j.calls[2]!.messages[0]!.frame)}`)).toBe(true);
  });

  it('on a lossy link a message sent again is drawn again and marked a retransmission; the call still completes', () => {
    const lossy = runPreset('sip-register-call', (j) => {
      (j as unknown as { nodes: { desk: { link: Record<string, unknown> } } }).nodes.desk.link = { delay: '20ms', loss: 0.3 };
      (j as unknown as { seed: number }).seed = 3;
      (j as unknown as { duration: string }).duration = '12s';
    });
    const calls = flows(lossy);
    const again = calls.flatMap((c) => c.messages.filter((m) => m.retransmission));
    expect(again.length).toBeGreaterThan(0);
    // each retransmission repeats an earlier message from the same sender with the same CSeq
    for (const c of calls) {
      c.messages.forEach((m, i) => {
        if (m.retransmission) expect(c.messages.slice(0, i).some((p) => p.src === m.src && p.cseq === m.cseq && arrowLabel(p) === arrowLabel(m).replace(' [retransmission]', ''))).toBe(true);
      });
    }
    expect(calls.find((c) => c.method === 'INVITE')?.state).toBe('COMPLETED');
  });

  it('states as sngrep names them, from the last INVITE transaction and what followed', () => {
    let t = 0;
    const req = (method: string, cseq = `1 ${method}`): SipFlowMessage => ({ frame: 1, t: t++, src: 'a', dst: 'b', method, cseq, sdp: false, retransmission: false });
    const res = (status: number, cseq = '1 INVITE'): SipFlowMessage => ({ frame: 1, t: t++, src: 'b', dst: 'a', status, reason: '', cseq, sdp: false, retransmission: false });
    expect(callState([req('INVITE'), res(100), res(180)])).toBe('CALL SETUP');
    expect(callState([req('INVITE'), res(200), req('ACK')])).toBe('IN CALL');
    expect(callState([req('INVITE'), res(486), req('ACK')])).toBe('BUSY');
    expect(callState([req('INVITE'), res(603), req('ACK')])).toBe('REJECTED');
    expect(callState([req('INVITE'), res(302), req('ACK')])).toBe('DIVERTED');
    // a 407 answered with credentials: the INVITE that follows decides
    expect(callState([req('INVITE'), res(407), req('ACK'), req('INVITE', '2 INVITE')])).toBe('CALL SETUP');
    expect(callState([req('INVITE'), res(180), req('CANCEL'), res(200, '1 CANCEL'), res(487)])).toBe('CANCELLED');
    expect(callState([req('OPTIONS')])).toBe('no answer');
  });
});
