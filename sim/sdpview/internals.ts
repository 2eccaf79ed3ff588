import { isoTime } from '../crypto/x509.ts';
import { DumpError } from '../stats/import/dump.ts';
import type { SeenSdp } from './collect.ts';

/**
 * The session descriptions in a Chromium "webrtc-internals dump" (chrome://webrtc-internals → Create a
 * WebRTC-Internals dump): each PeerConnection's `updateLog` lists the API calls and events of that connection. Those
 * that carry a description are createOfferOnSuccess / createAnswerOnSuccess (what the browser generated),
 * setLocalDescription (what the application applied: a munged offer differs from the generated one) and
 * setRemoteDescription (what the signaling delivered). Chromium 156 writes `{ type, value, timestamp }` with `value`
 * the JSON of an RTCSessionDescriptionInit and `timestamp` in ms since the epoch; older versions wrote
 * `{ time, type, value }` with `value` "type: offer, sdp: v=0…" and `time` as the page's locale date string (to the
 * second, in its local time zone). Both are read; the trickled candidates (onicecandidate, addIceCandidate) are kept
 * with their connection's descriptions.
 */
export interface InternalsDescription {
  /** The PeerConnections key ("9-1": renderer process id and connection id). */
  readonly pc: string;
  /** The updateLog event that carried it. */
  readonly event: string;
  /** Local: generated or applied by this connection; remote: delivered to it. */
  readonly side: 'local' | 'remote';
  readonly type: string;
  readonly sdp: string;
  /** ms since the epoch. */
  readonly timeMs: number;
  /** false when the time came from a locale string (to the second, the dump's local time zone). */
  readonly precise: boolean;
}

export interface InternalsCandidate {
  readonly pc: string;
  /** onicecandidate: gathered here (local); addIceCandidate: trickled from the remote peer. */
  readonly side: 'local' | 'remote';
  readonly candidate: string;
  readonly mid?: string;
  readonly timeMs: number;
}

