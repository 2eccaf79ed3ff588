// The diagnosis over every preset and every kept capture: each failing preset is diagnosed with its cause (and the
// evidence points at real hops and notes), and a run or capture of a call that worked has no failure finding.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/parse.ts';
import { listPresets } from '../scenario/presets/index.ts';
import { matrixScenario, type MatrixSide } from '../scenario/presets/ice-pair.ts';
import { runScenario } from '../scenario/run.ts';
import { applySet } from '../scenario/set.ts';
import { diagnoseCapture } from './diagnose-capture.ts';
import { readCapture } from '../wire/pcap/capture-reader.ts';
import { CAPTURES_DIR } from '../../test/captures.ts';
import { diagnose, type Diagnosis } from './diagnose.ts';
import type { Trace } from '../core/trace.ts';

/** Presets that fail or degrade on purpose, and the causes (with their subject) the diagnosis must name. */
const EXPECTED: Readonly<Record<string, readonly string[]>> = {
  'dtls-mitm-fingerprint-mismatch': ['failure dtls.fingerprint-mismatch alice'],
  'fail-turn-wrong-password': ['failure turn.auth alice', 'failure turn.auth bob', 'failure ice.nat-mapping alice', 'failure ice.nat-mapping bob'],
  // the TURN server allows no allocation (userQuota 0): each authenticated Allocate gets 486, then the NATs' mapping dooms ICE
  'fail-turn-quota': ['failure turn.quota alice', 'failure turn.quota bob', 'failure ice.nat-mapping alice', 'failure ice.nat-mapping bob'],
  'fail-udp-blocked-no-tcp-turn': ['failure stun.udp-blocked alice', 'failure turn.udp-blocked alice', 'failure ice.firewall alice', 'failure ice.firewall bob'],
  'fail-symmetric-no-turn': ['failure ice.nat-mapping alice', 'failure ice.nat-mapping bob'],
  'fail-dtls-both-active': ['failure dtls.both-client alice and bob'],
  'fail-dtls-both-passive': ['failure dtls.both-server alice and bob'],
  // bob's receive key is corrupted on purpose (webrtc-peer's corruptSrtpKey): every packet from alice fails its auth tag
  'fail-srtp-auth': ['failure srtp.auth bob'],
  // alice sends on SSRCs she never signaled, without the MID extension (webrtc-peer's rtpFaults): bob places none of it
  'fail-unknown-ssrc': ['failure media.unknown-ssrc bob'],
  'ice-consent-restart': ['degradation ice.consent-lost alice', 'degradation ice.consent-lost bob'],
  'dtls-lossy-retransmit': ['degradation media.loss alice', 'degradation media.loss bob'],
  // on seed 7 with wire signaling and libwebrtc's nomination the call selects a direct pair: only the loss degrades it
  'call-lossy': ['degradation media.loss alice', 'degradation media.loss bob'],
  // a faulty signaling server (its mangle rules, sim/scenario/presets/signaling-faults.ts): what it changed, and what that broke
  'fail-candidates-lost': ['failure ice.nat-filtering alice', 'failure ice.unroutable bob', 'failure signaling.candidates-lost alice', 'failure signaling.rewritten server'],
  'call-no-end-of-candidates': ['degradation signaling.message-lost alice', 'degradation signaling.message-lost bob', 'degradation signaling.rewritten server'],
  'fail-ice-pwd-mismatch': ['failure ice.check-unauthorized alice', 'failure signaling.rewritten server'],
  'call-no-common-audio-codec': ['degradation sdp.no-common-codec bob', 'degradation signaling.rewritten server'],
  // bob, the DTLS client, answers alice's ClientHello with an unexpected_message alert (RFC 5246 §7.2.2)
  'fail-setup-both-active': ['failure dtls.alert bob', 'failure sdp.setup-both-active bob and alice', 'failure signaling.rewritten server'],
  'fail-setup-both-passive': ['failure sdp.setup-both-passive bob and alice', 'failure signaling.rewritten server'],
  'call-one-way-media': ['degradation media.one-way alice', 'degradation signaling.rewritten server'],
  // degraded on purpose: a dead STUN port, lossy links, UDP blocked so that TURN goes over TLS
  'ice-stun-port-unreachable': ['degradation stun.unreachable alice'],
  'dtls13-lossy-retransmit': ['degradation media.loss alice', 'degradation media.loss bob'],
  'dtls13-hybrid-lossy': ['degradation media.loss alice', 'degradation media.loss bob'],
  'call-turn-tls-443': ['degradation turn.udp-blocked alice'],
  'call-sfu-lossy': ['degradation media.loss carol'],
  // ---- diag2: TURN errors (sim/scenario/presets/failures-turn.ts; turn-stale-nonce-recovered recovers: no finding)
  // alice's relay is the only way, and the server's denied range refuses the ChannelBind for bob's NAT (403)
  'fail-turn-peer-forbidden': ['failure turn.peer-forbidden alice', 'failure ice.nat-mapping alice', 'failure ice.nat-mapping bob'],
  // alice restarts on the same socket: her new Allocate meets the allocation the server still holds (437)
  'fail-turn-allocation-mismatch': ['failure turn.allocation-mismatch alice'],
  // bob does not retry the 438 of his ChannelBind refresh: his permission for alice lapses, consent is lost both ways
  'fail-turn-stale-nonce': ['failure turn.stale-nonce bob', 'failure ice.consent-lost alice', 'failure ice.consent-lost bob'],
  // a DPI box before alice drops every DTLS datagram: bob's ClientHello flight is retransmitted 7 times, then he gives up
  'fail-dtls-blocked': ['failure dtls.timeout bob'],
  // a mediasoup server behind a 1:1 NAT that announces its private listen address (no announcedAddress)
  'mediasoup-1to1-nat-no-announced': ['failure ice.private-candidate alice', 'failure ice.private-candidate carol'],
  // ICE agents that break RFC 8445 on purpose (an ice-agent's faults, sim/scenario/presets/ice-failures.ts)
  'fail-ice-role-conflict': ['failure ice.role-conflict alice'],
  'fail-ice-bad-request': ['failure ice.check-bad-request alice'],
  'fail-ice-no-response': ['failure ice.no-response alice'],
  // alice (regular nomination) nominates a relayed pair before the direct candidates arrive, and keeps it
  'call-relay-over-direct': ['degradation ice.relay-selected alice'],
  // the Wi-Fi drops at 5 s: what Bob sent in the 0.35 s before the call is on cellular is lost (22 of 990 packets)
  'gather-continual': ['degradation media.loss alice'],
  // a STUN server answering from its other address: alice's NAT drops every answer
  'ice-stun-answer-filtered': ['degradation stun.answer-filtered alice'],
};

