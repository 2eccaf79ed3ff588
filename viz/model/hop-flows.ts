import { flowKey } from '../../sim/dissect/flow-state.ts';
import type { Flow } from '../../sim/dissect/types.ts';
import { decodeIpDatagram } from '../../sim/wire/ip/datagram.ts';
import { IPPROTO } from '../../sim/wire/ip/protocols.ts';

/**
 * Each hop's flow (its 5-tuple, and its vantage point when there are several) as a small number, -1 for a hop
 * without a transport header: collected from the one dissection pass's answers (the capture load, the worker's pass
 * over a simulated trace), so that nothing dissects the hops again to find them. The keyed packet detail replays a
 * selected hop's flow by these numbers.
 */
export class HopFlowCollector {
  private readonly keys: (string | undefined)[] = [];

  /** The flow the pass found for the hop (or frame) numbered `at`, seen at `vantage` (absent with one). */
  observe(at: number, flow: Flow | undefined, vantage: string | undefined): void {
    this.keys[at] = flow ? (vantage !== undefined ? `${flowKey(flow)} @${vantage}` : flowKey(flow)) : undefined;
  }

  /**
   * A hop the pass skipped (RTP or RTCP in the middle of its datagram's path: nothing reads its dissection): its
   * UDP 5-tuple read from the IP and UDP headers alone.
   */
  skipped(at: number, bytes: Uint8Array, vantage: string | undefined): void {
    this.observe(at, udpFlowOf(bytes), vantage);
  }

  /** Flow numbers of `n` hops; `hopOf` maps an observed number to its hop (-1: none; default: the same). */
  table(n: number, hopOf: (at: number) => number = (at) => at): Int32Array {
    const ids = new Map<string, number>();
    const out = new Int32Array(n).fill(-1);
    this.keys.forEach((key, at) => {
      const hop = hopOf(at);
      if (key === undefined || hop < 0 || hop >= n) return;
      let id = ids.get(key);
      if (id === undefined) ids.set(key, (id = ids.size));
      out[hop] = id;
    });
    return out;
  }
}

/** The UDP 5-tuple of an unfragmented IP datagram from its headers (RFC 791/8200, RFC 768), or undefined. */
function udpFlowOf(b: Uint8Array): Flow | undefined {
  const ip = decodeIpDatagram(b, 0, false).value;
  if (!ip || ip.protocol !== IPPROTO.UDP || ip.fragment) return undefined;
  const at = ip.payloadOffset;
  if (b.length < at + 8) return undefined;
  return { transport: 'UDP', family: ip.family, srcIp: ip.src, srcPort: (b[at]! << 8) | b[at + 1]!, dstIp: ip.dst, dstPort: (b[at + 2]! << 8) | b[at + 3]! };
}
