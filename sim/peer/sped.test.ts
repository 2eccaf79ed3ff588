// SPED (draft-hancke-webrtc-sped, libwebrtc's DTLS-in-STUN piggybacking) between two webrtc-peers: the DTLS flights
// ride in Binding requests and responses with their CRC-32 acknowledgements, the handshake ends a round trip earlier
// (measured in virtual time at a fixed 200 ms RTT), and one side without SPED makes both run plain DTLS.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tsharkAvailable } from '../../test/support/tshark.ts';
import { runTwoPeerPreset } from '../../test/support/two-peer-preset.ts';
import type { Trace } from '../core/trace.ts';
import { AttrType, crc32, DtlsInStunAck, DtlsInStunData, getAttribute, hasAttribute, type StunMessage } from '../wire/stun/index.ts';
import type { WebRtcPeer } from './webrtc-peer.ts';

type Json = Record<string, unknown>;
const ALICE = '203.0.113.10';
const BOB = '203.0.113.20';

/** One STUN message on alice's access link: who sent it, when, what it is, and the summary of the DTLS it embeds. */
interface Check {
  readonly t: number;
  readonly src: string;
  readonly msg: StunMessage;
  readonly dtls: string | undefined;
}

interface Run {
  readonly trace: Trace;
  readonly alice: WebRtcPeer;
  readonly bob: WebRtcPeer;
  /** When each side's DTLS connected and its "chat" channel opened (µs). */
  readonly dtlsAt: { readonly alice: number; readonly bob: number };
  readonly openAt: { readonly alice: number; readonly bob: number };
  readonly checks: readonly Check[];
  /** Summaries of every DTLS layer our dissector reads (with the key log), and its problems. */
  readonly dtls: readonly string[];
  readonly problems: readonly string[];
  readonly pcap: Uint8Array;
  readonly keyLog: string;
}

function run(alice: boolean, bob: boolean, extra: Json = {}): Run {
  const r = runTwoPeerPreset('datachannel-sped', 'sped', { alice, bob }, extra);
  const checks: Check[] = [];
  const dtls: string[] = [];
  for (const { raw, p } of r.aliceLink) {
    const ip = p.layers.find((l) => l.protocol === 'IPv4');
    const stun = p.layers.find((l) => l.protocol === 'STUN');
    const inner = p.layers.find((l) => l.protocol === 'DTLS');
    if (inner) dtls.push(inner.summary);
    if (stun?.protocol === 'STUN' && stun.value && ip?.protocol === 'IPv4' && ip.value) checks.push({ t: raw.time?.us ?? 0, src: ip.value.src, msg: stun.value, dtls: inner?.summary });
  }
  const { trace, alice: a, bob: b, problems, pcap, keyLog } = r;
  return { trace, alice: a, bob: b, dtlsAt: { alice: a.dtls!.connectedAt!, bob: b.dtls!.connectedAt! }, openAt: { alice: r.openAt('alice', 'chat'), bob: r.openAt('bob', 'chat') }, checks, dtls, problems, pcap, keyLog };
}

const runs = new Map<string, Run>();
const cached = (alice: boolean, bob: boolean, extra: Json = {}): Run => {
  const k = `${alice}/${bob}/${JSON.stringify(extra)}`;
  if (!runs.has(k)) runs.set(k, run(alice, bob, extra));
  return runs.get(k)!;
};
const spedNotes = (r: Run, who: string): string[] => r.trace.notes.filter((n) => n.kind === 'peer.sped' && n.text.startsWith(`${who}:`)).map((n) => n.text);
const carriesSped = (m: StunMessage): boolean => hasAttribute(m, AttrType.DtlsInStunData) || hasAttribute(m, AttrType.DtlsInStunAck);

/** The preset's path: 50 ms each link, 100 ms one way, a 200 ms round trip. */
const RTT = 200_000;

