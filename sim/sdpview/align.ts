import { decodeSdp } from '../wire/sdp/sdp.ts';
import type { SdpLine, SdpMedia, SessionDescription } from '../wire/sdp/types.ts';
import { explainLine } from './explain.ts';
import { judgeSctpInit } from './snap.ts';

/**
 * An offer and its answer laid side by side, m-section by m-section (RFC 8829 §5.3: the answer has one section per
 * offered section, in the same order), each line beside its counterpart and what the difference means: codecs kept
 * or rejected, direction, DTLS setup, ICE credentials, fingerprints, BUNDLE.
 */

/**
 * `same`: the line reads the same on both sides; `kept`/`rejected`: an offered codec, extension or option the answer
 * took or left out; `differs`: both sides say something different, as expected (each side's own ufrag); `conflict`:
 * a difference that breaks the call (both setup:active, a rejected BUNDLE tag ...); `offer-only`/`answer-only`.
 */
export type SdpRowStatus = 'same' | 'kept' | 'rejected' | 'differs' | 'conflict' | 'offer-only' | 'answer-only';

export interface SdpRow {
  /** What the row aligns on: "m", "rtpmap:111", "setup", "candidate#2". */
  readonly key: string;
  /** The lines as written (`a=rtpmap:111 opus/48000/2`), absent on the side that has none. */
  readonly offer?: string;
  readonly answer?: string;
  /** Their numbers among the description's lines (0-based), to point back into the SDP. */
  readonly offerLine?: number;
  readonly answerLine?: number;
  readonly status: SdpRowStatus;
  /** What the difference means, when there is something to say. */
  readonly note?: string;
  /** What the line is for (its attribute, with the RFC). */
  readonly explain?: string;
}

export interface SdpBlock {
  /** "session", or the section: "m=audio (mid 0)". */
  readonly title: string;
  readonly rows: readonly SdpRow[];
  /** The negotiated result of a media section, one line: "opus/48000 kept; 3 codecs rejected; sendrecv → recvonly". */
  readonly result?: string;
}

export interface SdpComparison {
  readonly blocks: readonly SdpBlock[];
  /** Problems of the comparison as a whole (a section count that differs, a rejected BUNDLE tag ...). */
  readonly problems: readonly string[];
}

interface KeyedLine {
  readonly key: string;
  readonly text: string;
  readonly index: number;
  readonly line: SdpLine;
}

/** The key a line is aligned on within its level. Lines each side has its own of (candidates, ssrc) by position. */
function lineKey(l: SdpLine, seen: Map<string, number>): string {
  let base: string;
  if (l.type !== 'a') base = l.type;
  else {
    const colon = l.value.indexOf(':');
    const name = colon < 0 ? l.value : l.value.slice(0, colon);
    const value = colon < 0 ? '' : l.value.slice(colon + 1);
    const first = value.split(' ')[0] ?? '';
    if (name === 'rtpmap' || name === 'fmtp') base = `${name}:${first}`;
    else if (name === 'rtcp-fb') base = `rtcp-fb:${value.trim()}`;
    else if (name === 'extmap') base = `extmap:${value.split(' ')[1] ?? ''}`;
    else if (name === 'group') base = `group:${first}`;
    else if (name === 'candidate' || name === 'ssrc' || name === 'ssrc-group' || name === 'msid') base = `${name}#`;
    else if (name === 'sendrecv' || name === 'sendonly' || name === 'recvonly' || name === 'inactive') base = 'direction';
    else base = name;
  }
  const n = seen.get(base) ?? 0;
  seen.set(base, n + 1);
  return base.endsWith('#') ? `${base}${n}` : n === 0 ? base : `${base}#${n}`;
}

function levels(d: SessionDescription): KeyedLine[][] {
  const out: KeyedLine[][] = [[]];
  let seen = new Map<string, number>();
  d.lines.forEach((line, index) => {
    if (line.type === 'm') {
      out.push([]);
      seen = new Map();
    }
    out[out.length - 1]!.push({ key: lineKey(line, seen), text: `${line.type}=${line.value}`, index, line });
  });
  return out;
}

const valueOf = (text: string): string => text.slice(text.indexOf(':') + 1).trim();

