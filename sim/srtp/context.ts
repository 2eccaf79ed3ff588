import { rtpHeaderLength } from '../wire/rtp/rtp.ts';
import { deriveSessionKeys, type MasterKey, type SessionKeys } from '../crypto/srtp-kdf.ts';
import { srtpProfile, type SrtpProfile, type SrtpProfileName } from '../wire/srtp/profiles.ts';
import { ReplayWindow } from './replay.ts';
import { estimateRoc, packetIndex, updateRollover, type RolloverState } from './rollover.ts';
import { srtcpTrailer } from '../wire/srtp/protected.ts';
import { protectRtcp, protectRtp, SrtpCipher, unprotectRtcp, unprotectRtp } from './transform.ts';

export type SrtpFailureReason = 'malformed' | 'too-short' | 'auth-failed' | 'replay' | 'too-old' | 'index-exhausted';

/** Failures are results, never exceptions: a forged or replayed packet is an event to show, not a crash. */
export interface SrtpFailure {
  readonly ok: false;
  readonly reason: SrtpFailureReason;
  readonly message: string;
}

export interface SrtpSuccess {
  readonly ok: true;
  readonly bytes: Uint8Array;
  readonly ssrc: number;
  /** The 48-bit SRTP packet index (RTP) or the 31-bit SRTCP index (RTCP). */
  readonly index: number;
  /** RTP only: the rollover counter used. */
  readonly roc?: number;
  /** RTCP only: whether the payload was (or is) encrypted (the E flag). */
  readonly encrypted?: boolean;
}

export type SrtpResult = SrtpSuccess | SrtpFailure;

export interface SrtpContextOptions {
  /** Replay window size in packets (RFC 3711 §3.3.2: at least 64). */
  readonly replayWindow?: number;
}

/** The state of one SSRC, as a panel shows it. */
export interface SrtpStreamState {
  readonly ssrc: number;
  readonly roc: number;
  readonly highestSeq: number;
  readonly highestIndex: number;
}

const MAX_ROC = 0xffffffff;
const MAX_SRTCP_INDEX = 0x7fffffff;

const fail = (reason: SrtpFailureReason, message: string): SrtpFailure => ({ ok: false, reason, message });
const u32 = (b: Uint8Array, at: number): number => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
const hex8 = (v: number): string => `0x${v.toString(16).padStart(8, '0')}`;

/**
 * One cryptographic context (RFC 3711 §3.2): one direction's session keys plus per-SSRC state, kept separately
 * for what this side sends (rollover counters, SRTCP indices) and what it receives (the same, plus replay lists).
 */
export class SrtpContext {
  private readonly sendRtp = new Map<number, RolloverState>();
  private readonly recvRtp = new Map<number, { rollover: RolloverState; replay: ReplayWindow }>();
  private readonly sendRtcp = new Map<number, number>();
  private readonly recvRtcp = new Map<number, ReplayWindow>();
  private readonly windowSize: number;
  /** The session keys keyed once for the crypto backend (made at the first packet, then kept). */
  private keyed: SrtpCipher | undefined;

  constructor(
    readonly profile: SrtpProfile,
    readonly keys: SessionKeys,
    options: SrtpContextOptions = {},
  ) {
    this.windowSize = options.replayWindow ?? 64;
  }

  private get cipher(): SrtpCipher {
    return (this.keyed ??= new SrtpCipher(this.profile, this.keys));
  }

  static fromMasterKey(profile: SrtpProfile | SrtpProfileName, master: MasterKey, options?: SrtpContextOptions): SrtpContext {
    const p = typeof profile === 'string' ? srtpProfile(profile) : profile;
    if (!p) throw new RangeError(`unknown SRTP profile ${String(profile)}`);
    return new SrtpContext(p, deriveSessionKeys(p, master.masterKey, master.masterSalt), options);
  }

  /** Sets the rollover counter of a stream before its first packet (a late joiner told the ROC out of band). */
  setRolloverCounter(ssrc: number, roc: number, direction: 'send' | 'receive', highestSeq = 0): void {
    if (direction === 'send') this.sendRtp.set(ssrc >>> 0, { roc, highestSeq });
    else this.recvRtp.set(ssrc >>> 0, { rollover: { roc, highestSeq }, replay: new ReplayWindow(this.windowSize) });
  }

  /** Sets the SRTCP index the next protected packet of this SSRC will carry. */
  setNextSrtcpIndex(ssrc: number, index: number): void {
    this.sendRtcp.set(ssrc >>> 0, index);
  }

  streams(direction: 'send' | 'receive'): SrtpStreamState[] {
    if (direction === 'send') {
      return [...this.sendRtp].map(([ssrc, s]) => ({ ssrc, roc: s.roc, highestSeq: s.highestSeq, highestIndex: packetIndex(s.roc, s.highestSeq) }));
    }
    return [...this.recvRtp].map(([ssrc, s]) => ({ ssrc, roc: s.rollover.roc, highestSeq: s.rollover.highestSeq, highestIndex: s.replay.highestIndex }));
  }

