/**
 * Calls broken (or degraded) by a faulty signaling layer: the signaling server's `mangle` rules
 * (sim/signaling-wire/mangle.ts) drop or rewrite what it forwards, the way buggy signaling code does in real apps.
 * Each peer does what its own description says and learns a different one about the other side; the diagnosis
 * (sim/diagnosis) names the cause from the packets and notes. sim/diagnosis/presets.test.ts pins each cause.
 */
import { p2p } from './calls.ts';
import { sideNodes } from './ice-pair.ts';
import type { PresetInfo } from './index.ts';

type Json = Record<string, unknown>;

/** A call between two browsers behind port-restricted cone NATs whose signaling server applies `mangle`. */
function mangled(name: string, title: string, description: string, mangle: Json[], o: { duration?: string; media?: Json; turn?: boolean } = {}): Json {
  const peer: Json = { ...(o.media ? { media: o.media } : {}), ...(o.turn === false ? { turn: [] } : {}) };
  return p2p(name, title, description, sideNodes('alice', 'port-restricted-cone'), sideNodes('bob', 'port-restricted-cone'), {
    duration: o.duration ?? '20s', alice: peer, bob: peer, signaling: { mangle },
  });
}

export function signalingFaultPresets(): PresetInfo[] {
  const out: PresetInfo[] = [];
  const add = (name: string, title: string, description: string, build: (n: string, t: string, d: string) => Json): void => {
    out.push({ name, title, description, build: () => build(name, title, description) });
  };
  add('fail-candidates-lost', 'Failure: the signaling server loses trickled candidates', "Alice trickles her candidates (RFC 8838) and the signaling server drops every one of them: Bob's agent never learns where Alice is, sends no check, and so never opens a hole in his NAT. Alice's checks toward Bob's candidates arrive at Bob's port-restricted NAT from an address Bob never sent to, and are filtered. Without TURN, ICE fails.", (n, t, d) =>
    mangled(n, t, d, [{ message: 'candidate', from: 'alice', drop: true }], { turn: false, duration: '45s' }),
  );
  add('call-no-end-of-candidates', 'Degraded: end-of-candidates never arrives', 'The signaling server drops the end-of-candidates messages (RFC 8838 §4.4). The call connects on the candidates that did arrive, but neither agent ever knows that the other has finished gathering: had every pair failed, ICE would have waited forever in "checking" instead of failing (RFC 8445 §8.1.2).', (n, t, d) =>
    mangled(n, t, d, [{ message: 'end-of-candidates', drop: true }]),
  );
  add('fail-ice-pwd-mismatch', 'Failure: the answer carries a wrong a=ice-pwd', "A middle layer rewrites Bob's a=ice-pwd in his answer. Alice signs her checks with the wrong password: Bob answers each with 401 Unauthorized (RFC 8445 §7.3, RFC 8489 §9.1.3). Bob's own checks reach Alice, but her responses carry MESSAGE-INTEGRITY that Bob checks against his password, and Alice discards Bob's responses to her as unauthenticated. No pair is valid in both directions, and ICE fails.", (n, t, d) =>
    mangled(n, t, d, [{ message: 'answer', sdp: { icePwd: 'rewrittenRewrittenPwd1' } }], { duration: '45s' }),
  );
  add('call-no-common-audio-codec', 'Degraded: no audio codec in common', "A middle layer strips Opus, G722, PCMU and PCMA from Alice's offer, leaving RED, comfort noise and telephone-event in the audio section: none of them can carry a voice. Bob rejects the audio section (port 0, JSEP §5.3.1) and accepts the video: the call connects with video only.", (n, t, d) =>
    mangled(n, t, d, [{ message: 'offer', sdp: { removeCodecs: ['opus', 'G722', 'PCMU', 'PCMA'] } }]),
  );
  add('fail-setup-both-active', 'Failure: both browsers told to be the DTLS client', "The signaling server rewrites a=setup in both directions: Bob reads a=setup:passive in Alice's offer and answers active; Alice reads a=setup:passive in Bob's answer and becomes active too (RFC 8842 §5.1 wants one of each). Each sends ClientHellos, and neither answers one.", (n, t, d) =>
    mangled(n, t, d, [{ message: 'offer', sdp: { setup: 'passive' } }, { message: 'answer', sdp: { setup: 'passive' } }]),
  );
  add('fail-setup-both-passive', 'Failure: both browsers told to be the DTLS server', "The signaling server rewrites a=setup in both directions: Bob reads a=setup:active in Alice's offer and answers passive; Alice reads a=setup:active in Bob's answer and waits as the DTLS server too. ICE selects a pair, consent checks go on, and no DTLS datagram ever crosses it.", (n, t, d) =>
    mangled(n, t, d, [{ message: 'offer', sdp: { setup: 'active' } }, { message: 'answer', sdp: { setup: 'active' } }]),
  );
  add('call-one-way-media', 'Degraded: media flows one way only', "A middle layer turns Alice's a=sendrecv into a=sendonly: Bob believes Alice only sends, answers a=recvonly, and sends nothing back (RFC 8829 §5.3.1). Alice's audio and video reach Bob; Bob's camera and microphone are never heard.", (n, t, d) =>
    mangled(n, t, d, [{ message: 'offer', sdp: { direction: 'sendonly' } }]),
  );
  return out;
}
