import { utf8Decode, utf8Encode } from '../../core/encoding.ts';
import type { Decoded, Field, Problem } from '../field.ts';
import { byteLength, parseCandidate, parseExtmap, parseFingerprint, parseFmtp, parseGroup, parseRtpmap, parseSetup, parseSsrc, tokens, type Parsed } from './attributes.ts';
import type {
  SdpAttribute,
  SdpCandidate,
  SdpConnection,
  SdpDirection,
  SdpExtmap,
  SdpFingerprint,
  SdpFmtp,
  SdpGroup,
  SdpLine,
  SdpMedia,
  SdpOrigin,
  SdpRtpmap,
  SdpSetup,
  SdpSsrc,
  SessionDescription,
} from './types.ts';

/** The attributes of one level (session or media section) as they are read. */
class Level {
  readonly attributes: SdpAttribute[] = [];
  readonly fingerprints: SdpFingerprint[] = [];
  readonly candidates: SdpCandidate[] = [];
  readonly groups: SdpGroup[] = [];
  readonly extmaps: SdpExtmap[] = [];
  readonly rtpmaps: SdpRtpmap[] = [];
  readonly fmtps: SdpFmtp[] = [];
  readonly ssrcs: SdpSsrc[] = [];
  iceUfrag: string | undefined;
  icePwd: string | undefined;
  iceOptions: string[] | undefined;
  iceLite = false;
  setup: SdpSetup | undefined;
  direction: SdpDirection | undefined;
  endOfCandidates = false;
  mid: string | undefined;
  rtcpMux = false;
  connection: SdpConnection | undefined;

  values(): Omit<SdpMedia, 'media' | 'port' | 'proto' | 'formats' | 'offset' | 'length' | 'numberOfPorts'> {
    return {
      ...(this.iceUfrag !== undefined ? { iceUfrag: this.iceUfrag } : {}),
      ...(this.icePwd !== undefined ? { icePwd: this.icePwd } : {}),
      ...(this.iceOptions ? { iceOptions: this.iceOptions } : {}),
      iceLite: this.iceLite,
      fingerprints: this.fingerprints,
      ...(this.setup ? { setup: this.setup } : {}),
      ...(this.direction ? { direction: this.direction } : {}),
      candidates: this.candidates,
      endOfCandidates: this.endOfCandidates,
      groups: this.groups,
      extmaps: this.extmaps,
      ...(this.connection ? { connection: this.connection } : {}),
      ...(this.mid !== undefined ? { mid: this.mid } : {}),
      rtcpMux: this.rtcpMux,
      rtpmaps: this.rtpmaps,
      fmtps: this.fmtps,
      ssrcs: this.ssrcs,
      attributes: this.attributes,
    };
  }
}

interface MediaDraft {
  readonly level: Level;
  readonly media: string;
  readonly port: number;
  readonly numberOfPorts?: number;
  readonly proto: string;
  readonly formats: string[];
  readonly offset: number;
  end: number;
}

/** Session-level line types in the order RFC 8866 §5 requires them (v o s i u e p c b t r z k a, then m). */
const SESSION_ORDER = 'vosiuepcbtrzka';
/** Media-level line types in order (RFC 8866 §5: i c b k a after m). */
const MEDIA_ORDER = 'micbka';

const DIRECTIONS = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

/**
 * Decodes a session description (RFC 8866) from its bytes or text; never throws. Spans are byte offsets in the
 * UTF-8 text plus `base`. Lines may end in CRLF (the RFC) or LF alone (tolerated, RFC 8866 §5 asks parsers to).
 */
