/**
 * RFC 3711 §3.3.1 and Appendix A: the 48-bit SRTP packet index i = 2^16 · ROC + SEQ, with the receiver
 * guessing the rollover counter of each packet from the highest sequence number seen so far (s_l).
 */
export interface RolloverState {
  /** Rollover counter: how many times SEQ has wrapped (32 bits). */
  roc: number;
  /** s_l: the highest sequence number received (or sent) so far. */
  highestSeq: number;
}

export const packetIndex = (roc: number, seq: number): number => roc * 65536 + seq;

/** Appendix A: the ROC guess v for SEQ given s_l and ROC; -1 means "before ROC 0", a packet older than the stream. */
export function estimateRoc(state: RolloverState, seq: number): number {
  const { roc, highestSeq: sl } = state;
  if (sl < 32768) {
    if (seq - sl > 32768) return roc - 1;
    return roc;
  }
  if (sl - 32768 > seq) return (roc + 1) >>> 0;
  return roc;
}

/** Appendix A: after the packet authenticated, advance s_l / ROC if it is newer. */
export function updateRollover(state: RolloverState, seq: number, v: number): void {
  if (v === ((state.roc + 1) >>> 0)) {
    state.roc = v;
    state.highestSeq = seq;
  } else if (v === state.roc && seq > state.highestSeq) {
    state.highestSeq = seq;
  }
}
