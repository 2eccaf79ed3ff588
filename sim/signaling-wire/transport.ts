import type { TransportAddress } from '../core/endpoint.ts';
import type { NoteBody } from '../core/note.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import type { ByteStream } from '../net/stream.ts';
import type { SignalingWorld } from '../signaling/hub.ts';
import { decodeSignaling, type SignalingMessage } from '../signaling/message.ts';
import { signalingNote } from '../signaling/notes.ts';
import type { SignalingRelay } from './relay.ts';
import type { SignalingDelivery, SignalingJoin, SignalingTransport } from '../signaling/transport.ts';
import { WireSignalingClient, type WireServer } from './client.ts';

/** Where a party runs, as the transport needs it: streams from its host, and its RNG for WebSocket keys and masks. */
export interface WireParty {
  readonly connect: (remote: TransportAddress) => ByteStream;
  readonly rng: Rng;
}

export interface WireTransportOptions {
  readonly server: WireServer;
  /** The host the signaling server runs on: a party of that name is served in process (an SFU beside its server). */
  readonly serverHost: string;
  readonly relay: SignalingRelay;
  /** The party's host, or undefined when it has none (a note says so and its messages go nowhere). */
  readonly party: (name: string) => WireParty | undefined;
  /** When parties open their connections (a page loads, then connects to its signaling server). */
  readonly connectAt: Micros;
}

/**
 * Signaling on the wire: each party's messages travel as JSON text over a WebSocket or HTTP from its own host,
 * over TCP through its NATs and firewalls, to the `signaling-server` app's relay and on to the other party — real
 * bytes on the ladder and in the capture. When a message will arrive is not known when it leaves (`send` returns
 * undefined); a party's messages arrive in the order it sent them, one batch per message.
 */
export class WireSignalingTransport implements SignalingTransport {
  onArrival: ((batch: readonly SignalingDelivery[], wake: readonly string[]) => void) | undefined;
  readonly clients = new Map<string, WireSignalingClient>();
  private readonly local = new Set<string>();

  constructor(
    private readonly world: SignalingWorld,
    readonly options: WireTransportOptions,
  ) {}

  join(name: string, options: SignalingJoin): void {
    const protocol = options.protocol ?? 'jsep';
    if (name === this.options.serverHost) {
      this.local.add(name);
      this.options.relay.attachLocal(name, (now, text) => this.localArrival(now, name, protocol, text));
      return;
    }
    const where = this.options.party(name);
    if (!where) {
      this.world.note(`${name}/signaling`, signalingNote('signaling.error', `${name} has no host to reach the signaling server from`, { from: name, to: 'signaling-server' }));
      return;
    }
    const client = new WireSignalingClient(name, protocol, this.options.server, {
      scheduler: this.world.scheduler,
      connect: where.connect,
      rng: where.rng,
      note: (_t, n) => this.world.note(`${name}/signaling`, n as NoteBody),
      receive: (_t, from, message) => this.arrive(from, name, message),
    });
    this.clients.set(name, client);
    this.world.scheduler.at(Math.max(this.options.connectAt, this.world.now), 'signaling connect', () => client.start(this.world.now));
  }

  send(now: Micros, from: string, to: string, message: SignalingMessage): undefined {
    if (this.local.has(from)) this.options.relay.fromLocal(now, from, JSON.stringify({ to, ...message.body }));
    else this.clients.get(from)?.send(now, to, message);
    return undefined;
  }

  private localArrival(now: Micros, to: string, protocol: SignalingMessage['protocol'], text: string): void {
    const d = decodeSignaling(protocol, text);
    let from: unknown;
    try {
      from = (JSON.parse(text) as { from?: unknown }).from;
    } catch {
      from = undefined;
    }
    if (!d.ok || typeof from !== 'string') {
      this.world.note(`${to}/signaling`, signalingNote('signaling.error', `${to}: a relayed message it cannot read at ${now}µs: ${d.ok ? 'no "from"' : d.error}`, { from: 'signaling-server', to }));
      return;
    }
    this.arrive(from, to, d.value);
  }

  private arrive(from: string, to: string, message: SignalingMessage): void {
    this.onArrival?.([{ from, to, message }], [to]);
  }
}
