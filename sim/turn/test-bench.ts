// A TURN server and a hand-driven client speaking raw bytes, for the server's tests.
import { expect } from 'vitest';
import type { EndpointOutput, TransportAddress } from '../core/endpoint.ts';
import { Rng } from '../core/rng.ts';
import type { StunAttribute, StunMessage } from '../wire/stun/index.ts';
import { decodeStun, encodeStun, ErrorCode, getAttribute, longTermKey, Method, Nonce, Realm, RequestedTransport, Username } from '../wire/stun/index.ts';
import { TurnServer } from './server.ts';

export const LISTEN: TransportAddress = { ip: '198.51.100.20', port: 3478 };
export const CLIENT: TransportAddress = { ip: '203.0.113.10', port: 5000 };
export const PEER: TransportAddress = { ip: '203.0.113.50', port: 7000 };
export const RELAYS: TransportAddress[] = [49152, 49153].map((port) => ({ ip: LISTEN.ip, port }));
export const KEY = longTermKey('alice', 'example.org', 's3cr3t-pass');

/** A TURN server and a hand-driven client with a clock, speaking raw bytes. */
export class Bench {
  readonly server: TurnServer;
  now = 0;
  nonce = '';
  private tid = 0;
  constructor(opts: Partial<ConstructorParameters<typeof TurnServer>[0]> = {}) {
    this.server = new TurnServer({ listen: LISTEN, relayAddresses: RELAYS, realm: 'example.org', users: { alice: 's3cr3t-pass', bob: 'b0b' }, ...opts }, Rng.fromSeed(3));
  }
  drain(): EndpointOutput[] {
    const out: EndpointOutput[] = [];
    for (;;) {
      const o = this.server.poll(this.now);
      if (o.type === 'timeout' || o.type === 'idle') return out;
      out.push(o);
    }
  }
  sends(): { from: TransportAddress; to: TransportAddress; bytes: Uint8Array }[] {
    return this.drain().flatMap((o) => (o.type === 'transmit' ? [{ from: o.from, to: o.to, bytes: o.bytes }] : []));
  }
  notes(): string[] {
    return this.drain().flatMap((o) => (o.type === 'note' ? [o.text] : []));
  }
  /** Sends a request, authenticated unless `auth` is false; returns the decoded answer. */
  /** A request as `ask` sends it: authenticated unless `auth` is false, with FINGERPRINT unless told otherwise. */
  request(method: number, attrs: StunAttribute[], opts: { auth?: boolean; user?: string; key?: Uint8Array; nonce?: string; fingerprint?: boolean } = {}): Uint8Array {
    const transactionId = new Uint8Array(12);
    new DataView(transactionId.buffer).setUint32(8, ++this.tid);
    const auth = opts.auth === false ? [] : [Username.of(opts.user ?? 'alice'), Realm.of('example.org'), Nonce.of(opts.nonce ?? this.nonce)];
    return encodeStun({ method, class: 'request', transactionId, attributes: [...attrs, ...auth] }, { ...(opts.auth === false ? {} : { integrity: opts.key ?? KEY }), fingerprint: opts.fingerprint ?? true });
  }
  ask(method: number, attrs: StunAttribute[], opts: { auth?: boolean; user?: string; key?: Uint8Array; from?: TransportAddress; nonce?: string } = {}): { msg: StunMessage; bytes: Uint8Array } {
    const bytes = this.request(method, attrs, opts);
    this.server.handleDatagram(this.now, opts.from ?? CLIENT, LISTEN, bytes);
    const out = this.sends();
    expect(out).toHaveLength(1);
    const msg = decodeStun(out[0]!.bytes).value!;
    const n = getAttribute(msg, Nonce);
    if (n) this.nonce = n;
    return { msg, bytes: out[0]!.bytes };
  }
  allocate(extra: StunAttribute[] = [], from?: TransportAddress): StunMessage {
    // a nonce is good only from the address it was given to (sim/turn/auth.ts): another client asks for its own
    if (!this.nonce || from) this.ask(Method.Allocate, [RequestedTransport.of(17)], { auth: false, ...(from ? { from } : {}) });
    return this.ask(Method.Allocate, [RequestedTransport.of(17), ...extra], from ? { from } : {}).msg;
  }
}
export const code = (m: StunMessage): number | undefined => getAttribute(m, ErrorCode)?.code;

