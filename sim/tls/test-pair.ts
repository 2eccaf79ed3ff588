import { Rng } from '../core/rng.ts';
import type { TlsConfig } from './config.ts';
import { TlsConnection, type TlsOutput } from './connection.ts';

/**
 * Two TLS connections wired back to back for tests: `pump` moves every transmitted byte to the other side (in
 * chunks of `chunk` bytes, to show records straddling reads) until neither has output, and keeps what came out.
 */
export class TlsTestPair {
  readonly client: TlsConnection;
  readonly server: TlsConnection;
  readonly clientOut: TlsOutput[] = [];
  readonly serverOut: TlsOutput[] = [];
  /** Every transmitted chunk, in order, with its sender. */
  readonly wire: { from: 'client' | 'server'; bytes: Uint8Array }[] = [];
  /** Rewrites bytes in flight (a hostile network); return undefined to drop them. */
  tamper: ((from: 'client' | 'server', bytes: Uint8Array) => Uint8Array | undefined) | undefined;

  constructor(clientConfig: TlsConfig = {}, serverConfig: TlsConfig = {}, seed = 1, readonly chunk = 1 << 20) {
    const rng = Rng.fromSeed(seed);
    this.client = new TlsConnection('client', clientConfig, rng.fork('client'));
    this.server = new TlsConnection('server', serverConfig, rng.fork('server'));
  }

  start(): this {
    this.server.start();
    this.client.start();
    return this.pump();
  }

  pump(): this {
    for (let rounds = 0; rounds < 1000; rounds++) {
      const moved = this.drain('client') + this.drain('server');
      if (moved === 0) return this;
    }
    throw new Error('TLS test pair did not settle');
  }

  private drain(from: 'client' | 'server'): number {
    const src = from === 'client' ? this.client : this.server;
    const dst = from === 'client' ? this.server : this.client;
    const log = from === 'client' ? this.clientOut : this.serverOut;
    let n = 0;
    for (let o = src.poll(); o; o = src.poll()) {
      n++;
      log.push(o);
      if (o.type !== 'transmit') continue;
      const bytes = this.tamper ? this.tamper(from, o.bytes) : o.bytes;
      if (!bytes) continue;
      this.wire.push({ from, bytes });
      for (let at = 0; at < bytes.length; at += this.chunk) dst.receive(bytes.subarray(at, at + this.chunk));
    }
    return n;
  }

  /** Plaintext `side` received, joined. */
  received(side: 'client' | 'server'): string {
    const log = side === 'client' ? this.clientOut : this.serverOut;
    return log.map((o) => (o.type === 'data' ? new TextDecoder().decode(o.bytes) : '')).join('');
  }

  notes(side: 'client' | 'server'): string[] {
    return (side === 'client' ? this.clientOut : this.serverOut).flatMap((o) => (o.type === 'note' ? [o.note.kind + ': ' + o.note.text] : []));
  }

  secrets(side: 'client' | 'server'): string[] {
    return (side === 'client' ? this.clientOut : this.serverOut).flatMap((o) => (o.type === 'secret' ? [o.text] : []));
  }

  closedWith(side: 'client' | 'server'): string | undefined {
    const c = (side === 'client' ? this.clientOut : this.serverOut).find((o) => o.type === 'closed');
    return c?.type === 'closed' ? c.error : undefined;
  }
}
