import type { TransportAddress } from '../../core/endpoint.ts';
import { formatTransportAddress as fmt } from '../../core/endpoint.ts';
import { netNote, type FirewallPacketFacts, type NetNote } from '../notes.ts';
import type { Micros } from '../../core/time.ts';
import { formatDuration } from '../../core/time.ts';
import type { FirewallConfig, FirewallDirection, FirewallProto, FirewallRule, Packet } from './rules.ts';
import { ruleMatches, validateFirewallConfig } from './rules.ts';

/**
 * A stateful packet filter: `decide` runs the ordered rules over a packet, and every allowed packet creates or
 * refreshes a tracked flow (connection tracking), so rules can let "established" traffic, such as replies, through.
 * Flows time out when idle. No packets are touched here; the firewall node asks and obeys.
 */

/** A typed note body: "firewall.flow.created", "firewall.drop" or "firewall.flow.expired" (../notes.ts). */
export type FirewallNoteFacts = Extract<NetNote, { kind: 'firewall.flow.created' | 'firewall.drop' | 'firewall.flow.expired' }>;

export type FirewallDecision =
  | {
      readonly action: 'allow';
      /** The rule that allowed it, or "default" for the default action. */
      readonly rule: string;
      readonly state: 'new' | 'established';
      /** Present when the packet started a tracked flow. */
      readonly note?: FirewallNoteFacts;
      /** Flows that timed out since the last call, so that none goes unreported. */
      readonly expired: readonly ExpiredFlow[];
    }
  | {
      readonly action: 'drop';
      readonly rule: string;
      /** Names the rule: `firewall rule "drop-udp" (drop all UDP both ways): udp 192.168.1.10:5000 → …`. */
      readonly reason: string;
      readonly state: 'new' | 'established';
      readonly note: FirewallNoteFacts;
      readonly expired: readonly ExpiredFlow[];
    };

export interface ExpiredFlow {
  readonly flow: FlowView;
  readonly note: FirewallNoteFacts;
}

/** A tracked flow, for the visualizer. */
export interface FlowView {
  readonly proto: FirewallProto;
  /** The endpoint that sent the first packet, and where to. */
  readonly initiator: TransportAddress;
  readonly responder: TransportAddress;
  /** The direction of the first packet. */
  readonly direction: FirewallDirection;
  readonly created: Micros;
  readonly lastSeen: Micros;
  readonly expires: Micros;
  readonly replied: boolean;
}

interface Flow {
  readonly key: string;
  readonly proto: FirewallProto;
  readonly initiator: TransportAddress;
  readonly responder: TransportAddress;
  readonly direction: FirewallDirection;
  readonly created: Micros;
  lastSeen: Micros;
  expires: Micros;
  replied: boolean;
  /** TCP only: opening until SYNs went both ways and an ACK followed, closing after FIN or RST. */
  tcpPhase?: 'opening' | 'established' | 'closing';
  synBack?: boolean;
}

const flowKey = (proto: FirewallProto, a: TransportAddress, b: TransportAddress): string => `${proto} ${fmt(a)} ${fmt(b)}`;

export class Firewall {
  private readonly flows = new Map<string, Flow>();
  /** No flow expires before this (a lower bound, so sweeps are cheap). */
  private earliest = Number.POSITIVE_INFINITY;

  constructor(readonly config: FirewallConfig) {
    const errors = validateFirewallConfig(config);
    if (errors.length > 0) throw new Error(`invalid firewall configuration: ${errors.join('; ')}`);
  }

  /**
   * `tcpFlags` is the TCP flag byte (FIN 0x01, SYN 0x02, RST 0x04, ACK 0x10) when `proto` is 'tcp'; `firstByte` the
   * UDP payload's first byte, for rules that look into it.
   */
  decide(now: Micros, direction: FirewallDirection, proto: FirewallProto, src: TransportAddress, dst: TransportAddress, tcpFlags?: number, firstByte?: number): FirewallDecision {
    const expired = this.expire(now);
    const forward = this.flows.get(flowKey(proto, src, dst));
    const reverse = forward ? undefined : this.flows.get(flowKey(proto, dst, src));
    const flow = forward ?? reverse;
    const syn = tcpFlags === undefined ? undefined : (tcpFlags & 0x12) === 0x02;
    const packet: Packet = { direction, proto, src, dst, state: flow ? 'established' : 'new', ...(proto === 'tcp' && syn !== undefined ? { syn } : {}), ...(proto === 'udp' && firstByte !== undefined ? { firstByte } : {}) };
    const rule = this.config.rules.find((r) => ruleMatches(r, packet));
    const action = rule ? rule.action : this.config.defaultAction;
    const name = rule ? rule.name : 'default';
    const invalid = !flow && packet.syn === false ? ', not a SYN so no new connection' : '';
    const what = `${proto} ${fmt(src)} → ${fmt(dst)} (${direction}, ${packet.state}${invalid})`;
    if (action === 'drop') {
      const why = rule ? `firewall rule "${rule.name}"${rule.description ? ` (${rule.description})` : ''}` : 'firewall default policy drop: no rule allows it';
      const reason = `${why}: ${what}`;
      return { action: 'drop', rule: name, reason, state: packet.state, note: netNote('firewall.drop', reason, this.data(rule, packet)), expired };
    }
    if (flow) {
      if (reverse) flow.replied = true;
      if (flow.proto === 'tcp' && tcpFlags !== undefined) trackTcp(flow, reverse !== undefined, tcpFlags);
      flow.lastSeen = now;
      flow.expires = now + this.timeout(flow);
      return { action: 'allow', rule: name, state: 'established', expired };
    }
    const created: Flow = { key: flowKey(proto, src, dst), proto, initiator: src, responder: dst, direction, created: now, lastSeen: now, expires: now, replied: false };
    // a TCP flow picked up without its SYN is taken as established, as Linux conntrack does by default
    if (proto === 'tcp' && tcpFlags !== undefined) created.tcpPhase = syn ? 'opening' : 'established';
    created.expires = now + this.timeout(created);
    this.earliest = Math.min(this.earliest, created.expires);
    this.flows.set(created.key, created);
    const text = `firewall rule "${name}" allows ${what}; tracking the flow for ${formatDuration(created.expires - now)} of silence`;
    return { action: 'allow', rule: name, state: 'new', note: netNote('firewall.flow.created', text, this.data(rule, packet)), expired };
  }

