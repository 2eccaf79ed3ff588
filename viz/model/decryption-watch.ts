import { dtlsNote } from '../../sim/dtls/notes.ts';
import { toHex } from '../../sim/core/encoding.ts';
import type { Micros } from '../../sim/core/time.ts';
import type { Note } from '../../sim/core/trace.ts';
import type { DtlsFlow } from '../../sim/dissect/dtls-flow.ts';
import { endpointsKey, type FlowTable } from '../../sim/dissect/flow-state.ts';
import type { DissectedPacket } from '../../sim/dissect/types.ts';

/** The TLS 1.3 / DTLS 1.3 key log labels a connection can have besides `CLIENT_RANDOM` (RFC 8446 §7.1 secrets). */
const TLS13_LABELS = ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0', 'EXPORTER_SECRET'];

/** What the keys of a capture did: where they came from, how many entries, and what they opened. */
export interface KeyLogReport {
  /** The key log file's name(s), or "the capture's Decryption Secrets Block". */
  readonly source: string;
  /** Usable entries read (file and Decryption Secrets Blocks together). */
  readonly entries: number;
  /** Lines that are not `<LABEL> <64 hex digits> <hex secret>`. */
  readonly malformed: number;
  /** DTLS connections in the capture (one handshake seen on several links counts once). */
  readonly connections: number;
  /** Key log entries whose client random is one of those connections'. */
  readonly matchedEntries: number;
  /** Connections the key log has a line for; of them, decrypted and wrong key. */
  readonly matched: number;
  readonly decrypted: number;
  readonly wrongKey: number;
  /** Finished messages verified against the transcript (RFC 5246 §7.4.9, RFC 8446 §4.4.4), and mismatches. */
  readonly finishedVerified: number;
  readonly finishedMismatch: number;
}

/**
 * Watches the dissector's DTLS flow state while a capture is read and notes each connection's decryption outcome
 * when it changes (`dtls.decryption`: decrypted and Finished verified, or wrong key, or no line for it), so the DTLS
 * panel can say what the key log did; then sums it up for the page. It reads the dissector's key store and flow
 * table: the key log is parsed once, by the dissector.
 */
export class DecryptionWatch {
  readonly notes: Note[] = [];
  private readonly noted = new Map<string, string>();

  constructor(private readonly flows: FlowTable) {}

  observe(p: DissectedPacket, packet: number, t: Micros): void {
    const f = p.flow;
    if (!f || this.flows.keys.size === 0 || !p.layers.some((l) => l.protocol === 'DTLS')) return;
    // the same flow key and source the capture analyzer gives its dtls.state notes (one DTLS panel box per 5-tuple)
    const key = endpointsKey(f.transport, p.src, p.dst);
    const d = this.flows.get(this.flows.vantage ? `${key} @${this.flows.vantage}` : key)?.dtls;
    if (!d) return;
    const text = outcomeText(d);
    if (text === undefined || this.noted.get(key) === text) return;
    this.noted.set(key, text);
    const finished = d.finished.map((x) => `${x.role} ${x.ok ? 'verified' : 'mismatch'}`);
    this.notes.push({ t, source: `capture/dtls ${key}`, ...dtlsNote('dtls.decryption', text, { decryption: d.decryption, finished }), packet, inferred: true });
  }

  report(source: string): KeyLogReport {
    const keys = this.flows.keys;
    // one handshake seen on several links (or on both sides of a NAT) is one connection: grouped by client random
    const byRandom = new Map<string, DtlsFlow>();
    for (const s of this.flows.all()) {
      if (!s.dtls?.clientRandom) continue;
      const cr = toHex(s.dtls.clientRandom);
      const seen = byRandom.get(cr);
      // keep the copy that got furthest (decrypted beats wrong key beats the rest)
      if (!seen || rank(s.dtls) > rank(seen)) byRandom.set(cr, s.dtls);
    }
    let matchedEntries = 0;
    let matched = 0;
    let decrypted = 0;
    let wrongKey = 0;
    let finishedVerified = 0;
    let finishedMismatch = 0;
    for (const d of byRandom.values()) {
      const cr = d.clientRandom!;
      const n = (keys.masterSecret(cr) ? 1 : 0) + TLS13_LABELS.filter((l) => keys.secret(l, cr)).length;
      matchedEntries += n;
      if (n > 0) matched++;
      if (d.decryption === 'ok') decrypted++;
      if (d.decryption === 'wrong-key') wrongKey++;
      for (const x of d.finished) {
        if (x.ok) finishedVerified++;
        else finishedMismatch++;
      }
    }
    return { source, entries: keys.size, malformed: keys.problems.length, connections: byRandom.size, matchedEntries, matched, decrypted, wrongKey, finishedVerified, finishedMismatch };
  }
}

function rank(d: DtlsFlow): number {
  return d.decryption === 'ok' ? 3 : d.decryption === 'wrong-key' ? 2 : d.decryption === 'none' ? 0 : 1;
}

/** One sentence for the DTLS panel, or undefined while nothing has been tried. */
function outcomeText(d: DtlsFlow): string | undefined {
  switch (d.decryption) {
    case 'ok': {
      const fin = d.finished.map((x) => `${x.role} Finished ${x.ok ? 'verified' : 'MISMATCH'}`).join(', ');
      return `decrypted with the key log${fin ? `: ${fin}` : ''}${d.srtpKeysDerived ? '; SRTP keys derived' : ''}`;
    }
    case 'wrong-key':
      return "wrong key: the key log has this connection's client random but its secrets do not open the records";
    case 'no-key':
      return d.clientRandom ? `not decrypted: the key log has no line for client random ${toHex(d.clientRandom).slice(0, 16)}…` : 'not decrypted: no client random seen';
    case 'unsupported':
      return 'not decrypted: the cipher suite is not one this dissector decrypts';
    case 'none':
      return undefined;
  }
}

/** "1 key log entry" / "3 key log entries". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** The page's one line about the keys in use. */
export function describeKeys(r: KeyLogReport): string {
  const bad = r.malformed ? ` (${plural(r.malformed, 'malformed line')} skipped)` : '';
  const head = `Key log: ${r.source} · ${plural(r.entries, 'entry', 'entries')}${bad}`;
  // TLS over TCP is decrypted too (the dissector's TLS sessions), but only DTLS connections are counted here
  if (r.connections === 0) return `${head} · no DTLS handshake in the capture to count them against (TLS records are decrypted in the packet detail)`;
  const outcome = [r.decrypted ? `${r.decrypted} decrypted` : '', r.wrongKey ? `${r.wrongKey} wrong key` : '', r.finishedVerified ? `${plural(r.finishedVerified, 'Finished', 'Finished')} verified` : '', r.finishedMismatch ? `${r.finishedMismatch} Finished MISMATCH` : '']
    .filter(Boolean)
    .join(', ');
  return `${head} · ${plural(r.matchedEntries, 'entry', 'entries')} matched ${r.matched} of ${plural(r.connections, 'DTLS connection')} in the capture${outcome ? ` (${outcome})` : ''}`;
}