export interface InternalsLog {
  readonly descriptions: readonly InternalsDescription[];
  readonly candidates: readonly InternalsCandidate[];
  /** Each connection's page and configuration, as the dump gives them. */
  readonly connections: readonly { readonly pc: string; readonly url?: string; readonly configuration?: string }[];
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const isObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const q = JSON.stringify;

const LOCAL_EVENTS = new Set(['createOfferOnSuccess', 'createAnswerOnSuccess', 'setLocalDescription', 'setLocalDescriptionOnSuccess']);
const REMOTE_EVENTS = new Set(['setRemoteDescription', 'setRemoteDescriptionOnSuccess']);

/** The JSON value of an updateLog value that is JSON, or undefined when it does not parse. */
function jsonOrUndefined(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
}

/** A description in an updateLog value: JSON `{type, sdp}` (Chromium 156) or "type: offer, sdp: v=0…" (older). */
function description(value: string): { type: string; sdp: string } | undefined {
  // the SDP's own final CRLF is kept
  const v = value.trimStart();
  if (v.startsWith('{')) {
    const d = jsonOrUndefined(v);
    return isObject(d) && typeof d.type === 'string' && typeof d.sdp === 'string' && d.sdp !== '' ? { type: d.type, sdp: d.sdp } : undefined;
  }
  const m = /^type:\s*(\w+),\s*sdp:[ \t]*([\s\S]*)$/.exec(v);
  return m && m[2] ? { type: m[1]!, sdp: m[2] } : undefined;
}

/** A candidate in an updateLog value: JSON `{sdpMid, candidate}` or "sdpMid: 0, sdpMLineIndex: 0, candidate: …". */
function candidate(value: string): { candidate: string; mid?: string } | undefined {
  const v = value.trim();
  if (v.startsWith('{')) {
    const d = jsonOrUndefined(v);
    if (!isObject(d) || typeof d.candidate !== 'string' || d.candidate === '') return undefined;
    return { candidate: d.candidate, ...(typeof d.sdpMid === 'string' ? { mid: d.sdpMid } : {}) };
  }
  const m = /candidate:\s*(candidate:\S.*)$/.exec(v);
  const mid = /sdpMid:\s*([^,\s]+)/.exec(v)?.[1];
  return m ? { candidate: m[1]!.trim(), ...(mid ? { mid } : {}) } : undefined;
}

/** An entry's time: `timestamp` (ms since the epoch) or `time` (ISO, or a locale string read to the second). */
function entryTime(e: Record<string, Json>, where: string): { ms: number; precise: boolean } {
  if (typeof e.timestamp === 'number' && Number.isFinite(e.timestamp)) return { ms: e.timestamp, precise: true };
  if (typeof e.time === 'number' && Number.isFinite(e.time)) return { ms: e.time, precise: true };
  if (typeof e.time === 'string') {
    const ms = Date.parse(e.time);
    if (Number.isFinite(ms)) return { ms, precise: /\d{2}:\d{2}:\d{2}\.\d/.test(e.time) };
  }
  throw new DumpError(where, `has no time: neither a "timestamp" in ms nor a readable "time" (${q(e.time ?? null)})`);
}

/** Reads the updateLogs of a parsed dump; a dump without PeerConnections, or a malformed entry, is a DumpError. */
export function readInternalsLog(doc: unknown, name = 'the dump'): InternalsLog {
  if (!isObject(doc) || !isObject(doc.PeerConnections)) throw new DumpError(name, 'is not a webrtc-internals dump: no PeerConnections object');
  const descriptions: InternalsDescription[] = [];
  const candidates: InternalsCandidate[] = [];
  const connections: { pc: string; url?: string; configuration?: string }[] = [];
  for (const [pc, conn] of Object.entries(doc.PeerConnections)) {
    const at = `${name}: PeerConnections[${q(pc)}]`;
    if (!isObject(conn)) throw new DumpError(at, 'expected an object');
    const config = conn.rtcConfiguration;
    connections.push({ pc, ...(typeof conn.url === 'string' ? { url: conn.url } : {}), ...(typeof config === 'string' ? { configuration: config } : isObject(config) ? { configuration: JSON.stringify(config) } : {}) });
    if (conn.updateLog === undefined) continue;
    if (!Array.isArray(conn.updateLog)) throw new DumpError(`${at}.updateLog`, 'expected an array of {type, value, timestamp}');
    conn.updateLog.forEach((e, i) => {
      const where = `${at}.updateLog[${i}]`;
      if (!isObject(e) || typeof e.type !== 'string') throw new DumpError(where, 'expected an object with a type');
      const value = typeof e.value === 'string' ? e.value : '';
      if (LOCAL_EVENTS.has(e.type) || REMOTE_EVENTS.has(e.type)) {
        const d = description(value);
        if (!d) return; // createOffer's options, an OnSuccess without its description
        const t = entryTime(e, where);
        descriptions.push({ pc, event: e.type, side: LOCAL_EVENTS.has(e.type) ? 'local' : 'remote', ...d, timeMs: t.ms, precise: t.precise });
      } else if (e.type === 'onicecandidate' || e.type === 'icecandidate' || e.type === 'addIceCandidate') {
        const c = candidate(value);
        if (c) candidates.push({ pc, side: e.type === 'addIceCandidate' ? 'remote' : 'local', ...c, timeMs: entryTime(e, where).ms });
      }
    });
  }
  return { descriptions, candidates, connections };
}

/** "10:12:55.676" (UTC) from ms since the epoch. */
const clock = (ms: number, precise: boolean): string => isoTime(ms).slice(11, precise ? 23 : 19);

/**
 * The descriptions as sightings for the SDP view (sim/sdpview/collect.ts), on the trace's axis (µs = (ms − offsetMs)
 * × 1000): one per distinct text and type, sent from the connection where it was local to the one where it was
 * remote (two connections of one page, as in a loopback test), each event that carried it named with its time.
 */
export function internalsSightings(log: InternalsLog, offsetMs: number): Omit<SeenSdp, 'hops'>[] {
  const groups = new Map<string, InternalsDescription[]>();
  for (const d of [...log.descriptions].sort((a, b) => a.timeMs - b.timeMs)) {
    const key = `${d.type}\u0000${d.sdp}`;
    const g = groups.get(key);
    if (g) g.push(d);
    else groups.set(key, [d]);
  }
  const out: Omit<SeenSdp, 'hops'>[] = [];
  for (const g of groups.values()) {
    const first = g[0]!;
    const local = [...new Set(g.filter((d) => d.side === 'local').map((d) => d.pc))];
    const remote = [...new Set(g.filter((d) => d.side === 'remote').map((d) => d.pc))];
    const events = g.map((d) => `PC ${d.pc} ${d.event} ${clock(d.timeMs, d.precise)}`).join(', ');
    // the candidates its connection gathered for this ICE session (RFC 8839 §5.1: a candidate's ufrag extension
    // names it; without one, the connection's candidates after it)
    const ufrag = /^a=ice-ufrag:(\S+)/m.exec(first.sdp)?.[1];
    const trickled = [
      ...new Set(
        log.candidates
          .filter((c) => c.side === 'local' && local.includes(c.pc) && c.timeMs >= first.timeMs)
          .filter((c) => {
            const u = /\bufrag (\S+)/.exec(c.candidate)?.[1];
            return !u || !ufrag || u === ufrag;
          })
          .map((c) => c.candidate),
      ),
    ];
    out.push({
      type: first.type,
      sdp: first.sdp,
      from: local.length ? local.map((p) => `PC ${p}`).join(', ') : 'its remote peer',
      to: remote.length ? remote.map((p) => `PC ${p}`).join(', ') : 'its remote peer',
      t: Math.round((first.timeMs - offsetMs) * 1000),
      via: `webrtc-internals updateLog: ${events}`,
      ...(trickled.length ? { trickled } : {}),
    });
  }
  return out;
}
