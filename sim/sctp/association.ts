// size: the RFC 9260 state machine in one place (setup, data, shutdown, abort, timers, packet building); the
// halves it drives live in sender.ts, receiver.ts, reconfig.ts and cookie.ts
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { MS } from '../core/time.ts';
import type { InitChunk, SctpChunk, SctpParam } from '../wire/sctp/chunk.ts';
import { decodeSctpPacket } from '../wire/sctp/decode.ts';
import { describeChunk } from '../wire/sctp/describe.ts';
import { chunkWireLength, encodeSctpPacket } from '../wire/sctp/encode.ts';
import { ChunkType, EDMID_SCTP_OVER_DTLS } from '../wire/sctp/names.ts';
import { describeCause } from '../wire/sctp/params.ts';
import { makeCookie, openCookie, type CookieState } from './cookie.ts';
import { sctpNote, type SctpNote, type SctpStateName } from './notes.ts';
import { Receiver } from './receiver.ts';
import { Reconfig } from './reconfig.ts';
import { Sender, type RtoConfig, type SendPolicy } from './sender.ts';

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
}

/** What `poll` yields, in order: packets for the DTLS layer, notes, delivered messages and stream resets, then a deadline. */
export type SctpOutput =
  | { readonly type: 'transmit'; readonly bytes: Uint8Array }
  | { readonly type: 'note'; readonly note: SctpNote }
  | { readonly type: 'message'; readonly streamId: number; readonly ppid: number; readonly bytes: Uint8Array; readonly unordered: boolean }
  | { readonly type: 'streams-reset'; readonly direction: 'incoming' | 'outgoing'; readonly streams: readonly number[] }
  | { readonly type: 'state'; readonly state: SctpStateName }
  | { readonly type: 'timeout'; readonly at: Micros; readonly reason: string }
  | { readonly type: 'idle' };

interface Peer {
  readonly tag: number;
  readonly outboundStreams: number;
  readonly inboundStreams: number;
  readonly forwardTsn: boolean;
  readonly zeroChecksum: boolean;
}

/**
 * A sans-IO SCTP association (RFC 9260) for WebRTC data channels over DTLS (RFC 8261): packets in through
 * `handlePacket`, out through `poll`'s `transmit`, deadlines through `timeout`. It never reads a clock; its tags,
 * initial TSN and cookie key come from its RNG stream. Input that is malformed, fails the verification tag or
 * comes in the wrong state changes nothing and becomes an `sctp.malformed` note.
 */
export class SctpAssociation {
  state: SctpStateName = 'closed';
  private readonly o: Required<Omit<SctpAssociationOptions, 'rng' | 'rto'>> & { rto: RtoConfig };
  private readonly cookieKey: Uint8Array;
  readonly localTag: number;
  private readonly localInitialTsn: number;
  private peer: Peer | undefined;
  sender: Sender | undefined;
  receiver: Receiver | undefined;
  private reconfig: Reconfig | undefined;
  private readonly out: SctpOutput[] = [];
  private readonly control: SctpChunk[] = [];
  private initChunk: SctpChunk | undefined;
  private cookieEcho: Uint8Array | undefined;
  private t1At: Micros | undefined;
  private t1Count = 0;
  private t2At: Micros | undefined;
  private t2Count = 0;
  private sackAt: Micros | undefined;
  private heartbeatAt: Micros | undefined;
  private heartbeatOutstanding = false;
  private shutdownWanted = false;
  private readonly rng: Rng;
  /** Packets and chunks counted, for the summary. */
  readonly stats = { packetsSent: 0, packetsReceived: 0, dataSent: 0, dataReceived: 0, malformed: 0 };

