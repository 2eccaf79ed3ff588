import type { Field, Problem } from '../field.ts';
import type { SdpCandidate, SdpExtmap, SdpFingerprint, SdpFmtp, SdpGroup, SdpRtpmap, SdpSetup, SdpSsrc } from './types.ts';

/**
 * Parsers for the attribute values WebRTC relies on. Each gets the value text and the absolute byte offset of its
 * first character, and returns the parsed value (undefined when unusable), child fields for the value's tokens,
 * and problems. Offsets of tokens are byte offsets: `Token.offset` accounts for multi-byte UTF-8 characters.
 */
export interface Parsed<T> {
  readonly value: T | undefined;
  readonly fields: Field[];
  readonly problems: Problem[];
}

export interface Token {
  readonly text: string;
  readonly offset: number;
  readonly length: number;
}

/** UTF-8 byte length of a string (ASCII fast path). */
export function byteLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Splits on runs of spaces (RFC 8866 §9 separates with a single SP; tabs and doubled spaces are tolerated). */
export function tokens(text: string, offset: number, sep = /[ \t]+/g): Token[] {
  const out: Token[] = [];
  let at = 0;
  let bytes = offset;
  const push = (end: number): void => {
    const t = text.slice(at, end);
    if (t) out.push({ text: t, offset: bytes, length: byteLength(t) });
  };
  for (const m of text.matchAll(sep)) {
    push(m.index);
    bytes += byteLength(text.slice(at, m.index + m[0].length));
    at = m.index + m[0].length;
  }
  push(text.length);
  return out;
}

const field = (name: string, t: Token, display = t.text): Field => ({ name, offset: t.offset, length: t.length, display });
const problemAt = (t: { offset: number; length: number }, message: string): Problem => ({ offset: t.offset, length: t.length, message });

function uint(t: Token | undefined, max: number): number | undefined {
  if (!t || !/^\d+$/.test(t.text)) return undefined;
  const v = Number(t.text);
  return v <= max ? v : undefined;
}

/** RFC 8839 §5.1 candidate-attribute (the text after "candidate:"). */
export function parseCandidate(text: string, offset: number): Parsed<SdpCandidate> {
  const t = tokens(text, offset);
  const fields: Field[] = [];
  const problems: Problem[] = [];
  const whole = { offset, length: byteLength(text) };
  const names = ['foundation', 'component-id', 'transport', 'priority', 'connection-address', 'port'];
  t.slice(0, 6).forEach((x, i) => fields.push(field(names[i]!, x)));
  if (t.length < 8 || t[6]!.text !== 'typ') {
    problems.push(problemAt(whole, `candidate needs <foundation> <component> <transport> <priority> <address> <port> typ <type> (RFC 8839 §5.1): ${JSON.stringify(text)}`));
    return { value: undefined, fields, problems };
  }
  const [foundation, component, transport, priority, address, port, , type] = t as [Token, Token, Token, Token, Token, Token, Token, Token];
  fields.push(field('cand-type', type));
  if (!/^[A-Za-z0-9+/]{1,32}$/.test(foundation.text)) problems.push(problemAt(foundation, `foundation ${JSON.stringify(foundation.text)} is not 1–32 ice-chars (RFC 8839 §5.1)`));
  const comp = uint(component, 256);
  if (comp === undefined || comp < 1) problems.push(problemAt(component, `component-id ${component.text} is not 1–256 (RFC 8839 §5.1)`));
  const prio = uint(priority, 0xffffffff);
  if (prio === undefined || prio < 1) problems.push(problemAt(priority, `priority ${priority.text} is not 1–(2^31−1) (RFC 8445 §5.1.2)`));
  const p = uint(port, 65535);
  if (p === undefined) problems.push(problemAt(port, `port ${port.text} is not 0–65535`));
  const tr = transport.text.toLowerCase();
  if (tr !== 'udp' && tr !== 'tcp') problems.push(problemAt(transport, `transport ${transport.text} is neither UDP nor TCP`));
  if (!['host', 'srflx', 'prflx', 'relay'].includes(type.text)) problems.push(problemAt(type, `candidate type ${type.text} is not host, srflx, prflx or relay (RFC 8839 §5.1)`));
  let relatedAddress: string | undefined;
  let relatedPort: number | undefined;
  let tcpType: string | undefined;
  const extensions: [string, string][] = [];
  for (let i = 8; i < t.length; i += 2) {
    const name = t[i]!;
    const value = t[i + 1];
    if (!value) {
      problems.push(problemAt(name, `extension ${name.text} has no value (RFC 8839 §5.1 pairs name and value)`));
      break;
    }
    if (name.text === 'raddr') {
      relatedAddress = value.text;
      fields.push(field('rel-addr', value));
    } else if (name.text === 'rport') {
      relatedPort = uint(value, 65535);
      if (relatedPort === undefined) problems.push(problemAt(value, `rport ${value.text} is not 0–65535`));
      fields.push(field('rel-port', value));
    } else if (name.text === 'tcptype') {
      tcpType = value.text;
      fields.push(field('tcptype', value));
    } else {
      extensions.push([name.text, value.text]);
      fields.push({ name: name.text, offset: name.offset, length: value.offset + value.length - name.offset, display: value.text });
    }
  }
  if ((type.text === 'srflx' || type.text === 'prflx' || type.text === 'relay') && relatedAddress === undefined) {
    problems.push(problemAt(type, `a ${type.text} candidate should carry raddr/rport (RFC 8839 §5.1)`));
  }
  const value: SdpCandidate = {
    foundation: foundation.text,
    component: comp ?? 0,
    transport: tr,
    priority: prio ?? 0,
    address: address.text,
    port: p ?? 0,
    type: type.text,
    ...(relatedAddress !== undefined ? { relatedAddress } : {}),
    ...(relatedPort !== undefined ? { relatedPort } : {}),
    ...(tcpType !== undefined ? { tcpType } : {}),
    extensions,
  };
  return { value, fields, problems };
}