  /**
   * An ICMP error (`proto` 'other', from `src` to `dst`) about a datagram of the flow `quoted`: it is "related" to that
   * flow when the flow is tracked (Linux conntrack's RELATED), so rules for established packets match it; it is
   * filtered by the rules like any packet and never creates or refreshes a flow.
   */
  decideRelated(now: Micros, direction: FirewallDirection, src: TransportAddress, dst: TransportAddress, quoted: { proto: FirewallProto; src: TransportAddress; dst: TransportAddress }): FirewallDecision {
    const expired = this.expire(now);
    const flow = this.flows.get(flowKey(quoted.proto, quoted.src, quoted.dst)) ?? this.flows.get(flowKey(quoted.proto, quoted.dst, quoted.src));
    const packet: Packet = { direction, proto: 'other', src, dst, state: flow ? 'established' : 'new' };
    const rule = this.config.rules.find((r) => ruleMatches(r, packet));
    const action = rule ? rule.action : this.config.defaultAction;
    const what = `ICMP error ${fmt(src)} → ${fmt(dst)} about ${quoted.proto} ${fmt(quoted.src)} → ${fmt(quoted.dst)} (${direction}, ${flow ? 'related to a tracked flow' : 'no tracked flow'})`;
    if (action === 'drop') {
      const why = rule ? `firewall rule "${rule.name}"${rule.description ? ` (${rule.description})` : ''}` : 'firewall default policy drop: no rule allows it';
      const reason = `${why}: ${what}`;
      return { action: 'drop', rule: rule?.name ?? 'default', reason, state: packet.state, note: netNote('firewall.drop', reason, this.data(rule, packet)), expired };
    }
    return { action: 'allow', rule: rule?.name ?? 'default', state: packet.state, expired };
  }

  /** Removes flows idle past their timeout; returns them with note facts, oldest expiry first. */
  expire(now: Micros): ExpiredFlow[] {
    if (now < this.earliest) return [];
    const gone = [...this.flows.values()].filter((f) => f.expires <= now).sort((a, b) => a.expires - b.expires);
    this.earliest = Number.POSITIVE_INFINITY;
    for (const f of this.flows.values()) if (f.expires > now) this.earliest = Math.min(this.earliest, f.expires);
    return gone.map((f) => {
      this.flows.delete(f.key);
      const text = `firewall flow ${f.proto} ${fmt(f.initiator)} ⇄ ${fmt(f.responder)} expired after ${formatDuration(f.expires - f.lastSeen)} idle`;
      return { flow: view(f), note: netNote('firewall.flow.expired', text, { proto: f.proto, initiator: fmt(f.initiator), responder: fmt(f.responder) }) };
    });
  }

  nextExpiry(): Micros | undefined {
    let min: Micros | undefined;
    for (const f of this.flows.values()) if (min === undefined || f.expires < min) min = f.expires;
    return min;
  }

  /** Tracked flows, in creation order. */
  connections(): FlowView[] {
    return [...this.flows.values()].map(view);
  }

  private timeout(f: Flow): Micros {
    const t = this.config.timeouts;
    if (f.proto === 'tcp') return f.tcpPhase === undefined || f.tcpPhase === 'established' ? t.tcp : t.tcpTransitory;
    return f.replied ? t.udpReplied : t.udp;
  }

  private data(rule: FirewallRule | undefined, p: Packet): FirewallPacketFacts {
    return { rule: rule?.name ?? 'default', direction: p.direction, proto: p.proto, src: fmt(p.src), dst: fmt(p.dst), state: p.state };
  }
}

function view(f: Flow): FlowView {
  return { proto: f.proto, initiator: f.initiator, responder: f.responder, direction: f.direction, created: f.created, lastSeen: f.lastSeen, expires: f.expires, replied: f.replied };
}

/** RFC 5382 REQ-5's phases, seen from the flow: a reply SYN then an ACK establish it; FIN or RST start its close. */
function trackTcp(f: Flow, isReply: boolean, flags: number): void {
  if ((flags & 0x05) !== 0) f.tcpPhase = 'closing';
  else if (f.tcpPhase === 'opening' && isReply && (flags & 0x02) !== 0) f.synBack = true;
  else if (f.tcpPhase === 'opening' && f.synBack && (flags & 0x12) === 0x10) f.tcpPhase = 'established';
}
