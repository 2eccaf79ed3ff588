import type { Endpoint, EndpointOutput, TransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import { MS } from '../core/time.ts';
import { IceAgent, type IceRole, type TurnServerConfig } from '../ice/agent.ts';
import { describeSignal, SignalingRelay, type SignalMessage } from '../ice/signaling.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import { join, ScenarioError } from '../schema/check.ts';
import type { AppKind, Obj } from './app-kind.ts';
import { hostField } from './fields.ts';
import { parseIceServers } from './peer-common.ts';
import { ICE_SECTION } from './sections.ts';

/**
 * The scenario app "ice-agent": a peer's ICE agent (sim/ice) signaling with another agent through a relay with
 * its own delay. STUN/TURN servers are the "turn-server" app.
 */
export interface IceAppSpec {
  readonly kind: 'ice-agent';
  readonly host: string;
  /** The host of the other ice-agent app it signals with. */
  readonly peer: string;
  readonly role: IceRole;
  readonly lite: boolean;
  readonly trickle: boolean;
  readonly nomination: 'regular' | 'aggressive';
  readonly stun: readonly TransportAddress[];
  readonly turn: readonly TurnServerConfig[];
  /** One-way delay of this agent's signaling messages to its peer. */
  readonly signalingDelay: Micros;
  readonly restartOnFailure: boolean;
  /** Local port of the host candidates (0: ephemeral). */
  readonly port: number;
  readonly startAt: Micros;
  readonly nominationDelay?: Micros;
}

/** Wraps an agent so that the signaling it produces while being polled goes to the relay. */
export class IcePeerEndpoint implements Endpoint {
  onSignal: ((now: Micros, m: SignalMessage) => void) | undefined;
  private readonly held: SignalMessage[] = [];

  constructor(readonly agent: IceAgent, readonly spec: IceAppSpec) {}

  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array): void {
    this.agent.handleDatagram(now, from, to, bytes);
  }

  handleTimeout(now: Micros): void {
    this.agent.handleTimeout(now);
  }

  poll(now: Micros): EndpointOutput {
    const o = this.agent.poll(now);
    this.held.push(...this.agent.takeSignals());
    if (this.onSignal) for (const m of this.held.splice(0)) this.onSignal(now, m);
    return o;
  }
}

export const iceAgentApp: AppKind<IceAppSpec, IcePeerEndpoint> = {
  kind: 'ice-agent',
  about: 'an ICE agent (RFC 8445) with no DTLS or media, signaling with another `ice-agent`',
  parse(c, path, o, ctx) {
    const host = hostField(c, path, 'host', o.host, ctx);
    if (host === undefined) return undefined;
    c.onlyKeys(path, o, ['kind', 'host', 'peer', 'role', 'lite', 'trickle', 'nomination', 'stun', 'turn', 'signalingDelay', 'restartOnFailure', 'port', 'startAt', 'nominationDelay']);
    const peer = c.string(join(path, 'peer'), o.peer);
    const role = o.role === undefined ? 'controlling' : c.oneOf(join(path, 'role'), o.role, ['controlling', 'controlled'] as const);
    const lite = o.lite === undefined ? false : c.boolean(join(path, 'lite'), o.lite);
    const trickle = o.trickle === undefined ? true : c.boolean(join(path, 'trickle'), o.trickle);
    const nomination = o.nomination === undefined ? 'regular' : c.oneOf(join(path, 'nomination'), o.nomination, ['regular', 'aggressive'] as const);
    const { stun, turn } = parseIceServers(c, path, o);
    const signalingDelay = o.signalingDelay === undefined ? 50 * MS : c.duration(join(path, 'signalingDelay'), o.signalingDelay);
    const restartOnFailure = o.restartOnFailure === undefined ? false : c.boolean(join(path, 'restartOnFailure'), o.restartOnFailure);
    const port = o.port === undefined ? 0 : c.integer(join(path, 'port'), o.port, 0, 65535);
    const startAt = o.startAt === undefined ? 0 : c.duration(join(path, 'startAt'), o.startAt);
    const nominationDelay = o.nominationDelay === undefined ? undefined : c.duration(join(path, 'nominationDelay'), o.nominationDelay);
    if (peer === undefined || !role || lite === undefined || trickle === undefined || !nomination || signalingDelay === undefined || restartOnFailure === undefined || port === undefined || startAt === undefined) return undefined;
    return {
      kind: 'ice-agent', host, peer, role, lite, trickle, nomination,
      stun: stun.filter((s) => s !== undefined), turn: turn.filter((t) => t !== undefined),
      signalingDelay, restartOnFailure, port, startAt, ...(nominationDelay !== undefined ? { nominationDelay } : {}),
    };
  },
  build(world, host, spec, ctx) {
    const agent = new IceAgent({
      name: spec.host, rng: world.rng(ctx.source), role: spec.role, lite: spec.lite, trickle: spec.trickle, nomination: spec.nomination,
      stunServers: spec.stun, turnServers: spec.turn, restartOnFailure: spec.restartOnFailure, startAt: spec.startAt,
      ...(spec.nominationDelay !== undefined ? { nominationDelay: spec.nominationDelay } : {}),
    });
    const endpoint = new IcePeerEndpoint(agent, spec);
    const driver = new EndpointDriver(world.net, host, endpoint, ctx.source);
    for (const ip of host.addresses()) agent.addLocalAddress(driver.bind(ip, spec.port));
    return { endpoint, driver };
  },
  /** Connects every ice-agent app with its peer through a signaling relay per direction. */
  connect(world, peers) {
    const net = world.net;
    for (const a of peers) {
      const target = peers.find((p) => p.spec.host === a.spec.peer);
      if (!target) {
        throw new ScenarioError([{ path: join(a.path ?? 'apps', 'peer'), message: `${JSON.stringify(a.spec.peer)} runs no ice-agent: an ice-agent's peer must be a host with an ice-agent app` }]);
      }
      const relay = new SignalingRelay(a.spec.signalingDelay);
      const from = a.spec.host;
      const to = target.spec.host;
      a.endpoint.onSignal = (now, m) => {
        const at = relay.send(now, from, to, m);
        net.note(`${from}/signaling`, 'signaling.sent', `${from} → ${to}: ${describeSignal(m)}`, { from, to, message: m.type, arrives: at });
        net.scheduler.at(at, 'signaling', () => {
          for (const d of relay.due(net.now)) {
            net.note(`${to}/signaling`, 'signaling.delivered', `${to} receives ${describeSignal(d.msg)}`, { from, to, message: d.msg.type });
            target.endpoint.agent.handleSignal(net.now, d.msg);
          }
          target.driver.pump();
        });
      };
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
  notes: ['ice.*', 'stun.*', 'turn.*', 'signaling.sent', 'signaling.delivered'],
};
