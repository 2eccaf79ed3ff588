import { isNoteOf } from '../../sim/core/note.ts';
import type { Note, Secret } from '../../sim/core/trace.ts';
import { DTLS_NOTE_KINDS, type DtlsNote } from '../../sim/dtls/notes.ts';
import { typedNote, unreachable, type AnyNote, type NoteOf } from '../../sim/notes/index.ts';
import { SRTP_NOTE_KINDS, type SrtpNote } from '../../sim/srtp/notes.ts';

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
  srtp?: { profile: string; keyedAt: number; sendsWith?: string; keys?: Record<string, string> };
  alerts: string[];
  decryption?: { outcome: string; text: string };
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

/** The notes this panel reads: DTLS's, SRTP's, and the peer's DTLS role. */
type DtlsPanelNote = Note<DtlsNote | SrtpNote> | NoteOf<'peer.dtls-role'>;

function isDtlsPanelNote(n: AnyNote): n is DtlsPanelNote {
  return isNoteOf(DTLS_NOTE_KINDS, n) || isNoteOf(SRTP_NOTE_KINDS, n) || n.kind === 'peer.dtls-role';
}

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
  for (const note of notes) {
    if (note.t > t) break;
    const n = typedNote(note);
    if (isDtlsPanelNote(n)) apply(get(n.source), n, eps);
  }
  for (const s of secrets) {
    if (s.t > t || s.kind !== 'srtp') continue;
    const parsed = parseSrtpSecret(s.text);
    if (!parsed) continue;
    const e = get(s.source);
    e.srtp ??= { profile: parsed.profile, keyedAt: s.t };
    e.srtp.keys = parsed.values;
  }
  return [...eps.values()].map(freeze);
}

/** One note's effect on its endpoint: every kind is listed (the compiler checks it), some change nothing here. */
function apply(e: MutableEndpoint, n: DtlsPanelNote, all: Map<string, MutableEndpoint>): void {
  switch (n.kind) {
    case 'peer.dtls-role':
      e.role = n.data.role;
      return;
    case 'dtls.state': {
      const d = n.data;
      e.state = d.to;
      e.stateReason = d.reason;
      if (d.role !== undefined) e.role = d.role;
      // a capture: the dissector's handshake progress (hello, cookie, key-exchange, finished, established, alert)
      if (d.progress !== undefined) e.flights.push({ t: n.t, flight: 0, what: 'seen', detail: n.text });
      return;
    }
    case 'dtls.flight.sent':
    case 'dtls.flight.retransmit': {
      const sent = n.kind === 'dtls.flight.sent';
      const flight = n.data.flight;
      const what = sent ? 'sent' : 'retransmitted';
      const detail = n.kind === 'dtls.flight.sent' ? n.data.messages.join(', ') : n.data.trigger;
      e.flights.push({ t: n.t, flight, what, detail });
      // Two-party DTLS: what one endpoint sends, the other receives (notes carry no receive event of their own).
      for (const other of all.values()) {
        if (other !== e && other.role !== '' && other.role !== e.role && sent) other.flights.push({ t: n.t, flight, what: 'peer-sent', detail });
      }
      return;
    }
    case 'dtls.server-hello':
      e.cipherSuite = n.data.cipherSuite;
      return;
    case 'dtls.version':
      // DTLS 1.3 endpoints (sim/dtls/v13) say the suite here: there is no 1.2 ServerHello note
      if (n.data.cipherSuite) e.cipherSuite = n.data.cipherSuite;
      return;
    case 'dtls.ack':
    case 'dtls.hello-retry':
    case 'dtls.hello-fragments':
      return;
    case 'dtls.fingerprint.verified':
      e.fingerprintCheck = 'verified';
      e.peerFingerprint = n.data.fingerprint;
      return;
    case 'dtls.fingerprint.mismatch':
      e.fingerprintCheck = 'mismatch';
      e.peerFingerprint = n.data.actual;
      // a capture knows the signaled fingerprint only when one was signaled
      if (n.data.expected !== undefined) e.expectedFingerprint = n.data.expected;
      return;
    case 'dtls.fingerprint.unchecked':
      e.fingerprintCheck = 'unchecked';
      e.peerFingerprint = n.data.fingerprint;
      return;
    case 'dtls.decryption':
      // a capture read with a key log (viz/model/decryption-watch.ts)
      e.decryption = { outcome: n.data.decryption, text: n.text };
      return;
    case 'dtls.alert.sent':
    case 'dtls.alert.received':
      e.alerts.push(n.text);
      return;
    case 'dtls.srtp':
    case 'srtp.keyed':
      e.srtp ??= { profile: n.data.profile, keyedAt: n.t };
      e.srtp.profile = n.data.profile;
      if (n.kind === 'srtp.keyed') e.srtp.sendsWith = n.data.role;
      return;
    case 'dtls.cookie':
    case 'dtls.client-hello':
    case 'dtls.keys':
    case 'dtls.certificate':
    case 'dtls.record.replay':
    case 'dtls.pmtu':
      return;
    default:
      return unreachable(n);
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
          },
        }
      : {}),
    alerts: e.alerts,
    ...(e.decryption ? { decryption: e.decryption } : {}),
  };
}
