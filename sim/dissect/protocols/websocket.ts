import { toHex } from '../../core/encoding.ts';
import { opcodeName, type WebSocketFrame } from '../../wire/websocket/frame.ts';
import { defineProtocol } from '../table.ts';

declare module '../types.ts' {
  interface LayerValues {
    WEBSOCKET: WebSocketFrame;
  }
}

/** WebSocket frames (RFC 6455 §5) after an HTTP upgrade: the stream's mode changes on the 101 (tcp-app.ts). */
export const WEBSOCKET = defineProtocol({
  name: 'WEBSOCKET',
  description: 'WebSocket frames (RFC 6455 §5), unmasked and joined into messages, after an HTTP/1.1 upgrade',
  viz: { class: 'TCP' },
  json: (f, _l, base) =>
    Object.assign(base, {
      fin: f.fin,
      opcode: f.opcode,
      opcodeName: opcodeName(f.opcode),
      masked: f.masked,
      ...(f.maskingKey ? { maskingKey: toHex(f.maskingKey) } : {}),
      payloadLength: f.payloadLength,
      ...(f.rsv ? { rsv: f.rsv } : {}),
      ...(f.closeCode !== undefined ? { closeCode: f.closeCode, closeReason: f.closeReason ?? '' } : {}),
    }),
});
