import { utf8Encode } from '../core/encoding.ts';
import { decodeSdp, describeSdp } from '../wire/sdp/sdp.ts';
import type { Layer } from './types.ts';

/**
 * JSON signaling recognised in a WebSocket text message or an HTTP body: the Janus API (`{"janus":"message", …,
 * "jsep":{…}}`, trickle with `candidate`), protoo as mediasoup's demo uses it (`{"request":true,"method":…}`,
 * responses, notifications, with `dtlsParameters` and `iceCandidates`), and plain JSEP objects (`{"type":"offer",
 * "sdp":…}`, `{"candidate":…}`) anywhere inside.
 */
export interface SignaledCandidate {
  /** The candidate-attribute text (RFC 8839 §5.1), with or without the "candidate:" prefix. */
  readonly candidate: string;
  readonly sdpMid?: string;
  readonly sdpMLineIndex?: number;
}

export interface SignalingMessage {
  readonly dialect: 'janus' | 'protoo' | 'jsep';
  /** "janus message", "janus trickle", "protoo request connectWebRtcTransport", "offer" … */
  readonly kind: string;
  /** Janus transaction or protoo id. */
  readonly id?: string;
  readonly descriptions: readonly { readonly type: string; readonly sdp: string }[];
  readonly candidates: readonly SignaledCandidate[];
  /** Janus `{"completed":true}` or an empty candidate: the end of trickling (RFC 8838 §9). */
  readonly endOfCandidates: boolean;
  /** mediasoup `dtlsParameters.fingerprints` ({algorithm, value}): what an SDP fingerprint would say. */
  readonly fingerprints: readonly { readonly algorithm: string; readonly value: string }[];
  readonly dtlsRole?: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isObject = (v: Json | undefined): v is { [key: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: Json | undefined): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

/** Recognises a signaling message in JSON text; undefined when the text is not JSON or not signaling. */
export function recognizeSignaling(text: string): SignalingMessage | undefined {
  const t = text.trimStart();
  if (!t.startsWith('{') && !t.startsWith('[')) return undefined;
  let parsed: Json;
  try {
    parsed = JSON.parse(t) as Json;
  } catch {
    return undefined;
  }
  // a Janus long poll asked for several events (GET …?maxev=N, N > 1) gets them as a JSON array
  if (Array.isArray(parsed)) {
    if (parsed.length === 0 || !parsed.every((x) => isObject(x) && typeof x.janus === 'string')) return undefined;
    const events = parsed as { [key: string]: Json }[];
    const found = { descriptions: [] as { type: string; sdp: string }[], candidates: [] as SignaledCandidate[], fingerprints: [] as { algorithm: string; value: string }[], end: false, role: undefined as string | undefined };
    walk(parsed, found, 0);
    const id = events.map((e) => str(e.transaction)).find((x) => x !== undefined);
    return {
      dialect: 'janus', kind: `janus ${events.map((e) => String(e.janus)).join(', ')}`, ...(id !== undefined ? { id } : {}),
      descriptions: found.descriptions, candidates: found.candidates, endOfCandidates: found.end, fingerprints: found.fingerprints, ...(found.role ? { dtlsRole: found.role } : {}),
    };
  }
  const root = parsed;
  if (!isObject(root)) return undefined;
  const found = { descriptions: [] as { type: string; sdp: string }[], candidates: [] as SignaledCandidate[], fingerprints: [] as { algorithm: string; value: string }[], end: false, role: undefined as string | undefined };
  walk(root, found, 0);
  let dialect: SignalingMessage['dialect'];
  let kind: string;
  let id: string | undefined;
  if (typeof root.janus === 'string') {
    dialect = 'janus';
    kind = `janus ${root.janus}`;
    id = str(root.transaction);
  } else if (root.request === true || root.response === true || root.notification === true) {
    dialect = 'protoo';
    const what = root.request === true ? 'request' : root.response === true ? 'response' : 'notification';
    kind = `protoo ${what}${typeof root.method === 'string' ? ` ${root.method}` : ''}${root.response === true ? (root.ok === false ? ' (error)' : ' ok') : ''}`;
    id = str(root.id);
  } else if (found.descriptions.length || found.candidates.length || found.end) {
    dialect = 'jsep';
    kind = found.descriptions.length ? found.descriptions.map((d) => d.type).join(', ') : 'candidate';
  } else return undefined;
  return {
    dialect,
    kind,
    ...(id !== undefined ? { id } : {}),
    descriptions: found.descriptions,
    candidates: found.candidates,
    endOfCandidates: found.end,
    fingerprints: found.fingerprints,
    ...(found.role ? { dtlsRole: found.role } : {}),
  };
}

interface Found {
  descriptions: { type: string; sdp: string }[];
  candidates: SignaledCandidate[];
  fingerprints: { algorithm: string; value: string }[];
  end: boolean;
  role: string | undefined;
}

function walk(v: Json, found: Found, depth: number): void {
  if (depth > 8) return;
  if (Array.isArray(v)) {
    for (const x of v) walk(x, found, depth + 1);
    return;
  }
  if (!isObject(v)) return;
  // RTCSessionDescriptionInit (JSEP, RFC 8829 §4.1.8)
  if (typeof v.sdp === 'string' && typeof v.type === 'string') found.descriptions.push({ type: v.type, sdp: v.sdp });
  // RTCIceCandidateInit: an empty candidate string ends trickling
  if (typeof v.candidate === 'string') {
    if (v.candidate === '') found.end = true;
    else found.candidates.push({ candidate: v.candidate, ...(typeof v.sdpMid === 'string' ? { sdpMid: v.sdpMid } : {}), ...(typeof v.sdpMLineIndex === 'number' ? { sdpMLineIndex: v.sdpMLineIndex } : {}) });
  }
  if (v.completed === true) found.end = true;
  // mediasoup IceCandidate {foundation, ip|address, port, priority, protocol, type}
  if (typeof v.foundation === 'string' && (typeof v.ip === 'string' || typeof v.address === 'string') && typeof v.port === 'number' && typeof v.type === 'string') {
    const proto = typeof v.protocol === 'string' ? v.protocol : 'udp';
    found.candidates.push({ candidate: `candidate:${v.foundation} 1 ${proto} ${str(v.priority) ?? '1'} ${str(v.ip) ?? str(v.address)} ${v.port} typ ${v.type}` });
  }
  // mediasoup DtlsParameters {role, fingerprints: [{algorithm, value}]}
  if (Array.isArray(v.fingerprints)) {
    for (const f of v.fingerprints) if (isObject(f) && typeof f.algorithm === 'string' && typeof f.value === 'string') found.fingerprints.push({ algorithm: f.algorithm, value: f.value });
    if (typeof v.role === 'string') found.role = v.role;
  }
  for (const [k, x] of Object.entries(v)) if (k !== 'sdp') walk(x, found, depth + 1);
}

export function describeSignaling(m: SignalingMessage): string {
  const what: string[] = [];
  for (const d of m.descriptions) what.push(`SDP ${d.type}`);
  if (m.candidates.length) what.push(`${m.candidates.length} candidate${m.candidates.length > 1 ? 's' : ''}`);
  if (m.endOfCandidates) what.push('end of candidates');
  if (m.fingerprints.length) what.push('DTLS fingerprints');
  const name = m.dialect === 'janus' ? 'Janus' : m.dialect === 'protoo' ? 'protoo' : 'JSEP';
  return `${name} ${m.kind.replace(/^janus |^protoo /, '')}${m.id !== undefined ? ` (${m.dialect === 'janus' ? 'transaction' : 'id'} ${m.id})` : ''}${what.length ? `: ${what.join(', ')}` : ''}`;
}

/**
 * The layers for a JSON text (`json` are its bytes): a SIGNALING layer when recognised, then one SDP layer per
 * session description inside. Their fields index `bytes` (extracted): the SDP's own UTF-8 text for SDP layers.
 * `offset`/`length` place them on the message's span in the packet.
 */
export function signalingLayers(json: Uint8Array, text: string, span: { offset: number; length: number }): Layer[] {
  const m = recognizeSignaling(text);
  if (!m) return [];
  const layers: Layer[] = [
    {
      protocol: 'SIGNALING',
      ...span,
      summary: describeSignaling(m),
      fields: [{ name: 'JSON', offset: 0, length: json.length, display: `${json.length} bytes` }],
      problems: [],
      value: m,
      bytes: json,
      bytesFrom: 'extracted',
    },
  ];
  for (const d of m.descriptions) {
    const sdpBytes = utf8Encode(d.sdp);
    const sdp = decodeSdp(sdpBytes);
    // warnings (lines out of RFC 8866's order, which real stacks write) are remarks, not malformations
    const warnings = sdp.problems.filter((x) => x.severity === 'warning');
    const problems = warnings.length ? sdp.problems.filter((x) => x.severity !== 'warning') : sdp.problems;
    layers.push({
      protocol: 'SDP',
      ...span,
      summary: `${d.type}: ${describeSdp(sdp.value)}`,
      fields: sdp.fields,
      problems,
      ...(warnings.length ? { classification: `remarks: ${warnings.map((w) => w.message).join('; ')}` } : {}),
      value: sdp.value,
      bytes: sdpBytes,
      bytesFrom: 'extracted',
    });
  }
  return layers;
}
