import { isDtlsFirstByte, SPED_ACK_CAP } from '../wire/stun/attrs-sped.ts';
import { AttrType, crc32, decodeStun, DtlsInStunAck, DtlsInStunData, getAttribute, integrityProtected, type StunAttribute } from '../wire/stun/index.ts';

/**
 * SPED, the DTLS handshake carried in ICE checks (draft-hancke-webrtc-sped-00), as libwebrtc's
 * dtls_stun_piggyback_controller runs it (docs/setup-shortcuts.md): sans-IO, it holds the DTLS packets of the last
 * flight until the peer acknowledges them, hands one to each Binding request and response (round robin) with the
 * CRC-32s of the packets received, and reads what an authenticated check or response carried.
 *
 * States: TENTATIVE (we embed, the peer has not answered in kind yet), CONFIRMED (the peer embeds or acknowledges),
 * PENDING (DTLS is connected here; waiting for the peer to be done), COMPLETE (nothing is embedded any more), OFF (the
 * peer does not do SPED, or DTLS failed: DTLS runs on the wire alone).
 */
export type SpedState = 'tentative' | 'confirmed' | 'pending' | 'complete' | 'off';

/** What one authenticated Binding request or success response carried: each attribute present or not, and its problems. */
export interface SpedReceived {
  /** DTLS-IN-STUN-DATA's value (§3.3.2.1), when the attribute is there. */
  readonly data?: Uint8Array;
  /** DTLS-IN-STUN-ACK's CRC-32s (§3.3.2.2), when the attribute is there. */
  readonly acks?: readonly number[];
  /** What is wrong with either attribute (an ACK whose length is not a multiple of 4, a repeated attribute …). */
  readonly problems?: readonly string[];
}

/** What the controller tells its owner: a note's text and its facts. */
export interface SpedNote {
  readonly event: 'state' | 'received' | 'acked' | 'ignored';
  readonly state: SpedState;
  readonly text: string;
}

/** The CRC-32 that acknowledges a DTLS packet (§3.3.2.2: as FINGERPRINT's, without its XOR). */
export function spedCrc(packet: Uint8Array): number {
  return crc32(packet);
}

/**
 * The SPED attributes of a Binding message, from the codec (sim/wire/stun/attrs-sped.ts): those before
 * MESSAGE-INTEGRITY only (RFC 8489 §14.5), with what makes them unusable: an ACK that is not a list of 32-bit CRCs (a
 * truncated or padded value) or an attribute that appears twice. A DATA value that is not DTLS is the controller's to drop.
 */
export function readSped(bytes: Uint8Array): SpedReceived {
  const d = decodeStun(bytes, false);
  if (!d.value) return { problems: [`the message does not decode: ${d.problems[0]?.message ?? 'truncated'}`] };
  const msg = integrityProtected(d.value);
  const problems = d.problems.filter((p) => p.message.startsWith('DTLS-IN-STUN-ACK') && p.message.includes('left over')).map((p) => p.message);
  for (const [type, name] of [[AttrType.DtlsInStunData, 'DTLS-IN-STUN-DATA'], [AttrType.DtlsInStunAck, 'DTLS-IN-STUN-ACK']] as const) {
    const n = msg.attributes.filter((a) => a.type === type).length;
    if (n > 1) problems.push(`${name} appears ${n} times`);
  }
  const data = getAttribute(msg, DtlsInStunData);
  const acks = getAttribute(msg, DtlsInStunAck);
  return { ...(data !== undefined ? { data } : {}), ...(acks !== undefined ? { acks } : {}), ...(problems.length > 0 ? { problems } : {}) };
}

export class SpedController {
  private stateValue: SpedState = 'tentative';
  /** The packets of the last flight DTLS wrote, not yet acknowledged. */
  private pending: Uint8Array[] = [];
  private nextIndex = 0;
  /** True while a flight is being written: its first packet replaces the previous flight's (libwebrtc: writing_packets_). */
  private writing = false;
  /** The CRC-32s of the DTLS packets received, oldest first, at most SPED_ACK_CAP. */
  private received: number[] = [];
  readonly counters = { embedded: 0, received: 0, acknowledged: 0, ignored: 0 };

  constructor(private readonly note: (n: SpedNote) => void) {}

  get state(): SpedState {
    return this.stateValue;
  }

  /** Whether checks still carry SPED attributes. */
  get active(): boolean {
    return this.stateValue !== 'off' && this.stateValue !== 'complete';
  }

  /** The packets not yet acknowledged, in the order DTLS wrote them. */
  unacknowledged(): readonly Uint8Array[] {
    return this.pending;
  }

  /** The CRC-32s this side acknowledges next. */
  acknowledgements(): readonly number[] {
    return this.received;
  }

  /**
   * DTLS wrote a packet: kept to embed (a new flight replaces the last one's) while the handshake runs here
   * (TENTATIVE, CONFIRMED); what it writes once connected (application data) is not. Not DTLS (20–63): not kept.
   */
  capture(packet: Uint8Array): void {
    if ((this.stateValue !== 'tentative' && this.stateValue !== 'confirmed') || !isDtlsFirstByte(packet[0])) return;
    if (!this.writing) {
      this.pending = [];
      this.nextIndex = 0;
      this.writing = true;
    }
    this.pending.push(packet);
  }

