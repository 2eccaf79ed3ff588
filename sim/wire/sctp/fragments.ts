import type { DataChunk } from './chunk.ts';

/**
 * RFC 9260 §6.9: the fragments of a user message have consecutive TSNs on one stream, B set on the first and E on
 * the last. With `chunk` just added to `held` (fragments by TSN), returns the whole message's fragments in TSN order
 * when they are all there, else undefined. At most `limit` TSNs are walked each way (a hostile peer's run of
 * fragments cannot make one call long). The caller removes the fragments it takes from `held`.
 */
export function completeMessage(held: ReadonlyMap<number, { readonly chunk: DataChunk }>, chunk: DataChunk, limit = Infinity): DataChunk[] | undefined {
  let first = chunk.tsn;
  for (let k = 0; k < limit; k++) {
    const f = held.get(first);
    if (!f || f.chunk.streamId !== chunk.streamId) return undefined;
    if (f.chunk.beginning) break;
    first = (first - 1) >>> 0;
  }
  const parts: DataChunk[] = [];
  let tsn = first;
  for (let k = 0; k < limit; k++) {
    const f = held.get(tsn);
    if (!f || f.chunk.streamId !== chunk.streamId || (k > 0 && f.chunk.beginning)) return undefined;
    parts.push(f.chunk);
    if (f.chunk.ending) return parts;
    tsn = (tsn + 1) >>> 0;
  }
  return undefined;
}

/** The user data of a message's fragments joined in order. */
export function joinUserData(parts: readonly DataChunk[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.userData.length;
  const bytes = new Uint8Array(size);
  let o = 0;
  for (const p of parts) {
    bytes.set(p.userData, o);
    o += p.userData.length;
  }
  return bytes;
}
