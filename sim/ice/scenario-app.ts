import { signalingNote } from '../signaling/notes.ts';
import type { Endpoint, EndpointOutput, TransportAddress } from '../core/endpoint.ts';
import type { JsonValue } from '../core/trace.ts';
import type { Micros } from '../core/time.ts';
import { MS } from '../core/time.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import type { Host } from '../net/host.ts';
import type { Network } from '../net/network.ts';
import type { Check } from '../scenario/check.ts';
import { join } from '../scenario/check.ts';
import { IceAgent } from './agent.ts';
import type { IceRole, TurnServerConfig } from './agent.ts';
import type { SignalMessage } from './signaling.ts';
import { describeSignal, SignalingRelay } from './signaling.ts';

/**
 * The scenario app kind of ICE: "ice-agent", a peer's ICE agent signaling with another agent through a relay with
 * its own delay. STUN/TURN servers are the "turn-server" app of sim/turn. sim/scenario/parse.ts, build.ts and run.ts call in here.
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

export type IceScenarioApp = IceAppSpec;
export const ICE_APP_KINDS = ['ice-agent'] as const;

/** The `stun` and `turn` server lists an ICE-speaking app takes (ice-agent, webrtc-peer, sfu-client). */
export function parseIceServers(c: Check, path: string, o: Record<string, unknown>) {
  const stun = o.stun === undefined ? [] : (c.array(join(path, 'stun'), o.stun) ?? []).map((s, i) => c.transport(join(join(path, 'stun'), i), s));
  const turn = o.turn === undefined ? [] : (c.array(join(path, 'turn'), o.turn) ?? []).map((t, i) => {
    const tp = join(join(path, 'turn'), i);
    const to = c.object(tp, t);
    if (!to) return undefined;
    c.onlyKeys(tp, to, ['server', 'username', 'password']);
    const server = c.transport(join(tp, 'server'), to.server);
    const username = c.string(join(tp, 'username'), to.username);
    const password = c.string(join(tp, 'password'), to.password);
    return server && username !== undefined && password !== undefined ? { server, username, password } : undefined;
  });
  return { stun, turn };
}

export function parseIceApp(c: Check, path: string, o: Record<string, unknown>, kind: IceScenarioApp['kind'], host: string): IceScenarioApp | undefined {
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
    kind, host, peer, role, lite, trickle, nomination,
    stun: stun.filter((s) => s !== undefined), turn: turn.filter((t) => t !== undefined),
    signalingDelay, restartOnFailure, port, startAt, ...(nominationDelay !== undefined ? { nominationDelay } : {}),
  };
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

export function buildIceApp(net: Network, host: Host, spec: IceScenarioApp, source: string): { endpoint: Endpoint; driver: EndpointDriver } {
  const agent = new IceAgent({
    name: spec.host, rng: net.rng.fork(source), role: spec.role, lite: spec.lite, trickle: spec.trickle, nomination: spec.nomination,
    stunServers: spec.stun, turnServers: spec.turn, restartOnFailure: spec.restartOnFailure, startAt: spec.startAt,
    ...(spec.nominationDelay !== undefined ? { nominationDelay: spec.nominationDelay } : {}),
  });
  const endpoint = new IcePeerEndpoint(agent, spec);
  const driver = new EndpointDriver(net, host, endpoint, source);
  for (const ip of host.addresses()) agent.addLocalAddress(driver.bind(ip, spec.port));
  return { endpoint, driver };
}

/** Connects every ice-agent app with its peer through a signaling relay per direction (after all apps exist). */
export function connectIceSignaling(net: Network, apps: readonly { readonly endpoint: Endpoint; readonly driver: EndpointDriver }[]): void {
  const peers = apps.filter((a): a is { endpoint: IcePeerEndpoint; driver: EndpointDriver } => a.endpoint instanceof IcePeerEndpoint);
  for (const a of peers) {
    const target = peers.find((p) => p.endpoint.spec.host === a.endpoint.spec.peer);
    if (!target) throw new Error(`ice-agent on ${a.endpoint.spec.host}: no ice-agent app on peer host ${a.endpoint.spec.peer}`);
    const relay = new SignalingRelay(a.endpoint.spec.signalingDelay);
    const from = a.endpoint.spec.host;
    const to = target.endpoint.spec.host;
    a.endpoint.onSignal = (now, m) => {
      const at = relay.send(now, from, to, m);
      net.note(`${from}/signaling`, signalingNote('signaling.sent', `${from} → ${to}: ${describeSignal(m)}`, { from, to, arrives: at, message: m.type }));
      net.scheduler.at(at, 'signaling', () => {
        for (const d of relay.due(net.now)) {
          net.note(`${to}/signaling`, signalingNote('signaling.received', `${to} receives ${describeSignal(d.msg)}`, { from, to, message: d.msg.type }));
          target.endpoint.agent.handleSignal(net.now, d.msg);
        }
        target.driver.pump();
      });
    };
  }
}

/** `summary.ice[host]`: state, role, the selected pair, and the time from start to connected. */
export function iceSummary(apps: readonly { readonly endpoint: Endpoint }[]): { [key: string]: JsonValue } | undefined {
  const out: { [key: string]: JsonValue } = {};
  for (const a of apps) {
    if (!(a.endpoint instanceof IcePeerEndpoint)) continue;
    const g = a.endpoint.agent;
    const types: { [key: string]: JsonValue } = {};
    for (const c of g.local) types[c.type] = ((types[c.type] as number | undefined) ?? 0) + 1;
    out[a.endpoint.spec.host] = {
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
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
