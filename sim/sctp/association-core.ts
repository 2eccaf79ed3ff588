// The state an SCTP association keeps (RFC 9260) and what every part of it does with that state: notes and state
// changes, packets out, the halves set up once the peer is known, and packets built from queued chunks and DATA
// (§6.10). The chunk handlers are in association.ts, the timers in association-timers.ts; the halves it drives
// live in sender.ts, receiver.ts, reconfig.ts and cookie.ts.
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { MS } from '../core/time.ts';
import type { SctpChunk, SctpParam } from '../wire/sctp/chunk.ts';
import { chunkWireLength, encodeSctpPacket } from '../wire/sctp/encode.ts';
import { ChunkType, EDMID_SCTP_OVER_DTLS } from '../wire/sctp/names.ts';
import type { CookieState } from './cookie.ts';
import { sctpNote, type SctpNote, type SctpStateName } from './notes.ts';
import { Receiver } from './receiver.ts';
import { Plpmtud, type PlpmtudOptions } from './plpmtud.ts';
import { Reconfig } from './reconfig.ts';
import { Sender, type RtoConfig } from './sender.ts';

/** Options of an association; times in µs. Defaults: RFC 9260 §16, WebRTC's port 5000 (RFC 8841) and 1200-byte packets. */
export interface SctpAssociationOptions {
  readonly rng: Rng;
  readonly localPort?: number;
  readonly remotePort?: number;
  /** The largest SCTP packet (it travels in one DTLS record in one UDP datagram). */
  readonly mtu?: number;
  readonly arwnd?: number;
  /** Outbound and inbound streams asked for (WebRTC asks for 65535, RFC 8831 §6.2). */
  readonly streams?: number;
  readonly rto?: Partial<RtoConfig>;
  readonly heartbeatInterval?: Micros;
  /** Association.Max.Retrans (§8.1) and Max.Init.Retransmits (§5.1). */
  readonly maxRetrans?: number;
  readonly maxInitRetrans?: number;
  readonly cookieLifetime?: Micros;
  /** Bytes queued and not yet acknowledged the sender accepts. */
  readonly maxQueued?: number;
  /** §6.2: how long a SACK may wait (at most 500 ms; 200 ms usual). */
  readonly delayedAck?: Micros;
  /** RFC 9653: offer Zero Checksum Acceptable (SCTP over DTLS). */
  readonly zeroChecksum?: boolean;
  /**
   * RFC 8899 PLPMTUD (RFC 8261 §5): search the path's largest packet with HEARTBEAT+PAD probes and build DATA to
   * it (plpmtud.ts); `mtu` is then unused. Off by default: packets stay at `mtu`.
   */
  readonly plpmtud?: PlpmtudOptions;
}

/** What `poll` yields, in order: packets for the DTLS layer, notes, delivered messages and stream resets, then a deadline. */
export type SctpOutput =
  /**
   * `mayFragment`: the packet is over the packet size now in use (a DATA chunk cut for a larger PLPMTU before it
   * shrank): RFC 9260 §6.9 says IP fragmentation MUST carry it, so the layers below send it with DF clear.
   */
  | { readonly type: 'transmit'; readonly bytes: Uint8Array; readonly mayFragment?: true }
  | { readonly type: 'note'; readonly note: SctpNote }
  | { readonly type: 'message'; readonly streamId: number; readonly ppid: number; readonly bytes: Uint8Array; readonly unordered: boolean }
  | { readonly type: 'streams-reset'; readonly direction: 'incoming' | 'outgoing'; readonly streams: readonly number[] }
  | { readonly type: 'state'; readonly state: SctpStateName }
  | { readonly type: 'timeout'; readonly at: Micros; readonly reason: string }
  | { readonly type: 'idle' };

export interface Peer {
  readonly tag: number;
  readonly outboundStreams: number;
  readonly inboundStreams: number;
  readonly forwardTsn: boolean;
  readonly zeroChecksum: boolean;
}

/**
 * What an association is made of: its options, tags and initial TSN, the peer once known, the sender and receiver
 * halves, the outputs waiting for `poll` and the control chunks waiting for a packet, and the timers' deadlines.
 */
