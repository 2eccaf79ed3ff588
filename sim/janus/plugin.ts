import type { EndpointOutput, IcmpError, TransportAddress } from '../core/endpoint.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import type { JsonValue } from '../core/trace.ts';
import type { DtlsIdentity } from '../dtls/identity.ts';

/**
 * The gateway's plugin interface: Janus's `janus_plugin` (plugin.h: create_session, handle_message, setup_media,
 * incoming_rtp/rtcp, slow_link, hangup_media, destroy_session, query_session) and the gateway's `janus_callbacks`
 * (push_event, relay_rtp/rtcp, send_pli, close_pc, end_session), sans-IO: every call carries `now`, and a plugin
 * that owns sockets and timers of its own (the SIP plugin: SIP over UDP, plain RTP to a phone) is also driven like
 * an endpoint (handleDatagram / handleTimeout / poll) on ports it opens through `JanusPluginHost.bind`.
 *
 * JSEP as plugins see it is anonymized, as Janus does (janus_sdp_anonymize): the gateway owns ICE and DTLS, so an
 * offer handed to a plugin has no ice-ufrag/ice-pwd/candidates/fingerprint/setup/ice-options lines, and the SDP a
 * plugin answers (or offers) with has none either; the gateway merges its own into the JSEP it sends the browser
 * (janus_sdp_merge) and sets up the handle's PeerConnection from the browser's full SDP.
 */

export type JsonObject = { [key: string]: JsonValue };

/** A JSEP given to or by a plugin (janus.c: "jsep" with type and sdp; the sdp is anonymized). */
export interface Jsep {
  readonly type: 'offer' | 'answer';
  readonly sdp: string;
  /** The browser said it trickles (JSEP `trickle`, default true in Janus). */
  readonly trickle?: boolean;
}

/**
 * What handle_message returns (plugin.h janus_plugin_result_type):
 * - `ok`: a synchronous answer; the gateway replies `success` with `plugindata` {plugin, data: content}.
 * - `okWait`: the gateway replies `ack` (with `hint` when given); the plugin answers later through `pushEvent`
 *   with the same transaction (it may call pushEvent before returning: the gateway queues the event after the ack).
 * - `error`: the gateway replies `error` with code 462 (JANUS_ERROR_PLUGIN_MESSAGE) and this text.
 */
export type JanusPluginResult =
  | { readonly type: 'ok'; readonly content: JsonObject }
  | { readonly type: 'okWait'; readonly hint?: string }
  | { readonly type: 'error'; readonly text: string };

/**
 * One RTP or RTCP packet of a handle's PeerConnection, plain (SRTP removed on the way in, added on the way out):
 * janus_plugin_rtp / janus_plugin_rtcp. `mindex` is the m-line's index in the negotiated SDP.
 */
export interface JanusMediaPacket {
  readonly video: boolean;
  readonly mindex: number;
  readonly bytes: Uint8Array;
}

/**
 * The gateway's callbacks, bound to one handle (janus_callbacks with the janus_plugin_session). Given to the plugin
 * in createSession; valid until destroySession.
 */
export interface JanusHandleContext {
  readonly sessionId: number;
  readonly handleId: number;
  /** The `opaque_id` the client gave in `attach`, if any. */
  readonly opaqueId: string | undefined;
  /**
   * push_event: queues `{"janus":"event","session_id","sender":handleId,"transaction","plugindata":{plugin,data},
   * "jsep"}` on the session's event queue (delivered by the long poll). A JSEP answer completes the handle's
   * PeerConnection (the gateway adds its ICE credentials, candidates and fingerprint); a JSEP offer starts one with
   * the gateway as offerer. False (with a note) when the JSEP is unusable (e.g. an answer with no offer pending).
   */
  pushEvent(now: Micros, transaction: string | undefined, data: JsonObject, jsep?: Jsep): boolean;
  /** relay_rtp: sends plain RTP to the browser on this handle's PeerConnection (the gateway SRTP-protects it). */
  relayRtp(now: Micros, packet: JanusMediaPacket): void;
  /** relay_rtcp: the same for RTCP (compound or reduced-size). */
  relayRtcp(now: Micros, packet: JanusMediaPacket): void;
  /** send_pli: asks the browser for a keyframe on the video m-line (RFC 4585 §6.3.1 PLI, sent by the gateway). */
  sendPli(now: Micros, mindex: number): void;
  /** send_remb: tells the browser the most it may send (draft-alvestrand-rmcat-remb REMB, sent by the gateway). */
  sendRemb(now: Micros, bitrate: number): void;
  /** close_pc: tears down the PeerConnection (the gateway emits `hangup` and then calls hangupMedia). */
  closePc(now: Micros, reason: string): void;
  /** end_session: detaches the handle from the plugin's side (the gateway emits `detached`). */
  endSession(now: Micros): void;
  /** A note on the gateway's timeline, its kind prefixed with the plugin's short name (`janus.echotest.…`). */
  note(now: Micros, kind: string, text: string, data?: JsonObject): void;
}

