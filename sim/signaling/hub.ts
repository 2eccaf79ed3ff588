import { signalingNote } from './notes.ts';
import type { Micros } from '../core/time.ts';
import type { Network } from '../net/network.ts';
import { describeMessage, messageData, SignalingChannel, type SignalingMessage } from './channel.ts';

/** A party on the signaling server: it takes delivered messages, then its driver lets it act. */
export interface SignalingParty {
  deliver(now: Micros, from: string, msg: SignalingMessage): void;
  /** Lets the party act on what it received (its EndpointDriver's pump). */
  pump(): void;
}

/**
 * The signaling server of a scenario, modelled as one in-order channel per destination with a one-way delay per
 * sender (no bytes on the simulated wire). Every message is a `signaling.sent` note at the sender and a
 * `signaling.received` note at the receiver (source "<party>/signaling"), with the SDP text or JSON in data.
 */
export class SignalingHub {
  private readonly parties = new Map<string, SignalingParty>();
  private readonly delays = new Map<string, Micros>();
  private readonly channel: SignalingChannel;

  constructor(private readonly net: Network, delay: Micros) {
    this.channel = new SignalingChannel(delay);
  }

  add(name: string, party: SignalingParty, delay?: Micros): void {
    this.parties.set(name, party);
    if (delay !== undefined) this.delays.set(name, delay);
  }

  has(name: string): boolean {
    return this.parties.has(name);
  }

  send(now: Micros, from: string, to: string, msg: SignalingMessage): void {
    const target = this.parties.get(to);
    if (!target) {
      this.net.note(`${from}/signaling`, signalingNote('signaling.error', `${from} → ${to}: no such party on the signaling server`, { from, to }));
      return;
    }
    const at = this.channel.send(now, from, to, msg, this.delays.get(from) ?? this.channel.delay);
    this.net.note(`${from}/signaling`, signalingNote('signaling.sent', `${from} → ${to}: ${describeMessage(msg)}`, { from, to, arrives: at, ...messageData(msg) }));
    this.net.scheduler.at(at, 'signaling', () => {
      const touched = new Set<string>();
      for (const d of this.channel.due(this.net.now)) {
        this.net.note(`${d.to}/signaling`, signalingNote('signaling.received', `${d.to} ← ${d.from}: ${describeMessage(d.msg)}`, { from: d.from, to: d.to, ...messageData(d.msg) }));
        this.parties.get(d.to)?.deliver(this.net.now, d.from, d.msg);
        touched.add(d.to);
      }
      for (const name of touched) this.parties.get(name)?.pump();
    });
  }
}
