// The real capture of a Chromium call whose TURN server sits behind a firewall that drops UDP to it
// (captures/chromium-turn-tcp-fallback, made by bridge/udp-firewall-netns.ts): the diagnosis names TURN over UDP
// unanswered (turn.udp-blocked) and STUN Binding over UDP unanswered (stun.udp-blocked), cites exactly the frames
// tshark shows as those UDP requests, names the relay Chromium got over TCP (the one its getStats() says the call
// used), and says nothing else. Beside it, the rule on hand-written facts: when a retransmitted request counts as lost.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CAPTURES_DIR } from '../../test/captures.ts';
import { readCapture } from '../wire/pcap/capture-reader.ts';
import { diagnose } from './diagnose.ts';
import { diagnoseCapture } from './diagnose-capture.ts';

const DIR = `${CAPTURES_DIR}chromium-turn-tcp-fallback/`;
const NAME = 'chromium-turn-tcp-fallback';

interface Truth { readonly fields: readonly string[]; readonly stun: readonly string[]; readonly dropped: number; readonly packets: number }
const truth = JSON.parse(readFileSync(`${DIR}${NAME}.tshark.json`, 'utf8')) as Truth;
/** tshark's STUN frames as records by field name. */
const frames = truth.stun.map((line) => Object.fromEntries(line.split('\t').map((v, i) => [truth.fields[i]!, v])) as Record<string, string>);
const calls = JSON.parse(readFileSync(`${DIR}${NAME}.calls.json`, 'utf8')) as { localCandidate: { candidateType: string; relayProtocol: string; address: string; port: number }; pageState: Record<string, string> };

describe(`diagnosis of captures/${NAME}`, () => {
  const { diagnosis, packets } = diagnoseCapture(readCapture(new Uint8Array(readFileSync(`${DIR}${NAME}.pcapng`))));
  const udp = frames.filter((f) => f['udp.srcport'] !== '');
  const client = `${udp[0]!['ip.src']}:${udp[0]!['udp.srcport']}`;

  it('the capture: Chromium connected on a relay it got over TCP; every UDP request went unanswered, dropped by the firewall', () => {
    expect(packets).toBe(truth.packets);
    expect(calls.pageState).toEqual({ connection: 'connected', ice: 'connected', dtls: 'connected' });
    expect(calls.localCandidate).toMatchObject({ candidateType: 'relay', relayProtocol: 'tcp' });
    // requests only, from one socket, never a response over UDP; the firewall's counter covers them (and the
    // retransmissions after dumpcap stopped)
    expect(new Set(udp.map((f) => f['stun.type']))).toEqual(new Set(['0x0001', '0x0003']));
    expect(new Set(udp.map((f) => `${f['ip.src']}:${f['udp.srcport']}`))).toEqual(new Set([client]));
    expect(udp.length).toBeLessThanOrEqual(truth.dropped);
    // over TCP the same server answered the Allocate with the relayed address Chromium's stats name
    const success = frames.find((f) => f['stun.type'] === '0x0103')!;
    expect(success['tcp.srcport']).toBe('3478');
    expect(success['stun.att.ipv4']!.split(',')[0]).toBe(calls.localCandidate.address);
    expect(Number(success['stun.att.port']!.split(',')[0])).toBe(calls.localCandidate.port);
  });

  it('turn.udp-blocked: every Allocate transmission over UDP cited, the TCP relay named, a degradation', () => {
    const allocates = udp.filter((f) => f['stun.type'] === '0x0003');
    const f = diagnosis.findings.find((x) => x.cause === 'turn.udp-blocked')!;
    expect(f).toMatchObject({ severity: 'degradation', subject: client });
    for (const r of allocates) expect(f.evidence.hops).toContain(Number(r['frame.number']) - 1);
    expect(f.text).toContain(`1 transaction(s), ${allocates.length} transmission(s)`);
    const relay = `${calls.localCandidate.address}:${calls.localCandidate.port}`;
    // the client of that relay: the Allocate over TCP the success answers (same transaction id)
    const success = frames.find((x) => x['stun.type'] === '0x0103')!;
    const request = frames.find((x) => x['stun.type'] === '0x0003' && x['stun.id'] === success['stun.id'])!;
    expect(f.text).toContain(`allocated a relay (${relay}, to ${request['ip.src']}:${request['tcp.srcport']} over TCP)`);
    expect(f.text).toContain('the relay runs over TCP instead of UDP');
    expect(f.fix).toBe('let UDP from 198.51.100.2 to 198.51.100.1:3478 through the firewall (TURN over TCP works, at the cost of head-of-line blocking)');
    expect(f.facts).toMatchObject({ relayed: relay, tcpAllocated: 1 });
  });

  it('stun.udp-blocked for the Binding requests from the same socket, and nothing else', () => {
    const bindings = udp.filter((f) => f['stun.type'] === '0x0001');
    const f = diagnosis.findings.find((x) => x.cause === 'stun.udp-blocked')!;
    expect(f).toMatchObject({ severity: 'degradation', subject: client });
    for (const r of bindings) expect(f.evidence.hops).toContain(Number(r['frame.number']) - 1);
    expect(diagnosis.findings.map((x) => x.cause).sort()).toEqual(['stun.udp-blocked', 'turn.udp-blocked']);
  });
});

describe('capture-unanswered on hand-written facts: when a retransmitted request counts as lost', () => {
  const request = (packet: number, t: number, transport: 'UDP' | 'TCP', src: string, tid: string) => ({ packet, t, src, dst: '203.0.113.2:3478', transport, method: 'Allocate', tid, vantage: undefined });
  // an Allocate over UDP sent at 0, 0.25 and 0.75 s, never answered; one over TCP answered with a relay
  const facts = (end: number) => ({
    alerts: [], stunErrors: [], allocated: new Set(['10.0.0.2:5001']), relayed: new Map([['10.0.0.2:5001', '203.0.113.2:49152']]),
    serverRequests: [request(0, 0, 'UDP', '10.0.0.2:5000', 'aa'), request(1, 10_000, 'TCP', '10.0.0.2:5001', 'bb'), request(2, 250_000, 'UDP', '10.0.0.2:5000', 'aa'), request(3, 750_000, 'UDP', '10.0.0.2:5000', 'aa')],
    answered: new Set(['bb']), icmpRefused: new Set<string>(), seenOn: new Map(), end,
  });
  const run = (end: number) => diagnose({ meta: { source: 'capture' }, nodes: [], links: [], hops: [], notes: [], capture: facts(end) }).findings;

  it('lost once its first transmission is 1 s old at the end, though its last is younger (an answer to any would do)', () => {
    const [f, ...rest] = run(1_200_000);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ cause: 'turn.udp-blocked', severity: 'degradation', subject: '10.0.0.2:5000' });
    expect(f!.text).toContain('1 transaction(s), 3 transmission(s) from 0 s to 0.75 s');
    expect(f!.text).toContain('allocated a relay (203.0.113.2:49152, to 10.0.0.2:5001 over TCP)');
    expect(f!.facts).toMatchObject({ relayed: '203.0.113.2:49152', relayClient: '10.0.0.2:5001' });
  });

  it('not yet lost when the capture ends within 1 s of the first transmission', () => {
    expect(run(900_000)).toEqual([]);
  });
});