function causes(d: Diagnosis): string[] {
  return d.findings.map((f) => `${f.severity} ${f.cause} ${f.subject}`).sort();
}

function evidenceIsReal(d: Diagnosis, trace: Pick<Trace, 'hops' | 'notes'>, hops: number): void {
  for (const f of d.findings) {
    expect(f.evidence.hops.length + f.evidence.notes.length, `${f.cause} rests on something`).toBeGreaterThan(0);
    for (const e of [f.evidence, ...f.details.map((x) => x.evidence)]) {
      for (const h of e.hops) expect(h).toBeLessThan(hops);
      for (const n of e.notes) expect(trace.notes[n]).toBeDefined();
    }
  }
}

describe('diagnosis of every preset', () => {
  for (const p of listPresets()) {
    it(`${p.name}: ${EXPECTED[p.name] ? 'names its causes' : 'finds nothing wrong'}`, () => {
      const r = runScenario(parseScenario(p.build()));
      const d = diagnose(r.trace);
      evidenceIsReal(d, r.trace, r.trace.hops.length);
      const want = EXPECTED[p.name];
      if (want) expect(causes(d)).toEqual([...want].sort());
      // a run that works as it should has no finding at all: no failure, and no degradation it does not have (a
      // data-channel-only call once read as one-way media)
      else expect(d.findings.map((f) => `${f.severity} ${f.cause}: ${f.text}`)).toEqual([]);
    }, 600_000);
  }
});

/** Matrix cells (sim/matrix) whose causes no preset shows alone. */
const CELLS: readonly { a: MatrixSide; b: MatrixSide; turn: boolean; alicePassword?: string; want: readonly string[] }[] = [
  // natB's port-dependent filtering drops alice's checks to bob's srflx port; natB's symmetric mapping dooms bob's
  { a: 'port-restricted-cone', b: 'symmetric', turn: false, want: ['failure ice.nat-filtering alice', 'failure ice.nat-mapping bob'] },
  // bob's relay still connects them: alice's wrong TURN password only costs her own relay
  { a: 'symmetric', b: 'symmetric', turn: true, alicePassword: 'wrong', want: ['degradation turn.auth alice'] },
];

