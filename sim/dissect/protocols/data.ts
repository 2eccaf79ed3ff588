import type { Problem } from '../../wire/field.ts';
import { defineProtocol } from '../table.ts';
import type { Layer } from '../types.ts';

declare module '../types.ts' {
  interface LayerValues {
    /** Bytes no dissector read (or decrypted application data): the bytes themselves. */
    DATA: Uint8Array;
  }
}

/** Bytes no registered dissector claims: shown as data, with why they were not read as something else. */
export const DATA = defineProtocol({
  name: 'DATA',
  description: 'Bytes no dissector reads, or a protocol the dissector does not decode (SCTP inside DTLS, ZRTP)',
  viz: { class: 'IP' },
});

export function dataLayer(payload: Uint8Array, offset: number, why?: string, problems: readonly Problem[] = []): Layer {
  return {
    protocol: 'DATA',
    offset,
    length: payload.length,
    summary: `${payload.length} bytes of data`,
    fields: payload.length ? [{ name: 'data', offset, length: payload.length, display: `${payload.length} bytes` }] : [],
    problems,
    ...(why ? { classification: why } : {}),
    value: payload,
  };
}
