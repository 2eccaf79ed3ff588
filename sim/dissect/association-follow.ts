import { toHex } from '../core/encoding.ts';
import type { DissectedRecord } from '../wire/dtls/datagram.ts';
import type { DtlsRole } from '../wire/dtls/describe.ts';
import { HandshakeType } from '../wire/handshake/names.ts';
import { DtlsFlow, type SrtpHolder } from './dtls-flow.ts';
import type { KeyStore } from './key-store.ts';

/** A 5-tuple as the association index sees it (flow-state.ts: FlowState). */
export interface Carrier extends SrtpHolder {
  /** Its endpoints ("address:port"). */
  readonly a: string;
  readonly b: string;
  /** Its DTLS association, maybe shared with other 5-tuples. */
  dtls?: DtlsFlow;
  /**
   * Set when `dtls` began on another 5-tuple: this one's endpoint in the DTLS client role (the other is the
   * server's). The association names its endpoints as its first 5-tuple has them.
   */
  dtlsClient?: string;
}

/**
 * Which DTLS association a 5-tuple's records belong to. An association belongs to the ICE session, not to one
 * candidate pair (RFC 8445 §8.1.1, RFC 8842 §5.5): the controlling agent may nominate another pair between the
 * hellos, so the ClientHello is seen on one 5-tuple and the ServerHello on another (Chromium does so from its second
 * local interface), and a TURN relay shows one handshake on each of its legs at one vantage point. So:
 * - a ClientHello whose client random an association already has joins that association (RFC 6347 §4.2.1: the
 *   client random names the handshake; a cookie exchange or a retransmission repeats it);
 * - a 5-tuple without a handshake of its own whose first flight is the server's (ServerHello, HelloVerifyRequest)
 *   joins the one association waiting for it whose client it is addressed to: the same endpoint (address:port), or
 *   the same ICE ufrag (the Binding requests' USERNAME, RFC 8445 §7.2.2);
 * - its protected records join a keyed association of a 5-tuple sharing an endpoint or the ICE session when one of
 *   that association's record keys opens them: the authentication tag decides, and a failed tag changes nothing.
 * A 5-tuple whose association has a client random keeps it (only a ClientHello of its own moves it); state kept per
 * 5-tuple (SRTP contexts) stays on the 5-tuple. Everything here is per vantage point (the callers' keys say which).
 */
export class AssociationIndex<C extends Carrier> {
  /** Vantage-qualified client random (hex) → its association. */
  private readonly byRandom = new Map<string, DtlsFlow>();
  /** Vantage-qualified endpoint → the associations it took part in, with its role in each. */
  private readonly byEndpoint = new Map<string, Map<DtlsFlow, DtlsRole>>();
  /** Association → the 5-tuples that carry it. */
  private readonly carriers = new Map<DtlsFlow, C[]>();

  constructor(
    private readonly keys: KeyStore,
    private readonly host: {
      /** The vantage-qualified key of a name (an endpoint, a random): `name @vantage`. */
      readonly scoped: (name: string) => string;
      /** The associations of the other 5-tuples of a flow's ICE session. */
      readonly sessionAssociations: (s: C) => DtlsFlow[];
      /** An endpoint's role in an association by its ICE ufrag (on another pair of the session). */
      readonly roleByUfrag: (dtls: DtlsFlow, endpoint: string) => DtlsRole | undefined;
    },
  ) {}

  /** The role the sender `src` has on flow `s` in its association `dtls`. */
  roleOn(s: C, dtls: DtlsFlow, src: string): DtlsRole | undefined {
    if (s.dtls === dtls && s.dtlsClient !== undefined) return src === s.dtlsClient ? 'client' : 'server';
    return dtls.roleOf(src) ?? this.host.roleByUfrag(dtls, src);
  }

  /** The association endpoints a record from `src` to `dst` on `s` stands for: the association keeps its first 5-tuple's. */
  ends(s: C, dtls: DtlsFlow, src: string, dst: string): [string, string] {
    if (s.dtlsClient === undefined || dtls.client === undefined || dtls.server === undefined) return [src, dst];
    return src === s.dtlsClient ? [dtls.client, dtls.server] : [dtls.server, dtls.client];
  }

  /** The association a datagram's records on `s` belong to, joined or made when it is new (sets `s.dtls`). */
  associationFor(s: C, src: string, dst: string, records: readonly DissectedRecord[]): DtlsFlow {
    const random = clientRandomOf(records);
    if (random !== undefined) {
      const known = this.named(random);
      if (known && known !== s.dtls) {
        this.bind(s, known, known.client === src && known.server === dst ? undefined : src);
        return known;
      }
      // a new handshake on a 5-tuple whose association other 5-tuples share: its own, leaving theirs as it is
      if (!known && s.dtls?.clientRandom && s.dtlsClient === undefined && (this.carriers.get(s.dtls)?.length ?? 0) < 2) return s.dtls;
      if (!known && s.dtls?.clientRandom) return this.bind(s, new DtlsFlow(this.keys), undefined);
      return s.dtls ?? this.bind(s, new DtlsFlow(this.keys), undefined);
    }
    if (s.dtls?.clientRandom) return s.dtls;
    const joined = this.follow(s, src, dst, records);
    if (joined) return joined;
    return s.dtls ?? this.bind(s, new DtlsFlow(this.keys), undefined);
  }