  /** The flight DTLS was writing is complete. */
  flush(): void {
    this.writing = false;
  }

  /**
   * The attributes for the next Binding request or success response: the next pending packet (round robin), or in
   * CONFIRMED an empty DATA (SPED still on, nothing to embed), and the ACK list until COMPLETE.
   */
  attributes(): StunAttribute[] {
    if (!this.active) return [];
    const out: StunAttribute[] = [];
    const packet = this.pending.length > 0 ? this.pending[this.nextIndex++ % this.pending.length] : undefined;
    if (packet) {
      this.counters.embedded++;
      out.push(DtlsInStunData.of(packet));
    } else if (this.stateValue === 'confirmed') out.push(DtlsInStunData.of(new Uint8Array(0)));
    out.push(DtlsInStunAck.of([...this.received]));
    return out;
  }

  /**
   * What an authenticated Binding request or success response carried (never call it for one that did not
   * authenticate: its attributes must not change anything). Returns the DTLS packet to hand to DTLS, if any.
   */
  receive(r: SpedReceived): Uint8Array | undefined {
    if (!this.active) return undefined;
    if (r.problems && r.problems.length > 0) {
      this.counters.ignored++;
      this.note({ event: 'ignored', state: this.stateValue, text: `ignores the SPED attributes of an authenticated check: ${r.problems.join('; ')}` });
      return undefined;
    }
    const none = r.data === undefined && r.acks === undefined;
    if (this.stateValue === 'tentative') {
      // the peer answered without either attribute: it does not do SPED, DTLS falls back to the wire
      if (none) return void this.setState('off', 'the peer sent a check without DTLS-IN-STUN attributes: plain DTLS');
      this.setState('confirmed', r.data !== undefined && r.data.length > 0 ? 'the peer embeds DTLS in its checks' : 'the peer announces SPED');
    }
    if (r.acks !== undefined && r.acks.length > 0 && this.pending.length > 0) {
      const before = this.pending.length;
      this.pending = this.pending.filter((p) => !r.acks!.includes(spedCrc(p)));
      const n = before - this.pending.length;
      if (n > 0) {
        this.counters.acknowledged += n;
        this.nextIndex = 0;
        this.note({ event: 'acked', state: this.stateValue, text: `the peer acknowledges ${n} embedded DTLS packet(s), ${this.pending.length} still pending` });
      }
    }
    if (r.acks !== undefined && r.acks.length > SPED_ACK_CAP) this.note({ event: 'acked', state: this.stateValue, text: `the peer acknowledges ${r.acks.length} packets, more than the draft's ${SPED_ACK_CAP} (§3.3.2.2): all read` });
    let deliver: Uint8Array | undefined;
    if (r.data !== undefined && r.data.length > 0) {
      if (!isDtlsFirstByte(r.data[0])) {
        this.counters.ignored++;
        this.note({ event: 'ignored', state: this.stateValue, text: `drops an embedded packet whose first byte ${r.data[0]} is not DTLS (20–63, RFC 9443 §3)` });
      } else {
        deliver = r.data;
        this.counters.received++;
        this.acknowledge(spedCrc(r.data));
        this.note({ event: 'received', state: this.stateValue, text: `takes a ${r.data.length}-byte DTLS packet from a check (CRC-32 0x${spedCrc(r.data).toString(16).padStart(8, '0')})` });
      }
    }
    // PENDING ends when the peer has everything: no DATA from it any more, or nothing of ours left to acknowledge
    if (this.stateValue === 'pending' && (r.data === undefined || this.pending.length === 0)) this.setState('complete', r.data === undefined ? 'the peer embeds nothing more' : 'nothing of its own is left unacknowledged');
    return deliver;
  }

  /** DTLS is connected here: PENDING. A DTLS 1.2 client's last flight needs no acknowledgement (the server's Finished answers it). */
  dtlsConnected(role: 'client' | 'server', version: '1.2' | '1.3' | undefined): void {
    if (!this.active || this.stateValue === 'pending') return;
    if (role === 'client' && version !== '1.3') this.pending = [];
    this.setState('pending', 'DTLS is connected');
  }

  /** DTLS failed: nothing more is embedded. */
  dtlsFailed(): void {
    if (this.stateValue === 'off') return;
    this.pending = [];
    this.setState('off', 'DTLS failed');
  }

  private acknowledge(crc: number): void {
    if (this.received.includes(crc)) return;
    while (this.received.length >= SPED_ACK_CAP) this.received.shift();
    this.received.push(crc);
  }

  private setState(s: SpedState, why: string): void {
    const previous = this.stateValue;
    this.stateValue = s;
    if (s === 'complete' || s === 'off') this.received = [];
    this.note({ event: 'state', state: s, text: `SPED ${previous.toUpperCase()} → ${s.toUpperCase()} (${why})` });
  }
}
