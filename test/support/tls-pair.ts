import { readFileSync } from 'node:fs';
import { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { encodeTcpSegment } from '../../sim/wire/tcp/tcp.ts';

/**
 * A real TLS connection between Node's (OpenSSL's) client and server over an in-memory pipe, for tests (node only):
 * every byte each side writes is recorded, and the conversation comes back as IPv4/TCP packets (one segment per
 * write, after a handshake of SYN, SYN-ACK, ACK) with the key log the client wrote.
 */

export interface TlsPairRun {
  readonly packets: Uint8Array[];
  readonly keyLog: string;
}

export interface TlsPairOptions {
  readonly key: string;
  readonly cert: string;
  readonly minVersion?: tls.SecureVersion;
  readonly maxVersion?: tls.SecureVersion;
  /** Key exchange groups (OpenSSL names, e.g. "P-256:X25519") of each side: a client whose first share the server does not take gets a HelloRetryRequest. */
  readonly clientGroups?: string;
  readonly serverGroups?: string;
  /** What the client sends once connected, and what the server answers to each piece of data it receives. */
  readonly clientSends: readonly Uint8Array[];
  readonly serverAnswers: (data: Uint8Array) => Uint8Array | undefined;
}

const CLIENT = { ip: '192.0.2.10', port: 51000 };
const SERVER = { ip: '198.51.100.5', port: 5349 };

export async function tlsPair(o: TlsPairOptions): Promise<TlsPairRun> {
  const writes: { from: 'client' | 'server'; bytes: Buffer }[] = [];
  // eslint-disable-next-line prefer-const -- the two ends refer to each other
  let serverEnd: Duplex;
  const clientEnd = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      writes.push({ from: 'client', bytes: Buffer.from(chunk) });
      serverEnd.push(chunk);
      cb();
    },
  });
  serverEnd = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      writes.push({ from: 'server', bytes: Buffer.from(chunk) });
      clientEnd.push(chunk);
      cb();
    },
  });
  const keyLog: string[] = [];
  const server = new tls.TLSSocket(serverEnd, { isServer: true, key: readFileSync(o.key), cert: readFileSync(o.cert), minVersion: o.minVersion ?? 'TLSv1.2', maxVersion: o.maxVersion ?? 'TLSv1.3', ...(o.serverGroups ? { ecdhCurve: o.serverGroups } : {}) });
  server.on('data', (d: Buffer) => {
    const answer = o.serverAnswers(new Uint8Array(d));
    if (answer) server.write(answer);
  });
  const client = tls.connect({ socket: clientEnd as never, rejectUnauthorized: false, minVersion: o.minVersion ?? 'TLSv1.2', maxVersion: o.maxVersion ?? 'TLSv1.3', ...(o.clientGroups ? { ecdhCurve: o.clientGroups } : {}) });
  client.on('keylog', (line: Buffer) => keyLog.push(line.toString().trim()));
  await new Promise<void>((r) => client.once('secureConnect', () => r()));
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  for (const m of o.clientSends) {
    client.write(m);
    await sleep(20);
  }
  await sleep(20);
  client.destroy();
  server.destroy();

  const seq = { client: 1000, server: 5000 };
  const segment = (from: 'client' | 'server', payload: Uint8Array, flags: ('SYN' | 'ACK' | 'PSH')[]): Uint8Array => {
    const [a, b] = from === 'client' ? [CLIENT, SERVER] : [SERVER, CLIENT];
    const bytes = encodeTcpSegment({ src: a.ip, dst: b.ip, srcPort: a.port, dstPort: b.port, sequenceNumber: seq[from], acknowledgmentNumber: seq[from === 'client' ? 'server' : 'client'], flags, payload });
    seq[from] = (seq[from] + payload.length + (flags.includes('SYN') ? 1 : 0)) >>> 0;
    return bytes;
  };
  const packets = [segment('client', new Uint8Array(0), ['SYN']), segment('server', new Uint8Array(0), ['SYN', 'ACK']), segment('client', new Uint8Array(0), ['ACK'])];
  for (const w of writes) packets.push(segment(w.from, new Uint8Array(w.bytes), ['ACK', 'PSH']));
  return { packets, keyLog: keyLog.join('\n') };
}
