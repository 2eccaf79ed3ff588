import { ICE_NOTE_KINDS } from '../ice/notes.ts';
import { SIGNALING_NOTE_KINDS } from '../signaling/notes.ts';
import { STUN_NOTE_KINDS } from '../stun/notes.ts';
import { TURN_NOTE_KINDS } from '../turn/notes.ts';
import { someKinds } from './app-kind.ts';
import type { EndpointOutput, IcmpError, SignalingEndpoint, Transport, TransportAddress } from '../core/endpoint.ts';
import { SignalOutbox } from '../core/signal-outbox.ts';
import type { Micros } from '../core/time.ts';
import { MS } from '../core/time.ts';
import { IceAgent, type IceRole, type TurnServerConfig } from '../ice/agent.ts';
import { iceSignal, type SignalingMessage } from '../signaling/message.ts';
import { join, ScenarioError } from '../schema/check.ts';
import { bool, custom, duration, hostName, list, oneOf, optional, required, withDefault } from '../schema/fields.ts';
import { ICE_FAULTS, type IceFault } from '../ice/agent-config.ts';
import { NOMINATION_MODES, type NominationMode } from '../ice/nomination.ts';
import { defineApp, HOST_FIELD, kindField, type Obj } from './app-kind.ts';
import { ICE_TCP_FIELD, PORT_FIELD, STUN_FIELD, TCP_PORT_FIELD, TURN_FIELD } from './peer-common.ts';
import { ICE_SECTION } from './sections.ts';
import { gatherIceTcp, peerDriver } from './stream-links.ts';

/**
 * The scenario app "ice-agent": a peer's ICE agent (sim/ice) signaling with another agent through a relay of the
 * signaling hub with its own delay. STUN/TURN servers are the "turn-server" app.
 */
export interface IceAppSpec {
  readonly kind: 'ice-agent';
  readonly host: string;
  /** The host of the other ice-agent app it signals with. */
  readonly peer: string;
  readonly role: IceRole;
  readonly lite: boolean;
  readonly trickle: boolean;
  readonly nomination: NominationMode;
  readonly stun: readonly TransportAddress[];
  readonly turn: readonly TurnServerConfig[];
  /** One-way delay of this agent's signaling messages to its peer (on the private relay). */
  readonly signalingDelay: Micros;
  /** `relay`: a private ideal relay with its peer; `server`: the scenario's signaling server (on the wire with a `signaling-server` app). */
  readonly signaling: 'relay' | 'server';
  readonly restartOnFailure: boolean;
  /** Local port of the host candidates (0: ephemeral). */
  readonly port: number;
  /** RFC 6544 host candidates beside UDP (default none). */
  readonly iceTcp: readonly ('active' | 'passive')[];
  /** Where passive TCP candidates listen (0: the UDP host port). */
  readonly tcpPort: number;
  readonly startAt: Micros;
  readonly nominationDelay?: Micros;
  /** RFC 8445 §7.3.1.1's tie-breaker, fixed (default: drawn from the agent's stream). */
  readonly tieBreaker?: bigint;
  readonly faults: readonly IceFault[];
}

/** A 64-bit unsigned decimal (ICE-CONTROLLING/ICE-CONTROLLED carry 64 bits, RFC 8445 §16.1). */
const TIE_BREAKER = custom<bigint>('whole number 0–2^64−1, as a string', (c, path, v) => {
  if (typeof v !== 'string' || !/^\d{1,20}$/.test(v) || BigInt(v) >= 1n << 64n) return c.fail(path, `expected a 64-bit unsigned whole number as a string, got ${JSON.stringify(v)}`);
  return BigInt(v);
});

/** Wraps an agent: the signaling it produces while polled leaves as `signal` outputs to its peer's agent. */
export class IcePeerEndpoint implements SignalingEndpoint<SignalingMessage> {
  private readonly outbox = new SignalOutbox<SignalingMessage>();

  constructor(readonly agent: IceAgent, readonly spec: IceAppSpec) {}

  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array, transport?: Transport): void {
    this.outbox.input();
    this.agent.handleDatagram(now, from, to, bytes, transport);
  }

  handleStreamClosed(now: Micros, local: TransportAddress, remote: TransportAddress, error: string | undefined): void {
    this.outbox.input();
    this.agent.handleStreamClosed(now, local, remote, error);
  }

  handleIcmpError(now: Micros, e: IcmpError): void {
    this.outbox.input();
    this.agent.handleIcmpError(now, e);
  }

  handleTimeout(now: Micros): void {
    this.outbox.input();
    this.agent.handleTimeout(now);
  }

  handleSignal(now: Micros, _from: string, m: SignalingMessage): void {
    this.outbox.input();
    if (m.protocol === 'ice') this.agent.handleSignal(now, m.body);
  }

  signalPending(): boolean {
    return this.outbox.pending();
  }

  poll(now: Micros): EndpointOutput<SignalingMessage> {
    const q = this.outbox.take();
    if (q) return q;
    const o = this.agent.poll(now);
    for (const m of this.agent.takeSignals()) this.outbox.queue(this.spec.peer, iceSignal(m));
    return this.outbox.settle(o);
  }
}

