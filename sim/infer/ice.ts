import { toHex } from '../core/encoding.ts';
import { formatTransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import { ErrorCode, getAttribute, IceControlled, IceControlling, Method, Priority, UseCandidate, Username, XorMappedAddress, type StunMessage } from '../wire/stun/index.ts';

/**
 * The ICE checklist rebuilt from STUN transactions seen on the wire (RFC 8445 §6.1.2, §7.2.5): one pair per
 * (sender, receiver) of Binding requests carrying USERNAME, with its state inferred from the responses.
 */
export type InferredPairState = 'in-progress' | 'succeeded' | 'failed';

export interface InferredPair {
  /** The checking side's transport address ("local" from its point of view) and the address it checked. */
  readonly local: string;
  readonly remote: string;
  /** USERNAME of the checks: "remoteUfrag:localUfrag" (RFC 8445 §7.2.2). */
  username: string;
  priority: number | undefined;
  role: 'controlling' | 'controlled' | undefined;
  requests: number;
  successes: number;
  errors: number;
  /** The checking side sent USE-CANDIDATE (RFC 8445 §8.1.1): the controlling agent nominated this pair. */
  nominated: boolean;
  state: InferredPairState;
  /** The reflexive address the response reported (XOR-MAPPED-ADDRESS): differs from `local` behind a NAT. */
  mapped: string | undefined;
  firstPacket: number;
  firstT: Micros;
  succeededPacket: number | undefined;
  succeededT: Micros | undefined;
  lastError: string | undefined;
}

interface Pending {
  readonly pair: InferredPair;
}

export class IceChecklist {
  readonly pairs: InferredPair[] = [];
  private readonly byKey = new Map<string, InferredPair>();
  private readonly transactions = new Map<string, Pending>();

  /** Feeds one STUN message seen going from `src` to `dst`. Returns what changed, for notes. */
  observe(m: StunMessage, src: string, dst: string, packet: number, t: Micros): { pair: InferredPair; change: 'new' | 'succeeded' | 'failed' | 'nominated' } | undefined {
    if (m.method !== Method.Binding) return undefined;
    const tid = toHex(m.transactionId);
    if (m.class === 'request') {
      const username = getAttribute(m, Username);
      if (username === undefined) return undefined; // a plain STUN Binding (server-reflexive gathering), not an ICE check
      const key = `${src} ${dst}`;
      let pair = this.byKey.get(key);
      let change: 'new' | 'nominated' | undefined;
      if (!pair) {
        pair = {
          local: src,
          remote: dst,
          username,
          priority: undefined,
          role: undefined,
          requests: 0,
          successes: 0,
          errors: 0,
          nominated: false,
          state: 'in-progress',
          mapped: undefined,
          firstPacket: packet,
          firstT: t,
          succeededPacket: undefined,
          succeededT: undefined,
          lastError: undefined,
        };
        this.byKey.set(key, pair);
        this.pairs.push(pair);
        change = 'new';
      }
      pair.requests++;
      pair.priority = getAttribute(m, Priority) ?? pair.priority;
      if (getAttribute(m, IceControlling) !== undefined) pair.role = 'controlling';
      else if (getAttribute(m, IceControlled) !== undefined) pair.role = 'controlled';
      if (getAttribute(m, UseCandidate) && !pair.nominated) {
        pair.nominated = true;
        change ??= 'nominated';
      }
      this.transactions.set(tid, { pair });
      return change ? { pair, change } : undefined;
    }
    const pending = this.transactions.get(tid);
    if (!pending) return undefined;
    const pair = pending.pair;
    if (m.class === 'success') {
      pair.successes++;
      const mapped = getAttribute(m, XorMappedAddress);
      if (mapped) pair.mapped = formatTransportAddress(mapped);
      if (pair.state !== 'succeeded') {
        pair.state = 'succeeded';
        pair.succeededPacket = packet;
        pair.succeededT = t;
        return { pair, change: 'succeeded' };
      }
    } else if (m.class === 'error') {
      pair.errors++;
      const e = getAttribute(m, ErrorCode);
      pair.lastError = e ? `${e.code} ${e.reason}` : 'error response';
      // 487 Role Conflict makes the agent retry with the other role (RFC 8445 §7.3.1.1); other errors fail the pair
      if (pair.state !== 'succeeded' && e?.code !== 487) {
        pair.state = 'failed';
        return { pair, change: 'failed' };
      }
    }
    return undefined;
  }

  /** RFC 8445 §8.1.1: the selected pair is a nominated pair that succeeded; the earliest such, seen from the controlling side. */
  selected(): InferredPair | undefined {
    return this.pairs.find((p) => p.nominated && p.state === 'succeeded') ?? undefined;
  }
}
