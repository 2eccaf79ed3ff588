import type { JsonValue, Note, Secret } from '../../sim/core/trace.ts';

/**
 * DTLS and SRTP state per endpoint at a moment, rebuilt from dtls.* / srtp.* notes and the trace's secrets up to that
 * moment (sim/dtls/endpoint.ts, flight-sender.ts and sim/peer/webrtc-peer.ts write them).
 */

export interface FlightEvent {
  readonly t: number;
  /** RFC 6347 §4.2.4 flight number. */
  readonly flight: number;
  /**
   * 'peer-sent': the other endpoint sent it at `t` (notes carry no receive event; it arrives one transit later);
   * 'seen': a capture showed the handshake reach this stage (flight 0: not numbered).
   */
  readonly what: 'sent' | 'retransmitted' | 'peer-sent' | 'seen';
  readonly detail: string;
}

export interface DtlsEndpointView {
  readonly source: string;
  /** "client" or "server" (RFC 8842 §5.1 a=setup decides), '' before it is known. */
  readonly role: string;
  /** new, connecting, connected, failed, closed. */
  readonly state: string;
  readonly stateReason: string;
  /** In order: this endpoint's flights and the peer's, with their send times. */
  readonly flights: readonly FlightEvent[];
  /** The peer's certificate fingerprint (sha-256), when seen. */
  readonly peerFingerprint?: string;
  /** verified, mismatch, unchecked, or pending before the certificate arrives. */
  readonly fingerprintCheck: 'pending' | 'verified' | 'mismatch' | 'unchecked';
  readonly expectedFingerprint?: string;
  readonly cipherSuite?: string;
  readonly srtp?: SrtpView;
  readonly alerts: readonly string[];
  /** A capture opened with keys: what decryption did ('ok', 'wrong-key', 'no-key', 'unsupported') and in words. */
  readonly decryption?: { readonly outcome: string; readonly text: string };
}

/** RFC 5764 §4.2 keys exported from the handshake, shown because this is a lab. */
export interface SrtpView {
  readonly profile: string;
  readonly keyedAt: number;
  /** Which half this endpoint sends with: the client's or the server's write keys. */
  readonly sendsWith?: string;
  readonly clientWriteKey?: string;
  readonly serverWriteKey?: string;
  readonly clientWriteSalt?: string;
  readonly serverWriteSalt?: string;
  /** Per-stream counters when notes carry them (data.ssrc plus numbers). */
  readonly streams: readonly { readonly ssrc: string; readonly counters: Readonly<Record<string, number>> }[];
}

interface MutableEndpoint {
  source: string;
  role: string;
  state: string;
  stateReason: string;
  flights: FlightEvent[];
  peerFingerprint?: string;
  fingerprintCheck: DtlsEndpointView['fingerprintCheck'];
  expectedFingerprint?: string;
  cipherSuite?: string;
  srtp?: { profile: string; keyedAt: number; sendsWith?: string; keys?: Record<string, string>; streams: Map<string, Record<string, number>> };
  alerts: string[];
  decryption?: { outcome: string; text: string };
}

function str(v: JsonValue | undefined, fallback = ''): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : fallback;
}

