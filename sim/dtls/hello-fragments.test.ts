// A ClientHello in several fragments over several datagrams (RFC 6347 §4.2.3, RFC 9147 §5.5), as Chromium's
// X25519MLKEM768 hello arrives: both servers join it in bounded per-source buffers before their stateless answer
// (hello-assembly.ts), and every lie a fragment can tell gives a note, no answer and no throw.
import { describe, expect, it } from 'vitest';
import { toHex } from '../core/encoding.ts';
import { Rng } from '../core/rng.ts';
import type { EndpointOutput, TransportAddress } from '../core/endpoint.ts';
import { encodeHandshakeFragment, HANDSHAKE_HEADER_SIZE } from '../wire/dtls/handshake.ts';
import { decodeRecords, encodeRecord } from '../wire/dtls/record.ts';
import { ContentType, HandshakeType } from '../wire/handshake/names.ts';
import { DtlsEndpoint } from './endpoint.ts';
import { HELLO_ASSEMBLY_LIMITS } from './hello-assembly.ts';
import { generateDtlsIdentity } from './identity.ts';
import { createDtlsEndpoint, type AnyDtlsEndpoint } from './v13/factory.ts';
import { versionedPair } from './v13/test-pair.ts';
import { dtlsPair } from './test-pair.ts';

const HYBRID = { versions: ['1.3', '1.2'] as const, groups13: ['x25519mlkem768', 'x25519'] as const };
const SERVER = { ip: '10.0.0.2', port: 6000 };
const CLIENT = { ip: '10.0.0.1', port: 5000 };
const rng = Rng.fromSeed(13);
const serverId = generateDtlsIdentity(rng.fork('s'), 'server');
const clientId = generateDtlsIdentity(rng.fork('c'), 'client');
let streams = 0;
const fresh = (): Rng => Rng.fromSeed(2000 + ++streams);
const notes = (net: { trace: { notes: readonly { kind: string; source: string; data?: unknown }[] } }, kind: string) => net.trace.notes.filter((n) => n.kind === kind);

function drain(e: AnyDtlsEndpoint, now: number): EndpointOutput[] {
  const out: EndpointOutput[] = [];
  for (;;) {
    const o = e.poll(now);
    if (o.type === 'timeout' || o.type === 'idle') return out;
    out.push(o);
  }
}
const sent = (outs: EndpointOutput[]): Uint8Array[] => outs.flatMap((o) => (o.type === 'transmit' ? [o.bytes] : []));
const noteTexts = (outs: EndpointOutput[], kind: string): string[] => outs.flatMap((o) => (o.type === 'note' && o.kind === kind ? [o.text] : []));

/** A hybrid 1.3+1.2 client's first ClientHello: its whole body and message_seq. */
function hybridHelloBody(): Uint8Array {
  const c = createDtlsEndpoint({ role: 'client', rng: fresh(), identity: clientId, local: CLIENT, remote: SERVER, ...HYBRID });
  const pieces = sent(drain(c, 0)).flatMap((d) => decodeRecords(d, { spans: false }).value);
  const parts: Uint8Array[] = [];
  let length = 0;
  for (const r of pieces) {
    if (r.kind !== 'dtls12') continue;
    const f = r.fragment;
    length = (f[1]! << 16) | (f[2]! << 8) | f[3]!;
    parts.push(f.subarray(HANDSHAKE_HEADER_SIZE));
  }
  const body = new Uint8Array(length);
  // our client sends its fragments in order
  let off = 0;
  for (const p of parts) {
    body.set(p, off);
    off += p.length;
  }
  return body;
}

/** One datagram: one record (sequence `seq`) with one ClientHello fragment. */
function frag(body: Uint8Array, offset: number, length: number, seq: number, opts: { claimed?: number; messageSeq?: number; bytes?: Uint8Array } = {}): Uint8Array {
  const piece = opts.bytes ?? body.subarray(offset, offset + length);
  return encodeRecord({ contentType: ContentType.handshake, epoch: 0, sequenceNumber: seq, fragment: encodeHandshakeFragment(HandshakeType.client_hello, opts.messageSeq ?? 0, opts.claimed ?? body.length, offset, piece) });
}

