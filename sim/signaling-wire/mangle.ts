/**
 * A signaling server that changes what it forwards: the bugs real signaling layers have (a candidate lost, an SDP
 * rewritten by a "helpful" middle layer, credentials or roles overwritten). The `signaling-server` app's `mangle`
 * rules make every cause of sim/diagnosis reproducible with real peers: each peer does what its own description
 * says, and learns a different one about the other side. The relay applies the rules to the JSON text it forwards;
 * the wire carries the changed message, and the server notes what it changed (`signaling.mangled`).
 */

/** Which messages a rule applies to: JSEP descriptions, trickled candidates and end-of-candidates. */
export type MangledMessage = 'offer' | 'answer' | 'candidate' | 'end-of-candidates';
export const MANGLED_MESSAGES: readonly MangledMessage[] = ['offer', 'answer', 'candidate', 'end-of-candidates'];

/** Edits of an SDP description, line by line (RFC 8866 §5): what they replace or remove. */
export interface SdpEdits {
  /** Remove every a=candidate and a=end-of-candidates line (a description sent before gathering, candidates never trickled). */
  readonly removeCandidates?: boolean;
  /** Replace the value of every a=ice-ufrag / a=ice-pwd line (RFC 8839 §5.4). */
  readonly iceUfrag?: string;
  readonly icePwd?: string;
  /** Replace the value of every a=setup line (RFC 4145 §4, RFC 8842 §5.1). */
  readonly setup?: 'active' | 'passive' | 'actpass';
  /** Replace the value of every a=fingerprint line ("sha-256 AB:CD:…", RFC 8122 §5). */
  readonly fingerprint?: string;
  /** Remove the payload types of these codecs (rtpmap names, any case) with their rtpmap/fmtp/rtcp-fb lines and the RTX types that repair them. */
  readonly removeCodecs?: readonly string[];
  /** Replace the direction attribute of every media section (RFC 8866 §6.7). */
  readonly direction?: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
}

export interface MangleRule {
  readonly message: MangledMessage;
  /** Only messages from / to this party (its host name); any party when absent. */
  readonly from?: string;
  readonly to?: string;
  /** Drop the message instead of forwarding it. */
  readonly drop?: boolean;
  /** Change the description's SDP (offers and answers only). */
  readonly sdp?: SdpEdits;
}

/** What a rule did to one message, for the server's note. */
export interface MangleResult {
  /** The text to forward, or undefined when a rule dropped the message. */
  readonly text: string | undefined;
  /** One phrase per change, e.g. "a=setup:actpass → active"; empty when no rule matched. */
  readonly changes: readonly string[];
  readonly message?: MangledMessage;
}

type Obj = Record<string, unknown>;

/**
 * Applies the rules to a message `from` → `to` whose JSON body (without routing fields) is `body`; `forward` turns a
 * (possibly changed) body back into the text the relay sends. Messages that are not JSEP offers, answers, candidates
 * or end-of-candidates (protoo requests, ice-agent signals) pass untouched.
 */
export function mangleMessage(rules: readonly MangleRule[], from: string, to: string, body: Obj, forward: (body: Obj) => string): MangleResult {
  const type = body['type'];
  const message = MANGLED_MESSAGES.find((m) => m === type);
  if (message === undefined || body['request'] !== undefined) return { text: forward(body), changes: [] };
  const changes: string[] = [];
  let out = body;
  for (const rule of rules) {
    if (rule.message !== message) continue;
    if (rule.from !== undefined && rule.from !== from) continue;
    if (rule.to !== undefined && rule.to !== to) continue;
    if (rule.drop) return { text: undefined, changes: [...changes, `${message} dropped`], message };
    const sdp = out['sdp'];
    if (rule.sdp && typeof sdp === 'string') {
      const edited = editSdp(sdp, rule.sdp);
      changes.push(...edited.changes);
      out = { ...out, sdp: edited.sdp };
    }
  }
  return { text: forward(out), changes, message };
}