  constructor(opts: SctpAssociationOptions) {
    this.rng = opts.rng;
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

  private note(n: SctpNote): void {
    this.out.push({ type: 'note', note: n });
  }

  private setState(to: SctpStateName, reason: string): void {
    if (to === this.state) return;
    const from = this.state;
    this.state = to;
    this.note(sctpNote('sctp.state', `SCTP ${from} → ${to} (${reason})`, { from, to, reason }));
    this.out.push({ type: 'state', state: to });
    if (to === 'closed') this.stopTimers();
  }

  private stopTimers(): void {
    this.t1At = this.t2At = this.sackAt = this.heartbeatAt = undefined;
    if (this.sender) this.sender.t3At = undefined;
    if (this.reconfig) this.reconfig.outstanding = undefined;
  }

  /** Our supported extensions (RFC 5061 §4.2.7): FORWARD-TSN (RFC 3758) and RE-CONFIG (RFC 6525). */
  private initParams(): SctpParam[] {
    const params: SctpParam[] = [{ kind: 'supported-extensions', chunkTypes: [ChunkType.FORWARD_TSN, ChunkType.RE_CONFIG] }, { kind: 'forward-tsn-supported' }];
    if (this.o.zeroChecksum) params.push({ kind: 'zero-checksum-acceptable', edmid: EDMID_SCTP_OVER_DTLS });
    return params;
  }

  /** §5.1 A: sends INIT and starts T1-init. */
  connect(now: Micros): void {
    if (this.state !== 'closed' || this.peer) return;
    this.initChunk = { kind: 'INIT', initiateTag: this.localTag, arwnd: this.o.arwnd, outboundStreams: this.o.streams, inboundStreams: this.o.streams, initialTsn: this.localInitialTsn, params: this.initParams() };
    this.sendAlone(0, this.initChunk);
    this.t1At = now + this.o.rto.initial;
    this.t1Count = 0;
    this.setState('cookie-wait', 'INIT sent');
  }

  /** Queues a user message (§6.9 fragments it). False with a note when it cannot be taken. */
  send(now: Micros, streamId: number, ppid: number, bytes: Uint8Array, policy: SendPolicy = {}): boolean {
    const s = this.sender;
    if (!s || !this.peer || (this.state !== 'established' && this.state !== 'cookie-echoed') || this.shutdownWanted) return false;
    if (streamId >= this.peer.inboundStreams || streamId >= this.o.streams) {
      this.note(sctpNote('sctp.limit', `stream ${streamId} is beyond the ${Math.min(this.peer.inboundStreams, this.o.streams)} outbound streams agreed`, { what: 'outbound streams', limit: Math.min(this.peer.inboundStreams, this.o.streams) }));
      return false;
    }
    // RFC 3758 §3.1: without the peer's FORWARD-TSN support, messages are sent reliably
    const p = this.peer.forwardTsn ? policy : { unordered: policy.unordered ?? false };
    if (!s.enqueue(now, streamId, ppid, bytes, p)) {
      this.note(sctpNote('sctp.limit', `send queue full: ${s.queuedBytes} bytes not yet acknowledged`, { what: 'queued bytes', limit: this.o.maxQueued }));
      return false;
    }
    return true;
  }

  /** RFC 6525: resets our outgoing streams (closing their data channels, RFC 8831 §6.7). */
  resetStreams(streams: readonly number[]): void {
    this.reconfig?.request(streams);
  }

  /** §9.2: a graceful close once everything queued is acknowledged. */
  shutdown(now: Micros): void {
    if (this.state !== 'established') return;
    this.shutdownWanted = true;
    this.setState('shutdown-pending', 'user asked to shut down');
    this.progressShutdown(now);
  }

  /** §9.1: ABORT with a User-Initiated Abort cause. */
  abort(reason: string): void {
    if (this.state === 'closed' || !this.peer) return;
    this.sendAlone(this.peer.tag, { kind: 'ABORT', reflected: false, causes: [{ code: 12, info: new TextEncoder().encode(reason) }] });
    this.note(sctpNote('sctp.abort', `ABORT sent: ${reason}`, { direction: 'sent', cause: reason }));
    this.setState('closed', 'ABORT sent');
  }

  private sendAlone(tag: number, c: SctpChunk): void {
    this.emit(tag, [c]);
  }

  private emit(tag: number, chunks: readonly SctpChunk[]): void {
    const zero = !!this.peer?.zeroChecksum && this.o.zeroChecksum && chunks.every((c) => c.kind !== 'INIT' && c.kind !== 'INIT-ACK' && c.kind !== 'COOKIE-ECHO');
    this.out.push({ type: 'transmit', bytes: encodeSctpPacket({ srcPort: this.o.localPort, dstPort: this.o.remotePort, verificationTag: tag, chunks }, { zeroChecksum: zero }) });
    this.stats.packetsSent++;
  }

  private malformed(what: string, detail: string): void {
    this.stats.malformed++;
    this.note(sctpNote('sctp.malformed', `SCTP ${what}: ${detail}; dropped`, { what, detail }));
  }

  /** An SCTP packet the DTLS layer decrypted (RFC 8261). */
  handlePacket(now: Micros, bytes: Uint8Array): void {
    const d = decodeSctpPacket(bytes, { spans: false, zeroChecksumAllowed: !!this.peer?.zeroChecksum && this.o.zeroChecksum });
    const p = d.value;
    const bad = d.problems.find((x) => x.severity !== 'warning');
    if (!p || bad) return this.malformed('packet', bad?.message ?? 'unreadable');
    if (p.dstPort !== this.o.localPort || p.srcPort !== this.o.remotePort) return this.malformed('packet', `ports ${p.srcPort} → ${p.dstPort}, expected ${this.o.remotePort} → ${this.o.localPort}`);
    this.stats.packetsReceived++;
    const first = p.chunks[0]!;
    // §8.5.1: INIT carries tag 0; ABORT and SHUTDOWN-COMPLETE with T set carry the peer's own tag
    if (first.kind === 'INIT') {
      if (p.verificationTag !== 0) return this.malformed('INIT', `verification tag 0x${p.verificationTag.toString(16)}, must be 0 (RFC 9260 §8.5.1)`);
      return this.onInit(now, first);
    }
    const reflected = (first.kind === 'ABORT' || first.kind === 'SHUTDOWN-COMPLETE') && first.reflected;
    const expected = reflected ? this.peer?.tag : this.localTag;
    if (p.verificationTag !== expected && first.kind !== 'COOKIE-ECHO') {
      return this.malformed('packet', `verification tag 0x${p.verificationTag.toString(16)} ≠ 0x${(expected ?? 0).toString(16)} (RFC 9260 §8.5)`);
    }
    let dataPackets = false;
    for (const c of p.chunks) {
      if (this.state === 'closed' && c.kind !== 'COOKIE-ECHO') break;
      if (c.kind === 'DATA') dataPackets = this.onData(now, c) || dataPackets;
      else this.onControl(now, c, p.verificationTag);
    }
    const r = this.receiver;
    if (dataPackets && r) {
      r.packetsSinceSack++;
      if (r.sackNow || r.packetsSinceSack >= 2) this.control.push(r.sack());
      else this.sackAt ??= now + this.o.delayedAck;
    }
    this.flushReceiver();
  }

  private onInit(now: Micros, c: InitChunk): void {
    if (c.initiateTag === 0 || !c.outboundStreams || !c.inboundStreams) {
      return this.malformed('INIT', 'initiate tag 0 or zero streams (RFC 9260 §3.3.2)');
    }
    if (this.state !== 'closed' && this.state !== 'cookie-wait' && this.state !== 'cookie-echoed') {
      return this.malformed('INIT', `in state ${this.state}: a restart is not supported here (RFC 9260 §5.2.2); ignored`);
    }
    // §5.2.1: in COOKIE-WAIT or COOKIE-ECHOED the INIT-ACK carries the tag of our own INIT
    const cookie: CookieState = {
      localTag: this.localTag,
      peerTag: c.initiateTag,
      localInitialTsn: this.localInitialTsn,
      peerInitialTsn: c.initialTsn,
      peerArwnd: c.arwnd,
      outboundStreams: Math.min(this.o.streams, c.inboundStreams),
      inboundStreams: Math.min(this.o.streams, c.outboundStreams),
      peerForwardTsn: c.params.some((x) => x.kind === 'forward-tsn-supported'),
      peerReconfig: c.params.some((x) => x.kind === 'supported-extensions' && x.chunkTypes.includes(ChunkType.RE_CONFIG)),
      peerZeroChecksum: c.params.some((x) => x.kind === 'zero-checksum-acceptable' && x.edmid === EDMID_SCTP_OVER_DTLS),
      created: now,
    };
    const params: SctpParam[] = [{ kind: 'state-cookie', cookie: makeCookie(this.cookieKey, cookie) }, ...this.initParams()];
    this.sendAlone(c.initiateTag, { kind: 'INIT-ACK', initiateTag: this.localTag, arwnd: this.o.arwnd, outboundStreams: this.o.streams, inboundStreams: this.o.streams, initialTsn: this.localInitialTsn, params });
  }

  /** Sets up the halves once the peer's parameters are known (from its INIT-ACK, or our cookie). */
  private setup(now: Micros, s: Omit<CookieState, 'localTag' | 'localInitialTsn' | 'created' | 'peerReconfig'>): void {
    this.peer = { tag: s.peerTag, outboundStreams: s.outboundStreams, inboundStreams: s.inboundStreams, forwardTsn: s.peerForwardTsn, zeroChecksum: s.peerZeroChecksum };
    this.sender = new Sender(this.localInitialTsn, s.peerArwnd, this.o.mtu, this.o.rto, this.o.maxQueued);
    this.receiver = new Receiver(s.peerInitialTsn, this.o.arwnd);
    this.reconfig = new Reconfig(this.localInitialTsn, s.peerInitialTsn);
    this.heartbeatAt = now + this.o.heartbeatInterval;
  }

  private onControl(now: Micros, c: SctpChunk, tag: number): void {
    switch (c.kind) {
      case 'INIT-ACK': {
        if (this.state !== 'cookie-wait') return; // §5.2.3: discarded in any other state
        const cookie = c.params.find((x) => x.kind === 'state-cookie');
        if (cookie?.kind !== 'state-cookie') return this.malformed('INIT-ACK', 'no State Cookie (RFC 9260 §5.1)');
        this.setup(now, {
          peerTag: c.initiateTag,
          peerInitialTsn: c.initialTsn,
          peerArwnd: c.arwnd,
          outboundStreams: Math.min(this.o.streams, c.inboundStreams),
          inboundStreams: Math.min(this.o.streams, c.outboundStreams),
          peerForwardTsn: c.params.some((x) => x.kind === 'forward-tsn-supported'),
          peerZeroChecksum: c.params.some((x) => x.kind === 'zero-checksum-acceptable' && x.edmid === EDMID_SCTP_OVER_DTLS),
        });
        this.cookieEcho = cookie.cookie;
        this.sendAlone(c.initiateTag, { kind: 'COOKIE-ECHO', cookie: cookie.cookie });
        this.t1At = now + this.o.rto.initial;
        this.t1Count = 0;
        this.setState('cookie-echoed', 'INIT-ACK received, COOKIE-ECHO sent');
        return;
      }
      case 'COOKIE-ECHO': {
        const s = openCookie(this.cookieKey, c.cookie, now, this.o.cookieLifetime);
        if ('error' in s) return this.malformed('COOKIE-ECHO', s.error);
        if (tag !== s.localTag) return this.malformed('COOKIE-ECHO', 'verification tag is not the cookie\'s (RFC 9260 §5.1.5 step 4)');
        if (this.state === 'established' || this.state.startsWith('shutdown')) {
          // §5.2.4 case D: tags match the association: a duplicate COOKIE-ECHO gets its COOKIE-ACK again
          if (this.peer?.tag === s.peerTag) this.control.push({ kind: 'COOKIE-ACK' });
          return;
        }
        if (!this.peer || this.peer.tag !== s.peerTag) this.setup(now, s);
        this.t1At = undefined;
        this.control.push({ kind: 'COOKIE-ACK' });
        this.setState('established', 'COOKIE-ECHO received');
        return;
      }
      case 'COOKIE-ACK':
        if (this.state !== 'cookie-echoed') return;
        this.t1At = undefined;
        this.setState('established', 'COOKIE-ACK received');
        return;
      case 'SACK': {
        if (!this.sender || this.state === 'cookie-wait') return;
        if (!this.sender.sack(now, c)) return;
        this.flushSender();
        this.progressShutdown(now);
        return;
      }
      case 'HEARTBEAT':
        // §8.3: the HEARTBEAT-ACK echoes the information
        this.control.push({ kind: 'HEARTBEAT-ACK', info: c.info });
        return;
      case 'HEARTBEAT-ACK':
        // §8.3 clears the error counter; not while DATA waits unacknowledged, so a peer that answers heartbeats but
        // never SACKs still reaches Association.Max.Retrans
        this.heartbeatOutstanding = false;
        if (this.sender && !this.sender.busy) this.sender.errorCount = 0;
        return;
      case 'ABORT': {
        const cause = c.causes.map(describeCause).join('; ') || 'no cause';
        this.note(sctpNote('sctp.abort', `ABORT received: ${cause}`, { direction: 'received', cause }));
        this.setState('closed', 'ABORT received');
        return;
      }
      case 'ERROR':
        this.note(sctpNote('sctp.malformed', `ERROR from the peer: ${c.causes.map(describeCause).join('; ')}`, { what: 'ERROR chunk', detail: c.causes.map(describeCause).join('; ') }));
        return;
      case 'SHUTDOWN':
        return this.onShutdown(now, c.cumulativeTsnAck);
      case 'SHUTDOWN-ACK':
        // §9.2: answer SHUTDOWN-COMPLETE and close
        if (this.state !== 'shutdown-sent' && this.state !== 'shutdown-ack-sent') return;
        this.sendAlone(this.peer?.tag ?? 0, { kind: 'SHUTDOWN-COMPLETE', reflected: false });
        this.setState('closed', 'SHUTDOWN-ACK received');
        return;
      case 'SHUTDOWN-COMPLETE':
        if (this.state !== 'shutdown-ack-sent') return;
        this.setState('closed', 'SHUTDOWN-COMPLETE received');
        return;
      case 'FORWARD-TSN': {
        const r = this.receiver;
        if (!r) return;
        this.note(sctpNote('sctp.forward-tsn', `FORWARD-TSN received: skip to TSN ${c.newCumulativeTsn} (RFC 3758 §3.6)`, { direction: 'received', newCumulativeTsn: c.newCumulativeTsn }));
        r.forwardTsn(now, c.newCumulativeTsn, c.streams);
        this.control.push(r.sack());
        this.sackAt = undefined;
        return;
      }
      case 'RE-CONFIG': {
        if (!this.reconfig || !this.receiver) return;
        const answers = this.reconfig.receive(c.params, this.receiver.cumulativeTsn, {
          outgoingReset: (streams, result) => {
            for (const s of streams) this.sender?.resetStream(s);
            this.note(sctpNote('sctp.stream.reset', `outgoing streams ${streams.join(', ')} reset: ${result} (RFC 6525)`, { direction: 'outgoing', streams: [...streams], result }));
            this.out.push({ type: 'streams-reset', direction: 'outgoing', streams });
          },
          incomingReset: (streams) => {
            for (const s of streams) this.receiver?.resetStream(s);
            this.note(sctpNote('sctp.stream.reset', `the peer reset its streams ${streams.join(', ')} (RFC 6525 §5.2.2)`, { direction: 'incoming', streams: [...streams], result: 'performed' }));
            this.out.push({ type: 'streams-reset', direction: 'incoming', streams });
          },
        });
        if (answers.length) this.control.push({ kind: 'RE-CONFIG', params: answers });
        return;
      }
      case 'other':
        // §3.2: the two high bits of an unknown type say whether to report it
        if (c.type & 0x40) this.control.push({ kind: 'ERROR', causes: [{ code: 6, info: Uint8Array.of(c.type, c.flags, 0, 4) }] });
        this.note(sctpNote('sctp.malformed', `unknown chunk type ${c.type} skipped`, { what: 'chunk', detail: describeChunk(c) }));
        return;
      default:
        return;
    }
  }

  /** A DATA chunk: true when it was new data (counts toward the SACK rule, §6.2). */
  private onData(now: Micros, c: Extract<SctpChunk, { kind: 'DATA' }>): boolean {
    const r = this.receiver;
    if (!r || !this.peer || (this.state !== 'established' && this.state !== 'cookie-echoed' && this.state !== 'shutdown-pending' && this.state !== 'shutdown-sent')) return false;
    if (c.streamId >= this.peer.outboundStreams) {
      // §6.5: Invalid Stream Identifier, and the TSN is acknowledged as received
      this.control.push({ kind: 'ERROR', causes: [{ code: 1, info: Uint8Array.of(c.streamId >> 8, c.streamId & 0xff, 0, 0) }] });
      this.note(sctpNote('sctp.malformed', `DATA on stream ${c.streamId}, beyond the ${this.peer.outboundStreams} inbound streams (RFC 9260 §6.5)`, { what: 'DATA', detail: `stream ${c.streamId}` }));
    }
    if (this.state === 'cookie-echoed') this.setState('established', 'DATA received (the COOKIE-ACK was lost or is late)');
    const res = r.data(now, c);
    if (res === 'new') this.stats.dataReceived++;
    return true;
  }

  private onShutdown(now: Micros, cum: number): void {
    if (!this.sender || (this.state !== 'established' && this.state !== 'shutdown-pending' && this.state !== 'shutdown-sent' && this.state !== 'shutdown-received')) return;
    this.sender.sack(now, { kind: 'SACK', cumulativeTsnAck: cum, arwnd: this.sender.peerRwnd, gapBlocks: [], duplicateTsns: [] });
    if (this.state === 'shutdown-sent') {
      // §9.2: both sides shut down at once: answer with SHUTDOWN-ACK
      this.control.push({ kind: 'SHUTDOWN-ACK' });
      this.setState('shutdown-ack-sent', 'SHUTDOWN received while shutting down');
      return;
    }
    this.shutdownWanted = true;
    this.setState('shutdown-received', 'SHUTDOWN received');
    this.progressShutdown(now);
  }

  /** §9.2: SHUTDOWN (or SHUTDOWN-ACK) once every DATA chunk sent is acknowledged. */
  private progressShutdown(now: Micros): void {
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

  private flushReceiver(): void {
    const r = this.receiver;
    if (!r) return;
    for (const m of r.delivered.splice(0)) this.out.push({ type: 'message', streamId: m.streamId, ppid: m.ppid, bytes: m.bytes, unordered: m.unordered });
    for (const e of r.events.splice(0)) {
      if (e.kind === 'hol-blocked') this.note(sctpNote('sctp.hol.blocked', `stream ${e.streamId}: message SSN ${e.ssn} complete but held until SSN ${e.waitingFor} arrives (head-of-line blocking)`, { streamId: e.streamId, ssn: e.ssn, waitingFor: e.waitingFor }));
      else if (e.kind === 'hol-released') this.note(sctpNote('sctp.hol.released', `stream ${e.streamId}: ${e.messages} held message(s) delivered after ${e.heldMs} ms`, { streamId: e.streamId, messages: e.messages, heldMs: e.heldMs }));
      else this.note(sctpNote('sctp.limit', `receiver: ${e.what}`, { what: e.what, limit: e.limit }));
    }
  }

  private flushSender(): void {
    const s = this.sender;
    if (!s) return;
    for (const e of s.events.splice(0)) {
      if (e.kind === 'retransmit') {
        const why = e.why === 'fast' ? 'fast retransmit after 3 miss indications (RFC 9260 §7.2.4)' : `T3-rtx expired (RFC 9260 §6.3.3), RTO now ${s.rto / 1000} ms`;
        this.note(sctpNote('sctp.retransmit', `retransmitting TSN ${e.tsns.join(', ')}: ${why}; cwnd ${s.cwnd}, ssthresh ${s.ssthresh}`, { why: e.why, tsns: e.tsns, rto: s.rto / 1000, cwnd: s.cwnd, ssthresh: s.ssthresh }));
      } else {
        this.note(sctpNote('sctp.abandoned', `stream ${e.streamId}: message of ${e.bytes} bytes (TSN ${e.tsns.join(', ')}) abandoned: ${e.policy} (RFC 3758 §3.5)`, { streamId: e.streamId, tsns: e.tsns, policy: e.policy, bytes: e.bytes }));
      }
    }
  }

  handleTimeout(now: Micros): void {
    if (this.t1At !== undefined && now >= this.t1At) this.onT1(now);
    if (this.t2At !== undefined && now >= this.t2At) this.onT2(now);
    const s = this.sender;
    if (s?.t3At !== undefined && now >= s.t3At) {
      s.t3Expired(now);
      this.flushSender();
      if (s.errorCount > this.o.maxRetrans) return this.unresponsive(s.errorCount);
    }
    if (this.sackAt !== undefined && now >= this.sackAt && this.receiver) {
      this.sackAt = undefined;
      this.control.push(this.receiver.sack());
    }
    // §8.3: heartbeats probe an idle path; while DATA is outstanding T3-rtx does
    if (this.heartbeatAt !== undefined && now >= this.heartbeatAt && s?.busy) this.heartbeatAt = now + this.o.heartbeatInterval;
    if (this.heartbeatAt !== undefined && now >= this.heartbeatAt && this.state === 'established') {
      if (this.heartbeatOutstanding && s && ++s.errorCount > this.o.maxRetrans) return this.unresponsive(s.errorCount);
      // §8.3: HEARTBEAT info is opaque to the peer; ours carries a nonce from the RNG
      this.control.push({ kind: 'HEARTBEAT', info: this.rng.bytes(8) });
      this.heartbeatOutstanding = true;
      this.heartbeatAt = now + this.o.heartbeatInterval + (s?.rto ?? this.o.rto.initial);
    }
  }

  private unresponsive(n: number): void {
    this.note(sctpNote('sctp.peer.unresponsive', `no acknowledgement after ${n} retransmission timeouts (Association.Max.Retrans, RFC 9260 §8.1): the association fails`, { retransmissions: n }));
    this.abort('peer unresponsive');
  }

  /** §5.1 T1-init / T1-cookie: INIT or COOKIE-ECHO again, up to Max.Init.Retransmits. */
  private onT1(now: Micros): void {
    if (++this.t1Count > this.o.maxInitRetrans) {
      this.t1At = undefined;
      this.note(sctpNote('sctp.peer.unresponsive', `no answer to ${this.state === 'cookie-wait' ? 'INIT' : 'COOKIE-ECHO'} after ${this.t1Count - 1} retransmissions (Max.Init.Retransmits)`, { retransmissions: this.t1Count - 1 }));
      this.setState('closed', 'setup failed');
      return;
    }
    if (this.state === 'cookie-wait' && this.initChunk) this.sendAlone(0, this.initChunk);
    else if (this.state === 'cookie-echoed' && this.cookieEcho && this.peer) this.sendAlone(this.peer.tag, { kind: 'COOKIE-ECHO', cookie: this.cookieEcho });
    else return void (this.t1At = undefined);
    this.t1At = now + Math.min(this.o.rto.max, this.o.rto.initial * 2 ** this.t1Count);
  }

  /** §9.2 T2-shutdown: SHUTDOWN or SHUTDOWN-ACK again. */
  private onT2(now: Micros): void {
    if (++this.t2Count > this.o.maxRetrans) return this.unresponsive(this.t2Count);
    if (this.state === 'shutdown-sent') this.control.push({ kind: 'SHUTDOWN', cumulativeTsnAck: this.receiver?.cumulativeTsn ?? 0 });
    else if (this.state === 'shutdown-ack-sent') this.control.push({ kind: 'SHUTDOWN-ACK' });
    else return void (this.t2At = undefined);
    this.t2At = now + Math.min(this.o.rto.max, (this.sender?.rto ?? this.o.rto.initial) * 2 ** this.t2Count);
  }

  /** Builds packets from the control chunks, a SACK, a FORWARD-TSN, a RE-CONFIG and DATA, each under the MTU (§6.10). */
  private build(now: Micros): void {
    if (!this.peer || this.state === 'closed') {
      this.control.length = 0;
      return;
    }
    const s = this.sender;
    const r = this.receiver;
    if (s && r) {
      if (this.sackAt !== undefined && this.control.some((c) => c.kind === 'SACK')) this.sackAt = undefined;
      if (s.forwardTsnDue && this.peer.forwardTsn) {
        const f = s.forwardTsn();
        this.control.push({ kind: 'FORWARD-TSN', ...f });
        this.note(sctpNote('sctp.forward-tsn', `FORWARD-TSN sent: the peer may skip to TSN ${f.newCumulativeTsn} (RFC 3758 §3.5)`, { direction: 'sent', newCumulativeTsn: f.newCumulativeTsn }));
      }
      if (this.state === 'established' && this.reconfig) {
        const req = this.reconfig.due(now, (s.nextTsn - 1) >>> 0, s.rto, s.busy);
        if (req) this.control.push({ kind: 'RE-CONFIG', params: [req] });
      }
    }
    const max = this.o.mtu;
    let chunks: SctpChunk[] = [];
    let size = 12;
    const flush = (): void => {
      if (chunks.length) this.emit(this.peer!.tag, chunks);
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

  /** The next output: queued ones first, then packets built now, then the earliest deadline with its reason. */
  poll(now: Micros): SctpOutput {
    if (!this.out.length) this.build(now);
    const next = this.out.shift();
    if (next) return next;
    const deadlines: [Micros | undefined, string][] = [
      [this.t1At, this.state === 'cookie-wait' ? 'sctp-t1-init' : 'sctp-t1-cookie'],
      [this.t2At, 'sctp-t2-shutdown'],
      [this.sender?.t3At, 'sctp-t3-rtx'],
      [this.sackAt, 'sctp-delayed-sack'],
      [this.reconfig?.deadline(), 'sctp-reconfig'],
      [this.state === 'established' ? this.heartbeatAt : undefined, 'sctp-heartbeat'],
    ];
    let best: [Micros, string] | undefined;
    for (const [at, why] of deadlines) if (at !== undefined && (!best || at < best[0])) best = [at, why];
    return best ? { type: 'timeout', at: best[0], reason: best[1] } : { type: 'idle' };
  }
}
