import type { Micros } from '../core/time.ts';
import type { JsonValue } from '../core/trace.ts';
import { readDescription } from '../peer/sdp.ts';
import { decodeSdp } from '../wire/sdp/sdp.ts';
import { errorReply, JANUS_ERROR as E } from './api.ts';
import type { JanusGateway } from './gateway.ts';
import type { Jsep, JsonObject } from './plugin.ts';
import { anonymize, mergeTransport, sectionsOf } from './sdp.ts';
import type { JanusHandle, JanusSession } from './session.ts';

type Path = { readonly session?: number; readonly handle?: number };

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * One Janus API request (janus.c janus_process_incoming_request), checked in Janus's order: JSON, an object,
 * `transaction`, `janus`; then the path's session (458) and handle (459), and the request valid at that path (457).
 * The reply is what the transport answers with; events it causes go to the session's queue after it.
 */
export function handleRequest(gw: JanusGateway, now: Micros, path: Path, text: string): JsonObject {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    return errorReply(E.INVALID_JSON, `JSON error: on line 1: ${e instanceof Error ? e.message : String(e)}`, undefined, undefined);
  }
  if (!isObject(root)) return errorReply(E.INVALID_JSON_OBJECT, 'JSON error: not an object', undefined, undefined);
  const tx = root.transaction;
  if (tx === undefined) return errorReply(E.MISSING_MANDATORY_ELEMENT, 'Missing mandatory element (transaction)', path.session, undefined);
  if (typeof tx !== 'string') return errorReply(E.INVALID_ELEMENT_TYPE, 'Invalid element type (transaction should be a string)', path.session, undefined);
  const req = root.janus;
  if (req === undefined) return errorReply(E.MISSING_MANDATORY_ELEMENT, 'Missing mandatory element (janus)', path.session, tx);
  if (typeof req !== 'string') return errorReply(E.INVALID_ELEMENT_TYPE, 'Invalid element type (janus should be a string)', path.session, tx);
  const unhandled = (): JsonObject => errorReply(E.INVALID_REQUEST_PATH, `Unhandled request '${req}' at this path`, path.session, tx);

  if (path.session === undefined) {
    if (req === 'create') return create(gw, now, root, tx);
    if (req === 'info') return info(gw, tx);
    if (req === 'ping') return { janus: 'pong', transaction: tx };
    return unhandled();
  }
  const session = gw.sessions.get(path.session);
  if (!session) return errorReply(E.SESSION_NOT_FOUND, `No such session ${path.session}`, path.session, tx);
  session.lastActivity = now;
  const s = session.id;
  if (path.handle === undefined) {
    switch (req) {
      case 'keepalive':
        return { janus: 'ack', session_id: s, transaction: tx };
      case 'attach':
        return attach(gw, now, session, root, tx);
      case 'destroy':
        gw.destroySession(now, session, 'destroy');
        return { janus: 'success', session_id: s, transaction: tx };
      default:
        return unhandled();
    }
  }
  const h = session.handles.get(path.handle);
  if (!h) return errorReply(E.HANDLE_NOT_FOUND, `No such handle ${path.handle} in session ${s}`, s, tx);
  switch (req) {
    case 'message':
      return message(gw, now, h, root, tx);
    case 'trickle':
      return trickle(now, h, root, tx);
    case 'hangup':
      gw.hangup(now, h, 'Janus API');
      return { janus: 'success', session_id: s, transaction: tx };
    case 'detach':
      gw.detach(now, h);
      return { janus: 'success', session_id: s, transaction: tx };
    default:
      return unhandled();
  }
}

function create(gw: JanusGateway, now: Micros, root: JsonObject, tx: string): JsonObject {
  const wanted = root.id;
  if (wanted !== undefined && (typeof wanted !== 'number' || !Number.isSafeInteger(wanted) || wanted <= 0)) return errorReply(E.INVALID_ELEMENT_TYPE, 'Invalid element type (id should be a positive integer)', undefined, tx);
  if (typeof wanted === 'number' && gw.sessions.has(wanted)) return errorReply(E.SESSION_CONFLICT, 'Session ID already in use', undefined, tx);
  const id = typeof wanted === 'number' ? wanted : gw.newId((x) => gw.sessions.has(x));
  gw.createSession(now, id);
  return { janus: 'success', transaction: tx, data: { id } };
}

function info(gw: JanusGateway, tx: string): JsonObject {
  const plugins: JsonObject = {};
  for (const p of gw.plugins.values()) plugins[p.package] = { name: p.shortName, version_string: p.versionString, description: p.description };
  return {
    janus: 'server_info', transaction: tx, name: 'Janus WebRTC Server (rtclab simulation)', version: 1102, version_string: '1.1.2',
    'session-timeout': gw.options.sessionTimeout / 1_000_000, 'server-name': gw.options.serverName, 'local-ip': gw.options.ip,
    'ice-lite': false, 'full-trickle': false, plugins,
  };
}