export abstract class AssociationCore {
  state: SctpStateName = 'closed';
  protected o: Required<Omit<SctpAssociationOptions, 'rng' | 'rto' | 'plpmtud'>> & { rto: RtoConfig };
  /** The path MTU search, when the option asks for it (made once the association is set up). */
  pl: Plpmtud | undefined;
  private readonly plOptions: PlpmtudOptions | undefined;
  protected readonly cookieKey: Uint8Array;
  readonly localTag: number;
  protected readonly localInitialTsn: number;
  protected peer: Peer | undefined;
  sender: Sender | undefined;
  receiver: Receiver | undefined;
  protected reconfig: Reconfig | undefined;
  protected readonly out: SctpOutput[] = [];
  protected readonly control: SctpChunk[] = [];
  protected initChunk: SctpChunk | undefined;
  protected cookieEcho: Uint8Array | undefined;
  protected t1At: Micros | undefined;
  protected t1Count = 0;
  protected t2At: Micros | undefined;
  protected t2Count = 0;
  protected sackAt: Micros | undefined;
  protected heartbeatAt: Micros | undefined;
  protected heartbeatOutstanding = false;
  protected shutdownWanted = false;
  protected readonly rng: Rng;
  /** Packets and chunks counted, for the summary. */
  readonly stats = { packetsSent: 0, packetsReceived: 0, dataSent: 0, dataReceived: 0, malformed: 0 };

  constructor(opts: SctpAssociationOptions) {
    this.rng = opts.rng;
    this.plOptions = opts.plpmtud;
    this.o = {
      localPort: opts.localPort ?? 5000,
      remotePort: opts.remotePort ?? 5000,
      mtu: opts.mtu ?? 1200,
      arwnd: opts.arwnd ?? 131072,
      streams: opts.streams ?? 65535,
      rto: { initial: opts.rto?.initial ?? 1000 * MS, min: opts.rto?.min ?? 1000 * MS, max: opts.rto?.max ?? 60_000 * MS },
      heartbeatInterval: opts.heartbeatInterval ?? 30_000 * MS,
      maxRetrans: opts.maxRetrans ?? 10,
      maxInitRetrans: opts.maxInitRetrans ?? 8,
      cookieLifetime: opts.cookieLifetime ?? 60_000 * MS,
      maxQueued: opts.maxQueued ?? 16 << 20,
      delayedAck: Math.min(opts.delayedAck ?? 200 * MS, 500 * MS),
      zeroChecksum: opts.zeroChecksum ?? false,
    };
    // §5.1.3 / §5.3.1: a secret key for cookies; tags are random and non-zero; the initial TSN is random
    this.cookieKey = this.rng.bytes(32);
    this.localTag = this.rng.int(1, 0x100000000);
    this.localInitialTsn = this.rng.int(0, 0x100000000);
  }

  protected note(n: SctpNote): void {
    this.out.push({ type: 'note', note: n });
  }

  protected setState(to: SctpStateName, reason: string): void {
    if (to === this.state) return;
    const from = this.state;
    this.state = to;
    this.note(sctpNote('sctp.state', `SCTP ${from} → ${to} (${reason})`, { from, to, reason }));
    this.out.push({ type: 'state', state: to });
    if (to === 'closed') this.stopTimers();
  }

  protected stopTimers(): void {
    this.t1At = this.t2At = this.sackAt = this.heartbeatAt = undefined;
    if (this.sender) this.sender.t3At = undefined;
    if (this.reconfig) this.reconfig.outstanding = undefined;
  }

  /** Our supported extensions (RFC 5061 §4.2.7): FORWARD-TSN (RFC 3758) and RE-CONFIG (RFC 6525). */
  protected initParams(): SctpParam[] {
    const params: SctpParam[] = [{ kind: 'supported-extensions', chunkTypes: [ChunkType.FORWARD_TSN, ChunkType.RE_CONFIG] }, { kind: 'forward-tsn-supported' }];
    if (this.o.zeroChecksum) params.push({ kind: 'zero-checksum-acceptable', edmid: EDMID_SCTP_OVER_DTLS });
    return params;
  }