const servers: [string, () => AnyDtlsEndpoint][] = [
  ['the DTLS 1.2-only server', () => new DtlsEndpoint({ role: 'server', rng: fresh(), identity: serverId, local: SERVER })],
  ['the 1.3+1.2 server', () => createDtlsEndpoint({ role: 'server', rng: fresh(), identity: serverId, local: SERVER, versions: ['1.3', '1.2'] })],
];

/**
 * Runs a call by hand, 10 ms each way, cutting every datagram of the client that is one whole ClientHello into two
 * records in two datagrams (the second record numbered 2^32 above the first, clear of the client's own numbers),
 * as a client with a small MTU or a big key share sends it. Returns how many hellos it split.
 */
function relayCall(client: AnyDtlsEndpoint, server: AnyDtlsEndpoint): number {
  const q: { at: number; to: AnyDtlsEndpoint; from: TransportAddress; bytes: Uint8Array }[] = [];
  let now = 0;
  let split = 0;
  const deadlines = new Map<AnyDtlsEndpoint, number>();
  const cut = (d: Uint8Array): Uint8Array[] => {
    const recs = decodeRecords(d, { spans: false }).value;
    const r = recs[0];
    if (recs.length !== 1 || !r || r.kind !== 'dtls12' || r.epoch !== 0 || r.fragment[0] !== HandshakeType.client_hello) return [d];
    const body = r.fragment.subarray(HANDSHAKE_HEADER_SIZE);
    const seq = (r.fragment[4]! << 8) | r.fragment[5]!;
    const half = body.length >> 1;
    split++;
    return [frag(body, 0, half, r.sequenceNumber, { messageSeq: seq }), frag(body, half, body.length - half, r.sequenceNumber + 2 ** 32, { messageSeq: seq })];
  };
  for (let step = 0; step < 500 && now < 10_000_000; step++) {
    for (const [e, other] of [[client, server], [server, client]] as const) {
      for (;;) {
        const o = e.poll(now);
        if (o.type === 'transmit') for (const d of e === client ? cut(o.bytes) : [o.bytes]) q.push({ at: now + 10_000, to: other, from: e.local, bytes: d });
        else if (o.type === 'timeout') {
          deadlines.set(e, o.at);
          break;
        } else if (o.type === 'idle') {
          deadlines.delete(e);
          break;
        }
      }
    }
    if (client.state === 'connected' && server.state === 'connected') break;
    const next = Math.min(...q.map((x) => x.at), ...deadlines.values());
    if (!Number.isFinite(next)) break;
    now = next;
    for (const x of q.filter((y) => y.at <= now)) x.to.handleDatagram(now, x.from, x.to.local, x.bytes);
    q.splice(0, q.length, ...q.filter((y) => y.at > now));
    for (const [e, at] of deadlines) if (at <= now) e.handleTimeout(now);
  }
  return split;
}

/** The stateless answer: a HelloVerifyRequest (1.2) or a HelloRetryRequest (a ServerHello, 1.3), one record. */
function answerType(datagrams: Uint8Array[]): string {
  const r = datagrams.flatMap((d) => decodeRecords(d, { spans: false }).value)[0];
  if (!r || r.kind !== 'dtls12') return 'none';
  return r.fragment[0] === HandshakeType.hello_verify_request ? 'HelloVerifyRequest' : r.fragment[0] === HandshakeType.server_hello ? 'HelloRetryRequest' : `type ${r.fragment[0]}`;
}