function attach(gw: JanusGateway, now: Micros, session: JanusSession, root: JsonObject, tx: string): JsonObject {
  const pkg = root.plugin;
  if (pkg === undefined) return errorReply(E.MISSING_MANDATORY_ELEMENT, 'Missing mandatory element (plugin)', session.id, tx);
  if (typeof pkg !== 'string') return errorReply(E.INVALID_ELEMENT_TYPE, 'Invalid element type (plugin should be a string)', session.id, tx);
  const plugin = gw.plugins.get(pkg);
  if (!plugin) return errorReply(E.PLUGIN_NOT_FOUND, `No such plugin '${pkg}'`, session.id, tx);
  const opaque = typeof root.opaque_id === 'string' ? root.opaque_id : undefined;
  const h = gw.attach(now, session, plugin, opaque);
  return { janus: 'success', session_id: session.id, transaction: tx, data: { id: h.id } };
}

function message(gw: JanusGateway, now: Micros, h: JanusHandle, root: JsonObject, tx: string): JsonObject {
  const s = h.session.id;
  const body = root.body;
  if (body === undefined) return errorReply(E.MISSING_MANDATORY_ELEMENT, 'Missing mandatory element (body)', s, tx);
  if (!isObject(body)) return errorReply(E.INVALID_ELEMENT_TYPE, 'Invalid element type (body should be an object)', s, tx);
  h.stats.messages++;
  let pluginJsep: Jsep | undefined;
  if (root.jsep !== undefined) {
    const j = root.jsep;
    if (!isObject(j)) return errorReply(E.INVALID_ELEMENT_TYPE, 'Invalid element type (jsep should be an object)', s, tx);
    if (j.type === undefined) return errorReply(E.MISSING_MANDATORY_ELEMENT, 'JSEP error: missing mandatory element (type)', s, tx);
    if (j.type !== 'offer' && j.type !== 'answer') return errorReply(E.JSEP_UNKNOWN_TYPE, `JSEP error: unknown message type '${String(j.type)}'`, s, tx);
    if (typeof j.sdp !== 'string') return errorReply(E.MISSING_MANDATORY_ELEMENT, 'JSEP error: missing mandatory element (sdp)', s, tx);
    const parsed = decodeSdp(j.sdp).value;
    if (parsed.origin === undefined || parsed.sessionName === undefined || parsed.media.length === 0) return errorReply(E.JSEP_INVALID_SDP, 'Missing mandatory lines (o=, s= or m=)', s, tx);
    if (j.type === 'answer' && (h.lastLocalJsep !== 'offer' || !h.pc || h.pc.closed !== undefined)) return errorReply(E.UNEXPECTED_ANSWER, 'Unexpected ANSWER (did we offer?)', s, tx);
    const remote = readDescription(j.sdp);
    if (!remote.ok) return errorReply(E.JSEP_INVALID_SDP, `JSEP error: invalid SDP (${remote.error})`, s, tx);
    if (j.type === 'answer') {
      // the browser answers the gateway's offer (a plugin offered: an incoming SIP call)
      const answered = sectionsOf(j.sdp);
      if ('error' in answered) return errorReply(E.JSEP_INVALID_SDP, `JSEP error: invalid SDP (${answered.error})`, s, tx);
      const pc = h.pc!;
      pc.setRemote(now, remote.value);
      pc.settleSections(answered.sections);
      h.lastRemoteJsep = 'answer';
      h.lastLocalJsep = undefined;
      gw.note('janus.jsep', `handle ${h.id}: answer from the browser (${remote.value.mids.length} m-line(s), ${remote.value.candidates.length} candidate(s), a=setup:${remote.value.setup ?? 'none'})`, { handle: h.id, type: 'answer', candidates: remote.value.candidates.length });
      for (const c of h.pendingTrickles.splice(0)) applyCandidate(now, h, c);
      pluginJsep = { type: 'answer', sdp: anonymize(j.sdp) };
    } else {
      const pc = gw.peerConnection(now, h);
      if (!pc) return errorReply(E.UNKNOWN, 'Error setting ICE locally: no RTP port left', s, tx);
      pc.setRemote(now, remote.value);
      h.lastRemoteJsep = 'offer';
      gw.note('janus.jsep', `handle ${h.id}: offer from the browser (${remote.value.mids.length} m-line(s), ${remote.value.candidates.length} candidate(s))`, { handle: h.id, type: 'offer', candidates: remote.value.candidates.length });
      for (const c of h.pendingTrickles.splice(0)) applyCandidate(now, h, c);
      pluginJsep = { type: 'offer', sdp: anonymize(j.sdp), ...(j.trickle === false ? { trickle: false } : {}) };
    }
  }
  let r: ReturnType<typeof h.plugin.handleMessage>;
  try {
    r = h.plugin.handleMessage(now, h.id, tx, body, pluginJsep);
  } catch (e) {
    // a plugin that fails on a message (a port it cannot bind, a bug) answers it with an error; the gateway goes on
    const why = e instanceof Error ? e.message : String(e);
    gw.note('janus.plugin-error', `handle ${h.id}: ${h.plugin.package} failed on a message: ${why}`, { handle: h.id, plugin: h.plugin.package, error: why });
    return errorReply(E.PLUGIN_MESSAGE, `${h.plugin.package}: ${why}`, s, tx);
  }
  if (r.type === 'error') return errorReply(E.PLUGIN_MESSAGE, r.text, s, tx);
  if (r.type === 'ok') return { janus: 'success', session_id: s, transaction: tx, sender: h.id, plugindata: { plugin: h.plugin.package, data: r.content } };
  return { janus: 'ack', session_id: s, transaction: tx, ...(r.hint !== undefined ? { hint: r.hint } : {}) };
}