/** RFC 8122 §5 fingerprint-attribute: hash function token, then upper-case hex pairs separated by colons. */
export function parseFingerprint(text: string, offset: number): Parsed<SdpFingerprint> {
  const t = tokens(text, offset);
  const [hash, hex] = t;
  const problems: Problem[] = [];
  const fields: Field[] = [];
  if (!hash || !hex || t.length !== 2) {
    return { value: undefined, fields, problems: [problemAt({ offset, length: byteLength(text) }, `fingerprint needs <hash-func> <fingerprint> (RFC 8122 §5): ${JSON.stringify(text)}`)] };
  }
  fields.push(field('hash-func', hash), field('fingerprint', hex));
  const pairs = hex.text.split(':');
  if (!pairs.every((p) => /^[0-9A-Fa-f]{2}$/.test(p))) {
    problems.push(problemAt(hex, 'fingerprint is not colon-separated pairs of hex digits (RFC 8122 §5)'));
    return { value: undefined, fields, problems };
  }
  const fingerprint = Uint8Array.from(pairs, (p) => parseInt(p, 16));
  const hashFunction = hash.text.toLowerCase();
  const sizes: Record<string, number> = { 'sha-1': 20, 'sha-224': 28, 'sha-256': 32, 'sha-384': 48, 'sha-512': 64, md5: 16, md2: 16 };
  const want = sizes[hashFunction];
  if (want !== undefined && want !== fingerprint.length) problems.push(problemAt(hex, `a ${hashFunction} fingerprint has ${want} bytes, this one ${fingerprint.length}`));
  return { value: { hashFunction, fingerprint }, fields, problems };
}

/** RFC 4145 §4 (RFC 8842 §5.1 for DTLS): the setup attribute. */
export function parseSetup(text: string, offset: number): Parsed<SdpSetup> {
  const t = { offset, length: byteLength(text) };
  if (text === 'active' || text === 'passive' || text === 'actpass' || text === 'holdconn') return { value: text, fields: [], problems: [] };
  return { value: undefined, fields: [], problems: [problemAt(t, `setup ${JSON.stringify(text)} is not active, passive, actpass or holdconn (RFC 4145 §4)`)] };
}

/** RFC 8866 §6.6 rtpmap. */
export function parseRtpmap(text: string, offset: number): Parsed<SdpRtpmap> {
  const t = tokens(text, offset);
  const [pt, enc] = t;
  const fields: Field[] = [];
  if (!pt || !enc || t.length !== 2) return { value: undefined, fields, problems: [problemAt({ offset, length: byteLength(text) }, `rtpmap needs <payload type> <encoding name>/<clock rate> (RFC 8866 §6.6): ${JSON.stringify(text)}`)] };
  fields.push(field('payload type', pt), field('encoding', enc));
  const payloadType = uint(pt, 127);
  const parts = enc.text.split('/');
  const clockRate = parts[1] !== undefined && /^\d+$/.test(parts[1]) ? Number(parts[1]) : undefined;
  const problems: Problem[] = [];
  if (payloadType === undefined) problems.push(problemAt(pt, `payload type ${pt.text} is not 0–127 (RFC 3550 §5.1)`));
  if (clockRate === undefined) problems.push(problemAt(enc, `${enc.text} has no numeric clock rate (RFC 8866 §6.6)`));
  if (payloadType === undefined || clockRate === undefined) return { value: undefined, fields, problems };
  return { value: { payloadType, encodingName: parts[0]!, clockRate, ...(parts[2] !== undefined ? { encodingParameters: parts.slice(2).join('/') } : {}) }, fields, problems };
}

