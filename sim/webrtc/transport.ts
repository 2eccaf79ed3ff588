import { formatTransportAddress, sameTransportAddress, type EndpointOutput, type IcmpError, type Transport, type TransportAddress } from '../core/endpoint.ts';
import { deadlineOf, nextWake, type Deadline } from '../core/deadline.ts';
import type { Micros } from '../core/time.ts';
import type { DtlsEndpointOptions } from '../dtls/config.ts';
import { createDtlsEndpoint, type AnyDtlsEndpoint } from '../dtls/v13/factory.ts';
import type { IceAgent } from '../ice/agent.ts';
import type { CandidatePair } from '../ice/pair.ts';
import type { DataChannels } from '../sctp/datachannels.ts';
import { splitKeyingMaterial, type MasterKey } from '../crypto/srtp-kdf.ts';
import { SrtpSession } from '../srtp/session.ts';
import { demux } from '../wire/demux.ts';
import { recordOverhead } from '../dtls/record-layer.ts';
import { CIPHERTEXT_OVERHEAD } from '../dtls/v13/records.ts';
import { readSped, SpedController } from './sped.ts';

/** What carries SCTP over DTLS for the transport: a peer's data channels, or an SFU's bare streams (sim/mediasoup). */
export type SctpCarrier = Pick<DataChannels, 'handlePacket' | 'handleTimeout' | 'poll' | 'summary'> & Partial<Pick<DataChannels, 'packetTooBig'>>;

const NOWHERE: TransportAddress = { ip: '0.0.0.0', port: 0 };

/** What the owner of a transport (a browser-like peer, an SFU's per-client transport) adds to it. */
export interface IceDtlsSrtpOwner {
  /** Whether ICE runs yet (a peer waits for its start and, as an answerer, for the offer); always when left out. */
  iceRunning?(now: Micros): boolean;
  /** Right after each poll of the agent: the owner takes the agent's signals and applies remote descriptions. */
  afterIcePoll?(now: Micros): void;
  /** DTLS and SRTP moved to a newly selected pair (`changes` counts the moves after the first). */
  pathChanged?(now: Micros, pair: CandidatePair, changes: number): void;
  /** After the selected pair was looked at: the owner updates its connection state. */
  afterSelection?(now: Micros): void;
  /** SRTP is keyed from the DTLS exporter. */
  keyed?(now: Micros, srtp: SrtpSession): void;
  /** SRTP or SRTCP that arrived once keyed, as it came (the owner unprotects it). */
  media(now: Micros, kind: 'rtp' | 'rtcp', bytes: Uint8Array): void;
  /** Once DTLS is connected and SRTP keyed: the owner sends what is due (a peer's media) and says when next. */
  produce?(now: Micros): { readonly sent: boolean; readonly next: Deadline | undefined };
  /** A deadline of the owner's own (a peer's start). */
  deadline?(now: Micros): Deadline | undefined;
}

export interface IceDtlsSrtpOptions {
  /** The address DTLS stamps on its records (an SFU transport's own port); a peer's DTLS has none of its own. */
  readonly local?: TransportAddress;
  /**
   * During an ICE restart, until a new pair is selected, keep sending on the previous pair (RFC 8445 §9: media
   * keeps flowing on the old pair); a relayed previous pair waits (its channel belongs to the agent).
   */
  readonly keepPreviousPair?: boolean;
  /**
   * Fault injection: flip one bit of the SRTP master key this side derives for receiving (`receive`: the peer's
   * packets then fail authentication here, RFC 3711 §3.3 step 5) or for sending (`send`: its packets fail at the
   * peer), as a wrong exporter label or a key mixed up in a stack's code would. DTLS is unaffected.
   */
  readonly corruptSrtpKey?: SrtpKeyFault;
  /**
   * SPED (draft-hancke-webrtc-sped, libwebrtc's DTLS-in-STUN piggybacking): the DTLS handshake also rides in ICE
   * Binding requests and responses (sped.ts), so a DTLS client starts before a pair is selected.
   */
  readonly sped?: boolean;
}