  /** §9.1: ABORT with a User-Initiated Abort cause. */
  abort(reason: string): void {
    if (this.state === 'closed' || !this.peer) return;
    this.sendAlone(this.peer.tag, { kind: 'ABORT', reflected: false, causes: [{ code: 12, info: new TextEncoder().encode(reason) }] });
    this.note(sctpNote('sctp.abort', `ABORT sent: ${reason}`, { direction: 'sent', cause: reason }));
    this.setState('closed', 'ABORT sent');
  }

  protected sendAlone(tag: number, c: SctpChunk): void {
    this.emit(tag, [c]);
  }

  protected emit(tag: number, chunks: readonly SctpChunk[], mayFragment = false): void {
    const zero = !!this.peer?.zeroChecksum && this.o.zeroChecksum && chunks.every((c) => c.kind !== 'INIT' && c.kind !== 'INIT-ACK' && c.kind !== 'COOKIE-ECHO');
    const bytes = encodeSctpPacket({ srcPort: this.o.localPort, dstPort: this.o.remotePort, verificationTag: tag, chunks }, { zeroChecksum: zero });
    this.out.push(mayFragment ? { type: 'transmit', bytes, mayFragment: true } : { type: 'transmit', bytes });
    this.stats.packetsSent++;
  }

  protected malformed(what: string, detail: string): void {
    this.stats.malformed++;
    this.note(sctpNote('sctp.malformed', `SCTP ${what}: ${detail}; dropped`, { what, detail }));
  }

  /** Sets up the halves once the peer's parameters are known (from its INIT-ACK, or our cookie). */
  protected setup(now: Micros, s: Omit<CookieState, 'localTag' | 'localInitialTsn' | 'created' | 'peerReconfig'>): void {
    this.peer = { tag: s.peerTag, outboundStreams: s.outboundStreams, inboundStreams: s.inboundStreams, forwardTsn: s.peerForwardTsn, zeroChecksum: s.peerZeroChecksum };
    if (this.plOptions) this.pl = new Plpmtud(now, this.plOptions);
    this.sender = new Sender(this.localInitialTsn, s.peerArwnd, this.packetSize, this.o.rto, this.o.maxQueued);
    this.receiver = new Receiver(s.peerInitialTsn, this.o.arwnd);
    this.reconfig = new Reconfig(this.localInitialTsn, s.peerInitialTsn);
    this.heartbeatAt = now + this.o.heartbeatInterval;
  }

  /** §9.2: SHUTDOWN (or SHUTDOWN-ACK) once every DATA chunk sent is acknowledged. */
  protected progressShutdown(now: Micros): void {
    if (!this.sender || this.sender.busy) return;
    if (this.state === 'shutdown-pending') {
      this.control.push({ kind: 'SHUTDOWN', cumulativeTsnAck: this.receiver?.cumulativeTsn ?? 0 });
      this.t2At = now + this.sender.rto;
      this.setState('shutdown-sent', 'all data acknowledged, SHUTDOWN sent');
    } else if (this.state === 'shutdown-received') {
      this.control.push({ kind: 'SHUTDOWN-ACK' });
      this.t2At = now + this.sender.rto;
      this.setState('shutdown-ack-sent', 'all data acknowledged, SHUTDOWN-ACK sent');
    }
  }

  protected flushReceiver(): void {
    const r = this.receiver;
    if (!r) return;
    for (const m of r.delivered.splice(0)) this.out.push({ type: 'message', streamId: m.streamId, ppid: m.ppid, bytes: m.bytes, unordered: m.unordered });
    for (const e of r.events.splice(0)) {
      if (e.kind === 'hol-blocked') this.note(sctpNote('sctp.hol.blocked', `stream ${e.streamId}: message SSN ${e.ssn} complete but held until SSN ${e.waitingFor} arrives (head-of-line blocking)`, { streamId: e.streamId, ssn: e.ssn, waitingFor: e.waitingFor }));
      else if (e.kind === 'hol-released') this.note(sctpNote('sctp.hol.released', `stream ${e.streamId}: ${e.messages} held message(s) delivered after ${e.heldMs} ms`, { streamId: e.streamId, messages: e.messages, heldMs: e.heldMs }));
      else this.note(sctpNote('sctp.limit', `receiver: ${e.what}`, { what: e.what, limit: e.limit }));
    }
  }