  /** RFC 3711 §3.3: encrypt and authenticate an RTP packet. */
  protectRtp(packet: Uint8Array): SrtpResult {
    const headerLength = checkRtp(packet);
    if (typeof headerLength !== 'number') return headerLength;
    const ssrc = u32(packet, 8);
    const seq = (packet[2]! << 8) | packet[3]!;
    let state = this.sendRtp.get(ssrc);
    if (!state) {
      state = { roc: 0, highestSeq: seq };
      this.sendRtp.set(ssrc, state);
    }
    const v = estimateRoc(state, seq);
    if (v < 0) return fail('too-old', `sequence number ${seq} of ${hex8(ssrc)} is from before the stream's first packet`);
    if (state.roc === MAX_ROC && v === 0) {
      return fail('index-exhausted', `${hex8(ssrc)} has sent 2^48 packets: the master key must be replaced (RFC 3711 §9.2)`);
    }
    const bytes = protectRtp(this.cipher, packet, headerLength, ssrc, v, seq);
    updateRollover(state, seq, v);
    return { ok: true, bytes, ssrc, index: packetIndex(v, seq), roc: v };
  }

  /** RFC 3711 §3.3: estimate the index, check replay, authenticate, decrypt; state changes only on success. */
  unprotectRtp(packet: Uint8Array): SrtpResult {
    const headerLength = checkRtp(packet);
    if (typeof headerLength !== 'number') return headerLength;
    if (packet.length < headerLength + this.profile.srtpTagLength) {
      return fail('too-short', `${packet.length} bytes cannot hold a ${headerLength}-byte header and a ${this.profile.srtpTagLength}-byte tag`);
    }
    const ssrc = u32(packet, 8);
    const seq = (packet[2]! << 8) | packet[3]!;
    const known = this.recvRtp.get(ssrc);
    // RFC 3711 §3.3.1: a receiver starts a new stream with s_l = the first SEQ and ROC = 0.
    const rollover = known?.rollover ?? { roc: 0, highestSeq: seq };
    const v = estimateRoc(rollover, seq);
    if (v < 0) return fail('too-old', `sequence number ${seq} of ${hex8(ssrc)} would need a rollover counter below 0`);
    const index = packetIndex(v, seq);
    const replay = known?.replay ?? new ReplayWindow(this.windowSize);
    const verdict = replay.check(index);
    if (!verdict.ok) return fail(verdict.reason, `${hex8(ssrc)}: ${verdict.message}`);
    const bytes = unprotectRtp(this.cipher, packet, headerLength, ssrc, v, seq);
    if (!bytes) return fail('auth-failed', `SRTP authentication failed for ${hex8(ssrc)} seq ${seq} (ROC ${v}): wrong key, wrong ROC, or the packet was altered`);
    updateRollover(rollover, seq, v);
    replay.accept(index);
    if (!known) this.recvRtp.set(ssrc, { rollover, replay });
    return { ok: true, bytes, ssrc, index, roc: v };
  }

  /** RFC 3711 §3.4: protect an RTCP (compound) packet; `encrypt: false` only authenticates (E = 0). */
  protectRtcp(packet: Uint8Array, options: { encrypt?: boolean } = {}): SrtpResult {
    if (packet.length < 8) return fail('too-short', `${packet.length} bytes: RTCP needs at least a header and an SSRC (8)`);
    if (packet[0]! >> 6 !== 2) return fail('malformed', `RTCP version ${packet[0]! >> 6}, expected 2`);
    const ssrc = u32(packet, 4);
    const index = this.sendRtcp.get(ssrc) ?? 0; // RFC 3711 §3.4: the SRTCP index starts at zero
    if (index > MAX_SRTCP_INDEX) return fail('index-exhausted', `${hex8(ssrc)} has used every SRTCP index: the master key must be replaced`);
    const encrypt = options.encrypt ?? true;
    const bytes = protectRtcp(this.cipher, packet, index, encrypt);
    this.sendRtcp.set(ssrc, index + 1);
    return { ok: true, bytes, ssrc, index, encrypted: encrypt };
  }

  unprotectRtcp(packet: Uint8Array): SrtpResult {
    const trailer = srtcpTrailer(this.profile, packet);
    if (!trailer) return fail('too-short', `${packet.length} bytes cannot hold an RTCP header, the E+index word and a ${this.profile.srtcpTagLength}-byte tag`);
    const ssrc = u32(packet, 4);
    const replay = this.recvRtcp.get(ssrc) ?? new ReplayWindow(this.windowSize);
    const verdict = replay.check(trailer.index);
    if (!verdict.ok) return fail(verdict.reason, `SRTCP ${hex8(ssrc)}: ${verdict.message}`);
    const r = unprotectRtcp(this.cipher, packet);
    if (!r) return fail('auth-failed', `SRTCP authentication failed for ${hex8(ssrc)} index ${trailer.index}`);
    replay.accept(r.index);
    this.recvRtcp.set(ssrc, replay);
    return { ok: true, bytes: r.packet, ssrc, index: r.index, encrypted: r.encrypted };
  }
}

function checkRtp(packet: Uint8Array): number | SrtpFailure {
  if (packet.length < 12) return fail('too-short', `${packet.length} bytes: an RTP header needs 12`);
  if (packet[0]! >> 6 !== 2) return fail('malformed', `RTP version ${packet[0]! >> 6}, expected 2`);
  const n = rtpHeaderLength(packet);
  if (n === undefined) return fail('malformed', 'the CSRC list or header extension runs past the end of the packet');
  return n;
}