/** Which of its two SRTP master keys a faulty side derives wrong (IceDtlsSrtpOptions.corruptSrtpKey). */
export type SrtpKeyFault = 'receive' | 'send';
export const SRTP_KEY_FAULTS = ['receive', 'send'] as const satisfies readonly SrtpKeyFault[];

/** A copy of a master key with the low bit of its first byte flipped. */
function flipped(k: MasterKey): MasterKey {
  const masterKey = k.masterKey.slice();
  masterKey[0] = masterKey[0]! ^ 1;
  return { ...k, masterKey };
}

/**
 * ICE, DTLS and SRTP assembled once (RFC 8834 §4.5 and RFC 8445 over one 5-tuple): the agent checks and selects a
 * pair; RFC 7983 demultiplexing sends DTLS (20–63) to the DTLS endpoint, started by the owner once the remote
 * fingerprint is known, and RTP/RTCP (128–191) to the owner once SRTP is keyed from the exporter (RFC 5764 §4.2);
 * DTLS and SRTP leave on the selected pair. Used by the browser-like peer (sim/peer) and by each client's
 * transport on the SFU (sim/sfu). `poll` gives one output or the earliest deadline of the parts.
 */
export class IceDtlsSrtpTransport<D extends SctpCarrier = DataChannels> {
  dtls: AnyDtlsEndpoint | undefined;
  srtp: SrtpSession | undefined;
  /** SCTP carried in DTLS application data (RFC 8261), when the owner attached it: a peer's data channels, an SFU's streams. */
  dataChannels: D | undefined;
  /** The pair DTLS and SRTP use (set once DTLS exists). */
  selected: CandidatePair | undefined;
  readonly counters = { datagramsOut: 0, beforeKeys: 0, noPath: 0, dtlsBuffered: 0, pathChanges: 0 };
  /** Outputs waiting to leave: the transport's and its owner's notes, and transmits on a previous pair. */
  readonly out: EndpointOutput[] = [];
  private readonly pendingDtls: { from: TransportAddress; bytes: Uint8Array }[] = [];
  /** SPED's controller, with the `sped` option: what DTLS writes is also embedded in the agent's checks. */
  readonly sped: SpedController | undefined;

  constructor(
    readonly agent: IceAgent,
    private readonly owner: IceDtlsSrtpOwner,
    private readonly options: IceDtlsSrtpOptions = {},
  ) {
    if (!options.sped) return;
    const sped = new SpedController((n) => this.out.push({ type: 'note', kind: 'peer.sped', text: `${agent.name}: ${n.text}`, data: { event: n.event, state: n.state } }));
    this.sped = sped;
    agent.piggyback = {
      attributes: (now) => {
        this.spedPump(now); // what DTLS has written by now rides in this one
        return sped.attributes();
      },
      received: (now, bytes, from) => this.spedIn(now, bytes, from),
      rejected: (_now, bytes, from, why) => {
        const r = readSped(bytes);
        if (sped.active && (r.data !== undefined || r.acks !== undefined)) this.out.push({ type: 'note', kind: 'peer.sped', text: `${agent.name}: ignores DTLS-IN-STUN from ${formatTransportAddress(from)}: ${why}, nothing in it is taken`, data: { event: 'ignored', state: sped.state } });
      },
    };
  }

  /**
   * Starts DTLS (its role and the fingerprint to expect come from signaling); a second call does nothing. With SPED
   * a client starts at once: its flights ride in the checks until a pair is selected (then they go on it too).
   */
  startDtls(options: Omit<DtlsEndpointOptions, 'local'>): AnyDtlsEndpoint {
    if (this.dtls) return this.dtls;
    // libwebrtc sets DTLS's MTU to 900 with SPED (DtlsTransportInternalImpl::SetupDtls), so a record fits a STUN attribute
    this.dtls = createDtlsEndpoint({ cookieBinding: 'transport', ...(this.options.sped && options.mtu === undefined ? { mtu: 900 } : {}), ...options, local: this.options.local ?? NOWHERE });
    if (this.sped?.active && options.role === 'client' && !this.agent.selected) this.dtls.setRemote(NOWHERE);
    return this.dtls;
  }