/** `trickle` with `candidate` (one, or `{"completed":true}`) or `candidates` (a list). */
function trickle(now: Micros, h: JanusHandle, root: JsonObject, tx: string): JsonObject {
  const s = h.session.id;
  const list: JsonValue[] | undefined = root.candidate !== undefined ? [root.candidate] : Array.isArray(root.candidates) ? root.candidates : undefined;
  if (list === undefined) {
    if (root.candidates !== undefined) return errorReply(E.INVALID_ELEMENT_TYPE, 'Invalid element type (candidates should be an array)', s, tx);
    return errorReply(E.MISSING_MANDATORY_ELEMENT, 'Missing mandatory element (candidate|candidates)', s, tx);
  }
  for (const c of list) {
    if (!isObject(c)) return errorReply(E.INVALID_ELEMENT_TYPE, 'Invalid element type (candidate should be an object)', s, tx);
    if (c.completed !== true && typeof c.candidate !== 'string') return errorReply(E.MISSING_MANDATORY_ELEMENT, 'Missing mandatory element (candidate)', s, tx);
  }
  for (const c of list as JsonObject[]) {
    h.stats.trickles++;
    const line = c.completed === true ? null : String(c.candidate).replace(/^a=/, '').replace(/^candidate:/, '');
    if (!h.pc || h.lastRemoteJsep === undefined) h.pendingTrickles.push(line);
    else applyCandidate(now, h, line);
  }
  return { janus: 'ack', session_id: s, transaction: tx };
}

function applyCandidate(now: Micros, h: JanusHandle, line: string | null): void {
  if (!h.pc) return;
  if (line === null) h.pc.endOfCandidates(now);
  else if (line.length > 0) h.pc.addRemoteCandidate(now, line);
}

/**
 * push_event: the plugin's event on the session's queue. A JSEP answer is merged with the handle's transport
 * (its candidates, credentials, fingerprint, a=setup:active, its SSRCs). A JSEP offer (the gateway offering: an
 * incoming SIP call) makes the handle's PeerConnection as the offerer (ICE controlling) and is merged the same way
 * with a=setup:actpass; the browser answers it in a `message` (the SIP plugin's `accept`). An offer on a handle whose
 * PeerConnection is up (a renegotiation) is not modelled and is refused with a note.
 */
export function pushPluginEvent(gw: JanusGateway, now: Micros, h: JanusHandle, transaction: string | undefined, data: JsonObject, jsep: Jsep | undefined): boolean {
  if (h.detached) return false;
  let j: JsonObject | undefined;
  if (jsep) {
    const refuse = (why: string): false => {
      gw.note('janus.jsep.refused', `handle ${h.id}: ${h.plugin.package} pushed a JSEP ${jsep.type} the gateway cannot use (${why})`, { handle: h.id, type: jsep.type });
      return false;
    };
    const offering = jsep.type === 'offer';
    if (offering && h.pc && h.pc.closed === undefined) return refuse('a renegotiation of a PeerConnection that is up is not modelled');
    if (!offering && (!h.pc || h.lastRemoteJsep !== 'offer')) return refuse('no offer from the browser');
    const sec = sectionsOf(jsep.sdp);
    if ('error' in sec) return refuse(`the plugin's SDP is unusable: ${sec.error}`);
    const pc = offering ? gw.peerConnection(now, h, true) : h.pc;
    if (!pc) return refuse('no RTP port left');
    pc.setSections(now, sec.sections);
    const candidates = pc.localCandidates(now);
    const sdp = mergeTransport(jsep.sdp, {
      ip: gw.options.ip, ufrag: pc.agent.ufrag, pwd: pc.agent.pwd, fingerprint: gw.options.identity.fingerprint, setup: pc.dtlsSetup, candidates,
      ssrcs: new Map(pc.sections.map((x) => [x.mid, x.ssrcOut])), version: 1,
    });
    if (offering) {
      h.lastLocalJsep = 'offer';
      h.lastRemoteJsep = undefined;
      gw.note('janus.jsep', `handle ${h.id}: offer to the browser from ${h.plugin.package} (${sec.sections.length} m-line(s), ${candidates.length} candidate(s), a=setup:actpass)`, { handle: h.id, type: 'offer', candidates: candidates.length });
    } else {
      h.lastRemoteJsep = 'answer';
      h.lastLocalJsep = 'answer';
    }
    j = { type: jsep.type, sdp };
  }
  h.stats.eventsPushed++;
  gw.enqueue(now, {
    janus: 'event', session_id: h.session.id, ...(transaction !== undefined ? { transaction } : {}), sender: h.id,
    plugindata: { plugin: h.plugin.package, data }, ...(j ? { jsep: j } : {}),
  });
  return true;
}
