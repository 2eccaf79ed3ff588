import { defineProtocol } from '../table.ts';
import { payloadWhy } from '../udp-payload.ts';
import { dataLayer } from './data.ts';

declare module '../types.ts' {
  interface LayerValues {
    /** Recognised (RFC 7983 §7) but not decoded: no layer carries this name; the payload is a DATA layer. */
    ZRTP: Uint8Array;
  }
}

/**
 * ZRTP (RFC 6189), which RFC 7983 §7 gives first bytes 16–19: recognised so the visualizer can colour it, not
 * decoded (WebRTC never uses it): its payload is a DATA layer that says why.
 */
export const ZRTP = defineProtocol({
  name: 'ZRTP',
  description: 'ZRTP (RFC 6189): recognised by its first byte (RFC 7983 §7), shown as data',
  viz: { class: 'ZRTP', colour: '#b5b5b5' },
  on: [{ table: 'udp.rfc7983', key: 'zrtp', dissect: (out, payload, offset) => out.push(dataLayer(payload, offset, payloadWhy(payload))) }],
});