/** What a row means, from its key and the two lines. */
function judge(key: string, offer: KeyedLine | undefined, answer: KeyedLine | undefined, rejectedSection: boolean): { status: SdpRowStatus; note?: string } {
  const o = offer?.text;
  const a = answer?.text;
  const base = key.replace(/#\d+$/, '');
  if (base === 'sctp-init' && !rejectedSection) return judgeSctpInit(o, a);
  if (o !== undefined && a !== undefined) {
    if (base === 'direction') {
      if (o === a) return { status: 'same' };
      const ok = ANSWER_DIRECTIONS[o.slice(2)]?.includes(a.slice(2));
      return ok ? { status: 'differs', note: `${o.slice(2)} answered ${a.slice(2)} (RFC 8866 §6.7)` } : { status: 'conflict', note: `${a.slice(2)} is not a valid answer to ${o.slice(2)} (RFC 3264 §6.1)` };
    }
    if (base === 'setup') {
      const ov = valueOf(o);
      const av = valueOf(a);
      if (av === 'actpass') return { status: 'conflict', note: 'an answer must not say actpass (RFC 8842 §5.3)' };
      if (ov === av && ov !== 'actpass') return { status: 'conflict', note: `both sides ${ov}: no DTLS ${ov === 'active' ? 'server' : 'client'} (RFC 4145 §4)` };
      return { status: 'differs', note: `answerer is the DTLS ${av === 'active' ? 'client' : 'server'} (RFC 8842 §5.3)` };
    }
    if (base === 'ice-ufrag' || base === 'ice-pwd') return o === a ? { status: 'conflict', note: `both sides use the same ${base} (RFC 8839 §5.4: each agent its own)` } : { status: 'differs', note: "each side's own (RFC 8839 §5.4)" };
    if (base === 'fingerprint') {
      const [oh] = valueOf(o).split(' ');
      const [ah] = valueOf(a).split(' ');
      if (o === a) return { status: 'conflict', note: 'both sides announce the same certificate' };
      return { status: 'differs', note: oh?.toLowerCase() === ah?.toLowerCase() ? "each side's certificate (RFC 8122 §5)" : `hash ${oh} offered, ${ah} answered` };
    }
    if (base === 'group:BUNDLE') {
      const om = valueOf(o).split(/\s+/).slice(1);
      const am = valueOf(a).split(/\s+/).slice(1);
      const dropped = om.filter((m) => !am.includes(m));
      const added = am.filter((m) => !om.includes(m));
      if (added.length) return { status: 'conflict', note: `answer bundles mid ${added.join(' ')} the offer did not (RFC 9143 §7.3)` };
      if (dropped.length) return { status: 'differs', note: `mid ${dropped.join(' ')} left out of the bundle` };
      return { status: 'same', note: 'bundled as offered' };
    }
    if (base === 'mid') return o === a ? { status: 'same' } : { status: 'conflict', note: 'an answer section keeps the offer\'s mid (RFC 8843 §7.3)' };
    if (base === 'm') return mLine(o, a);
    if (/^(rtpmap|fmtp|rtcp-fb|extmap):/.test(base)) return o === a ? { status: 'kept' } : { status: 'kept', note: 'kept, with different parameters' };
    if (base.startsWith('candidate') || base.startsWith('ssrc') || base.startsWith('msid') || base === 'o' || base === 'c') return o === a ? { status: 'same' } : { status: 'differs' };
    return o === a ? { status: 'same' } : { status: 'differs' };
  }
  if (o !== undefined) {
    if (rejectedSection) return { status: 'offer-only' };
    if (base.startsWith('rtpmap:')) return { status: 'rejected', note: `codec ${valueOf(o).split(' ')[1] ?? ''} rejected by the answer` };
    if (/^(fmtp|rtcp-fb):/.test(base)) return { status: 'rejected' };
    if (base.startsWith('extmap:')) return { status: 'rejected', note: 'header extension not answered (RFC 8285 §6)' };
    if (base === 'rtcp-mux') return { status: 'rejected', note: 'answer declined rtcp-mux (RFC 5761 §5.1.1)' };
    if (base === 'group:BUNDLE') return { status: 'rejected', note: 'answer does not bundle (RFC 9143 §7.3)' };
    if (base === 'direction') return { status: 'offer-only', note: 'answer says no direction: sendrecv (RFC 8866 §6.7)' };
    return { status: 'offer-only' };
  }
  if (base === 'group:BUNDLE') return { status: 'conflict', note: 'answer bundles what the offer did not (RFC 9143 §7.3)' };
  if (base.startsWith('rtpmap:')) return { status: 'conflict', note: 'a codec the offer did not list (RFC 3264 §6.1)' };
  return { status: 'answer-only' };
}

/** RFC 3264 §6.1: which directions answer which. */
const ANSWER_DIRECTIONS: Record<string, readonly string[]> = {
  sendrecv: ['sendrecv', 'sendonly', 'recvonly', 'inactive'],
  sendonly: ['recvonly', 'inactive'],
  recvonly: ['sendonly', 'inactive'],
  inactive: ['inactive'],
};

function mLine(o: string, a: string): { status: SdpRowStatus; note?: string } {
  const [, , ...of] = o.slice(2).split(' ');
  const [, aport, ...af] = a.slice(2).split(' ');
  if (aport === '0') return { status: 'rejected', note: 'section rejected by the answer (port 0, RFC 3264 §6)' };
  const ofmt = of.slice(1);
  const afmt = af.slice(1);
  const rejected = ofmt.filter((f) => !afmt.includes(f));
  const foreign = afmt.filter((f) => !ofmt.includes(f));
  if (foreign.length) return { status: 'conflict', note: `answer lists format ${foreign.join(' ')} the offer did not` };
  return rejected.length ? { status: 'differs', note: `${afmt.length} of ${ofmt.length} formats kept` } : { status: 'same' };
}

/** Aligns two levels' lines: the offer's order, each answer line beside the offer line of the same key, then the rest. */
function alignLevel(offer: readonly KeyedLine[], answer: readonly KeyedLine[], rejectedSection: boolean): SdpRow[] {
  const byKey = new Map(answer.map((l) => [l.key, l]));
  const used = new Set<string>();
  const rows: SdpRow[] = [];
  const row = (key: string, o: KeyedLine | undefined, a: KeyedLine | undefined): SdpRow => {
    const j = judge(key, o, a, rejectedSection);
    const explain = explainLine(key);
    return {
      key,
      ...(explain ? { explain } : {}),
      ...(o ? { offer: o.text, offerLine: o.index } : {}),
      ...(a ? { answer: a.text, answerLine: a.index } : {}),
      status: j.status,
      ...(j.note ? { note: j.note } : {}),
    };
  };
  for (const o of offer) {
    const a = byKey.get(o.key);
    if (a) used.add(o.key);
    rows.push(row(o.key, o, a));
  }
  for (const a of answer) if (!used.has(a.key)) rows.push(row(a.key, undefined, a));
  return rows;
}

const codecName = (m: SdpMedia, pt: string): string => {
  const r = m.rtpmaps.find((x) => String(x.payloadType) === pt);
  return r ? `${r.encodingName}/${r.clockRate}` : pt;
};

/** The negotiated result of one section. */
function sectionResult(o: SdpMedia | undefined, a: SdpMedia | undefined, d: { offer: SessionDescription; answer: SessionDescription }): string | undefined {
  if (!o || !a) return undefined;
  if (a.port === 0) return `rejected: no ${o.media}`;
  const kept = a.formats.filter((f) => o.formats.includes(f)).map((f) => codecName(a, f));
  const rejected = o.formats.filter((f) => !a.formats.includes(f)).map((f) => codecName(o, f));
  const od = o.direction ?? d.offer.direction ?? 'sendrecv';
  const ad = a.direction ?? d.answer.direction ?? 'sendrecv';
  const setupO = o.setup ?? d.offer.setup;
  const setupA = a.setup ?? d.answer.setup;
  const bundle = d.answer.groups.find((g) => g.semantics === 'BUNDLE');
  const parts = [
    `${kept.length ? `kept ${kept.join(', ')}` : 'no codec kept'}`,
    ...(rejected.length ? [`rejected ${rejected.join(', ')}`] : []),
    `${od} → ${ad}`,
    ...(setupO || setupA ? [`setup ${setupO ?? '?'} → ${setupA ?? '?'}`] : []),
    ...(a.mid !== undefined && bundle?.mids.includes(a.mid) ? [`bundled (${bundle.mids[0] === a.mid ? 'tagged' : `on mid ${bundle.mids[0]}`})`] : []),
  ];
  return parts.join('; ');
}

/** Compares an offer and its answer (texts); a side that does not parse is compared as far as its lines go. */
export function compareSdp(offerText: string, answerText: string): SdpComparison {
  const offer = decodeSdp(offerText).value;
  const answer = decodeSdp(answerText).value;
  const ol = levels(offer);
  const al = levels(answer);
  const problems: string[] = [];
  if (ol.length !== al.length) problems.push(`the offer has ${ol.length - 1} m-section(s), the answer ${al.length - 1} (RFC 8829 §5.3.1: one per offered section)`);
  const blocks: SdpBlock[] = [{ title: 'session', rows: alignLevel(ol[0] ?? [], al[0] ?? [], false) }];
  for (let i = 1; i < Math.max(ol.length, al.length); i++) {
    const om = offer.media[i - 1];
    const am = answer.media[i - 1];
    const m = om ?? am!;
    const rejected = am?.port === 0;
    const result = sectionResult(om, am, { offer, answer });
    blocks.push({ title: `m=${m.media}${m.mid !== undefined ? ` (mid ${m.mid})` : ''}`, rows: alignLevel(ol[i] ?? [], al[i] ?? [], rejected), ...(result ? { result } : {}) });
  }
  for (const b of blocks) for (const r of b.rows) if (r.status === 'conflict' && r.note) problems.push(`${b.title}: ${r.note}`);
  return { blocks, problems };
}

/** One side alone (an offer never answered): every line offer-only. */
export function soloSdp(text: string, side: 'offer' | 'answer'): SdpComparison {
  const d = decodeSdp(text).value;
  const blocks = levels(d).map((lines, i) => ({
    title: i === 0 ? 'session' : `m=${d.media[i - 1]?.media ?? '?'}${d.media[i - 1]?.mid !== undefined ? ` (mid ${d.media[i - 1]!.mid})` : ''}`,
    rows: lines.map((l): SdpRow => (side === 'offer' ? { key: l.key, offer: l.text, offerLine: l.index, status: 'offer-only' } : { key: l.key, answer: l.text, answerLine: l.index, status: 'answer-only' })),
  }));
  return { blocks, problems: [side === 'offer' ? 'no answer to this offer was seen' : 'no offer was seen before this answer'] };
}
