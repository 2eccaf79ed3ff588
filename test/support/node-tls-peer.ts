import { createPrivateKey, X509Certificate } from 'node:crypto';
import { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import type { TlsIdentity } from '../../sim/tls/config.ts';
import type { TlsConnection, TlsOutput } from '../../sim/tls/connection.ts';

/**
 * Node's TLS (OpenSSL inside) as a judge for sim/tls, in process (node only): a TLSSocket over an in-memory Duplex
 * whose other end is one of our TlsConnections. `run` moves bytes both ways until `until()` holds or time runs out.
 */

/** Our identity as PEM for Node: the DER certificate and the P-256 key as a JWK. */
export function identityPem(id: TlsIdentity): { cert: string; key: string } {
  const der = id.chain[0]!;
  const cert = new X509Certificate(Buffer.from(der)).toString();
  const pub = id.keyPair.publicKey;
  const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
  const key = createPrivateKey({ key: { kty: 'EC', crv: 'P-256', d: b64(id.keyPair.privateKey), x: b64(pub.subarray(1, 33)), y: b64(pub.subarray(33, 65)) }, format: 'jwk' });
  return { cert, key: key.export({ format: 'pem', type: 'pkcs8' }).toString() };
}

export class NodeTlsPeer {
  readonly socket: tls.TLSSocket;
  readonly received: Buffer[] = [];
  readonly keyLog: string[] = [];
  readonly ours: TlsOutput[] = [];
  private readonly end: Duplex;
  private readonly toUs: Buffer[] = [];
  error: Error | undefined;
  secure = false;
  ended = false;

  constructor(
    readonly conn: TlsConnection,
    options: { isServer: true; key: string; cert: string } & tls.TlsOptions | ({ isServer: false } & tls.ConnectionOptions),
  ) {
    this.end = new Duplex({
      read() {},
      write: (chunk: Buffer, _enc, cb) => {
        this.toUs.push(Buffer.from(chunk));
        cb();
      },
    });
    if (options.isServer) {
      const { isServer: _s, ...rest } = options;
      this.socket = new tls.TLSSocket(this.end, { isServer: true, ...rest });
      this.socket.on('secure', () => (this.secure = true));
    } else {
      const { isServer: _c, ...rest } = options;
      this.socket = tls.connect({ socket: this.end as never, rejectUnauthorized: false, ...rest });
      this.socket.on('secureConnect', () => (this.secure = true));
    }
    this.socket.on('data', (d: Buffer) => this.received.push(d));
    this.socket.on('keylog', (line: Buffer) => this.keyLog.push(line.toString().trim()));
    this.socket.on('error', (e: Error) => (this.error = e));
    this.socket.on('end', () => (this.ended = true));
  }

  /** Moves bytes both ways until `until()` or `timeoutMs`; returns whether `until()` held. */
  async run(until: () => boolean, timeoutMs = 20_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      for (let o = this.conn.poll(); o; o = this.conn.poll()) {
        this.ours.push(o);
        if (o.type === 'transmit') this.end.push(Buffer.from(o.bytes));
      }
      while (this.toUs.length) this.conn.receive(new Uint8Array(this.toUs.shift()!));
      if (until()) return true;
      await new Promise((r) => setTimeout(r, 5));
    }
    return until();
  }

  text(): string {
    return Buffer.concat(this.received).toString();
  }

  ourText(): string {
    return this.ours.map((o) => (o.type === 'data' ? Buffer.from(o.bytes).toString() : '')).join('');
  }

  ourSecrets(): string[] {
    return this.ours.flatMap((o) => (o.type === 'secret' ? [o.text] : []));
  }

  ourClosed(): string | undefined {
    const c = this.ours.find((o) => o.type === 'closed');
    return c?.type === 'closed' ? c.error : undefined;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
