import type { Micros } from '../core/time.ts';
import type { JanusPeerConnection } from './peer-connection.ts';
import type { JanusHandleContext, JanusPlugin, JsonObject } from './plugin.ts';

/** A handle: one client's attachment to one plugin (janus_ice_handle), with its PeerConnection once it negotiates. */
export interface JanusHandle {
  readonly id: number;
  readonly session: JanusSession;
  readonly plugin: JanusPlugin;
  readonly context: JanusHandleContext;
  readonly opaqueId: string | undefined;
  pc: JanusPeerConnection | undefined;
  /** Trickled candidates that came before the offer (Janus keeps them until it has a PeerConnection). */
  readonly pendingTrickles: (string | null)[];
  /** `type` of the last JSEP the gateway received from the browser (an answer needs an offer of the gateway's). */
  lastRemoteJsep: 'offer' | 'answer' | undefined;
  /** `type` of the last JSEP the gateway sent the browser: an offer when a plugin offered (an incoming SIP call). */
  lastLocalJsep: 'offer' | 'answer' | undefined;
  detached: boolean;
  readonly stats: { messages: number; trickles: number; eventsPushed: number; webrtcup: boolean; mediaEvents: number; slowlinks: number; hangups: number; hangupReason: string | null };
}

/** A session (janus_session): its handles, its event queue and when it last heard from its client. */
export interface JanusSession {
  readonly id: number;
  readonly createdAt: Micros;
  readonly handles: Map<number, JanusHandle>;
  /** Every handle it ever had, detached ones included (the summary). */
  readonly attached: JanusHandle[];
  /** Events waiting for a long poll (or another transport's push), oldest first. */
  readonly queue: JsonObject[];
  lastActivity: Micros;
  destroyed: 'destroy' | 'timeout' | undefined;
  /** Every event the session emitted, by `janus` kind, in order (the summary). */
  readonly emitted: string[];
}
