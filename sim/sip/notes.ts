import { noteMaker, type KindSet, type NotesOf } from '../core/note.ts';

/** The notes of SIP user agents, registrars and their transactions (RFC 3261). Addresses are "ip:port". */
export type SipNoteKinds = {
  /** A datagram that is not a SIP message this endpoint can read: dropped (RFC 3261 §18.3). */
  'sip.malformed': { readonly from: string; readonly reason: string };
  /** A client transaction gave up: Timer B or F fired (RFC 3261 §17.1.1.2, §17.1.2.2), or a 2xx was never ACKed. */
  'sip.timeout': { readonly method: string; readonly timer: string; readonly to: string };
  /** A registrar stored, refreshed or removed a binding (RFC 3261 §10.3). */
  'sip.registered': { readonly aor: string; readonly contact: string; readonly expires: number };
  /** A registrar refused a REGISTER: 401 challenge, 403 wrong credentials (RFC 3261 §22). */
  'sip.register.rejected': { readonly aor: string; readonly status: number; readonly reason: string };
  /** A registrar challenged or refused an INVITE from one of its users: 407 Proxy-Authenticate, 403 (RFC 3261 §22.3). */
  'sip.invite.challenged': { readonly from: string; readonly status: number; readonly reason: string };
  /** A UA's registration succeeded or failed. */
  'sip.registration': { readonly aor: string; readonly ok: boolean; readonly status: number; readonly expires: number };
  /** A call (INVITE dialog) changed state: calling, ringing, answered, confirmed, ended, failed. */
  'sip.call': { readonly callId: string; readonly state: string; readonly peer: string; readonly status: number | null };
};

export type SipNote = NotesOf<SipNoteKinds>;
export const sipNote = noteMaker<SipNoteKinds>();
export const SIP_NOTE_KINDS = { 'sip.malformed': true, 'sip.timeout': true, 'sip.registered': true, 'sip.register.rejected': true, 'sip.invite.challenged': true, 'sip.registration': true, 'sip.call': true } as const satisfies KindSet<SipNoteKinds>;
