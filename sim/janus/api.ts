import type { JsonObject } from './plugin.ts';

/** Janus API error codes (janus apierror.h), with the names Janus gives them. */
export const JANUS_ERROR = {
  UNAUTHORIZED: 403,
  UNKNOWN: 490,
  TRANSPORT_SPECIFIC: 450,
  MISSING_REQUEST: 452,
  UNKNOWN_REQUEST: 453,
  INVALID_JSON: 454,
  INVALID_JSON_OBJECT: 455,
  MISSING_MANDATORY_ELEMENT: 456,
  INVALID_REQUEST_PATH: 457,
  SESSION_NOT_FOUND: 458,
  HANDLE_NOT_FOUND: 459,
  PLUGIN_NOT_FOUND: 460,
  PLUGIN_ATTACH: 461,
  PLUGIN_MESSAGE: 462,
  PLUGIN_DETACH: 463,
  JSEP_UNKNOWN_TYPE: 464,
  JSEP_INVALID_SDP: 465,
  TRICKE_INVALID_STREAM: 466,
  INVALID_ELEMENT_TYPE: 467,
  SESSION_CONFLICT: 468,
  UNEXPECTED_ANSWER: 469,
  WEBRTC_STATE: 471,
} as const;

/** The requests of the Janus API (janus.c), by the path they are valid at. */
export const ROOT_REQUESTS = ['create', 'info', 'ping'] as const;
export const SESSION_REQUESTS = ['attach', 'keepalive', 'destroy', 'claim'] as const;
export const HANDLE_REQUESTS = ['message', 'trickle', 'hangup', 'detach'] as const;

/**
 * The `janus` values a gateway sends (janus.c): answers to requests, and events on a session's queue. Our dissector
 * and the client both read them.
 */
export type JanusKind =
  | 'success' | 'ack' | 'error' | 'server_info' | 'pong'
  | 'event' | 'webrtcup' | 'media' | 'slowlink' | 'hangup' | 'detached' | 'timeout' | 'keepalive' | 'trickle';

/** `{"janus":"error","session_id"?,"transaction"?,"error":{"code","reason"}}`, fields in Janus's order. */
export function errorReply(code: number, reason: string, sessionId: number | undefined, transaction: string | undefined): JsonObject {
  return {
    janus: 'error',
    ...(sessionId !== undefined ? { session_id: sessionId } : {}),
    ...(transaction !== undefined ? { transaction } : {}),
    error: { code, reason },
  };
}

/**
 * The text of a Janus message as the HTTP transport writes it (json = "indented", Janus's default: jansson's
 * JSON_INDENT(3), keys in insertion order).
 */
export function janusText(m: JsonObject | readonly JsonObject[]): string {
  return JSON.stringify(m, null, 3);
}

/** A 64-bit-safe Janus id: Janus draws ids in [1, 2^53) so JavaScript clients read them exactly. */
export const MAX_JANUS_ID = 2 ** 53 - 1;