describe('a ClientHello fragmented over two datagrams (RFC 6347 §4.2.3, RFC 9147 §5.5)', () => {
  it('our 1.2-only server joins the hybrid 1.3+1.2 client\'s two-datagram hellos, answers with a HelloVerifyRequest, and they agree on DTLS 1.2 without the downgrade sentinel', () => {
    const { net, client, server } = versionedPair({ client: HYBRID });
    net.run(5_000_000);
    expect([client.state, server.state]).toEqual(['connected', 'connected']);
    expect(server).toBeInstanceOf(DtlsEndpoint);
    const flights = notes(net, 'dtls.flight.sent').filter((n) => n.source === 'client/dtls').map((n) => (n.data as { datagrams: number }).datagrams);
    expect(flights.slice(0, 2)).toEqual([2, 2]); // ClientHello, and ClientHello with the cookie: two datagrams each
    const joined = notes(net, 'dtls.hello-fragments').map((n) => n.data as { event: string; fragments: number });
    expect(joined.map((j) => `${j.event} ${j.fragments}`)).toEqual(['joined 2', 'joined 2']);
    expect(notes(net, 'dtls.version')[0]!.data).toMatchObject({ version: 'DTLS 1.2' });
    // RFC 8446 §4.1.3: only a 1.3-capable server writes the sentinel; a 1.2-only one does not know it
    const sr = (server as DtlsEndpoint).session.serverRandom;
    expect(toHex(sr.subarray(24))).not.toBe('444f574e47524401');
    expect(toHex(client.session.srtpKeyingMaterial()!)).toBe(toHex(server.session.srtpKeyingMaterial()!));
  });

  it('a 1.2-only client whose ClientHellos arrive in two datagrams each gets DTLS 1.2 from both servers, with the downgrade sentinel from the 1.3-capable one only', () => {
    for (const [versions, sentinel] of [[['1.2'], false], [['1.3', '1.2'], true]] as const) {
      const server = createDtlsEndpoint({ role: 'server', rng: fresh(), identity: serverId, local: SERVER, versions });
      const client = new DtlsEndpoint({ role: 'client', rng: fresh(), identity: clientId, local: CLIENT, remote: SERVER });
      const split = relayCall(client, server);
      expect([client.state, server.state], versions.join('+')).toEqual(['connected', 'connected']);
      expect(split, 'ClientHellos split by the relay').toBe(2);
      const sr = (server.session as { serverRandom: Uint8Array }).serverRandom;
      expect(toHex(sr.subarray(24)) === '444f574e47524401', versions.join('+')).toBe(sentinel);
      expect(toHex(client.session.srtpKeyingMaterial()!)).toBe(toHex(server.session.srtpKeyingMaterial()!));
    }
  });

  it('a fragmented hello lost in part is answered once its retransmission completes it (lossy link, 1.2-only server)', () => {
    const { net, client, server } = versionedPair({ client: HYBRID, link: { delay: 20_000, loss: 0.3 }, seed: 4 });
    net.run(30_000_000);
    expect([client.state, server.state]).toEqual(['connected', 'connected']);
  });

  for (const [name, make] of servers) {
    describe(name, () => {
      it('answers the joined hello statelessly with the highest record sequence number of its fragments, keeping no buffer', () => {
        const s = make();
        const body = hybridHelloBody();
        s.handleDatagram(0, CLIENT, SERVER, frag(body, 700, body.length - 700, 8)); // the second half first
        expect(sent(drain(s, 0))).toEqual([]);
        s.handleDatagram(0, CLIENT, SERVER, frag(body, 0, 700, 7));
        const out = drain(s, 0);
        const answer = sent(out);
        expect(answerType(answer)).toBe(s instanceof DtlsEndpoint ? 'HelloVerifyRequest' : 'HelloRetryRequest');
        const rec = decodeRecords(answer[0]!, { spans: false }).value[0]!;
        expect(rec.kind === 'dtls12' && rec.sequenceNumber).toBe(8);
        expect(noteTexts(out, 'dtls.hello-fragments')).toEqual([expect.stringMatching(/joined from 2 fragments/)]);
        expect(s.state).toBe('connecting');
      });

      const lies: [string, (b: Uint8Array) => Uint8Array[], RegExp][] = [
        ['overlapping fragments that disagree', (b) => [frag(b, 0, 700, 1), frag(b, 600, 200, 2, { bytes: new Uint8Array(200).fill(0xee) })], /differ from an earlier fragment/],
        ['a second fragment claiming another length', (b) => [frag(b, 0, 700, 1), frag(b, 700, b.length - 700, 2, { claimed: b.length + 1 })], /earlier fragments said/],
        ['a huge claimed length (2^24 − 1)', (b) => [frag(b, 0, 700, 1, { claimed: 0xffffff })], /over the 8192-byte limit/],
        ['a fragment running past its claimed length', (b) => [frag(b, 0, 700, 1, { claimed: 600 })], /runs past the length/],
        ['message_seq going backwards', (b) => [frag(b, 0, 700, 1, { messageSeq: 5 }), frag(b, 700, b.length - 700, 2, { messageSeq: 3 })], /older than the message_seq 5/],
      ];
      for (const [what, build, why] of lies) {
        it(`${what}: a note naming the source, no answer, no throw; the honest hello is answered after`, () => {
          const s = make();
          const body = hybridHelloBody();
          const outs: EndpointOutput[] = [];
          expect(() => {
            for (const d of build(body)) {
              s.handleDatagram(0, CLIENT, SERVER, d);
              outs.push(...drain(s, 0));
            }
          }).not.toThrow();
          expect(sent(outs)).toEqual([]);
          const refused = noteTexts(outs, 'dtls.hello-fragments');
          expect(refused.length).toBeGreaterThan(0);
          expect(refused[0]).toMatch(why);
          expect(refused[0]).toMatch(/10\.0\.0\.1:5000/);
          expect(s.state).toBe('connecting');
          // a message_seq of 5 buffered: the honest hello with message_seq 0 counts as older and waits for expiry
          const later = what.startsWith('message_seq') ? 3_000_000 : 0;
          s.handleDatagram(later, CLIENT, SERVER, frag(body, 0, 700, 10));
          s.handleDatagram(later, CLIENT, SERVER, frag(body, 700, body.length - 700, 11));
          expect(answerType(sent(drain(s, later)))).not.toBe('none');
        });
      }

      it('a fragment older than the buffer\'s lifetime does not complete a hello: its buffer expired', () => {
        const s = make();
        const body = hybridHelloBody();
        s.handleDatagram(0, CLIENT, SERVER, frag(body, 0, 700, 1));
        s.handleDatagram(HELLO_ASSEMBLY_LIMITS.lifetime + 1, CLIENT, SERVER, frag(body, 700, body.length - 700, 2));
        expect(sent(drain(s, HELLO_ASSEMBLY_LIMITS.lifetime + 1))).toEqual([]);
      });

      it('half hellos from 200 spoofed sources keep at most 8 buffers (64 KiB); a real client that finishes its hello is still answered', () => {
        const s = make();
        const body = hybridHelloBody();
        for (let i = 0; i < 200; i++) {
          const spoofed: TransportAddress = { ip: `198.51.100.${i % 250}`, port: 1000 + i };
          expect(() => s.handleDatagram(i, spoofed, SERVER, frag(body, 0, 700, i))).not.toThrow();
        }
        const assembly = s instanceof DtlsEndpoint ? (s as unknown as { helloAssembly: { size: number; bytes: number } }).helloAssembly : (s as unknown as { gate: { assembly: { size: number; bytes: number } } }).gate.assembly;
        expect(assembly.size).toBe(HELLO_ASSEMBLY_LIMITS.maxSources);
        expect(assembly.bytes).toBeLessThanOrEqual(HELLO_ASSEMBLY_LIMITS.maxSources * HELLO_ASSEMBLY_LIMITS.maxLength);
        expect(sent(drain(s, 200))).toEqual([]);
        s.handleDatagram(300, CLIENT, SERVER, frag(body, 0, 700, 1));
        s.handleDatagram(300, CLIENT, SERVER, frag(body, 700, body.length - 700, 2));
        expect(answerType(sent(drain(s, 300)))).not.toBe('none');
        expect(assembly.size).toBe(HELLO_ASSEMBLY_LIMITS.maxSources - 1);
      });
    });
  }

  it('a whole hello in one datagram still needs no buffer (the 1.2 default pair is unchanged)', () => {
    const { net, client, server } = dtlsPair();
    net.run(5_000_000);
    expect([client.state, server.state]).toEqual(['connected', 'connected']);
    expect(notes(net, 'dtls.hello-fragments')).toEqual([]);
  });
});
