import { sha1 } from '@noble/hashes/legacy.js';
import { sha224, sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { bytesEqual, toHex } from '../core/encoding.ts';
import type { Micros } from '../core/time.ts';
import type { Note } from '../core/trace.ts';
import { describeCertificate, type CertificateDescription } from '../crypto/x509-describe.ts';
import type { Dissector } from '../dissect/dissector.ts';
import type { DissectedPacket } from '../dissect/types.ts';
import type { PassHop, PassObserver } from '../pass/pass.ts';
import { decodeSdp } from '../wire/sdp/sdp.ts';
import type { SeenSdp } from './collect.ts';

/**
 * The certificates a trace carried in the clear (DTLS 1.2 and TLS 1.2 Certificate messages, RFC 6347 and RFC 5246
 * §7.4.2; TLS/DTLS 1.3 ones when keys opened them), parsed, and each checked against the a=fingerprint of the SDP
 * that announced it (RFC 8122 §5, RFC 8842 §5): the SDP carrying the sender's address as a candidate, else any.
 */
export interface CertificateView {
  readonly protocol: 'DTLS' | 'TLS';
  /** The handshake's version ("DTLS 1.3", "TLS 1.2"), when the dissector saw it. */
  readonly version?: string;
  /** Read from an encrypted handshake (TLS/DTLS 1.3, RFC 8446 §4.4.2) that the key log opened. */
  readonly decrypted?: boolean;
  /** The sender's role in the handshake, when known. */
  readonly role?: 'client' | 'server';
  /** The sender and receiver as first seen, and every address it was seen sent from (a NAT rewrites it). */
  readonly sender: string;
  readonly receiver: string;
  readonly senders: readonly string[];
  /** The hop whose packet completed the Certificate message. */
  readonly hop: number;
  readonly t: Micros;
  readonly certificate: CertificateDescription | { readonly error: string; readonly sha256: string };
  readonly check: FingerprintCheck;
}

export interface FingerprintCheck {
  /** `unchecked`: no SDP with a fingerprint was seen to check it against. */
  readonly status: 'match' | 'mismatch' | 'unchecked';
  readonly text: string;
  /** The SDP compared with (its first hop, or its note). */
  readonly sdp?: { readonly type: string; readonly hop?: number; readonly note?: number; readonly fingerprint: string };
  /** The endpoint's own check, when no SDP was seen (its `dtls.fingerprint.*` note). */
  readonly note?: number;
}

/**
 * Where no SDP could check a certificate, the receiving endpoint's own check says what it was signaled (a simulated
 * endpoint notes `dtls.fingerprint.verified` or `.mismatch` with the fingerprint it expected).
 */
export function checkWithNotes(view: CertificateView, notes: readonly Note[]): CertificateView {
  if (view.check.status !== 'unchecked') return view;
  const sha = 'sha256' in view.certificate ? view.certificate.sha256 : '';
  for (let i = 0; i < notes.length; i++) {
    const n = notes[i]!;
    const d = n.data as { fingerprint?: string; actual?: string; expected?: string } | undefined;
    if (n.kind === 'dtls.fingerprint.verified' && d?.fingerprint?.toUpperCase() === sha) {
      return { ...view, check: { status: 'match', text: `${n.source} verified it against the a=fingerprint it was signaled (note #${i})`, note: i } };
    }
    if (n.kind === 'dtls.fingerprint.mismatch' && d?.actual?.toUpperCase() === sha) {
      return { ...view, check: { status: 'mismatch', text: `${n.source} was signaled ${d.expected ? `a=fingerprint:sha-256 ${d.expected}` : 'another fingerprint'} (note #${i}; RFC 8842 §5: the handshake must be aborted)`, note: i } };
    }
  }
  return view;
}

const HASHES: Record<string, (b: Uint8Array) => Uint8Array> = { 'sha-1': sha1, 'sha-224': sha224, 'sha-256': sha256, 'sha-384': sha384, 'sha-512': sha512 };

/**
 * A TLS/DTLS 1.3 handshake whose certificates stay hidden: everything after its ServerHello is encrypted under the
 * handshake traffic keys (RFC 8446 §4.4.2, RFC 9147 §5), and no key log opened it.
 */
export interface HiddenCertificates {
  readonly protocol: 'DTLS' | 'TLS';
  readonly version: string;
  readonly client: string;
  readonly server: string;
  /** The hop of its ServerHello (or its first). */
  readonly hop: number;
  readonly t: Micros;
  readonly text: string;
}

/** Why a 1.3 handshake's certificates were not read, from how its decryption went. */
function hiddenWhy(decryption: string, version: string, clientRandom: Uint8Array | undefined): string {
  const which = `CLIENT_HANDSHAKE_TRAFFIC_SECRET and SERVER_HANDSHAKE_TRAFFIC_SECRET lines${clientRandom ? ` for client random ${toHex(clientRandom).slice(0, 16)}…` : ''}`;
  if (decryption === 'wrong-key') return `${version} encrypts its Certificate messages (RFC 8446 §4.4.2); the key log has this connection's client random but its secrets do not open the records: wrong key`;
  if (decryption === 'unsupported') return `${version} encrypts its Certificate messages (RFC 8446 §4.4.2) under a cipher suite not decrypted here`;
  return `${version} encrypts its Certificate messages (RFC 8446 §4.4.2${version.startsWith('DTLS') ? ', RFC 9147 §5' : ''}): a key log with its ${which} opens them`;
}

interface Sighting {
  protocol: 'DTLS' | 'TLS';
  version?: string;
  decrypted?: boolean;
  role?: 'client' | 'server';
  sender: string;
  receiver: string;
  senders: Set<string>;
  hop: number;
  t: Micros;
  der: Uint8Array;
}

/** Collects certificates during the pass: TLS per packet (its connection's session), DTLS from the flows at the end. */
export class CertificateCollector implements PassObserver {
  private readonly sightings = new Map<string, Sighting>();
  private readonly times = new Map<number, Micros>();
  private readonly tlsSeen = new WeakMap<ReadonlyMap<string, Uint8Array>, Set<string>>();
  /** TLS connections seen, by their state object: where they were first seen (for the hidden ones). */
  private readonly tlsConnections = new Map<object, { a: string; b: string; hop: number; t: Micros }>();
  private readonly hiddenList: HiddenCertificates[] = [];
  private readonly hiddenKeys = new Set<string>();

  constructor(
    private readonly dissector: Dissector,
    /** The hop of a packet number the dissector recorded (a capture's pass numbers frames; its hops skip non-IP ones). */
    private readonly hopOf: (packet: number) => number = (packet) => packet,
  ) {}

  hop(p: DissectedPacket, h: PassHop): void {
    this.times.set(h.index, h.t);
    if (p.flow?.transport !== 'TCP' || !p.layers.some((l) => l.protocol === 'TLS')) return;
    const tls = this.dissector.tcp.tlsHandshake(p.flow);
    if (!tls) return;
    if (!this.tlsConnections.has(tls)) this.tlsConnections.set(tls, { a: p.src, b: p.dst, hop: h.index, t: h.t });
    const certs = tls.certificates;
    let done = this.tlsSeen.get(certs);
    if (!done) this.tlsSeen.set(certs, (done = new Set()));
    for (const [sender, der] of certs) {
      if (done.has(sender)) continue;
      done.add(sender);
      const version = tls.version;
      this.add({ protocol: 'TLS', ...(version ? { version } : {}), ...(version === 'TLS 1.3' ? { decrypted: true } : {}), sender, receiver: sender === p.src ? p.dst : p.src, senders: new Set([sender]), hop: h.index, t: h.t, der });
    }
  }

  private add(s: Sighting): void {
    const key = `${s.protocol} ${toHex(sha256(s.der))}`;
    const had = this.sightings.get(key);
    if (had) {
      had.senders.add(s.sender);
      return;
    }
    this.sightings.set(key, s);
  }

  finish(): void {
    for (const f of this.dissector.flows.all()) {
      const d = f.dtls;
      // an association followed here from another 5-tuple is read once, on the 5-tuple whose endpoints it names
      if (!d || f.dtlsClient !== undefined) continue;
      const version = d.version;
      for (const [sender, der] of d.certificates) {
        const role = d.roleOf(sender);
        const hop = this.hopOf(d.messages.find((m) => m.type.startsWith('Certificate') && m.role === role)?.packet ?? f.first);
        this.add({ protocol: 'DTLS', ...(version ? { version } : {}), ...(version === 'DTLS 1.3' ? { decrypted: true } : {}), ...(role ? { role } : {}), sender, receiver: sender === f.a ? f.b : f.a, senders: new Set([sender]), hop, t: this.times.get(hop) ?? 0, der });
      }
      // the server always sends a Certificate with certificate authentication (RFC 8446 §4.4.2)
      if (version === 'DTLS 1.3' && !(d.server && d.certificates.has(d.server))) {
        const hop = this.hopOf(d.messages.find((m) => m.type.startsWith('ServerHello'))?.packet ?? f.first);
        this.hide({ protocol: 'DTLS', version, client: d.client ?? f.a, server: d.server ?? f.b, hop, t: this.times.get(hop) ?? 0, text: hiddenWhy(d.decryption, version, d.clientRandom) }, d.clientRandom);
      }
    }
    for (const [state, at] of this.tlsConnections) {
      const tls = state as NonNullable<ReturnType<Dissector['tcp']['tlsHandshake']>>;
      if (tls.version !== 'TLS 1.3' || tls.certificates.size > 0) continue;
      const client = tls.client ?? at.a;
      this.hide({ protocol: 'TLS', version: tls.version, client, server: client === at.a ? at.b : at.a, hop: at.hop, t: at.t, text: hiddenWhy(tls.decryption, tls.version, tls.clientRandom) }, tls.clientRandom);
    }
    this.hiddenList.sort((a, b) => a.hop - b.hop);
  }

  /** One entry per handshake: the same one seen at several vantage points (links through a NAT) has one client random. */
  private hide(h: HiddenCertificates, clientRandom: Uint8Array | undefined): void {
    const key = clientRandom ? toHex(clientRandom) : `${h.protocol} ${h.client} ${h.server}`;
    if (this.hiddenKeys.has(key)) return;
    this.hiddenKeys.add(key);
    this.hiddenList.push(h);
  }

  /** The TLS/DTLS 1.3 handshakes whose certificates stayed encrypted (no key log, or the wrong one). */
  hidden(): readonly HiddenCertificates[] {
    return this.hiddenList;
  }

  /** Each certificate's DER by the hop that carried it (tests hand them to OpenSSL). */
  ders(): Map<number, Uint8Array> {
    return new Map([...this.sightings.values()].map((s) => [s.hop, s.der]));
  }

  /** The certificates in the order they were sent, each parsed and checked against the SDPs seen. */
  views(sdps: readonly SeenSdp[]): CertificateView[] {
    const announced = sdps.map((s) => ({ s, d: decodeSdp(s.sdp).value }));
    return [...this.sightings.values()]
      .sort((a, b) => a.hop - b.hop)
      .map((s) => {
        const parsed = describeCertificate(s.der);
        const sha = toHex(sha256(s.der), ':').toUpperCase();
        return {
          protocol: s.protocol,
          ...(s.version ? { version: s.version } : {}),
          ...(s.decrypted ? { decrypted: true } : {}),
          ...(s.role ? { role: s.role } : {}),
          sender: s.sender,
          receiver: s.receiver,
          senders: [...s.senders],
          hop: s.hop,
          t: s.t,
          certificate: parsed.ok ? parsed.value : { error: parsed.error, sha256: sha },
          check: check(s, announced),
        };
      });
  }
}

const addressOf = (ip: string, port: number): string => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

function check(s: Sighting, announced: readonly { s: SeenSdp; d: ReturnType<typeof decodeSdp>['value'] }[]): FingerprintCheck {
  const withPrints = announced.filter(({ d }) => d.fingerprints.length || d.media.some((m) => m.fingerprints.length));
  if (!withPrints.length) return { status: 'unchecked', text: 'no SDP with a=fingerprint was seen to check it against' };
  const where = (x: SeenSdp): string => `the ${x.type} from ${x.from}${x.hops[0] !== undefined ? ` (hop #${x.hops[0]})` : x.note !== undefined ? ` (note #${x.note})` : ''}`;
  const ref = (x: SeenSdp, fp: string): FingerprintCheck['sdp'] => ({ type: x.type, ...(x.hops[0] !== undefined ? { hop: x.hops[0] } : {}), ...(x.note !== undefined ? { note: x.note } : {}), fingerprint: fp });
  const prints = (d: (typeof announced)[number]['d']) => [...d.fingerprints, ...d.media.flatMap((m) => m.fingerprints)];
  const text = (f: { hashFunction: string; fingerprint: Uint8Array }): string => `${f.hashFunction} ${toHex(f.fingerprint, ':').toUpperCase()}`;
  // the SDP that carries the sender's address as a candidate announced it (RFC 8842 §5); a match anywhere else counts
  const own = withPrints.filter(({ d }) => [...d.candidates, ...d.media.flatMap((m) => m.candidates)].some((c) => s.senders.has(addressOf(c.address, c.port))));
  for (const { s: x, d } of [...own, ...withPrints.filter((w) => !own.includes(w))]) {
    for (const f of prints(d)) {
      const h = HASHES[f.hashFunction];
      if (h && bytesEqual(h(s.der), f.fingerprint)) return { status: 'match', text: `matches a=fingerprint:${f.hashFunction} of ${where(x)}`, sdp: ref(x, text(f)) };
    }
  }
  const first = own[0] ?? (withPrints.length === 1 ? withPrints[0] : undefined);
  if (first) {
    const f = prints(first.d)[0]!;
    return { status: 'mismatch', text: `does not match a=fingerprint:${text(f)} of ${where(first.s)}${own.length ? `, which carries ${s.sender} as a candidate` : ''} (RFC 8842 §5: the handshake must be aborted)`, sdp: ref(first.s, text(f)) };
  }
  return { status: 'mismatch', text: `matches none of the ${withPrints.length} SDPs' a=fingerprint (RFC 8842 §5: the handshake must be aborted)` };
}