export function decodeSdp(input: Uint8Array | string, base = 0): Decoded<SessionDescription> {
  const bytes = typeof input === 'string' ? utf8Encode(input) : input;
  const fields: Field[] = [];
  const problems: Problem[] = [];
  const lines: SdpLine[] = [];
  const session = new Level();
  const media: MediaDraft[] = [];
  let version: number | undefined;
  let origin: SdpOrigin | undefined;
  let sessionName: string | undefined;
  let lastOrder = -1;
  let timing = false;
  let pos = 0;
  while (pos < bytes.length) {
    let nl = bytes.indexOf(0x0a, pos);
    if (nl < 0) nl = bytes.length;
    const end = nl > pos && bytes[nl - 1] === 0x0d ? nl - 1 : nl;
    const at = base + pos;
    const text = utf8Decode(bytes.subarray(pos, end));
    pos = nl + 1;
    if (text === '') {
      if (pos < bytes.length) problems.push({ offset: at, length: 0, message: 'empty line inside the description (RFC 8866 §5)' });
      continue;
    }
    if (!/^[a-z]=/.test(text)) {
      problems.push({ offset: at, length: byteLength(text), message: `not a <type>=<value> line (RFC 8866 §5): ${JSON.stringify(text.slice(0, 40))}` });
      fields.push({ name: 'unreadable line', offset: at, length: byteLength(text), display: text });
      continue;
    }
    const type = text[0]!;
    const value = text.slice(2);
    const line: SdpLine = { type, value, offset: at, length: byteLength(text) };
    lines.push(line);
    const valueAt = at + 2;
    const current = media[media.length - 1];
    const order = current ? MEDIA_ORDER : SESSION_ORDER;
    const rank = type === 'm' ? order.length : order.indexOf(type);
    if (rank < 0) problems.push({ offset: at, length: 1, message: `${type}= is not a ${current ? 'media' : 'session'}-level line (RFC 8866 §5)` });
    else if (rank < lastOrder && type !== 'm') problems.push({ offset: at, length: 1, message: `${type}= is out of order (RFC 8866 §5 fixes the order of lines)`, severity: 'warning' });
    lastOrder = type === 'm' ? MEDIA_ORDER.indexOf('m') : Math.max(lastOrder, rank);
    let children: Field[] = [];
    if (type === 'v') {
      version = /^\d+$/.test(value) ? Number(value) : undefined;
      if (version !== 0) problems.push({ offset: valueAt, length: line.length - 2, message: `version ${value} is not 0 (RFC 8866 §5.1)` });
      if (lines.length !== 1) problems.push({ offset: at, length: line.length, message: 'v= must be the first line (RFC 8866 §5)' });
    } else if (type === 'o') {
      const t = tokens(value, valueAt);
      const names = ['username', 'sess-id', 'sess-version', 'nettype', 'addrtype', 'unicast-address'];
      children = t.slice(0, 6).map((x, i) => ({ name: names[i]!, offset: x.offset, length: x.length, display: x.text }));
      if (t.length !== 6) problems.push({ offset: valueAt, length: line.length - 2, message: `o= needs 6 fields, has ${t.length} (RFC 8866 §5.2)` });
      else origin = { username: t[0]!.text, sessionId: t[1]!.text, sessionVersion: t[2]!.text, netType: t[3]!.text, addrType: t[4]!.text, address: t[5]!.text };
    } else if (type === 's') {
      sessionName = value;
      if (value === '') problems.push({ offset: at, length: line.length, message: 's= must not be empty (RFC 8866 §5.3; use "s=-")' });
    } else if (type === 't') {
      timing = true;
    } else if (type === 'c') {
      const t = tokens(value, valueAt);
      if (t.length !== 3) problems.push({ offset: valueAt, length: line.length - 2, message: `c= needs <nettype> <addrtype> <address> (RFC 8866 §5.7)` });
      else (current?.level ?? session).connection = { netType: t[0]!.text, addrType: t[1]!.text, address: t[2]!.text };
    } else if (type === 'm') {
      const t = tokens(value, valueAt);
      const [m, portText, proto, ...fmts] = t;
      children = t.slice(0, 3).map((x, i) => ({ name: ['media', 'port', 'proto'][i]!, offset: x.offset, length: x.length, display: x.text }));
      if (!m || !portText || !proto) {
        problems.push({ offset: at, length: line.length, message: 'm= needs <media> <port> <proto> <fmt> … (RFC 8866 §5.14)' });
      } else {
        const [p, n] = portText.text.split('/');
        const port = p !== undefined && /^\d+$/.test(p) && Number(p) <= 65535 ? Number(p) : undefined;
        if (port === undefined) problems.push({ offset: portText.offset, length: portText.length, message: `port ${portText.text} is not 0–65535` });
        if (current) current.end = at;
        media.push({ level: new Level(), media: m.text, port: port ?? 0, ...(n !== undefined ? { numberOfPorts: Number(n) } : {}), proto: proto.text, formats: fmts.map((f) => f.text), offset: at, end: base + bytes.length });
      }
    } else if (type === 'a') {
      children = attribute(current?.level ?? session, value, valueAt, at, line.length, !!current, problems);
    }
    const name = type === 'a' ? `a=${attrName(value)}` : `${type}=`;
    fields.push({ name, offset: at, length: line.length, display: value, ...(children.length ? { children } : {}) });
  }
  if (lines[0]?.type !== 'v') problems.push({ offset: base, length: 0, message: 'a session description starts with v=0 (RFC 8866 §5)' });
  if (!origin && lines.length) problems.push({ offset: base, length: 0, message: 'no o= line (RFC 8866 §5.2)' });
  if (sessionName === undefined && lines.length) problems.push({ offset: base, length: 0, message: 'no s= line (RFC 8866 §5.3)' });
  if (!timing && lines.length) problems.push({ offset: base, length: 0, message: 'no t= line (RFC 8866 §5.9)' });
  const value: SessionDescription = {
    ...(version !== undefined ? { version } : {}),
    ...(origin ? { origin } : {}),
    ...(sessionName !== undefined ? { sessionName } : {}),
    ...session.values(),
    attributes: session.attributes,
    media: media.map((m) => ({ ...m.level.values(), media: m.media, port: m.port, ...(m.numberOfPorts !== undefined ? { numberOfPorts: m.numberOfPorts } : {}), proto: m.proto, formats: m.formats, offset: m.offset, length: m.end - m.offset })),
    lines,
  };
  checkBundle(value, problems, base);
  return { value, fields, problems };
}

