// The ICE+DTLS+SRTP transport alone, two of them wired by hand with no network: each datagram is handed to the other
// side at once, the agents' descriptions are carried directly. It pins what the peer and the SFU both rely on.
import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { generateDtlsIdentity } from '../dtls/identity.ts';
import { IceAgent } from '../ice/agent.ts';
import { IceDtlsSrtpTransport } from './transport.ts';

const RTP = Uint8Array.from([0x80, 111, 0, 1, 0, 0, 0, 160, 0x12, 0x34, 0x56, 0x78, 1, 2, 3, 4]);

function pair(serverStartsAt: Micros, clientDeadline?: { at: Micros; reason: string }) {
  const rng = Rng.fromSeed(3);
  const ids = { client: generateDtlsIdentity(rng.fork('client-id'), 'client'), server: generateDtlsIdentity(rng.fork('server-id'), 'server') };
  const agents = {
    client: new IceAgent({ name: 'client', rng: rng.fork('client-ice'), role: 'controlling', trickle: false }),
    server: new IceAgent({ name: 'server', rng: rng.fork('server-ice'), role: 'controlled', trickle: false }),
  };
  agents.client.addLocalAddress({ ip: '10.0.0.1', port: 5000 });
  agents.server.addLocalAddress({ ip: '10.0.0.2', port: 6000 });
  const received: { side: string; kind: string; plain: Uint8Array | undefined }[] = [];
  const make = (side: 'client' | 'server', other: 'client' | 'server'): IceDtlsSrtpTransport => {
    let sent = false;
    const t: IceDtlsSrtpTransport = new IceDtlsSrtpTransport(agents[side], {
      afterIcePoll: (now) => {
        for (const s of agents[side].takeSignals()) agents[other].handleSignal(now, s);
      },
      media: (_now, kind, bytes) => {
        const r = kind === 'rtp' ? t.srtp!.unprotectRtp(bytes) : t.srtp!.unprotectRtcp(bytes);
        received.push({ side, kind, plain: r.ok ? r.bytes : undefined });
      },
      // the client sends one RTP packet once keyed
      produce: (now) => {
        if (side !== 'client' || sent) return { sent: false, next: undefined };
        const r = t.srtp!.protectRtp(RTP);
        sent = r.ok && t.send(now, r.bytes);
        return { sent, next: undefined };
      },
      deadline: (now) => (side === 'client' && clientDeadline && clientDeadline.at > now ? clientDeadline : undefined),
    });
    return t;
  };
  const client = make('client', 'server');
  const server = make('server', 'client');
  client.startDtls({ role: 'client', rng: rng.fork('client-dtls'), identity: ids.client, remoteFingerprint: ids.server.fingerprint });
  const sides = [[client, server], [server, client]] as const;
  let now = 0;
  for (let step = 0; step < 20_000 && now < 5_000_000; step++) {
    if (!server.dtls && now >= serverStartsAt) server.startDtls({ role: 'server', rng: rng.fork('server-dtls'), identity: ids.server, remoteFingerprint: ids.client.fingerprint });
    let next = Infinity;
    let moved = false;
    for (const [t, o] of sides) {
      for (;;) {
        const out = t.poll(now);
        if (out.type === 'transmit') {
          o.handleDatagram(now, out.from, out.to, out.bytes);
          moved = true;
        } else if (out.type === 'timeout') {
          next = Math.min(next, out.at);
          break;
        } else if (out.type === 'idle') break;
      }
    }
    if (received.length > 0) break;
    if (moved) continue;
    now = Math.max(now + 1, Math.min(next, serverStartsAt > now ? serverStartsAt : Infinity));
    for (const [t] of sides) t.handleTimeout(now);
  }
  return { client, server, received };
}

describe('the ICE+DTLS+SRTP transport', () => {
  it('runs DTLS over the ICE-selected pair, keys SRTP on both sides, and hands the other side\'s RTP to its owner decrypted', () => {
    const { client, server, received } = pair(0);
    expect(client.dtls?.state).toBe('connected');
    expect(server.dtls?.state).toBe('connected');
    expect(client.selected?.id).toBe(client.agent.selected?.id);
    expect(server.dtls?.remote).toEqual(server.agent.selected?.remote.address);
    expect(client.srtp?.profile.name).toBe(server.srtp?.profile.name);
    expect(received).toEqual([{ side: 'server', kind: 'rtp', plain: RTP }]);
    expect(client.counters.datagramsOut).toBeGreaterThan(0);
    expect(server.counters.beforeKeys).toBe(0);
  });

  it('holds DTLS that arrives before its DTLS starts and hands it over when it starts', () => {
    const { server, received } = pair(300_000);
    expect(server.counters.dtlsBuffered).toBeGreaterThan(0);
    expect(server.dtls?.state).toBe('connected');
    expect(received).toHaveLength(1);
  });

  it('sleeps until the earliest deadline of its parts (ICE, DTLS, its owner\'s), with that part\'s reason', () => {
    const far = pair(0, { at: 60_000_000, reason: 'owner' }).client.poll(4_000_000);
    expect(far.type).toBe('timeout');
    if (far.type === 'timeout') {
      expect(far.at).toBeLessThan(60_000_000);
      expect(far.reason).not.toBe('owner');
    }
    expect(pair(0, { at: 4_000_001, reason: 'owner' }).client.poll(4_000_000)).toEqual({ type: 'timeout', at: 4_000_001, reason: 'owner' });
  });
});