describe('diagnosis of matrix cells', () => {
  for (const c of CELLS) {
    it(`alice ${c.a}, bob ${c.b}, ${c.turn ? 'TURN' : 'no TURN'}${c.alicePassword ? ', wrong TURN password for alice' : ''}: ${c.want.join(', ')}`, () => {
      const raw = matrixScenario(c.a, c.b, { turn: c.turn, ...(c.alicePassword ? { alice: { turn: [{ server: '198.51.100.10:3478', username: 'alice', password: c.alicePassword }] } } : {}) });
      const r = runScenario(parseScenario(raw));
      const d = diagnose(r.trace);
      evidenceIsReal(d, r.trace, r.trace.hops.length);
      expect(causes(d)).toEqual([...c.want].sort());
      // the fix of the filtering finding names the NAT whose behaviour would have let the checks in
      for (const f of d.findings) expect(f.fix).not.toBe('');
    }, 600_000);
  }
});

describe('diagnosis of a sweep run', () => {
  // one run of docs/sweeps.md's example sweep: both agents selected a pair at ~2.7 s, then 20% loss on alice's link
  // took two consent checks in a row (each crosses it twice) and both were disconnected when the trace ended. They
  // were connected: the finding says so, and no "never connected" finding about their pairs stands beside it
  it('ice-symmetric-turn, bob behind a full cone, 20% loss on alice\'s link, seed 1: disconnected, not never connected', () => {
    let raw: unknown = listPresets().find((p) => p.name === 'ice-symmetric-turn')!.build();
    raw = applySet(applySet(raw, 'peers.bob.nat=full-cone'), 'nodes.alice.link.loss=0.2');
    const r = runScenario(parseScenario(raw), { seed: 1 });
    const d = diagnose(r.trace);
    evidenceIsReal(d, r.trace, r.trace.hops.length);
    expect(causes(d)).toEqual(['failure ice.disconnected alice', 'failure ice.disconnected bob']);
    for (const f of d.findings) {
      expect(f.text).toMatch(/was connected on .+ at 2\.\d+ s, then disconnected at 12\.\d+ s/);
      expect(f.text).toContain('dropped on link alice-lan (loss)');
      expect(f.fix).toMatch(/lower the loss on link alice-lan/);
    }
  }, 600_000);
});

/** Kept captures of calls that failed on purpose, and the causes their diagnosis must name. */
const FAILED_CAPTURES: Readonly<Record<string, readonly string[]>> = {
  // Chromium got our answer with a wrong a=fingerprint: as DTLS server it refuses our certificate (packet 21)
  'chromium-fingerprint-mismatch/chromium-fingerprint-mismatch.pcapng': ['failure dtls.certificate-rejected 192.0.2.2:50549'],
  // Chromium given coturn with a wrong password: each interface's authenticated Allocate refused with 401 again
  'chromium-turn-wrong-password/chromium-turn-wrong-password.pcapng': ['failure turn.auth 127.0.0.1:34258', 'failure turn.auth 192.0.2.2:36767'],
  // a Linux firewall (netns, nftables) drops UDP: the Binding and the Allocate over UDP die there, TURN over TCP relays
  'netns-udp-blocked/netns-udp-blocked.pcapng': ['degradation stun.udp-blocked 10.0.0.2:60980', 'degradation turn.udp-blocked 10.0.0.2:34886'],
  // a real Chromium call, relay only, whose TURN server's netns drops UDP to 3478: its UDP Binding and Allocate die
  // there, its Allocate over TCP gets the relay the call runs through
  'chromium-turn-tcp-fallback/chromium-turn-tcp-fallback.pcapng': ['degradation stun.udp-blocked 198.51.100.2:58776', 'degradation turn.udp-blocked 198.51.100.2:58776'],
};

describe('diagnosis of every kept capture', () => {
  for (const dir of readdirSync(CAPTURES_DIR, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    const files = readdirSync(CAPTURES_DIR + dir.name, { recursive: true, encoding: 'utf8' }).filter((f) => /\.pcapng?$/.test(f));
    for (const f of files) {
      const name = `${dir.name}/${f}`;
      const want = FAILED_CAPTURES[name];
      it(`${name}: ${want ? 'names its causes' : 'a call that worked, no failure'}`, () => {
        const capture = readCapture(new Uint8Array(readFileSync(`${CAPTURES_DIR}${name}`)));
        const { diagnosis: d, notes, packets } = diagnoseCapture(capture);
        evidenceIsReal(d, { hops: [], notes }, packets);
        if (want) expect(causes(d)).toEqual([...want].sort());
        else expect(d.findings.filter((x) => x.severity === 'failure').map((x) => x.text)).toEqual([]);
      }, 600_000);
    }
  }
});
