import type { TransportAddress } from '../core/endpoint.ts';
import type { Rng } from '../core/rng.ts';
import { BRANCH_MAGIC, formatVia, parseNameAddr, parseVia } from '../wire/sip/headers.ts';
import { sipHeader, sipHeaderValues, type SipHeader, type SipMessage } from '../wire/sip/message.ts';

/** Builders for the messages a UA and a registrar send (RFC 3261 §8.1.1, §8.2.6, §17.1.1.3). */

const HEX = '0123456789abcdef';

/** `n` random hex digits from the endpoint's own stream. */
export function randomHex(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += HEX[rng.int(0, 16)];
  return s;
}

/** RFC 3261 §8.1.1.7: a branch unique to the transaction, starting with the magic cookie. */
export const newBranch = (rng: Rng): string => `${BRANCH_MAGIC}${randomHex(rng, 16)}`;

/** A host:port as a Via sent-by or URI host part writes it. */
export const hostPort = (a: TransportAddress): string => (a.ip.includes(':') ? `[${a.ip}]:${a.port}` : `${a.ip}:${a.port}`);

export interface RequestInit {
  readonly method: string;
  readonly uri: string;
  readonly local: TransportAddress;
  /** The Via transport (RFC 3261 §18.1.1, §20.42): UDP unless the request goes over a stream. */
  readonly transport?: 'UDP' | 'TCP';
  readonly branch: string;
  readonly from: string;
  readonly to: string;
  readonly callId: string;
  readonly cseq: number;
  readonly contact?: string;
  readonly extra?: readonly SipHeader[];
  readonly body?: { readonly type: string; readonly bytes: Uint8Array };
  readonly userAgent?: string;
}

/** A request with the six headers every request has (RFC 3261 §8.1.1), Via asking for rport (RFC 3581 §3). */
export function buildRequest(r: RequestInit): SipMessage {
  const headers: SipHeader[] = [
    { name: 'Via', value: formatVia({ transport: r.transport ?? 'UDP', host: r.local.ip, port: r.local.port, params: new Map([['branch', r.branch], ['rport', undefined]]) }) },
    { name: 'Max-Forwards', value: '70' },
    { name: 'From', value: r.from },
    { name: 'To', value: r.to },
    { name: 'Call-ID', value: r.callId },
    { name: 'CSeq', value: `${r.cseq} ${r.method}` },
  ];
  if (r.contact) headers.push({ name: 'Contact', value: r.contact });
  headers.push(...(r.extra ?? []));
  if (r.userAgent) headers.push({ name: 'User-Agent', value: r.userAgent });
  if (r.body) headers.push({ name: 'Content-Type', value: r.body.type });
  return { start: { kind: 'request', method: r.method, uri: r.uri, version: 'SIP/2.0' }, headers, body: r.body?.bytes ?? new Uint8Array(0) };
}

/**
 * A response to a request (RFC 3261 §8.2.6.2): its Via headers, From, Call-ID and CSeq copied, To with `toTag` added
 * when it has none (not on a 100, §8.2.6.2), then `extra` and a body.
 */
export function buildResponse(req: SipMessage, status: number, reason: string, o: { toTag?: string; extra?: readonly SipHeader[]; body?: { type: string; bytes: Uint8Array }; server?: string } = {}): SipMessage {
  const headers: SipHeader[] = req.headers.filter((h) => h.name === 'Via').map((h) => ({ ...h }));
  headers.push({ name: 'From', value: sipHeader(req, 'From') ?? '' });
  let to = sipHeader(req, 'To') ?? '';
  const parsed = parseNameAddr(to);
  if (o.toTag && status > 100 && typeof parsed !== 'string' && parsed.tag === undefined) to = `${to};tag=${o.toTag}`;
  headers.push({ name: 'To', value: to });
  headers.push({ name: 'Call-ID', value: sipHeader(req, 'Call-ID') ?? '' });
  headers.push({ name: 'CSeq', value: sipHeader(req, 'CSeq') ?? '' });
  // §12.1.1: a response that can make a dialog (a 1xx with a tag or a 2xx to INVITE) copies the Record-Route headers
  if (req.start.kind === 'request' && req.start.method === 'INVITE' && status > 100 && status < 300) headers.push(...req.headers.filter((h) => h.name === 'Record-Route').map((h) => ({ ...h })));
  headers.push(...(o.extra ?? []));
  if (o.server) headers.push({ name: 'Server', value: o.server });
  if (o.body) headers.push({ name: 'Content-Type', value: o.body.type });
  return { start: { kind: 'response', version: 'SIP/2.0', status, reason }, headers, body: o.body?.bytes ?? new Uint8Array(0) };
}

/**
 * RFC 3261 §18.2.1 and RFC 3581 §4: the server stamps the top Via with `received` when the source address differs
 * from sent-by and fills an empty `rport` with the source port; the response goes back to that source.
 */
export function stampVia(req: SipMessage, source: TransportAddress): SipMessage {
  const first = req.headers.findIndex((h) => h.name === 'Via');
  const values = first < 0 ? [] : sipHeaderValues({ headers: [req.headers[first]!] }, 'Via');
  const top = values[0] === undefined ? undefined : parseVia(values[0]);
  if (!top || typeof top === 'string') return req;
  const params = new Map(top.params);
  if (top.host !== source.ip || params.has('rport')) params.set('received', source.ip);
  if (params.has('rport')) params.set('rport', String(source.port));
  const stamped = [formatVia({ transport: top.transport, host: top.host, ...(top.port !== undefined ? { port: top.port } : {}), params }), ...values.slice(1)].join(', ');
  const headers = req.headers.map((h, i) => (i === first ? { name: 'Via', value: stamped } : h));
  return { ...req, headers };
}

/** Status reason phrases RFC 3261 §21 suggests. */
export const REASONS: Readonly<Record<number, string>> = {
  100: 'Trying',
  180: 'Ringing',
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  420: 'Bad Extension',
  481: 'Call/Transaction Does Not Exist',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  491: 'Request Pending',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  603: 'Decline',
};
