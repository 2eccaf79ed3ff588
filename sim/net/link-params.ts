import type { Micros } from '../core/time.ts';

/** Gilbert–Elliott bursty loss: a two-state Markov chain evaluated once per packet. */
export interface GilbertElliott {
  /** Probability of moving from the good to the bad state, per packet. */
  readonly pGoodToBad: number;
  /** Probability of moving from the bad back to the good state, per packet. */
  readonly pBadToGood: number;
  /** Loss probability while good (often 0). */
  readonly lossGood: number;
  /** Loss probability while bad (often 1). */
  readonly lossBad: number;
}

/** The behaviour of one direction of a link. */
export interface LinkDirection {
  /** One-way propagation delay. */
  readonly delay: Micros;
  /** Standard deviation of the delay's variation (approximately normal, never below zero total delay). */
  readonly jitter: Micros;
  /** Independent random loss probability, 0..1. */
  readonly loss: number;
  /** Bursty loss on top of `loss`. */
  readonly burst?: GilbertElliott;
  /** Serialization rate in bits per second; 0 or absent means unlimited. */
  readonly rate?: number;
  /** Queue limit in bytes, counting what is still being serialized ahead of a datagram (tail drop); only with a rate. */
  readonly queue?: number;
  /** Largest IP datagram the link carries; larger ones are dropped (no fragmentation in the simulator). */
  readonly mtu: number;
  /** When false (the default), jitter never reorders packets: each arrives no earlier than the one before. */
  readonly reorder: boolean;
  /** When true the link is down: everything sent on it is dropped ("link down"). */
  readonly down?: boolean;
}

export const DEFAULT_LINK: LinkDirection = { delay: 1000, jitter: 0, loss: 0, mtu: 1500, reorder: false };

export function linkDirection(partial: Partial<LinkDirection> = {}): LinkDirection {
  return { ...DEFAULT_LINK, ...partial };
}
