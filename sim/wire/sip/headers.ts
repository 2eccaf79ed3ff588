import { splitTopLevel } from './message.ts';

/**
 * The structured SIP headers (RFC 3261 §20, §25.1): Via with its branch, received and rport (RFC 3581), the
 * name-addr of From/To/Contact with its tag and parameters, CSeq, SIP URIs and the digest parameters of
 * WWW-Authenticate and Authorization (RFC 3261 §22.4, RFC 7616). Each parser answers a value or a message saying
 * what is wrong; none throws.
 */

/** RFC 3261 §8.1.1.7: a branch that starts with this was made by an RFC 3261 element (unique per transaction). */
export const BRANCH_MAGIC = 'z9hG4bK';

/** Header parameters in order: a name (lower-cased) and its value, undefined for a flag (";rport", ";lr"). */
export type SipParams = ReadonlyMap<string, string | undefined>;

export interface SipVia {
  /** "SIP" */
  readonly protocol: string;
  readonly version: string;
  /** "UDP", "TCP", "TLS", "WS" … */
  readonly transport: string;
  readonly host: string;
  readonly port?: number;
  readonly params: SipParams;
  readonly branch?: string;
  /** RFC 3261 §18.2.1: the address the request was received from, when it differs from sent-by. */
  readonly received?: string;
  /** RFC 3581 §4: the source port the request came from (a value), or asked for (a flag: `null`). */
  readonly rport?: number | null;
}

export interface SipUri {
  readonly scheme: 'sip' | 'sips';
  readonly user?: string;
  readonly password?: string;
  readonly host: string;
  readonly port?: number;
  readonly params: SipParams;
}

export interface SipNameAddr {
  readonly display?: string;
  /** The URI as written (inside the angle brackets when there are any). */
  readonly uri: string;
  /** The header parameters after the address (tag, expires, q …). */
  readonly params: SipParams;
  readonly tag?: string;
}

export interface SipCSeq {
  readonly seq: number;
  readonly method: string;
}

export interface SipChallenge {
  /** "Digest" */
  readonly scheme: string;
  /** Parameter names lower-cased, values unquoted. */
  readonly params: ReadonlyMap<string, string>;
}

/** Parameters after the first ';' of `text` (RFC 3261 §25.1 generic-param), values unquoted. */
export function parseParams(text: string): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const p of splitTopLevel(text, ';')) {
    const eq = p.indexOf('=');
    if (eq < 0) out.set(p.trim().toLowerCase(), undefined);
    else out.set(p.slice(0, eq).trim().toLowerCase(), unquote(p.slice(eq + 1).trim()));
  }
  return out;
}

export function formatParams(params: SipParams): string {
  let s = '';
  for (const [k, v] of params) s += v === undefined ? `;${k}` : `;${k}=${v}`;
  return s;
}

function unquote(v: string): string {
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v;
}

