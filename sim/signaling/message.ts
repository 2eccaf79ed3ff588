import type { SignalingMessageFacts } from './notes.ts';
import type { JsonValue } from '../core/trace.ts';
import { describeIceSignal, type IceSignal } from './ice.ts';
import { describeJsep, type JsepMessage } from './jsep.ts';
import { describeProtoo, type ProtooMessage } from './protoo.ts';

/**
 * One message on the signaling hub, tagged with the application protocol it belongs to: what a WebSocket
 * subprotocol names on a real signaling connection (RFC 6455 §1.9; mediasoup's demo asks for "protoo"). The body
 * is the JSON object a real app would send; `encodeSignaling` and `decodeSignaling` turn it into and back from
 * that text.
 */
export type SignalingMessage =
  | { readonly protocol: 'jsep'; readonly body: JsepMessage }
  | { readonly protocol: 'protoo'; readonly body: ProtooMessage }
  | { readonly protocol: 'ice'; readonly body: IceSignal };

export type SignalingProtocol = SignalingMessage['protocol'];

export const jsep = (body: JsepMessage): SignalingMessage => ({ protocol: 'jsep', body });
export const protoo = (body: ProtooMessage): SignalingMessage => ({ protocol: 'protoo', body });
export const iceSignal = (body: IceSignal): SignalingMessage => ({ protocol: 'ice', body });

/** One line for notes and timelines, e.g. "SDP offer (3 candidate(s))", "request produce #4". */
export function describeMessage(m: SignalingMessage): string {
  switch (m.protocol) {
    case 'jsep':
      return describeJsep(m.body);
    case 'protoo':
      return describeProtoo(m.body);
    case 'ice':
      return describeIceSignal(m.body);
  }
}

/** What a note about the message carries: its kind and, for descriptions, the SDP text; protoo keeps its JSON. */
export function messageData(m: SignalingMessage): SignalingMessageFacts {
  switch (m.protocol) {
    case 'jsep': {
      const b = m.body;
      if (b.type === 'offer' || b.type === 'answer') return { message: b.type, sdp: b.sdp };
      if (b.type === 'candidate') return { message: 'candidate', candidate: b.candidate, sdpMid: b.sdpMid, ufrag: b.ufrag };
      return { message: 'end-of-candidates', ufrag: b.ufrag };
    }
    case 'protoo': {
      const b = m.body;
      return { message: 'request' in b ? 'request' : 'response' in b ? 'response' : 'notification', json: JSON.stringify(b) };
    }
    case 'ice':
      return { message: m.body.type };
  }
}

/** The message as the JSON text its app would send in a WebSocket text frame or an HTTP body. */
export function encodeSignaling(m: SignalingMessage): string {
  return JSON.stringify(m.body);
}

export type DecodeResult = { readonly ok: true; readonly value: SignalingMessage } | { readonly ok: false; readonly error: string };

type Obj = { [key: string]: JsonValue };
const isObj = (v: JsonValue | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: JsonValue | undefined): v is string => typeof v === 'string';

/**
 * Reads a message of `protocol` from JSON text (hostile input: every field is checked, unknown shapes are an error
 * naming what is wrong, never a throw).
 */
export function decodeSignaling(protocol: SignalingProtocol, text: string): DecodeResult {
  let v: JsonValue;
  try {
    v = JSON.parse(text) as JsonValue;
  } catch (e) {
    return { ok: false, error: `not JSON: ${(e as Error).message}` };
  }
  if (!isObj(v)) return { ok: false, error: 'not a JSON object' };
  const bad = (what: string): DecodeResult => ({ ok: false, error: `${protocol}: ${what}` });
  switch (protocol) {
    case 'jsep': {
      if ((v.type === 'offer' || v.type === 'answer') && isStr(v.sdp)) return { ok: true, value: jsep({ type: v.type, sdp: v.sdp }) };
      if (v.type === 'candidate' && isStr(v.candidate) && isStr(v.sdpMid) && isStr(v.ufrag)) return { ok: true, value: jsep({ type: 'candidate', candidate: v.candidate, sdpMid: v.sdpMid, ufrag: v.ufrag }) };
      if (v.type === 'end-of-candidates' && isStr(v.ufrag)) return { ok: true, value: jsep({ type: 'end-of-candidates', ufrag: v.ufrag }) };
      return bad(`no offer, answer, candidate or end-of-candidates with its fields (type ${JSON.stringify(v.type ?? null)})`);
    }
    case 'protoo': {
      if (v.request === true && typeof v.id === 'number' && isStr(v.method) && isObj(v.data)) return { ok: true, value: protoo({ request: true, id: v.id, method: v.method, data: v.data }) };
      if (v.response === true && typeof v.id === 'number' && typeof v.ok === 'boolean') {
        if (v.data !== undefined && !isObj(v.data)) return bad('response data is not an object');
        if (v.errorReason !== undefined && !isStr(v.errorReason)) return bad('errorReason is not a string');
        if (v.errorCode !== undefined && typeof v.errorCode !== 'number') return bad('errorCode is not a number');
        return { ok: true, value: protoo({ response: true, id: v.id, ok: v.ok, ...(isObj(v.data) ? { data: v.data } : {}), ...(typeof v.errorCode === 'number' ? { errorCode: v.errorCode } : {}), ...(isStr(v.errorReason) ? { errorReason: v.errorReason } : {}) }) };
      }
      if (v.notification === true && isStr(v.method) && isObj(v.data)) return { ok: true, value: protoo({ notification: true, method: v.method, data: v.data }) };
      return bad('neither a request (id, method, data), a response (id, ok) nor a notification (method, data)');
    }
    case 'ice': {
      if (!isStr(v.ufrag)) return bad('no ufrag');
      if (v.type === 'candidate' && isStr(v.candidate)) return { ok: true, value: iceSignal({ type: 'candidate', ufrag: v.ufrag, candidate: v.candidate }) };
      if (v.type === 'end-of-candidates') return { ok: true, value: iceSignal({ type: 'end-of-candidates', ufrag: v.ufrag }) };
      if (v.type === 'description') {
        const c = v.candidates;
        if (!isStr(v.pwd) || typeof v.lite !== 'boolean' || typeof v.endOfCandidates !== 'boolean' || typeof v.restart !== 'boolean') return bad('a description needs pwd, lite, endOfCandidates and restart');
        if (!Array.isArray(c) || !c.every(isStr)) return bad('description candidates are not a list of strings');
        return { ok: true, value: iceSignal({ type: 'description', ufrag: v.ufrag, pwd: v.pwd, lite: v.lite, candidates: c, endOfCandidates: v.endOfCandidates, restart: v.restart }) };
      }
      return bad(`no description, candidate or end-of-candidates (type ${JSON.stringify(v.type ?? null)})`);
    }
  }
}
