import type { DissectedRecord } from '../wire/dtls/datagram.ts';
import type { DtlsRole } from '../wire/dtls/describe.ts';
import type { KeyStore } from './key-store.ts';
import type { PacketMeta } from './dissector.ts';
import type { Layer } from './types.ts';

/** What observing a DTLS datagram or unprotecting SRTP gives back: the layer (maybe enriched), extra layers, notes. */
export interface FlowOutput {
  readonly layer: Layer;
  readonly extra: readonly Layer[];
  readonly notes: readonly string[];
}

/** The DTLS association on one 5-tuple as seen from the wire. */
export class DtlsFlow {
  client: string | undefined;
  server: string | undefined;
  srtpProfileId: number | undefined;
  offersSrtp = false;

  constructor(readonly keys: KeyStore) {}

  roleOf(endpoint: string): DtlsRole | undefined {
    if (endpoint === this.client) return 'client';
    if (endpoint === this.server) return 'server';
    return undefined;
  }

  observe(src: string, dst: string, records: readonly DissectedRecord[], layer: Layer, _meta: PacketMeta): FlowOutput {
    for (const d of records) {
      if (d.content.kind !== 'handshake') continue;
      for (const m of d.content.messages) {
        if (m.body?.type === 'client_hello') {
          this.client = src;
          this.server = dst;
          if (m.body.extensions.some((e) => e.body.kind === 'use_srtp')) this.offersSrtp = true;
        }
        if (m.body?.type === 'server_hello') {
          for (const e of m.body.extensions) if (e.body.kind === 'use_srtp') this.srtpProfileId = e.body.profiles[0];
        }
      }
    }
    return { layer, extra: [], notes: [] };
  }

  unprotect(_src: string, _layer: Layer, _carrier: Layer | undefined): FlowOutput | undefined {
    return undefined;
  }
}
