import { toHex } from '../core/encoding.ts';
import { parseKeyLog, type KeyLogProblem } from '../dtls/crypto/keylog.ts';

/**
 * Key material for decryption, from NSS key log text (a file, or a pcapng Decryption Secrets Block): the TLS 1.2
 * `CLIENT_RANDOM <client random> <master secret>` lines, looked up by client random.
 */
export class KeyStore {
  private readonly masters = new Map<string, Uint8Array>();
  /** Lines of other kinds (DTLS 1.3 traffic secrets …), kept by label and client random for later use. */
  private readonly others = new Map<string, Uint8Array>();
  readonly problems: KeyLogProblem[] = [];

  /** Adds key log lines; returns how many entries were usable. */
  addKeyLog(text: string): number {
    const { entries, problems } = parseKeyLog(text);
    this.problems.push(...problems);
    for (const e of entries) {
      const cr = toHex(e.clientRandom);
      if (e.label === 'CLIENT_RANDOM') this.masters.set(cr, e.secret);
      else this.others.set(`${e.label} ${cr}`, e.secret);
    }
    return entries.length;
  }

  get size(): number {
    return this.masters.size + this.others.size;
  }

  /** The TLS 1.2 master secret logged for this client random. */
  masterSecret(clientRandom: Uint8Array): Uint8Array | undefined {
    return this.masters.get(toHex(clientRandom));
  }

  /** A secret of another label (CLIENT_HANDSHAKE_TRAFFIC_SECRET …) for this client random. */
  secret(label: string, clientRandom: Uint8Array): Uint8Array | undefined {
    return this.others.get(`${label} ${toHex(clientRandom)}`);
  }
}
