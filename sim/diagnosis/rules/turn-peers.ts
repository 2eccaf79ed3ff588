import { peekUdpDatagram } from '../../wire/ip/udp-datagram.ts';
import { decodeStun, getAttributes, XorPeerAddress } from '../../wire/stun/index.ts';
import { agents } from '../agents.ts';
import { classifyDrop } from '../drops.ts';
import { evidence, TraceIndex } from '../trace-index.ts';
import type { Finding } from '../types.ts';

/** STUN methods CreatePermission and ChannelBind (RFC 8656 §17). */
const CREATE_PERMISSION = 0x008;
const CHANNEL_BIND = 0x009;

/** The peer addresses (XOR-PEER-ADDRESS, RFC 8656 §14.3) a STUN request in a hop's UDP payload names. */
function peersOfHop(datagram: Uint8Array): string[] {
  const v = peekUdpDatagram(datagram);
  if ('error' in v) return [];
  const msg = decodeStun(datagram.subarray(v.payloadOffset, v.payloadOffset + v.payloadLength), false).value;
  return msg ? getAttributes(msg, XorPeerAddress).map((a) => a.ip) : [];
}

/** One peer the server refused a permission for. */
interface Refused {
  readonly ip: string;
  /** The server's denied range it fell in (its turn.peer.denied note), when the trace has the server's side. */
  readonly range: string | undefined;
  readonly method: 'CreatePermission' | 'ChannelBind';
  readonly errorHops: number[];
  readonly notes: number[];
  /** Datagrams to or from this peer the server dropped at the relayed address for want of the permission. */
  readonly dropped: number[];
  readonly t: number;
}

/**
 * TURN 403 Forbidden on CreatePermission or ChannelBind (RFC 8656 §9.2, §12.2): the server's policy refuses to relay
 * to a peer's address (its denied ranges, RFC 8656 §21.2.3; coturn's denied-peer-ip). Without the permission the
 * server drops every datagram between the relayed address and that peer (§10.3), so the relayed candidate cannot
 * reach it. Named when the refusal mattered: the host's ICE did not connect (or a scripted client asked for it) and
 * datagrams to or from the refused peer died at the relay. A 403 for a private host candidate the relay could not
 * reach anyway, in a call that connected, is the usual noise of coturn's default list and is not a finding.
 */
export function turnPeerFindings(x: TraceIndex): Finding[] {
  if (x.capture) return [];
  const out: Finding[] = [];
  const denied = new Map<string, { range: string; i: number }>();
  for (const d of x.of('turn.peer.denied')) if (!denied.has(d.n.data.peer)) denied.set(d.n.data.peer, { range: d.n.data.range, i: d.i });
  // hops dropped at a relay for want of a permission, by peer IP (sim/turn/server-relay.ts: "TURN no permission: peer IP, …")
  const noPermission = new Map<string, number[]>();
  for (const h of x.hops) {
    const d = classifyDrop(h);
    const m = d && /^TURN no permission: peer ([^,]+),/.exec(d.why);
    if (m) noPermission.set(m[1]!, [...(noPermission.get(m[1]!) ?? []), h.index]);
  }
  const up = new Map(agents(x).map((a) => [a.host, a.up]));
  const sources = new Set(x.of('turn.error').filter((e) => 'request' in e.n.data && (e.n.data.request === 'channel' || e.n.data.request === 'permission') && e.n.data.code === 403).map((e) => e.n.source));
  for (const source of sources) {
    const host = TraceIndex.host(source);
    if (up.get(host) === true) continue;
    const errors = x.from('turn.error', source).filter((e) => 'request' in e.n.data && (e.n.data.request === 'channel' || e.n.data.request === 'permission') && e.n.data.code === 403);
    const servers = new Set(errors.map((e) => ('server' in e.n.data ? e.n.data.server : '')));
    for (const server of servers) {
      // the requests from this host to the server and their 403 answers, joined by transaction id
      const requests = new Map<string, { peers: string[]; method: Refused['method'] }>();
      const refused = new Map<string, Refused>();
      for (const s of x.stunHops()) {
        const h = x.hops[s.hop]!;
        if (s.stun.method !== CREATE_PERMISSION && s.stun.method !== CHANNEL_BIND) continue;
        const method = s.stun.method === CHANNEL_BIND ? 'ChannelBind' : 'CreatePermission';
        if (s.stun.cls === 'request' && h.from === host && !requests.has(s.stun.tid)) requests.set(s.stun.tid, { peers: peersOfHop(h.bytes), method });
        if (s.stun.cls !== 'error' || s.stun.code !== 403 || h.to !== host) continue;
        const req = requests.get(s.stun.tid);
        if (!req) continue;
        for (const ip of req.peers) {
          const r = refused.get(ip);
          const d = denied.get(ip);
          if (r) r.errorHops.push(s.hop);
          else refused.set(ip, { ip, range: d?.range, method: req.method, errorHops: [s.hop], notes: d ? [d.i] : [], dropped: noPermission.get(ip) ?? [], t: h.t });
        }
      }
      const all = [...refused.values()];
      const mattered = all.filter((r) => r.dropped.length > 0);
      const scripted = !up.has(host);
      if (all.length === 0 || (mattered.length === 0 && !scripted)) continue;
      const head = mattered.length > 0 ? mattered : all;
      const ranges = [...new Set(head.map((r) => r.range).filter((r): r is string => r !== undefined))];
      const peers = head.map((r) => r.ip);
      const method = head[0]!.method;
      const dropped = head.reduce((n, r) => n + r.dropped.length, 0);
      const rangeText = ranges.length ? `: ${peers.length > 1 ? 'they are' : 'it is'} in its denied range ${ranges.join(', ')} (RFC 8656 §21.2.3)` : '';
      out.push({
        cause: 'turn.peer-forbidden',
        severity: 'failure',
        subject: host,
        t: head[0]!.t,
        text: `TURN server ${server} refused ${host}'s ${method} for peer ${peers.join(', ')} with 403 Forbidden${rangeText}; without the permission it drops what passes between ${host}'s relayed address and ${peers.length > 1 ? 'those peers' : 'that peer'} (RFC 8656 §9)${dropped ? `: ${dropped} datagram(s) dropped there` : ''}`,
        evidence: evidence([...head.flatMap((r) => r.errorHops), ...head.flatMap((r) => r.dropped)], [...errors.map((e) => e.i), ...head.flatMap((r) => r.notes)]),
        fix: `let TURN server ${server} relay to ${peers.join(', ')}${ranges.length ? ` (take ${ranges.join(', ')} out of its denied peers, or allow the address: coturn's allowed-peer-ip)` : ''}, or give the other peer a TURN server too, so that the two relays meet`,
        details: all.map((r) => ({
          text: `${r.method} for ${r.ip}: 403 Forbidden${r.range ? ` (denied range ${r.range})` : ''}; ${r.dropped.length ? `${r.dropped.length} datagram(s) between it and the relayed address dropped for want of the permission` : 'nothing to or from it reached the relay'}`,
          evidence: evidence([...r.errorHops, ...r.dropped], r.notes),
        })),
        facts: { host, server, peers: peers.join(', '), method, ...(ranges.length ? { range: ranges.join(', ') } : {}), dropped },
      });
    }
  }
  return out;
}