  /**
   * An authenticated check or response (the agent calls this before it answers): the DTLS packet it embeds goes to
   * DTLS as if from the wire, and what DTLS writes in return is captured at once, so the answer carries it.
   */
  private spedIn(now: Micros, bytes: Uint8Array, from: TransportAddress): void {
    const packet = this.sped?.receive(readSped(bytes));
    if (!packet) return;
    if (!this.dtls) {
      if (this.pendingDtls.length < 16) this.pendingDtls.push({ from, bytes: packet });
      return;
    }
    this.dtls.handleDatagram(now, this.dtls.remote ?? from, this.options.local ?? NOWHERE, packet);
    this.spedPump(now);
  }

  /** Takes what DTLS has to write now (its notes and secrets queue as outputs), so the check or answer being built carries it. */
  private spedPump(now: Micros): void {
    if (!this.dtls || !this.sped?.active) return;
    for (let guard = 0; guard < 64; guard++) {
      const o = this.dtls.poll(now);
      if (o.type === 'transmit') this.dtlsOut(now, o.bytes);
      else if (o.type === 'note' || o.type === 'secret') this.out.push(o);
      else break;
    }
    this.spedFollowDtls();
  }

  /** A datagram DTLS wrote: captured for SPED (while it runs), and sent on the selected pair when there is one. */
  private dtlsOut(now: Micros, bytes: Uint8Array): void {
    this.sped?.capture(bytes);
    if (this.sped?.active && !this.agent.selected && !this.selected) return; // no path yet: it rides in the checks
    this.send(now, bytes);
  }

