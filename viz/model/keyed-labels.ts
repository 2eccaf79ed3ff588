import type { DissectedPacket } from '../../sim/dissect/types.ts';
import { LabelCache } from './labels.ts';

/**
 * Labels of a capture opened with keys: hops the worker has dissected with the key log and their flow's state
 * (decrypted DTLS records, SRTP) read as that dissection; every other hop as the stateless one. The packet detail
 * asks for it, so the decrypted layers show where the stateless dissection sees only ciphertext.
 */
export class KeyedLabels extends LabelCache {
  private readonly keyed = new Map<number, DissectedPacket>();

  has(i: number): boolean {
    return this.keyed.has(i);
  }

  set(i: number, d: DissectedPacket): void {
    if (this.keyed.size >= 1000) this.keyed.clear();
    this.keyed.set(i, d);
  }

  override dissect(i: number, spans = true): DissectedPacket | undefined {
    return this.keyed.get(i) ?? super.dissect(i, spans);
  }
}