  /** After a datagram was observed: what the association now says is indexed (its random, endpoints' roles). */
  learned(s: C, dtls: DtlsFlow): void {
    if (dtls.clientRandom) {
      const random = toHex(dtls.clientRandom);
      if (!this.named(random)) this.byRandom.set(this.host.scoped(random), dtls);
    }
    for (const e of [s.a, s.b]) {
      const role = this.roleOn(s, dtls, e);
      if (!role) continue;
      const key = this.host.scoped(e);
      let m = this.byEndpoint.get(key);
      if (!m) this.byEndpoint.set(key, (m = new Map()));
      if (!m.has(dtls)) m.set(dtls, role);
    }
  }

  /** The association a client random (hex) names here, unless a new handshake on its 5-tuple took it over since. */
  private named(random: string): DtlsFlow | undefined {
    const known = this.byRandom.get(this.host.scoped(random));
    return known?.clientRandom && toHex(known.clientRandom) === random ? known : undefined;
  }

  private bind(s: C, dtls: DtlsFlow, client: string | undefined): DtlsFlow {
    const before = s.dtls;
    if (before && before !== dtls) {
      const left = this.carriers.get(before)?.filter((f) => f !== s);
      if (left) this.carriers.set(before, left);
    }
    s.dtls = dtls;
    s.dtlsClient = client;
    s.srtp = undefined;
    const carriers = this.carriers.get(dtls) ?? [];
    if (!carriers.includes(s)) carriers.push(s);
    this.carriers.set(dtls, carriers);
    return dtls;
  }

  /** The keyed or waiting associations a 5-tuple may continue: by a shared endpoint, then by its ICE session. */
  private candidates(s: C): Map<DtlsFlow, Map<string, DtlsRole>> {
    const out = new Map<DtlsFlow, Map<string, DtlsRole>>();
    for (const e of [s.a, s.b]) {
      for (const [dtls, role] of this.byEndpoint.get(this.host.scoped(e)) ?? []) {
        if (dtls === s.dtls || !dtls.clientRandom) continue;
        let roles = out.get(dtls);
        if (!roles) out.set(dtls, (roles = new Map()));
        roles.set(e, role);
      }
    }
    for (const dtls of this.host.sessionAssociations(s)) if (dtls !== s.dtls && dtls.clientRandom && !out.has(dtls)) out.set(dtls, new Map());
    return out;
  }

  private follow(s: C, src: string, dst: string, records: readonly DissectedRecord[]): DtlsFlow | undefined {
    const found = this.candidates(s);
    if (!found.size) return undefined;
    const role = (dtls: DtlsFlow, roles: Map<string, DtlsRole>, e: string): DtlsRole | undefined => roles.get(e) ?? this.host.roleByUfrag(dtls, e);
    // the server's first flight to the association's client: the one association waiting for it, unambiguous
    const hello = serverFlight(records);
    if (hello) {
      const waiting = [...found].filter(([dtls, roles]) => {
        // a HelloVerifyRequest comes before any ServerHello; a ServerHello again (on the new pair) repeats its random
        if (dtls.serverRandom && (hello.serverRandom === undefined || toHex(dtls.serverRandom) !== hello.serverRandom)) return false;
        const to = role(dtls, roles, dst);
        const from = role(dtls, roles, src);
        return (to === 'client' && from !== 'client') || (from === 'server' && to !== 'server');
      });
      const [only] = waiting;
      return waiting.length === 1 && only ? this.bind(s, only[0], dst) : undefined;
    }
    // protected records: the association whose record key opens one (RFC 5246 §6.2.3.3: the tag authenticates)
    for (const d of records) {
      if (d.record.kind === 'dtls12' && !d.record.encrypted) continue;
      for (const dtls of found.keys()) {
        const opener = d.record.kind === 'dtls12' ? dtls.opener(d.record) : undefined;
        if (opener) return this.bind(s, dtls, opener === 'client' ? src : dst);
      }
      // none to try with (no key log line, or DTLS 1.3): the ICE session's ufrags name the association and the
      // sender's side (RFC 8445 §7.2.2), when exactly one of the session's associations is complete
      const complete = this.host.sessionAssociations(s).filter((x) => x !== s.dtls && x.clientRandom && x.serverRandom && !x.tries);
      const [only] = complete;
      const side = complete.length === 1 && only ? this.host.roleByUfrag(only, src) : undefined;
      return side && only ? this.bind(s, only, side === 'client' ? src : dst) : undefined;
    }
    return undefined;
  }
}

/** A ClientHello's random in the datagram (hex), from the first fragment of the message (RFC 6347 §4.2.1). */
function clientRandomOf(records: readonly DissectedRecord[]): string | undefined {
  for (const d of records) {
    if (d.content.kind !== 'handshake') continue;
    for (const m of d.content.messages) {
      const f = m.fragment;
      // ClientHello: client_version (2 bytes), then the 32-byte random
      if (f.msgType === HandshakeType.client_hello && f.fragmentOffset === 0 && f.fragment.length >= 34) return toHex(f.fragment.subarray(2, 34));
    }
  }
  return undefined;
}

/** The server's hello in the datagram: a ServerHello (its random, hex) or a HelloVerifyRequest. */
function serverFlight(records: readonly DissectedRecord[]): { serverRandom: string | undefined } | undefined {
  for (const d of records) {
    if (d.content.kind !== 'handshake') continue;
    for (const m of d.content.messages) {
      const f = m.fragment;
      if (f.msgType === HandshakeType.server_hello) return { serverRandom: f.fragmentOffset === 0 && f.fragment.length >= 34 ? toHex(f.fragment.subarray(2, 34)) : undefined };
      if (f.msgType === HandshakeType.hello_verify_request) return { serverRandom: undefined };
    }
  }
  return undefined;
}
