import { toHex } from '../core/encoding.ts';
import { parseKeyLog, type KeyLogProblem } from '../crypto/keylog.ts';

/**
 * Key material for decryption, from NSS key log text (a file, or a pcapng Decryption Secrets Block), looked up by
 * client random: the TLS 1.2 `CLIENT_RANDOM <client random> <master secret>` lines, and the TLS 1.3 secrets that
 * TLS 1.3 and DTLS 1.3 use (`CLIENT_HANDSHAKE_TRAFFIC_SECRET`, `SERVER_HANDSHAKE_TRAFFIC_SECRET`,
 * `CLIENT_TRAFFIC_SECRET_0`, `SERVER_TRAFFIC_SECRET_0`, `EXPORTER_SECRET`).
 */
export class KeyStore {
  private readonly masters = new Map<string, Uint8Array>();
  /** Lines of other kinds (TLS 1.3 / DTLS 1.3 traffic secrets …), kept by label and client random. */
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
