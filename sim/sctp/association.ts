// The RFC 9260 state machine's inputs: the user's calls (connect, send, reset, shutdown), each chunk of a packet
// in (setup, data, SACK, heartbeat, shutdown, abort, FORWARD-TSN, RE-CONFIG) and `poll`. The state, packet building
// and output are in association-core.ts, the timers in association-timers.ts.
import type { Micros } from '../core/time.ts';
import type { InitChunk, SctpChunk, SctpParam } from '../wire/sctp/chunk.ts';
import { decodeSctpPacket } from '../wire/sctp/decode.ts';
import { describeChunk } from '../wire/sctp/describe.ts';
import { ChunkType, EDMID_SCTP_OVER_DTLS } from '../wire/sctp/names.ts';
import { describeCause } from '../wire/sctp/params.ts';
import type { SctpOutput } from './association-core.ts';
import { AssociationTimers } from './association-timers.ts';
import { makeCookie, openCookie, type CookieState } from './cookie.ts';
import { sctpNote } from './notes.ts';
import type { SendPolicy } from './sender.ts';

export type { SctpAssociationOptions, SctpOutput } from './association-core.ts';

/**
 * A sans-IO SCTP association (RFC 9260) for WebRTC data channels over DTLS (RFC 8261): packets in through
 * `handlePacket`, out through `poll`'s `transmit`, deadlines through `timeout`. It never reads a clock; its tags,
 * initial TSN and cookie key come from its RNG stream. Input that is malformed, fails the verification tag or
 * comes in the wrong state changes nothing and becomes an `sctp.malformed` note.
 */
export class SctpAssociation extends AssociationTimers {
  /** §5.1 A: sends INIT and starts T1-init. */
  connect(now: Micros): void {
    if (this.state !== 'closed' || this.peer) return;
    this.initChunk = this.localInit();
    this.sendAlone(0, this.initChunk);
    this.t1At = now + this.o.rto.initial;
    this.t1Count = 0;
    this.setState('cookie-wait', 'INIT sent');
  }

  /**
   * The INIT chunk `connect` sends (§3.3.2), for SNAP's a=sctp-init (draft-hancke-tsvwg-snap §5.1). Making it
   * changes no state and starts no timer (§6).
   */
  localInit(): InitChunk {
    return { kind: 'INIT', initiateTag: this.localTag, arwnd: this.o.arwnd, outboundStreams: this.o.streams, inboundStreams: this.o.streams, initialTsn: this.localInitialTsn, params: this.initParams() };
  }

  /**
   * SNAP (draft-hancke-tsvwg-snap §6): both INITs went through SDP, so once DTLS is up the association is
   * ESTABLISHED with no INIT, INIT-ACK, COOKIE-ECHO or COOKIE-ACK (RFC 9260 §5.1 steps A–E skipped). Packets out
   * carry the peer's initiate tag, DATA starts at our initial TSN and the peer's at its own, as after a handshake.
   */
  establishFromInits(now: Micros, peer: InitChunk): void {
    if (this.state !== 'closed' || this.peer) return;
    if (peer.initiateTag === 0 || !peer.outboundStreams || !peer.inboundStreams) {
      this.malformed('INIT', 'the peer\'s a=sctp-init has initiate tag 0 or zero streams (RFC 9260 §3.3.2); INIT sent instead');
      return this.connect(now);
    }
    this.setup(now, {
      peerTag: peer.initiateTag,
      peerInitialTsn: peer.initialTsn,
      peerArwnd: peer.arwnd,
      outboundStreams: Math.min(this.o.streams, peer.inboundStreams),
      inboundStreams: Math.min(this.o.streams, peer.outboundStreams),
      peerForwardTsn: peer.params.some((x) => x.kind === 'forward-tsn-supported'),
      peerZeroChecksum: peer.params.some((x) => x.kind === 'zero-checksum-acceptable' && x.edmid === EDMID_SCTP_OVER_DTLS),
    });
    this.setState('established', `SNAP: both INITs exchanged in SDP (a=sctp-init), no INIT/COOKIE handshake; our tag 0x${this.localTag.toString(16)}, the peer's 0x${peer.initiateTag.toString(16)}`);
  }

  /** The peer's SCTP port (a=sctp-port, RFC 8841 §5) once known, for an association made before its description. */
  setRemotePort(port: number): void {
    if (this.state === 'closed' && !this.peer) this.o = { ...this.o, remotePort: port };
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

  protected onInit(now: Micros, c: InitChunk): void {
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

  protected onControl(now: Micros, c: SctpChunk, tag: number): void {
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
        // RFC 8899 §6.2.1.1: the acknowledgement of a PLPMTUD probe confirms its size and nothing else
        if (this.pl?.acknowledge(now, c.info)) return void this.flushPl();
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
        // RFC 4820: PAD only fills a packet (a PLPMTUD probe's); its type's high bits say skip it silently
        if (c.type === ChunkType.PAD) return;
        // §3.2: the two high bits of an unknown type say whether to report it
        if (c.type & 0x40) this.control.push({ kind: 'ERROR', causes: [{ code: 6, info: Uint8Array.of(c.type, c.flags, 0, 4) }] });
        this.note(sctpNote('sctp.malformed', `unknown chunk type ${c.type} skipped`, { what: 'chunk', detail: describeChunk(c) }));
        return;
      default:
        return;
    }
  }

  /** A DATA chunk: true when it was new data (counts toward the SACK rule, §6.2). */
  protected onData(now: Micros, c: Extract<SctpChunk, { kind: 'DATA' }>): boolean {
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

  protected onShutdown(now: Micros, cum: number): void {
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

  /** The next output: queued ones first, then packets built now, then the earliest deadline with its reason. */
  poll(now: Micros): SctpOutput {
    if (!this.out.length) this.build(now);
    const next = this.out.shift();
    if (next) return next;
    const d = this.nextDeadline();
    return d ? { type: 'timeout', at: d.at, reason: d.reason } : { type: 'idle' };
  }
}