  /** The flight DTLS was writing is over; its state reaches SPED (PENDING once connected, OFF if it failed). */
  private spedFollowDtls(): void {
    const sped = this.sped;
    const d = this.dtls;
    if (!sped || !d) return;
    sped.flush();
    if (!sped.active) return;
    if (d.state === 'connected') sped.dtlsConnected(d.roleName, 'version' in d ? d.version : '1.2');
    else if (d.state === 'failed') sped.dtlsFailed();
  }

  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array, transport?: Transport): void {
    this.agent.handleDatagram(now, from, to, bytes, transport);
    this.drainInbound(now);
  }

  /** An ICE-TCP connection failed or closed (RFC 6544 §7.1): the agent fails its pairs. */
  handleStreamClosed(now: Micros, local: TransportAddress, remote: TransportAddress, error: string | undefined): void {
    this.agent.handleStreamClosed(now, local, remote, error);
  }

  handleIcmpError(now: Micros, e: IcmpError): void {
    this.agent.handleIcmpError(now, e);
    if (e.kind === 'too-big') this.packetTooBig(now, e);
  }

  /**
   * RFC 8261 §5 / RFC 8899 §4.6.1: a Packet Too Big reaches SCTP's PLPMTUD only when it quotes a datagram of the DTLS
   * transport (the selected pair's base → remote address; a relayed pair's datagrams go to the TURN server, whose
   * PTBs are not about this path), as PL_PTB_SIZE: the next-hop MTU less the IP, UDP and DTLS record headers.
   */
  private packetTooBig(now: Micros, e: IcmpError): void {
    const dc = this.dataChannels;
    const sel = this.selected;
    if (!dc?.packetTooBig || !this.dtls || this.dtls.state !== 'connected' || !sel || e.mtu === undefined) return;
    const ours = sel.local.type !== 'relay' && sameTransportAddress(e.local, sel.local.base) && sameTransportAddress(e.remote, sel.remote.address);
    const about = `${formatTransportAddress(e.local)} → ${formatTransportAddress(e.remote)}`;
    if (!ours) {
      this.out.push({ type: 'note', kind: 'sctp.plpmtud.ptb', text: `${this.agent.name}: Packet Too Big from ${e.from} (MTU ${e.mtu}) quotes ${about}, not the DTLS transport's 5-tuple: not SCTP's (RFC 8899 §4.6.1)`, data: { size: e.mtu, action: 'ignored', why: `quotes ${about}, not the DTLS transport`, from: e.from } });
      return;
    }
    const family = e.family ?? (e.local.ip.includes(':') ? 6 : 4);
    const dtls13 = 'version' in this.dtls && this.dtls.version === '1.3';
    const below = (family === 6 ? 48 : 28) + (dtls13 ? CIPHERTEXT_OVERHEAD : recordOverhead(1));
    dc.packetTooBig(now, e.mtu - below, `${e.from} (MTU ${e.mtu} less ${below} bytes of IPv${family}, UDP and DTLS ${dtls13 ? '1.3' : '1.2'} record)`);
  }

  handleTimeout(now: Micros): void {
    if (this.owner.iceRunning?.(now) ?? true) this.agent.handleTimeout(now);
    this.dtls?.handleTimeout(now);
    if (this.dtls?.state === 'connected') this.dataChannels?.handleTimeout(now);
  }

  /**
   * Sends SRTP or DTLS on the selected pair; with `keepPreviousPair`, during an ICE restart on the previous one.
   * False (and counted) when there is no path.
   */
  send(now: Micros, bytes: Uint8Array): boolean {
    if (this.agent.sendData(now, bytes)) {
      this.counters.datagramsOut++;
      return true;
    }
    const old = this.selected;
    if (this.options.keepPreviousPair && old && this.agent.state !== 'failed' && old.local.type !== 'relay') {
      this.out.push({ type: 'transmit', from: old.local.base, to: old.remote.address, bytes, ...(old.local.transport === 'tcp' ? { transport: 'tcp' as const } : {}) });
      this.counters.datagramsOut++;
      return true;
    }
    this.counters.noPath++;
    return false;
  }

  poll(now: Micros): EndpointOutput {
    for (let guard = 0; guard < 100_000; guard++) {
      const q = this.out.shift();
      if (q) return q;
      let ice: Deadline | undefined;
      if (this.owner.iceRunning?.(now) ?? true) {
        const o = this.agent.poll(now); // the first poll starts the agent
        this.owner.afterIcePoll?.(now);
        if (o.type !== 'timeout' && o.type !== 'idle') return o;
        ice = deadlineOf(o);
        this.followSelection(now);
        this.drainInbound(now);
      }
      if (this.out.length > 0) continue;
      let dtls: Deadline | undefined;
      if (this.dtls) {
        const o = this.dtls.poll(now);
        if (o.type === 'transmit') {
          this.dtlsOut(now, o.bytes);
          continue;
        }
        if (o.type === 'note' || o.type === 'secret') return o;
        this.spedFollowDtls();
        dtls = deadlineOf(o);
        this.maybeKey(now);
      }
      let sctp: Deadline | undefined;
      if (this.dataChannels && this.dtls?.state === 'connected') {
        // RFC 8261: each application data record is one SCTP packet, and each SCTP packet leaves in one record
        for (const b of this.dtls.takeApplicationData()) this.dataChannels.handlePacket(now, b);
        const o = this.dataChannels.poll(now);
        if (o.type === 'transmit') {
          this.dtls.send(o.bytes);
          if (o.mayFragment) this.sendMayFragment(now);
          continue;
        }
        if (o.type === 'note') return o;
        sctp = deadlineOf(o);
      }
      let own: Deadline | undefined;
      if (this.srtp && this.dtls?.state === 'connected' && this.owner.produce) {
        const p = this.owner.produce(now);
        if (p.sent || this.out.length > 0) continue;
        own = p.next;
      }
      if (this.out.length > 0) continue;
      return nextWake(ice, dtls, own, this.owner.deadline?.(now), sctp);
    }
    throw new Error(`${this.agent.name}: transport poll loop did not settle at ${now}`);
  }

  /**
   * The record DTLS just sealed for an SCTP packet over the packet size in use leaves with DF clear (RFC 9260 §6.9:
   * a fragment already given its TSN is never cut again; IP fragmentation carries it).
   */
  private sendMayFragment(now: Micros): void {
    for (let guard = 0; this.dtls && guard < 16; guard++) {
      const o = this.dtls.poll(now);
      if (o.type === 'transmit') {
        if (this.agent.sendData(now, o.bytes, { mayFragment: true })) this.counters.datagramsOut++;
        else this.counters.noPath++;
        return;
      }
      if (o.type !== 'note' && o.type !== 'secret') return;
      this.out.push(o);
    }
  }

  /** The selected pair (new, or new after an ICE restart even at the same addresses) is where DTLS sends and from where it accepts. */
  followSelection(now: Micros): void {
    const sel = this.agent.selected;
    if (sel && sel !== this.selected && this.dtls) {
      if (this.selected !== undefined) this.counters.pathChanges++;
      const first = this.selected === undefined;
      this.selected = sel;
      this.dtls.setRemote(sel.remote.address);
      this.owner.pathChanged?.(now, sel, this.counters.pathChanges);
      // SPED: what DTLS wrote before there was a path and the peer has not acknowledged also goes on the pair (its
      // only way out when the peer does not do SPED)
      if (first && this.sped && this.dtls.state === 'connecting') for (const p of this.sped.unacknowledged()) this.send(now, p);
    }
    this.owner.afterSelection?.(now);
  }

  /** RFC 7983 §7: STUN stays with the agent; DTLS (20–63) goes to DTLS, RTP/RTCP (128–191) to the owner once keyed. */
  private drainInbound(now: Micros): void {
    const local = this.options.local ?? NOWHERE;
    for (const d of this.agent.inbound.splice(0)) {
      const c = demux(d.bytes).class;
      if (c === 'dtls') {
        if (this.dtls) this.dtls.handleDatagram(now, this.dtlsSource(d.from), local, d.bytes);
        else if (this.pendingDtls.length < 16) {
          this.counters.dtlsBuffered++;
          this.pendingDtls.push(d);
        }
      } else if (c === 'rtp' || c === 'rtcp') {
        if (!this.srtp) this.counters.beforeKeys++;
        else this.owner.media(now, c, d.bytes);
      }
    }
    if (this.dtls && this.pendingDtls.length > 0) for (const d of this.pendingDtls.splice(0)) this.dtls.handleDatagram(now, d.from, local, d.bytes);
  }

  /**
   * RFC 8445 §12.2: data may arrive on any pair, not only the selected one; the agent passed up only what came on a
   * known pair (a signalled or authenticated peer-reflexive remote candidate, any state), as libwebrtc hands DTLS what
   * any of the channel's connections read (P2PTransportChannel::OnReadPacket). The DTLS association is the ICE
   * transport's (RFC 8842 §5.5): a record from any known pair is taken as from the association's remote address.
   */
  private dtlsSource(from: TransportAddress): TransportAddress {
    return this.dtls?.remote ?? from;
  }

  /** RFC 5764 §4.2: once DTLS is up with a use_srtp profile, key SRTP from the exporter (each side sends with its role's keys). */
  private maybeKey(now: Micros): void {
    const d = this.dtls;
    if (this.srtp || !d || d.state !== 'connected') return;
    const profile = d.session.srtpProfile;
    const material = d.session.srtpKeyingMaterial();
    if (!profile || !material) return;
    const fault = this.options.corruptSrtpKey;
    if (fault) {
      const { client, server } = splitKeyingMaterial(profile, material);
      const local = d.roleName === 'client' ? client : server;
      const remote = d.roleName === 'client' ? server : client;
      this.srtp = new SrtpSession({ profile, local: fault === 'send' ? flipped(local) : local, remote: fault === 'receive' ? flipped(remote) : remote });
    } else this.srtp = SrtpSession.fromKeyingMaterial(profile, material, d.roleName);
    this.owner.keyed?.(now, this.srtp);
  }
}