  protected flushSender(): void {
    const s = this.sender;
    if (!s) return;
    for (const e of s.events.splice(0)) {
      if (e.kind === 'retransmit') {
        const why = e.why === 'fast' ? 'fast retransmit after 3 miss indications (RFC 9260 §7.2.4)' : `T3-rtx expired (RFC 9260 §6.3.3), RTO now ${s.rto / 1000} ms`;
        this.note(sctpNote('sctp.retransmit', `retransmitting TSN ${e.tsns.join(', ')}: ${why}; cwnd ${s.cwnd}, ssthresh ${s.ssthresh}`, { why: e.why, tsns: e.tsns, rto: s.rto / 1000, cwnd: s.cwnd, ssthresh: s.ssthresh }));
      } else if (e.kind === 'resplit') {
        this.note(sctpNote('sctp.plpmtud.resplit', `PLPMTU now ${e.mtu}: the ${e.before} DATA chunks of ${e.messages} message(s) not yet sent cut again into ${e.after} (TSN ${e.firstTsn} on); chunks already sent keep their size and are fragmented by IP if resent (RFC 9260 §6.9)`, { mtu: e.mtu, messages: e.messages, before: e.before, after: e.after, firstTsn: e.firstTsn }));
      } else {
        this.note(sctpNote('sctp.abandoned', `stream ${e.streamId}: message of ${e.bytes} bytes (TSN ${e.tsns.join(', ')}) abandoned: ${e.policy} (RFC 3758 §3.5)`, { streamId: e.streamId, tsns: e.tsns, policy: e.policy, bytes: e.bytes }));
      }
    }
  }

  /** The largest packet built now: the PLPMTU when PLPMTUD runs, else the `mtu` option. */
  get packetSize(): number {
    return this.pl?.plpmtu ?? this.o.mtu;
  }

  /** Sends the probe PLPMTUD has due, alone: HEARTBEAT (its information names the size) and PAD up to the size (RFC 8899 §6.2.1.1). */
  private probe(now: Micros): void {
    const pl = this.pl;
    if (!pl || !this.peer || this.state !== 'established') return;
    pl.tick(now);
    const p = pl.poll(now, () => this.rng.bytes(8));
    this.flushPl();
    if (!p) return;
    const hb: SctpChunk = { kind: 'HEARTBEAT', info: p.info };
    const pad = p.size - 12 - chunkWireLength(hb) - 4;
    this.emit(this.peer.tag, pad >= 0 ? [hb, { kind: 'other', type: ChunkType.PAD, flags: 0, body: new Uint8Array(pad) }] : [hb]);
  }

  /** Who sent the Packet Too Big being handled, for its note. */
  private ptbFrom: string | undefined;

  /**
   * A Packet Too Big that the layer holding DTLS validated (it quotes a datagram of this association's DTLS transport,
   * RFC 8899 §4.6.1), as PL_PTB_SIZE: the next-hop MTU less the IP, UDP and DTLS record headers (RFC 8261 §5). Over
   * DTLS the quoted SCTP header is encrypted and cannot be checked (RFC 8899 §6.2.1.4 asks it of plain SCTP), so it is
   * only a hint to PLPMTUD, confirmed by a probe (plpmtud.ts); without PLPMTUD it changes nothing.
   */
  packetTooBig(now: Micros, size: number, from: string): void {
    if (!this.pl || this.state !== 'established') {
      this.note(sctpNote('sctp.plpmtud.ptb', `Packet Too Big from ${from}: PL_PTB_SIZE ${size}, ignored: ${this.pl ? `the association is ${this.state}` : `no PLPMTUD on this association, packets stay at ${this.o.mtu} bytes`}`, { size, action: 'ignored', why: this.pl ? `association ${this.state}` : 'PLPMTUD off', from }));
      return;
    }
    this.ptbFrom = from;
    this.pl.packetTooBig(now, size);
    this.flushPl();
    this.ptbFrom = undefined;
  }