/** Applies `edits` to an SDP text; says what it changed. Lines keep their CRLF endings (RFC 8866 §5). */
export function editSdp(sdp: string, edits: SdpEdits): { sdp: string; changes: string[] } {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  let lines = sdp.split(eol);
  const trailing = lines[lines.length - 1] === '' ? lines.pop() : undefined;
  const changes: string[] = [];
  const replace = (prefix: string, value: string, what: string): void => {
    const before = new Set<string>();
    lines = lines.map((l) => {
      if (!l.startsWith(prefix)) return l;
      before.add(l.slice(prefix.length));
      return prefix + value;
    });
    if (before.size > 0) changes.push(`${what}:${[...before].join('/')} → ${value}`);
  };
  if (edits.removeCandidates) {
    const n = lines.filter((l) => l.startsWith('a=candidate:') || l === 'a=end-of-candidates').length;
    lines = lines.filter((l) => !l.startsWith('a=candidate:') && l !== 'a=end-of-candidates');
    if (n > 0) changes.push(`${n} candidate line(s) removed`);
  }
  if (edits.iceUfrag !== undefined) replace('a=ice-ufrag:', edits.iceUfrag, 'a=ice-ufrag');
  if (edits.icePwd !== undefined) replace('a=ice-pwd:', edits.icePwd, 'a=ice-pwd');
  if (edits.setup !== undefined) replace('a=setup:', edits.setup, 'a=setup');
  if (edits.fingerprint !== undefined) replace('a=fingerprint:', edits.fingerprint, 'a=fingerprint');
  if (edits.direction !== undefined) {
    const dirs = ['a=sendrecv', 'a=sendonly', 'a=recvonly', 'a=inactive'];
    const before = new Set<string>();
    lines = lines.map((l) => {
      if (!dirs.includes(l)) return l;
      before.add(l.slice(2));
      return `a=${edits.direction!}`;
    });
    if (before.size > 0) changes.push(`direction ${[...before].join('/')} → ${edits.direction}`);
  }
  if (edits.removeCodecs && edits.removeCodecs.length > 0) {
    const removed = removeCodecs(lines, edits.removeCodecs);
    lines = removed.lines;
    if (removed.names.length > 0) changes.push(`codec(s) removed: ${removed.names.join(', ')}`);
  }
  if (trailing !== undefined) lines.push(trailing);
  return { sdp: lines.join(eol), changes };
}

/** Removes the payload types whose a=rtpmap encoding name is listed, and RTX types whose apt= points at one. */
function removeCodecs(lines: string[], names: readonly string[]): { lines: string[]; names: string[] } {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const gone = new Set<string>();
  const removedNames: string[] = [];
  for (const l of lines) {
    const m = /^a=rtpmap:(\d+) ([^/]+)\//.exec(l);
    if (m && wanted.has(m[2]!.toLowerCase())) {
      gone.add(m[1]!);
      removedNames.push(`${m[2]!}/${m[1]!}`);
    }
  }
  // RFC 4588 §8.1: an rtx payload type names the type it repairs with apt=
  for (const l of lines) {
    const m = /^a=fmtp:(\d+) .*\bapt=(\d+)/.exec(l);
    if (m && gone.has(m[2]!)) gone.add(m[1]!);
  }
  if (gone.size === 0) return { lines, names: [] };
  const out: string[] = [];
  for (const l of lines) {
    const attr = /^a=(?:rtpmap|fmtp|rtcp-fb):(\d+)[ ]/.exec(l);
    if (attr && gone.has(attr[1]!)) continue;
    if (l.startsWith('m=')) {
      // m=<media> <port> <proto> <fmt> … (RFC 8866 §5.14): the removed formats leave the list; a section left with none is
      // invalid, as a broken middle layer would send it, and the peer must refuse it
      const parts = l.split(' ');
      const head = parts.slice(0, 3);
      const fmts = parts.slice(3).filter((f) => !gone.has(f));
      out.push([...head, ...fmts].join(' '));
      continue;
    }
    out.push(l);
  }
  return { lines: out, names: removedNames };
}
