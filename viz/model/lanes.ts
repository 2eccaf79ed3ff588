import type { TopologyNode, Trace } from '../../sim/core/trace.ts';

/**
 * Ladder lane order: hosts at the edges, their NATs next to them, the internet in the middle, servers on the
 * other side — peer A, NAT A, internet, server, NAT B, peer B. The topology is a tree (links name both ends);
 * the root is the node with the most links (the internet router). A capture's address-nodes keep their order.
 */
export function orderLanes(trace: Pick<Trace, 'nodes' | 'links'>): string[] {
  const nodes = trace.nodes;
  if (nodes.length === 0) return [];
  const adj = new Map<string, string[]>(nodes.map((n) => [n.name, []]));
  for (const l of trace.links) {
    if (!adj.has(l.a) || !adj.has(l.b) || l.a === l.b) continue;
    adj.get(l.a)!.push(l.b);
    adj.get(l.b)!.push(l.a);
  }
  const treeLike = nodes.some((n) => n.kind === 'router' || n.kind === 'internet' || n.kind === 'nat');
  if (!treeLike) return privateFirst(nodes);
  let root = nodes[0]!;
  for (const n of nodes) {
    const better = (adj.get(n.name)!.length > adj.get(root.name)!.length) || (n.kind === 'internet' && root.kind !== 'internet');
    if (better) root = n;
  }
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const seen = new Set<string>([root.name]);
  const childrenOf = (name: string): string[] => {
    const out = adj.get(name)!.filter((c) => !seen.has(c));
    for (const c of out) seen.add(c);
    return out;
  };
  const subtree = (name: string, side: 'left' | 'right'): string[] => {
    const kids = childrenOf(name).flatMap((c) => subtree(c, side));
    return side === 'left' ? [...kids, name] : [name, ...kids];
  };
  // Subtrees holding a NAT (or more nodes) are the "peer" sides; plain servers go right of the root.
  const top = childrenOf(root.name);
  const size = (name: string, from: string): number => 1 + adj.get(name)!.filter((c) => c !== from).reduce((s, c) => s + size(c, name), 0);
  const hasNat = (name: string, from: string): boolean => byName.get(name)?.kind === 'nat' || adj.get(name)!.some((c) => c !== from && hasNat(c, name));
  const peers = top.filter((c) => hasNat(c, root.name) || size(c, root.name) > 1);
  const servers = top.filter((c) => !peers.includes(c));
  const left: string[] = [];
  const right: string[] = [];
  peers.forEach((c, i) => (i % 2 === 0 ? left : right).push(c));
  const order = [...left.flatMap((c) => subtree(c, 'left')), root.name, ...servers.flatMap((c) => subtree(c, 'right')), ...right.reverse().flatMap((c) => subtree(c, 'right'))];
  for (const n of nodes) if (!order.includes(n.name)) order.push(n.name);
  return order;
}

const PRIVATE = /^\[?(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.|127\.|f[cd]|fe80:|::1$)/i;

/** Without a topology (a capture), private addresses left, public ones right, each in order of first appearance. */
function privateFirst(nodes: readonly TopologyNode[]): string[] {
  const priv = nodes.filter((n) => PRIVATE.test(n.name)).map((n) => n.name);
  const pub = nodes.filter((n) => !PRIVATE.test(n.name)).map((n) => n.name);
  return [...priv, ...pub];
}