/** Parses a `secret` of kind 'srtp': "SRTP <profile> client_random=… client_write_key=… …". */
export function parseSrtpSecret(text: string): { profile: string; values: Record<string, string> } | undefined {
  const parts = text.trim().split(/\s+/);
  if (parts[0] !== 'SRTP' || parts[1] === undefined) return undefined;
  const values: Record<string, string> = {};
  for (const p of parts.slice(2)) {
    const eq = p.indexOf('=');
    if (eq > 0) values[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return { profile: parts[1], values };
}

/** The dissector's DTLS progress words (sim/dissect/dtls-flow.ts) as endpoint states. */
const INFERRED_STATE: Readonly<Record<string, string>> = { hello: 'connecting', cookie: 'connecting', 'key-exchange': 'connecting', finished: 'connecting', established: 'connected', alert: 'failed', closed: 'closed' };

const DTLS_KINDS = /^(dtls\.|srtp\.|peer\.dtls-role$)/;

/** Every DTLS endpoint (note source) in order of first appearance, as of time `t`. */
export function dtlsStateAt(notes: readonly Note[], secrets: readonly Secret[], t: number): DtlsEndpointView[] {
  const eps = new Map<string, MutableEndpoint>();
  const get = (source: string): MutableEndpoint => {
    let e = eps.get(source);
    if (!e) {
      e = { source, role: '', state: 'new', stateReason: '', flights: [], fingerprintCheck: 'pending', alerts: [] };
      eps.set(source, e);
    }
    return e;
  };
  for (const n of notes) {
    if (n.t > t) break;
    if (!DTLS_KINDS.test(n.kind)) continue;
    apply(get(n.source), n, eps);
  }
  for (const s of secrets) {
    if (s.t > t || s.kind !== 'srtp') continue;
    const parsed = parseSrtpSecret(s.text);
    if (!parsed) continue;
    const e = get(s.source);
    e.srtp ??= { profile: parsed.profile, keyedAt: s.t, streams: new Map() };
    e.srtp.keys = parsed.values;
  }
  return [...eps.values()].map(freeze);
}

function apply(e: MutableEndpoint, n: Note, all: Map<string, MutableEndpoint>): void {
  const d = n.data ?? {};
  switch (n.kind) {
    case 'peer.dtls-role':
      e.role = str(d['role'], e.role);
      return;
    case 'dtls.state':
      if (n.inferred && d['progress'] !== undefined) {
        // a capture: the dissector's handshake progress (hello, cookie, key-exchange, finished, established, alert)
        const progress = str(d['progress']);
        e.state = INFERRED_STATE[progress] ?? 'connecting';
        e.stateReason = `inferred from the capture: ${n.text}`;
        e.flights.push({ t: n.t, flight: 0, what: 'seen', detail: n.text });
        return;
      }
      e.state = str(d['to'], e.state);
      e.stateReason = str(d['reason']);
      if (d['role'] !== undefined) e.role = str(d['role']);
      return;
    case 'dtls.flight.sent':
    case 'dtls.flight.retransmit': {
      const flight = typeof d['flight'] === 'number' ? d['flight'] : 0;
      const what = n.kind === 'dtls.flight.sent' ? 'sent' : 'retransmitted';
      const detail = Array.isArray(d['messages']) ? d['messages'].map((m) => str(m)).join(', ') : str(d['trigger']);
      e.flights.push({ t: n.t, flight, what, detail });
      // Two-party DTLS: what one endpoint sends, the other receives (notes carry no receive event of their own).
      for (const other of all.values()) {
        if (other !== e && other.role !== '' && other.role !== e.role && what === 'sent') other.flights.push({ t: n.t, flight, what: 'peer-sent', detail });
      }
      return;
    }
    case 'dtls.server-hello': {
      const m = /server chose (\S+)/.exec(n.text);
      if (m?.[1] !== undefined) e.cipherSuite = m[1];
      return;
    }
    case 'dtls.fingerprint.verified':
      e.fingerprintCheck = 'verified';
      e.peerFingerprint = str(d['fingerprint']);
      return;
    case 'dtls.fingerprint.mismatch':
      e.fingerprintCheck = 'mismatch';
      e.peerFingerprint = str(d['actual']);
      e.expectedFingerprint = str(d['expected']);
      return;
    case 'dtls.fingerprint.unchecked':
      e.fingerprintCheck = 'unchecked';
      e.peerFingerprint = str(d['fingerprint']);
      return;
    case 'dtls.decryption':
      // a capture read with a key log (viz/model/decryption-watch.ts)
      e.decryption = { outcome: str(d['decryption']), text: n.text };
      return;
    case 'dtls.alert.sent':
    case 'dtls.alert.received':
      e.alerts.push(n.text);
      return;
    case 'dtls.srtp':
    case 'srtp.keyed': {
      e.srtp ??= { profile: str(d['profile']), keyedAt: n.t, streams: new Map() };
      if (d['profile'] !== undefined) e.srtp.profile = str(d['profile']);
      if (n.kind === 'srtp.keyed' && d['role'] !== undefined) e.srtp.sendsWith = str(d['role']);
      return;
    }
    default:
      if (n.kind.startsWith('srtp.') && d['ssrc'] !== undefined) {
        e.srtp ??= { profile: '', keyedAt: n.t, streams: new Map() };
        const counters: Record<string, number> = { ...(e.srtp.streams.get(str(d['ssrc'])) ?? {}) };
        for (const [k, v] of Object.entries(d)) if (typeof v === 'number' && k !== 'ssrc') counters[k] = v;
        e.srtp.streams.set(str(d['ssrc']), counters);
      }
  }
}

function freeze(e: MutableEndpoint): DtlsEndpointView {
  const s = e.srtp;
  const k = s?.keys ?? {};
  const opt = (name: string, key: string): Record<string, string> => (k[key] !== undefined ? { [name]: k[key] } : {});
  return {
    source: e.source,
    role: e.role,
    state: e.state,
    stateReason: e.stateReason,
    flights: e.flights,
    fingerprintCheck: e.fingerprintCheck,
    ...(e.peerFingerprint !== undefined ? { peerFingerprint: e.peerFingerprint } : {}),
    ...(e.expectedFingerprint !== undefined ? { expectedFingerprint: e.expectedFingerprint } : {}),
    ...(e.cipherSuite !== undefined ? { cipherSuite: e.cipherSuite } : {}),
    ...(s
      ? {
          srtp: {
            profile: s.profile,
            keyedAt: s.keyedAt,
            ...(s.sendsWith !== undefined ? { sendsWith: s.sendsWith } : {}),
            ...opt('clientWriteKey', 'client_write_key'),
            ...opt('serverWriteKey', 'server_write_key'),
            ...opt('clientWriteSalt', 'client_write_salt'),
            ...opt('serverWriteSalt', 'server_write_salt'),
            streams: [...s.streams.entries()].map(([ssrc, counters]) => ({ ssrc, counters })),
          },
        }
      : {}),
    alerts: e.alerts,
    ...(e.decryption ? { decryption: e.decryption } : {}),
  };
}