  /** PLPMTUD's events as notes, and its PLPMTU handed to the sender. */
  protected flushPl(): void {
    const pl = this.pl;
    if (!pl) return;
    if (this.sender && this.sender.mtu !== pl.plpmtu) {
      this.sender.setMtu(pl.plpmtu);
      this.flushSender();
    }
    for (const e of pl.events.splice(0)) {
      if (e.kind === 'ptb') this.note(sctpNote('sctp.plpmtud.ptb', `Packet Too Big${this.ptbFrom ? ` from ${this.ptbFrom}` : ''}: PL_PTB_SIZE ${e.size}, ${e.action}: ${e.why} (RFC 8899 §4.6.2)`, { size: e.size, action: e.action, why: e.why, from: this.ptbFrom ?? null }));
      else if (e.kind === 'state') this.note(sctpNote('sctp.plpmtud', `PLPMTUD ${e.from} → ${e.to}, PLPMTU ${e.plpmtu} (${e.why}; RFC 8899 §5.2)`, { from: e.from, to: e.to, plpmtu: e.plpmtu, why: e.why }));
      else if (e.kind === 'confirmed') this.note(sctpNote('sctp.plpmtud.probe', `PLPMTUD probe of ${e.size} bytes acknowledged`, { size: e.size, result: 'acked', count: 0 }));
      else this.note(sctpNote('sctp.plpmtud.probe', `PLPMTUD probe of ${e.size} bytes lost (${e.count} of ${pl.maxProbes})`, { size: e.size, result: 'lost', count: e.count }));
    }
  }

  /** Builds packets from the control chunks, a SACK, a FORWARD-TSN, a RE-CONFIG and DATA, each under the MTU (§6.10). */
  protected build(now: Micros): void {
    if (!this.peer || this.state === 'closed') {
      this.control.length = 0;
      return;
    }
    const s = this.sender;
    const r = this.receiver;
    if (s && r) {
      if (this.sackAt !== undefined && this.control.some((c) => c.kind === 'SACK')) this.sackAt = undefined;
      if (s.forwardTsnDue && this.peer.forwardTsn) {
        const f = s.forwardTsn(now);
        this.control.push({ kind: 'FORWARD-TSN', ...f });
        this.note(sctpNote('sctp.forward-tsn', `FORWARD-TSN sent: the peer may skip to TSN ${f.newCumulativeTsn} (RFC 3758 §3.5)`, { direction: 'sent', newCumulativeTsn: f.newCumulativeTsn }));
      }
      if (this.state === 'established' && this.reconfig) {
        const req = this.reconfig.due(now, (s.nextTsn - 1) >>> 0, s.rto, s.busy);
        if (req) this.control.push({ kind: 'RE-CONFIG', params: [req] });
      }
    }
    this.probe(now);
    const max = this.packetSize;
    let chunks: SctpChunk[] = [];
    let size = 12;
    const flush = (): void => {
      // a DATA chunk cut before the PLPMTU shrank goes alone and over the size: IP fragments it (RFC 9260 §6.9)
      if (chunks.length) this.emit(this.peer!.tag, chunks, chunks.reduce((n, c) => n + chunkWireLength(c), 12) > max);
      chunks = [];
      size = 12;
    };
    // one SACK is enough: the latest
    const sacks = this.control.filter((c) => c.kind === 'SACK');
    const control = this.control.filter((c) => c.kind !== 'SACK' || c === sacks[sacks.length - 1]);
    this.control.length = 0;
    for (const c of control) {
      const n = chunkWireLength(c);
      if (size + n > max) flush();
      chunks.push(c);
      size += n;
    }
    if (s && (this.state === 'established' || this.state === 'shutdown-pending' || this.state === 'shutdown-received')) {
      for (;;) {
        const data = s.take(now, max - size);
        this.flushSender();
        if (!data.length) {
          if (size === 12 || !s.hasWork()) break;
          flush();
          continue;
        }
        chunks.push(...data);
        this.stats.dataSent += data.length;
        flush();
      }
    }
    flush();
  }
}