function attrName(value: string): string {
  const c = value.indexOf(':');
  return c < 0 ? value : value.slice(0, c);
}

/** Reads one a= line into its level; returns the child fields of its value. */
function attribute(level: Level, text: string, valueAt: number, lineAt: number, lineLength: number, inMedia: boolean, problems: Problem[]): Field[] {
  const colon = text.indexOf(':');
  const name = colon < 0 ? text : text.slice(0, colon);
  const value = colon < 0 ? undefined : text.slice(colon + 1);
  const at = valueAt + byteLength(name) + 1;
  level.attributes.push({ name, value, offset: lineAt, length: lineLength });
  const take = <T>(p: Parsed<T>, add: (v: T) => void): Field[] => {
    problems.push(...p.problems);
    if (p.value !== undefined) add(p.value);
    return p.fields;
  };
  const need = (): boolean => {
    if (value !== undefined && value !== '') return true;
    problems.push({ offset: lineAt, length: lineLength, message: `a=${name} needs a value` });
    return false;
  };
  switch (name) {
    case 'candidate':
      return need() ? take(parseCandidate(value!, at), (v) => level.candidates.push(v)) : [];
    case 'end-of-candidates':
      level.endOfCandidates = true; // RFC 8840 §8.2
      return [];
    case 'fingerprint':
      return need() ? take(parseFingerprint(value!, at), (v) => level.fingerprints.push(v)) : [];
    case 'setup':
      return need() ? take(parseSetup(value!, at), (v) => (level.setup = v)) : [];
    case 'ice-ufrag':
      // RFC 8839 §5.4: 4–256 ice-chars
      if (need()) {
        if (!/^[A-Za-z0-9+/]{4,256}$/.test(value!)) problems.push({ offset: at, length: byteLength(value!), message: `ice-ufrag ${JSON.stringify(value)} is not 4–256 ice-chars (RFC 8839 §5.4)` });
        level.iceUfrag = value;
      }
      return [];
    case 'ice-pwd':
      // RFC 8839 §5.4: 22–256 ice-chars
      if (need()) {
        if (!/^[A-Za-z0-9+/]{22,256}$/.test(value!)) problems.push({ offset: at, length: byteLength(value!), message: `ice-pwd is not 22–256 ice-chars (RFC 8839 §5.4)` });
        level.icePwd = value;
      }
      return [];
    case 'ice-options':
      if (need()) level.iceOptions = value!.split(/\s+/).filter((x) => x);
      return [];
    case 'ice-lite':
      if (inMedia) problems.push({ offset: lineAt, length: lineLength, message: 'ice-lite is a session-level attribute (RFC 8839 §5.3)' });
      level.iceLite = true;
      return [];
    case 'group':
      if (inMedia) problems.push({ offset: lineAt, length: lineLength, message: 'group is a session-level attribute (RFC 5888 §5)' });
      return need() ? take(parseGroup(value!, at), (v) => level.groups.push(v)) : [];
    case 'mid':
      if (!inMedia) problems.push({ offset: lineAt, length: lineLength, message: 'mid is a media-level attribute (RFC 5888 §4)' });
      if (need()) level.mid = value;
      return [];
    case 'rtcp-mux':
      level.rtcpMux = true;
      return [];
    case 'rtpmap':
      return need() ? take(parseRtpmap(value!, at), (v) => level.rtpmaps.push(v)) : [];
    case 'fmtp':
      return need() ? take(parseFmtp(value!, at), (v) => level.fmtps.push(v)) : [];
    case 'extmap':
      return need() ? take(parseExtmap(value!, at), (v) => level.extmaps.push(v)) : [];
    case 'ssrc':
      return need() ? take(parseSsrc(value!, at), (v) => level.ssrcs.push(v)) : [];
    default:
      if (DIRECTIONS.has(name)) level.direction = name as SdpDirection;
      return [];
  }
}

