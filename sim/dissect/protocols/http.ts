import { looksLikeHttp, type HttpMessage } from '../../wire/http/http.ts';
import { defineProtocol } from '../table.ts';

declare module '../types.ts' {
  interface LayerValues {
    HTTP: HttpMessage;
  }
}

export const HTTP = defineProtocol({
  name: 'HTTP',
  description: 'HTTP/1.1 messages (RFC 9112) on a TCP stream or inside TLS: WHIP/WHEP, the WebSocket upgrade (RFC 6455 §4)',
  viz: { class: 'TCP' },
  json: (m, _l, base) => {
    const s = m.start;
    const start = s.kind === 'request' ? { method: s.method, target: s.target, version: s.version } : { version: s.version, status: s.status, reason: s.reason };
    return Object.assign(base, { ...start, headers: m.headers.map((h) => ({ name: h.name, value: h.value })), bodyLength: m.body.length, framing: m.framing });
  },
  // RFC 9112 §3: a request line (a method token) or a status line ("HTTP/") at the start of the stream
  on: [{ table: 'tcp.stream', recogniser: { order: 10, recognise: (b) => (looksLikeHttp(b) ? 'http' : undefined) } }],
});