describe('SPED on both sides (datachannel-sped)', () => {
  it("bob's first Binding request carries his ClientHello; alice's success response carries her HelloVerifyRequest and acknowledges it", () => {
    const r = cached(true, true);
    const fromBob = r.checks.filter((c) => c.src === BOB && c.msg.class === 'request');
    expect(fromBob[0]!.dtls).toMatch(/^Flight 1: ClientHello/);
    const hello = getAttribute(fromBob[0]!.msg, DtlsInStunData)!;
    expect(getAttribute(fromBob[0]!.msg, DtlsInStunAck)).toEqual([]);
    const answer = r.checks.find((c) => c.src === ALICE && c.msg.class === 'success' && c.dtls !== undefined)!;
    expect(answer.dtls).toMatch(/^Flight 2: HelloVerifyRequest/);
    expect(getAttribute(answer.msg, DtlsInStunAck)).toContain(crc32(hello));
    // the ClientHello left in a check before ICE had any working pair: bob's first check
    expect(r.checks.filter((c) => c.src === BOB)[0]).toBe(fromBob[0]);
  });

  it('every DTLS packet embedded one way is acknowledged by its CRC-32 in a later message the other way', () => {
    const r = cached(true, true);
    for (const [from, to] of [[ALICE, BOB], [BOB, ALICE]]) {
      const sent = r.checks.filter((c) => c.src === from && c.dtls !== undefined);
      expect(sent.length).toBeGreaterThan(0);
      const first = new Map<number, Check>(); // each distinct packet, where it was first embedded
      for (const c of sent) if (!first.has(crc32(getAttribute(c.msg, DtlsInStunData)!))) first.set(crc32(getAttribute(c.msg, DtlsInStunData)!), c);
      for (const [crc, c] of first) {
        const acked = r.checks.some((o) => o.src === to && o.t > c.t && getAttribute(o.msg, DtlsInStunAck)?.includes(crc));
        // alice's final flight, carried in her first consent check, is answered once bob is COMPLETE: his answer carries no ACK
        expect(acked || (from === ALICE && c.t > 2_000_000), `${from} ${c.dtls} at ${c.t}`).toBe(true);
      }
    }
    // at most 4 acknowledgements in any message
    expect(Math.max(...r.checks.map((c) => getAttribute(c.msg, DtlsInStunAck)?.length ?? 0))).toBeLessThanOrEqual(4);
  });

  it('DTLS connects and the data channel opens one round trip (200 ms) earlier than without SPED', () => {
    const on = cached(true, true);
    const off = cached(false, false);
    expect(off.checks.some((c) => carriesSped(c.msg))).toBe(false);
    expect({ alice: on.dtlsAt.alice / 1000, bob: on.dtlsAt.bob / 1000 }).toEqual({ alice: 550, bob: 650 });
    expect({ alice: off.dtlsAt.alice / 1000, bob: off.dtlsAt.bob / 1000 }).toEqual({ alice: 750, bob: 850 });
    expect(off.dtlsAt.alice - on.dtlsAt.alice).toBe(RTT);
    expect(off.dtlsAt.bob - on.dtlsAt.bob).toBe(RTT);
    expect(off.openAt.alice - on.openAt.alice).toBe(RTT);
    expect(off.openAt.bob - on.openAt.bob).toBe(RTT);
  });

  it('both sides go TENTATIVE → CONFIRMED → PENDING → COMPLETE, and then no check carries SPED attributes', () => {
    const r = cached(true, true);
    for (const who of ['alice', 'bob'] as const) {
      const states = spedNotes(r, who).filter((t) => t.includes(' → ')).map((t) => /→ (\w+)/.exec(t)![1]);
      expect(states, who).toEqual(['CONFIRMED', 'PENDING', 'COMPLETE']);
      expect(r[who].transport.sped!.state).toBe('complete');
      expect(r[who].summary().peer.sped).toMatchObject({ state: 'complete', ignored: 0 });
      expect((r[who].summary().peer.sped as { embedded: number }).embedded).toBeGreaterThan(0);
      expect(spedNotes(r, who).some((t) => t.includes('ignores'))).toBe(false);
    }
    const done = Math.max(...r.trace.notes.filter((n) => n.kind === 'peer.sped' && n.text.includes('→ COMPLETE')).map((n) => n.t));
    expect(r.checks.filter((c) => c.t > done + 1).some((c) => carriesSped(c.msg))).toBe(false);
    expect(r.checks.filter((c) => c.t > done + 1).length).toBeGreaterThan(0);
  });

  it('our dissector shows the embedded DTLS under the check and decrypts the embedded Finished with the key log', () => {
    const r = cached(true, true);
    expect(r.problems).toEqual([]);
    const embedded = r.checks.flatMap((c) => (c.dtls ? [c.dtls] : []));
    expect(embedded.some((s) => /Flight 6: ChangeCipherSpec, Finished.*decrypted: Finished/.test(s))).toBe(true);
  });

  it.skipIf(!tsharkAvailable())('tshark reads the capture, SPED checks included, with no malformed packet', () => {
    const r = cached(true, true);
    const dir = mkdtempSync(join(tmpdir(), 'rtclab-sped-'));
    try {
      writeFileSync(join(dir, 'sped.pcapng'), r.pcap);
      writeFileSync(join(dir, 'keys.txt'), r.keyLog);
      const out = execFileSync('tshark', ['-r', join(dir, 'sped.pcapng'), '-o', `tls.keylog_file:${join(dir, 'keys.txt')}`, '-Y', '_ws.malformed || _ws.expert.severity >= error'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      expect(out.trim()).toBe('');
      const stun = execFileSync('tshark', ['-r', join(dir, 'sped.pcapng'), '-Y', '_ws.expert.message == "Unknown attribute 0xc070"'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      expect(stun.trim().split('\n').length).toBeGreaterThan(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SPED on one side only: the fallback to plain DTLS', () => {
  for (const [alice, bob] of [[true, false], [false, true]] as const) {
    const on = alice ? 'alice' : 'bob';
    const off = alice ? 'bob' : 'alice';
    it(`with SPED on ${on} only, ${on} turns it OFF at ${off}'s first check or answer, and DTLS runs as without SPED`, () => {
      const r = cached(alice, bob);
      const plain = cached(false, false);
      expect(spedNotes(r, on)[0]).toContain('TENTATIVE → OFF (the peer sent a check without DTLS-IN-STUN attributes');
      expect(r[on].transport.sped!.state).toBe('off');
      expect(spedNotes(r, off)).toEqual([]);
      expect(r[on].summary().peer.sped).toMatchObject({ state: 'off', received: 0 });
      expect(r[off].summary().peer.sped).toBeUndefined();
      const offIp = off === 'alice' ? ALICE : BOB;
      expect(r.checks.filter((c) => c.src === offIp).some((c) => carriesSped(c.msg))).toBe(false);
      // once OFF, nothing is embedded any more
      const offAt = r.trace.notes.find((n) => n.kind === 'peer.sped' && n.text.includes('→ OFF'))!.t;
      expect(r.checks.filter((c) => c.t > offAt + 1 && c.src !== offIp).some((c) => carriesSped(c.msg))).toBe(false);
      expect(r.dtlsAt).toEqual(plain.dtlsAt);
      expect(r.openAt).toEqual(plain.openAt);
      expect(r.problems).toEqual([]);
    });
  }
});

describe('SPED with DTLS 1.3 (RFC 9147)', () => {
  const v13 = { versions: ['1.3', '1.2'] };
  const pq = { ...v13, groups13: ['x25519mlkem768', 'x25519'], keyShares13: ['x25519mlkem768'] };
  const ms = (r: Run): { alice: number; bob: number } => ({ alice: r.dtlsAt.alice / 1000, bob: r.dtlsAt.bob / 1000 });

  it('DTLS 1.3 with X25519 connects one round trip earlier too: ClientHello in a check, ServerHello in its answer, the encrypted flights decrypted', () => {
    const on = cached(true, true, v13);
    const off = cached(false, false, v13);
    expect([on.alice.dtls!.state, on.bob.dtls!.state]).toEqual(['connected', 'connected']);
    expect(ms(on)).toEqual({ alice: 550, bob: 450 });
    const embedded = on.checks.filter((c) => c.dtls !== undefined);
    expect(embedded.find((c) => c.src === BOB && c.msg.class === 'request')!.dtls).toMatch(/^ClientHello \(offers DTLS 1\.3/);
    expect(embedded.find((c) => c.src === ALICE && c.msg.class === 'success')!.dtls).toMatch(/^ServerHello \(DTLS 1\.3\)/);
    // the encrypted records embedded in checks are decrypted with the key log
    expect(embedded.some((c) => c.src === BOB && c.dtls!.includes('[decrypted: Certificate, CertificateVerify, Finished]'))).toBe(true);
    expect(ms(off)).toEqual({ alice: 750, bob: 650 });
    expect(on.problems).toEqual([]);
  });

  it('with the X25519MLKEM768 hybrid the ClientHello takes two 900-byte-MTU datagrams, one per check: only 50 ms are saved', () => {
    const on = cached(true, true, pq);
    const off = cached(false, false, pq);
    const hello = on.checks.filter((c) => c.src === BOB && c.dtls !== undefined).map((c) => getAttribute(c.msg, DtlsInStunData)!.length);
    expect(hello.slice(0, 2)).toEqual([900, 477]);
    expect(ms(on)).toEqual({ alice: 700, bob: 600 });
    expect(ms(off)).toEqual({ alice: 750, bob: 650 });
  });
});
