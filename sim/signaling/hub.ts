import { signalingNote } from './notes.ts';
import type { Scheduler } from '../core/scheduler.ts';
import type { NoteBody } from '../core/note.ts';
import type { Micros } from '../core/time.ts';
import { describeMessage, messageData, type SignalingMessage } from './message.ts';
import { IdealSignalingTransport, type SignalingDelivery, type SignalingJoin, type SignalingTransport } from './transport.ts';

/** What the hub needs from the simulation: its clock, its scheduler and the trace's notes (a Network has all three). */
export interface SignalingWorld {
  readonly now: Micros;
  readonly scheduler: Scheduler;
  note(source: string, body: NoteBody): void;
}

/** A party on the hub, as its driver joins it: it takes delivered messages, then is let act. */
export interface SignalingParty {
  deliver(now: Micros, from: string, message: SignalingMessage): void;
  /** Lets the party act on what it received (its driver's pump). */
  pump(): void;
}

/**
 * How a party reaches the others: through the scenario's signaling server (webrtc-peer, sfu, sfu-client apps),
 * or through a private relay per direction (two ice-agent apps). Either way the notes are `signaling.sent` and
 * `signaling.received` (notes.ts).
 */
export type SignalingPath = 'server' | 'relay';

/**
 * The one signaling hub of a scenario. Endpoints hand it their `signal` outputs (through their EndpointDriver); it
 * notes every message as `signaling.sent` at the sender (source "<party>/signaling", with the arrival time and the
 * SDP text or JSON), gives it to the transport of the sender's path, and when the transport says messages have
 * arrived, notes each at its receiver and hands it over, then lets the receivers act. The transports are today's
 * ideal in-order channels; the hub is where signaling will become HTTP and WebSocket bytes.
 */
export class SignalingHub {
  private readonly parties = new Map<string, { party: SignalingParty; path: SignalingPath; join: SignalingJoin }>();
  private transportsByPath: { [P in SignalingPath]: SignalingTransport };

  constructor(
    private readonly world: SignalingWorld,
    transports?: { readonly [P in SignalingPath]: SignalingTransport },
  ) {
    this.transportsByPath = transports ?? {
      server: new IdealSignalingTransport(world.scheduler, 'destination', 50_000),
      relay: new IdealSignalingTransport(world.scheduler, 'pair', 50_000),
    };
    for (const path of ['server', 'relay'] as const) this.transportsByPath[path].onArrival = (batch, wake) => this.arrived(path, batch, wake);
  }

  get transports(): { readonly [P in SignalingPath]: SignalingTransport } {
    return this.transportsByPath;
  }

  /**
   * Carries `path` over another transport from now on (a `signaling-server` app puts the server path on the wire);
   * the parties already on that path join it.
   */
  useTransport(path: SignalingPath, transport: SignalingTransport): void {
    this.transportsByPath[path] = transport;
    transport.onArrival = (batch, wake) => this.arrived(path, batch, wake);
    for (const [name, p] of this.parties) if (p.path === path) transport.join(name, p.join);
  }

  /** `path` defaults to the server; the rest of `options` goes to that path's transport (the ideal one: `delay`, default 50 ms). */
  join(name: string, party: SignalingParty, options: { readonly path?: SignalingPath } & SignalingJoin = {}): void {
    const { path = 'server', ...join } = options;
    this.parties.set(name, { party, path, join });
    this.transports[path].join(name, join);
  }

  has(name: string): boolean {
    return this.parties.has(name);
  }

  send(now: Micros, from: string, to: string, message: SignalingMessage): void {
    const sender = this.parties.get(from);
    const target = this.parties.get(to);
    if (!sender || !target || target.path !== sender.path) {
      const why = !sender ? `${from} has not joined the signaling hub` : !target ? 'no such party on the signaling server' : `${to} is not reachable on ${from}'s signaling ${sender.path}`;
      this.world.note(`${from}/signaling`, signalingNote('signaling.error', `${from} → ${to}: ${why}`, { from, to }));
      return;
    }
    const at = this.transports[sender.path].send(now, from, to, message);
    const arrives = at === undefined ? {} : { arrives: at };
    this.world.note(`${from}/signaling`, signalingNote('signaling.sent', `${from} → ${to}: ${describeMessage(message)}`, { from, to, ...arrives, ...messageData(message) }));
  }

  private arrived(path: SignalingPath, batch: readonly SignalingDelivery[], wake: readonly string[]): void {
    const now = this.world.now;
    for (const d of batch) {
      const text = describeMessage(d.message);
      const data = { from: d.from, to: d.to, ...messageData(d.message) };
      this.world.note(`${d.to}/signaling`, signalingNote('signaling.received', path === 'relay' ? `${d.to} receives ${text}` : `${d.to} ← ${d.from}: ${text}`, data));
      this.parties.get(d.to)?.party.deliver(now, d.from, d.message);
    }
    for (const name of wake) this.parties.get(name)?.party.pump();
  }
}