/** RFC 9143 §7: every identification-tag in a BUNDLE group names an m= section's mid. */
function checkBundle(d: SessionDescription, problems: Problem[], base: number): void {
  const mids = new Set(d.media.map((m) => m.mid).filter((m) => m !== undefined));
  for (const g of d.groups) {
    for (const mid of g.mids) {
      if (!mids.has(mid)) {
        const line = d.lines.find((l) => l.type === 'a' && l.value.startsWith('group:'));
        problems.push({ offset: line?.offset ?? base, length: line?.length ?? 0, message: `group ${g.semantics} names mid ${mid}, which no m= section has (RFC 5888 §5)` });
      }
    }
  }
}

/** The ICE credentials and DTLS parameters that apply to a media section: its own, else the session's (RFC 8839 §5.4). */
export function effective(d: SessionDescription, m: SdpMedia): { iceUfrag?: string; icePwd?: string; fingerprints: readonly SdpFingerprint[]; setup?: SdpSetup } {
  const iceUfrag = m.iceUfrag ?? d.iceUfrag;
  const icePwd = m.icePwd ?? d.icePwd;
  const setup = m.setup ?? d.setup;
  return { ...(iceUfrag !== undefined ? { iceUfrag } : {}), ...(icePwd !== undefined ? { icePwd } : {}), fingerprints: m.fingerprints.length ? m.fingerprints : d.fingerprints, ...(setup ? { setup } : {}) };
}

/** Writes the description's lines back with CRLF endings (RFC 8866 §5). */
export function encodeSdp(d: Pick<SessionDescription, 'lines'>): string {
  return d.lines.map((l) => `${l.type}=${l.value}\r\n`).join('');
}

/** "offer: audio, video (BUNDLE 0 1), 3 candidates" */
export function describeSdp(d: SessionDescription): string {
  const kinds = d.media.map((m) => m.media).join(', ') || 'no media';
  const bundle = d.groups.find((g) => g.semantics === 'BUNDLE');
  const candidates = d.candidates.length + d.media.reduce((n, m) => n + m.candidates.length, 0);
  return `SDP ${kinds}${bundle ? ` (BUNDLE ${bundle.mids.join(' ')})` : ''}${candidates ? `, ${candidates} candidate${candidates > 1 ? 's' : ''}` : ''}`;
}