/** RFC 8866 §6.15 fmtp; the parameters are split on ";" into key=value pairs (the usual shape, RFC 7587 …). */
export function parseFmtp(text: string, offset: number): Parsed<SdpFmtp> {
  const sp = text.indexOf(' ');
  if (sp <= 0) return { value: undefined, fields: [], problems: [problemAt({ offset, length: byteLength(text) }, `fmtp needs <format> <parameters> (RFC 8866 §6.15): ${JSON.stringify(text)}`)] };
  const format = text.slice(0, sp);
  const parameters = text.slice(sp + 1).trim();
  const pairs = parameters
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p)
    .map((p): [string, string] => {
      const eq = p.indexOf('=');
      return eq < 0 ? [p, ''] : [p.slice(0, eq).trim(), p.slice(eq + 1).trim()];
    });
  const pOffset = offset + byteLength(text.slice(0, sp + 1));
  const fields: Field[] = [
    { name: 'format', offset, length: byteLength(format), display: format },
    { name: 'parameters', offset: pOffset, length: byteLength(text.slice(sp + 1)), display: parameters },
  ];
  return { value: { format, parameters, pairs }, fields, problems: [] };
}

/** RFC 8285 §8 extmap. */
export function parseExtmap(text: string, offset: number): Parsed<SdpExtmap> {
  const t = tokens(text, offset);
  const [idDir, uri] = t;
  if (!idDir || !uri) return { value: undefined, fields: [], problems: [problemAt({ offset, length: byteLength(text) }, `extmap needs <id>[/<direction>] <URI> (RFC 8285 §8): ${JSON.stringify(text)}`)] };
  const [idText, direction] = idDir.text.split('/');
  const fields = [field('id', idDir), field('uri', uri)];
  const problems: Problem[] = [];
  const id = idText !== undefined && /^\d+$/.test(idText) ? Number(idText) : undefined;
  // RFC 8285 §5: 1–14 for one-byte headers, up to 255 with two-byte headers; 15 is reserved
  if (id === undefined || id < 1 || id > 255 || id === 15) problems.push(problemAt(idDir, `extmap id ${idText} is not 1–14 or 16–255 (RFC 8285 §5, §8)`));
  if (direction !== undefined && !['sendrecv', 'sendonly', 'recvonly', 'inactive'].includes(direction)) problems.push(problemAt(idDir, `extmap direction ${direction} is not a direction (RFC 8285 §8)`));
  if (id === undefined) return { value: undefined, fields, problems };
  const rest = t.slice(2).map((x) => x.text).join(' ');
  return { value: { id, uri: uri.text, ...(direction !== undefined ? { direction } : {}), ...(rest ? { attributes: rest } : {}) }, fields, problems };
}

/** RFC 5576 §4.1 ssrc. */
export function parseSsrc(text: string, offset: number): Parsed<SdpSsrc> {
  const sp = text.indexOf(' ');
  const id = sp < 0 ? text : text.slice(0, sp);
  const rest = sp < 0 ? '' : text.slice(sp + 1);
  const fields: Field[] = [{ name: 'ssrc-id', offset, length: byteLength(id), display: id }];
  if (!/^\d+$/.test(id) || Number(id) > 0xffffffff || !rest) {
    return { value: undefined, fields, problems: [problemAt({ offset, length: byteLength(text) }, `ssrc needs <ssrc-id> <attribute>[:<value>] with a 32-bit id (RFC 5576 §4.1): ${JSON.stringify(text)}`)] };
  }
  const colon = rest.indexOf(':');
  const attribute = colon < 0 ? rest : rest.slice(0, colon);
  fields.push({ name: 'attribute', offset: offset + byteLength(id) + 1, length: byteLength(rest), display: rest });
  return { value: { ssrc: Number(id), attribute, ...(colon >= 0 ? { value: rest.slice(colon + 1) } : {}) }, fields, problems: [] };
}

/** RFC 5888 §5 group. */
export function parseGroup(text: string, offset: number): Parsed<SdpGroup> {
  const t = tokens(text, offset);
  const [semantics, ...mids] = t;
  if (!semantics) return { value: undefined, fields: [], problems: [problemAt({ offset, length: 0 }, 'group has no semantics (RFC 5888 §5)')] };
  const fields = [field('semantics', semantics), ...mids.map((m) => field('identification-tag', m))];
  return { value: { semantics: semantics.text, mids: mids.map((m) => m.text) }, fields, problems: [] };
}
