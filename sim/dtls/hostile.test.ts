// A DTLS endpoint against forged and malformed records: nothing an unauthenticated sender does can throw out of it
// or tear down an association (RFC 6347 §4.1.2.7: invalid records are silently discarded).
import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.ts';
import { encodeAlert } from '../wire/handshake/alert.ts';
import { AlertDescription, AlertLevel, ContentType } from '../wire/handshake/names.ts';
import { encodeRecord } from '../wire/dtls/record.ts';
import { DtlsEndpoint } from './endpoint.ts';
import { generateDtlsIdentity } from './identity.ts';
import { DTLS_1_2 } from './record-layer.ts';
import { dtlsPair } from './test-pair.ts';

const SERVER = { ip: '10.0.0.2', port: 6000 };
const CLIENT = { ip: '10.0.0.1', port: 5000 };
const rng = Rng.fromSeed(9);
const serverId = generateDtlsIdentity(rng.fork('s'), 'server');
const clientId = generateDtlsIdentity(rng.fork('c'), 'client');
let streams = 0;
const fresh = (): Rng => Rng.fromSeed(1000 + ++streams);

/** The first datagram a fresh client sends: one record holding its ClientHello. */
function clientHello(): Uint8Array {
  const c = new DtlsEndpoint({ role: 'client', rng: fresh(), identity: clientId, local: CLIENT, remote: SERVER });
  for (;;) {
    const o = c.poll(0);
    if (o.type === 'transmit') return o.bytes;
    if (o.type !== 'note') throw new Error(`no ClientHello, got ${o.type}`);
  }
}

function drain(e: DtlsEndpoint, now: number): Uint8Array[] {
  const sent: Uint8Array[] = [];
  for (;;) {
    const o = e.poll(now);
    if (o.type === 'transmit') sent.push(o.bytes);
    else if (o.type === 'timeout' || o.type === 'idle') return sent;
  }
}

function withSequence(datagram: Uint8Array, seq: number): Uint8Array {
  const d = datagram.slice();
  new DataView(d.buffer).setUint16(5, Math.floor(seq / 2 ** 32));
  new DataView(d.buffer).setUint32(7, seq % 2 ** 32);
  return d;
}

describe('DTLS endpoints against hostile records', () => {
  for (const cookieExchange of [true, false]) {
    it(`discards a ClientHello whose record sequence number 2^48−1 would wrap the server's counter (cookie exchange ${cookieExchange ? 'on' : 'off'})`, () => {
      const server = new DtlsEndpoint({ role: 'server', rng: fresh(), identity: serverId, local: SERVER, cookieExchange });
      const hello = withSequence(clientHello(), 2 ** 48 - 1);
      expect(() => {
        server.handleDatagram(0, CLIENT, SERVER, hello);
        drain(server, 0);
      }).not.toThrow();
      expect(server.dropped['sequence-exhausted']).toBe(1);
      expect(server.records.nextSequence(0)).toBe(0);
    });
  }

  it('a spoofed epoch-0 fatal alert leaves a connected endpoint connected', () => {
    const { net, client, server } = dtlsPair();
    net.run(5_000_000);
    expect(client.state).toBe('connected');
    // 15 bytes: a record header and a two-byte fatal alert, no authentication
    const alert = encodeRecord({ contentType: ContentType.alert, version: DTLS_1_2, epoch: 0, sequenceNumber: 99, fragment: encodeAlert({ level: AlertLevel.fatal, description: AlertDescription.handshake_failure }) });
    expect(alert.length).toBe(15);
    client.handleDatagram(net.now, server.local, client.local, alert);
    server.handleDatagram(net.now, client.local, server.local, alert);
    expect(client.state).toBe('connected');
    expect(server.state).toBe('connected');
    expect(client.dropped['unauthenticated-epoch-0']).toBe(1);
  });

  it('an empty ChangeCipherSpec is discarded, not fatal, before and after the handshake', () => {
    const ccs = (seq: number): Uint8Array => encodeRecord({ contentType: ContentType.change_cipher_spec, version: DTLS_1_2, epoch: 0, sequenceNumber: seq, fragment: new Uint8Array(0) });
    const { net, client, server } = dtlsPair();
    net.run(5_000_000);
    client.handleDatagram(net.now, server.local, client.local, ccs(100));
    expect(client.state).toBe('connected');
    // during the handshake too: the connection still completes
    const p = dtlsPair();
    p.net.scheduler.at(30_000, 'spoof', () => p.client.handleDatagram(p.net.now, p.server.local, p.client.local, ccs(7)));
    p.net.run(5_000_000);
    expect(p.client.state).toBe('connected');
    expect(p.client.dropped['malformed-ccs']).toBe(1);
  });

  it('a spoofed epoch-0 handshake message or garbage handshake record does not touch a connected endpoint', () => {
    const { net, client, server } = dtlsPair();
    net.run(5_000_000);
    const garbage = encodeRecord({ contentType: ContentType.handshake, version: DTLS_1_2, epoch: 0, sequenceNumber: 200, fragment: new Uint8Array([1, 2, 3]) });
    server.handleDatagram(net.now, client.local, server.local, garbage);
    expect(drain(server, net.now)).toEqual([]);
    // a message_seq it already has looks like the peer's retransmission: at most its last flight goes again
    const before = server.stats.flightsSent;
    server.handleDatagram(net.now, client.local, server.local, withSequence(clientHello(), 300));
    expect(drain(server, net.now).length).toBeLessThanOrEqual(1);
    expect(server.stats.flightsSent).toBe(before);
    expect(server.state).toBe('connected');
    expect(server.session.transcript.length).toBeGreaterThan(0);
  });

  it('discards a record whose length field runs past the datagram (RFC 6347 §4.1.2.7)', () => {
    const server = new DtlsEndpoint({ role: 'server', rng: fresh(), identity: serverId, local: SERVER, cookieExchange: false });
    const hello = clientHello();
    const lying = new Uint8Array(hello.length + 4);
    lying.set(hello);
    const view = new DataView(lying.buffer);
    view.setUint16(11, view.getUint16(11) + 40); // claims 40 more bytes than there are
    server.handleDatagram(0, CLIENT, SERVER, lying.subarray(0, hello.length));
    expect(drain(server, 0)).toEqual([]);
    expect(server.dropped['bad-length']).toBe(1);
    // the honest ClientHello is answered
    server.handleDatagram(0, CLIENT, SERVER, hello);
    expect(drain(server, 0).length).toBeGreaterThan(0);
  });
});
