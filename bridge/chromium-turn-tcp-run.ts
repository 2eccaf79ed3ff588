// Node only, run inside the client's network namespace (bridge/udp-firewall-netns.ts starts it): headless Chromium,
// relay only, given one TURN server over UDP and over TCP, calls our sim WebRtcPeer bound to this namespace's link
// address (the relay, in the server's namespace, must reach it). Prints one JSON line: the page's final state,
// Chromium's selected pair and its local candidate from getStats(), our peer's summary and key log.
//   node --import tsx bridge/chromium-turn-tcp-run.ts OUR_IP TURN_IP TURN_PORT USER PASSWORD MEDIA_MS WAIT_MS GATHER_MS [GATHER_UNTIL]
import type { JsonValue } from '../sim/core/trace.ts';
import { chromiumCall } from './chromium-call.ts';

const [ourIp, turnIp, turnPort, user, password, mediaMs, waitMs, gatherMs, gatherUntil] = process.argv.slice(2);
if (!ourIp || !turnIp || !turnPort || !user || !password || !mediaMs || !waitMs || !gatherMs) {
  throw new Error('usage: chromium-turn-tcp-run.ts OUR_IP TURN_IP TURN_PORT USER PASSWORD MEDIA_MS WAIT_MS GATHER_MS [GATHER_UNTIL]');
}

type Stat = Record<string, JsonValue>;
const turn = `turn:${turnIp}:${turnPort}`;
const rtcConfiguration = { iceServers: [{ urls: [`${turn}?transport=udp`, `${turn}?transport=tcp`], username: user, credential: password }], iceTransportPolicy: 'relay' };
// Chromium's TCP sockets for TURN resolve their host through the resolver rules even when it is an IP address: the
// TURN server's address is excluded from the rule that keeps everything else off the network
const extraArgs = [`--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1, EXCLUDE ${turnIp}`];
// the offer leaves when gathering ends, GATHER_MS passed, or (GATHER_UNTIL) its SDP matches: gathering itself lasts
// as long as the UDP Allocate goes unanswered (Chromium retransmits it for about 40 s)
const gather = { ms: Number(gatherMs), ...(gatherUntil ? { until: gatherUntil } : {}) };
const r = await chromiumCall({ mediaMs: Number(mediaMs), waitMs: Number(waitMs), bindAddress: ourIp, rtcConfiguration, gather, extraArgs });
const stats = Object.values(r.stats);
const transport = stats.find((s) => s.type === 'transport');
const pair = stats.find((s) => s.type === 'candidate-pair' && s.id === transport?.selectedCandidatePairId);
const local: Stat | undefined = stats.find((s) => s.id === pair?.localCandidateId);
const remote: Stat | undefined = stats.find((s) => s.id === pair?.remoteCandidateId);
const inbound = stats.filter((s) => s.type === 'inbound-rtp').map((s) => ({ kind: s.kind ?? null, ssrc: s.ssrc ?? null, packetsReceived: s.packetsReceived ?? null }));
console.log(JSON.stringify({
  browserVersion: r.browserVersion, rtcConfiguration, extraArgs, gather, pageState: r.pageState, pageErrors: r.pageErrors, agentRole: r.agentRole, ourAddress: r.ourAddress,
  selectedPair: pair ?? null, localCandidate: local ?? null, remoteCandidate: remote ?? null, inbound, ourStreams: r.ourStreams.map((s) => ({ kind: s.kind, ssrc: s.ssrc })),
  ours: r.summary, offer: r.offer, answer: r.answer, notes: r.notes.map((n) => n.text), keyLog: r.keyLog,
}));