export const iceAgentApp = defineApp({
  kind: 'ice-agent',
  about: 'an ICE agent (RFC 8445) with no DTLS or media, signaling with another `ice-agent`',
  fields: [
    kindField('ice-agent'),
    HOST_FIELD,
    required('peer', hostName, 'The host of the other `ice-agent` it signals with.', 'bob'),
    withDefault('role', oneOf(['controlling', 'controlled'] as const), 'controlling', '`"controlling"`', 'The ICE role it starts with (a role conflict is resolved as RFC 8445 §7.3.1.1 says).', 'controlled'),
    withDefault('lite', bool, false, '`false`', 'ICE-lite (RFC 8445 §2.5): host candidates only, answers checks but sends none.', true),
    withDefault('trickle', bool, true, '`true`', 'Trickle ICE (RFC 8838): send candidates as they are found; `false` sends them all when gathering ends.', false),
    withDefault('nomination', oneOf(NOMINATION_MODES), 'regular', '`"regular"`', "Regular nomination (RFC 8445 §8.1.1), USE-CANDIDATE on every check (RFC 5245's aggressive nomination), or libwebrtc's semi-aggressive (USE-CANDIDATE while nothing is selected or on a better pair, and checks go on after a selection).", 'aggressive'),
    STUN_FIELD,
    TURN_FIELD,
    withDefault('signalingDelay', duration, 50 * MS, '`"50ms"`', "One-way delay of this agent's signaling messages to its peer.", '50ms'),
    withDefault('signaling', oneOf(['relay', 'server'] as const), 'relay', '`"relay"`', '`"relay"`: a private relay with its peer, `signalingDelay` one way, no bytes; `"server"`: the scenario\'s signaling server, so with a `signaling-server` app its description and candidates travel as WebSocket bytes (subprotocol `ice`) through its NAT or firewall.', 'server'),
    withDefault('restartOnFailure', bool, false, '`false`', 'A controlling, non-lite agent restarts ICE (RFC 8445 §9) when consent is lost.', true),
    PORT_FIELD,
    ICE_TCP_FIELD,
    TCP_PORT_FIELD,
    withDefault('startAt', duration, 0, '`0`', 'When the agent starts gathering.', '0s'),
    optional('nominationDelay', duration, 'Regular nomination: how long the controlling agent lets checks run after the first valid pair.', '2s', '`"2s"`'),
    optional('tieBreaker', TIE_BREAKER, "The tie-breaker its ICE-CONTROLLING or ICE-CONTROLLED attribute carries (RFC 8445 §7.3.1.1: on a role conflict the larger one controls); drawn at random when absent.", '1000', 'random'),
    withDefault('faults', list(oneOf(ICE_FAULTS)), [], '`[]`', "Fault injection: `no-role-switch` ignores role conflicts (never switches role, answers a conflicting check with success, takes 487 for a failure), `no-priority` leaves PRIORITY out of its checks (the peer answers 400), `ignore-checks` answers none of the peer's checks. Noted as `ice.fault`.", ['no-priority']),
  ],
  spec: ({ kind: _k, ...v }): IceAppSpec => ({ kind: 'ice-agent', ...v }),
  build(world, host, spec: IceAppSpec, ctx) {
    const agent = new IceAgent({
      name: spec.host, rng: world.rng(ctx.source), role: spec.role, lite: spec.lite, trickle: spec.trickle, nomination: spec.nomination,
      stunServers: spec.stun, turnServers: spec.turn, restartOnFailure: spec.restartOnFailure, startAt: spec.startAt,
      ...(spec.nominationDelay !== undefined ? { nominationDelay: spec.nominationDelay } : {}),
      ...(spec.tieBreaker !== undefined ? { tieBreaker: spec.tieBreaker } : {}),
      ...(spec.faults.length ? { faults: spec.faults } : {}),
    });
    const endpoint = new IcePeerEndpoint(agent, spec);
    const driver = peerDriver(world, host, endpoint, ctx.source, spec.turn, spec.iceTcp.length > 0);
    const udp = host.addresses().map((ip) => driver.bind(ip, spec.port));
    for (const a of udp) agent.addLocalAddress(a);
    gatherIceTcp(driver, agent, udp, spec.iceTcp, spec.tcpPort);
    // a private relay per direction with its peer, or the scenario's signaling server, on the world's one hub
    driver.joinSignaling(world.signaling, spec.host, spec.signaling === 'server' ? { path: 'server', delay: spec.signalingDelay, protocol: 'ice' } : { path: 'relay', delay: spec.signalingDelay });
    return { endpoint, driver };
  },
  /** Every ice-agent app needs an ice-agent app on its peer host to signal with. */
  connect(_world, peers) {
    for (const a of peers) {
      if (!peers.some((p) => p.spec.host === a.spec.peer)) {
        throw new ScenarioError([{ path: join(a.path ?? 'apps', 'peer'), message: `${JSON.stringify(a.spec.peer)} runs no ice-agent: an ice-agent's peer must be a host with an ice-agent app` }]);
      }
    }
  },
  sections: [ICE_SECTION],
  summary({ spec, endpoint }) {
    const g = endpoint.agent;
    const types: Obj = {};
    for (const c of g.local) types[c.type] = ((types[c.type] as number | undefined) ?? 0) + 1;
    const value: Obj = {
      state: g.state,
      role: g.controlling ? 'controlling' : 'controlled',
      lite: g.lite,
      trickle: g.trickle,
      selectedPair: g.selectedPair(),
      connectedAt: g.connectedAt ?? null,
      timeToConnected: g.connectedAt !== undefined && g.startedAt !== undefined ? g.connectedAt - g.startedAt : null,
      selectedAt: g.selectedAt ?? null,
      localCandidates: types,
      pairs: g.checklist.pairs.length,
      ...g.counters,
    };
    return [{ section: ICE_SECTION, key: spec.host, value }];
  },
  notes: [ICE_NOTE_KINDS, STUN_NOTE_KINDS, TURN_NOTE_KINDS, someKinds(SIGNALING_NOTE_KINDS, 'signaling.sent', 'signaling.received')],
});