/** What the gateway offers a plugin as a whole (not per handle): its host, ports, randomness, identity. */
export interface JanusPluginHost {
  /** The gateway host's address (for SDP a plugin writes towards a non-WebRTC peer, e.g. a SIP phone). */
  readonly ip: string;
  /** Opens a UDP port on the gateway's host for this plugin (SIP signaling, plain RTP); datagrams there go to handleDatagram. */
  bind(port: number): TransportAddress;
  /** The plugin's own RNG stream (forked by the plugin's package name). */
  readonly rng: Rng;
  /** The gateway host's DTLS identity (a plugin rarely needs it; the gateway's DTLS uses it). */
  readonly identity: DtlsIdentity;
}

/**
 * A plugin instance in one gateway. Handle ids are the gateway's (unique across sessions). The media calls come only
 * once the handle's PeerConnection is up (setupMedia, i.e. `webrtcup`) and stop at hangupMedia.
 */
export interface JanusPlugin {
  /** The package name clients attach to: `janus.plugin.echotest`. */
  readonly package: string;
  /** Its short name in Janus's `info` and notes: `echotest`. */
  readonly shortName: string;
  readonly versionString: string;
  readonly description: string;
  /** create_session: a handle attached to this plugin. */
  createSession(now: Micros, handle: JanusHandleContext): void;
  /** handle_message: a `message` request's `body` (always an object) and the browser's anonymized JSEP, if any. */
  handleMessage(now: Micros, handleId: number, transaction: string, body: JsonObject, jsep: Jsep | undefined): JanusPluginResult;
  /** setup_media: ICE and DTLS are up on the handle (the gateway has sent `webrtcup`). */
  setupMedia(now: Micros, handleId: number): void;
  /** incoming_rtp: plain RTP from the browser. */
  incomingRtp(now: Micros, handleId: number, packet: JanusMediaPacket): void;
  /** incoming_rtcp: plain RTCP from the browser. */
  incomingRtcp(now: Micros, handleId: number, packet: JanusMediaPacket): void;
  /** slow_link: the gateway saw losses on a direction (`uplink` = browser to gateway); it has sent `slowlink`. */
  slowLink?(now: Micros, handleId: number, mindex: number, video: boolean, uplink: boolean): void;
  /** hangup_media: the PeerConnection is gone (hangup request, close_pc, DTLS alert, detach). */
  hangupMedia(now: Micros, handleId: number): void;
  /** destroy_session: the handle is detached (or its session destroyed or timed out). */
  destroySession(now: Micros, handleId: number): void;
  /** query_session: the plugin's view of a handle for `handle_info` (Admin API) and the summary. */
  querySession?(handleId: number): JsonObject;

  // ---- the plugin's own sockets and timers (optional; the gateway drives them as an endpoint's) ----------------
  handleDatagram?(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array): void;
  handleIcmpError?(now: Micros, e: IcmpError): void;
  handleTimeout?(now: Micros): void;
  /** Transmits on the plugin's ports, notes, then `timeout`/`idle` as an endpoint's poll. */
  poll?(now: Micros): EndpointOutput;
}

/** How a gateway makes a plugin from its host and its configuration (the gateway app's `plugins` entry). */
export interface JanusPluginFactory {
  readonly package: string;
  create(host: JanusPluginHost, config: JsonObject): JanusPlugin;
}