/** host[:port], IPv6 references in brackets (RFC 3261 §25.1 hostport). */
function parseHostPort(text: string): { host: string; port?: number } | string {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-.]+)(?::(\d{1,5}))?$/.exec(text);
  if (!m) return `${JSON.stringify(text)} is not host[:port] (RFC 3261 §25.1)`;
  if (m[2] !== undefined && (Number(m[2]) === 0 || Number(m[2]) > 65535)) return `port ${m[2]} is outside 1–65535`;
  return { host: m[1]!.replace(/^\[|\]$/g, ''), ...(m[2] !== undefined ? { port: Number(m[2]) } : {}) };
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** RFC 3261 §20.42: `SIP/2.0/UDP host:port;branch=…;received=…;rport=…`. */
export function parseVia(text: string): SipVia | string {
  const m = /^([A-Za-z0-9\-.!%*_+`'~]+)\s*\/\s*([A-Za-z0-9.]+)\s*\/\s*([A-Za-z0-9\-.!%*_+`'~]+)\s+([^;\s]+)\s*(;.*)?$/.exec(text.trim());
  if (!m) return `Via ${JSON.stringify(text)} is not "SIP/2.0/<transport> <host>[:port];params" (RFC 3261 §20.42)`;
  const hp = parseHostPort(m[4]!);
  if (typeof hp === 'string') return `Via sent-by ${hp}`;
  const params = parseParams(m[5] ?? '');
  const rp = params.get('rport');
  let rport: number | null | undefined;
  if (params.has('rport')) {
    if (rp === undefined) rport = null;
    else if (/^\d{1,5}$/.test(rp)) rport = Number(rp);
    else return `Via rport=${JSON.stringify(rp)} is not a port (RFC 3581 §4)`;
  }
  const branch = params.get('branch');
  const received = params.get('received');
  return {
    protocol: m[1]!,
    version: m[2]!,
    transport: m[3]!.toUpperCase(),
    ...hp,
    params,
    ...(branch !== undefined ? { branch } : {}),
    ...(received !== undefined ? { received } : {}),
    ...(rport !== undefined ? { rport } : {}),
  };
}

export function formatVia(v: { transport: string; host: string; port?: number; params: SipParams }): string {
  return `SIP/2.0/${v.transport} ${formatHost(v.host)}${v.port !== undefined ? `:${v.port}` : ''}${formatParams(v.params)}`;
}

/** RFC 3261 §19.1.1: `sip:user:password@host:port;uri-parameters?headers` (headers are kept out of `params`). */
export function parseSipUri(text: string): SipUri | string {
  const m = /^(sips?):(?:([^:@;?]+)(?::([^@;?]*))?@)?([^;?]+)(;[^?]*)?(\?.*)?$/i.exec(text.trim());
  if (!m) return `${JSON.stringify(text)} is not a SIP URI "sip:[user@]host[:port]" (RFC 3261 §19.1.1)`;
  const hp = parseHostPort(m[4]!);
  if (typeof hp === 'string') return `SIP URI host ${hp}`;
  return {
    scheme: m[1]!.toLowerCase() as 'sip' | 'sips',
    ...(m[2] !== undefined ? { user: decodeURIComponentSafe(m[2]) } : {}),
    ...(m[3] !== undefined ? { password: m[3] } : {}),
    ...hp,
    params: parseParams(m[5] ?? ''),
  };
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s; // a lone '%' is kept as written: the URI still names its user
  }
}

export function formatSipUri(u: { scheme?: 'sip' | 'sips'; user?: string; host: string; port?: number; params?: SipParams }): string {
  return `${u.scheme ?? 'sip'}:${u.user !== undefined ? `${u.user}@` : ''}${formatHost(u.host)}${u.port !== undefined ? `:${u.port}` : ''}${u.params ? formatParams(u.params) : ''}`;
}

/**
 * RFC 3261 §20.10, §20.20, §20.39: `"Display" <uri>;params` or a bare addr-spec `uri;params` (whose parameters are
 * then the header's, §20.10). "*" (a Contact removing every binding) is an addr-spec of its own.
 */
export function parseNameAddr(text: string): SipNameAddr | string {
  const t = text.trim();
  const lt = t.indexOf('<');
  let display: string | undefined;
  let uri: string;
  let rest: string;
  if (lt >= 0) {
    const gt = t.indexOf('>', lt);
    if (gt < 0) return `${JSON.stringify(t.slice(0, 60))}: "<" without ">" (RFC 3261 §25.1 name-addr)`;
    const d = t.slice(0, lt).trim();
    if (d) display = unquote(d);
    uri = t.slice(lt + 1, gt).trim();
    rest = t.slice(gt + 1).trim();
    if (rest && !rest.startsWith(';')) return `${JSON.stringify(t.slice(0, 60))}: text after ">" that is not a parameter`;
  } else {
    const semi = t.indexOf(';');
    uri = semi < 0 ? t : t.slice(0, semi);
    rest = semi < 0 ? '' : t.slice(semi);
    if (/[\s,?]/.test(uri)) return `${JSON.stringify(t.slice(0, 60))}: an addr-spec with spaces, "," or "?" must be in angle brackets (RFC 3261 §20.10)`;
  }
  if (uri !== '*' && !/^[A-Za-z][A-Za-z0-9+\-.]*:\S+$/.test(uri)) return `${JSON.stringify(uri)} is not an absolute URI (RFC 3261 §19.1)`;
  const params = parseParams(rest);
  const tag = params.get('tag');
  return { ...(display !== undefined ? { display } : {}), uri, params, ...(tag !== undefined ? { tag } : {}) };
}

export function formatNameAddr(a: { display?: string; uri: string; params?: SipParams }): string {
  const d = a.display !== undefined ? `"${a.display.replace(/["\\]/g, '\\$&')}" ` : '';
  return `${d}<${a.uri}>${a.params ? formatParams(a.params) : ''}`;
}

/** RFC 3261 §20.16: `<number> <method>`. */
export function parseCSeq(text: string): SipCSeq | string {
  const m = /^(\d{1,10})\s+([A-Za-z0-9\-.!%*_+`'~]+)$/.exec(text.trim());
  if (!m || Number(m[1]) >= 2 ** 31) return `CSeq ${JSON.stringify(text)} is not "<number below 2^31> <method>" (RFC 3261 §8.1.1.5)`;
  return { seq: Number(m[1]), method: m[2]! };
}

/**
 * RFC 3261 §25.1 challenge / credentials (RFC 7616 §3.3, §3.4): `Digest realm="…", nonce="…", qop="auth"`.
 * Parameter values may be quoted strings holding commas.
 */
export function parseChallenge(text: string): SipChallenge | string {
  const m = /^\s*([A-Za-z0-9\-.!%*_+`'~]+)\s+(.*)$/s.exec(text);
  if (!m) return `${JSON.stringify(text.slice(0, 60))} is not "<scheme> <param>=<value>, …" (RFC 3261 §25.1 challenge)`;
  const params = new Map<string, string>();
  for (const p of splitTopLevel(m[2]!, ',')) {
    const eq = p.indexOf('=');
    if (eq <= 0) return `auth-param ${JSON.stringify(p.slice(0, 40))} has no "=" (RFC 7616 §3.3)`;
    const name = p.slice(0, eq).trim().toLowerCase();
    if (params.has(name)) return `auth-param ${name} appears twice (RFC 7616 §3.3)`;
    params.set(name, unquote(p.slice(eq + 1).trim()));
  }
  return { scheme: m[1]!, params };
}

/** Parameters RFC 7616 §3.3/§3.4 writes as tokens, not quoted strings. */
const UNQUOTED = new Set(['algorithm', 'stale', 'nc']);

/** Writes a challenge or credentials: token parameters bare, the others quoted (qop is a token in credentials). */
export function formatChallenge(scheme: string, params: readonly (readonly [string, string])[], credentials = false): string {
  return `${scheme} ${params.map(([k, v]) => (UNQUOTED.has(k) || (credentials && k === 'qop') ? `${k}=${v}` : `${k}="${v.replace(/["\\]/g, '\\$&')}"`)).join(', ')}`;
}
