// Node only: one call between headless Chromium (offerer, ICE controlling) and our sim WebRtcPeer (answerer,
// a=setup:active so DTLS client, ICE controlled) over real UDP on 127.0.0.1, optionally captured with tshark.
// Used by bridge/chromium-call.test.ts and captures/chromium-rtclab-dtls12/make/make.ts.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { Rng } from '../sim/core/rng.ts';
import type { JsonValue } from '../sim/core/trace.ts';
import { generateDtlsIdentity } from '../sim/dtls/identity.ts';
import { WebRtcPeer } from '../sim/peer/webrtc-peer.ts';
import type { JsepMessage } from '../sim/signaling/jsep.ts';
import type { DataChannelAction } from '../sim/sctp/datachannels.ts';
import { MS } from '../sim/core/time.ts';
import { jsep } from '../sim/signaling/message.ts';
import { startLiveCapture, stopLiveCapture, untilCaptured } from '../test/support/live-capture.ts';
import { UdpBridge, type BridgeNote } from './udp-bridge.ts';
import { sleep, within } from './wait.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = spawnSync(CHROMIUM, ['--version']).status === 0;
export const hasTshark = spawnSync('tshark', ['--version']).status === 0;

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

/** The page: an offerer with fake audio and video; `window.call` is driven from Node step by step. */
const PAGE = `<!doctype html><meta charset="utf-8"><title>rtclab call</title><script>
window.channels = [];
function watch(ch, sendCount) {
  const c = { label: ch.label, id: null, ordered: ch.ordered, maxRetransmits: ch.maxRetransmits, protocol: ch.protocol, received: [], opened: false };
  window.channels.push(c);
  ch.binaryType = 'arraybuffer';
  ch.onmessage = (e) => c.received.push(typeof e.data === 'string' ? e.data : '<' + e.data.byteLength + ' bytes>');
  const send = () => { c.opened = true; c.id = ch.id; for (let i = 1; i <= sendCount; i++) ch.send('chromium says ' + i + ' on ' + ch.label); };
  if (ch.readyState === 'open') send(); else ch.onopen = send;
}
window.call = {
  async offer(config, dataChannels, gather) {
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require', ...(config || {}) });
    window.pc = pc;
    pc.ontrack = () => {};
    if (dataChannels) {
      // a channel Chromium opens (DCEP from the DTLS server: odd stream), and any we open, each answered with 2 messages
      watch(pc.createDataChannel('from-chromium', { protocol: 'chat' }), 3);
      pc.ondatachannel = (e) => watch(e.channel, 2);
    }
    const s = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 240, frameRate: 15 } });
    window.stream = s;
    for (const t of s.getTracks()) pc.addTrack(t, s);
    await pc.setLocalDescription();
    // gathering: until complete, or the local SDP matches gather.until (a regex source), or gather.ms (3 s) passed
    const until = gather && gather.until ? new RegExp(gather.until) : null;
    const enough = () => pc.iceGatheringState === 'complete' || (until !== null && until.test(pc.localDescription.sdp));
    if (!enough()) await new Promise((r) => { pc.onicegatheringstatechange = pc.onicecandidate = () => enough() && r(); setTimeout(r, (gather && gather.ms) || 3000); });
    for (const snd of pc.getSenders()) if (snd.track && snd.track.kind === 'video') {
      const p = snd.getParameters(); if (p.encodings && p.encodings[0]) { p.encodings[0].maxBitrate = 200000; await snd.setParameters(p); }
    }
    return pc.localDescription.sdp;
  },
  async answer(sdp) { await window.pc.setRemoteDescription({ type: 'answer', sdp }); },
  async answerOffer(config, sdp) {
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require', ...(config || {}) });
    window.pc = pc;
    pc.ontrack = () => {};
    const s = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 240, frameRate: 15 } });
    window.stream = s;
    await pc.setRemoteDescription({ type: 'offer', sdp });
    // the offer's transceivers take our tracks (JSEP §5.10: addTrack reuses a recvonly-for-us transceiver of its kind)
    for (const t of s.getTracks()) pc.addTrack(t, s);
    await pc.setLocalDescription();
    if (pc.iceGatheringState !== 'complete') await new Promise((r) => { pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r(); setTimeout(r, 20000); });
    return pc.localDescription.sdp;
  },
  state() { const pc = window.pc; return { connection: pc.connectionState, ice: pc.iceConnectionState, dtls: pc.getSenders()[0]?.transport?.state ?? null }; },
  channels() { return window.channels.map((c) => ({ ...c, received: [...c.received] })); },
  async stats() { const r = await window.pc.getStats(); const o = {}; r.forEach((v) => { o[v.id] = v; }); return o; },
  close() { window.stream?.getTracks().forEach((t) => t.stop()); window.pc?.close(); },
};
</script>`;

export interface ChromiumCallOptions {
  /** Media time after both sides are connected, in ms. */
  readonly mediaMs: number;
  /** Capture the call's UDP on lo into this pcapng file with tshark. */
  readonly captureFile?: string;
  readonly seed?: number;
  /** Gives up after this long (ms) in any one wait. */
  readonly waitMs?: number;
  /** Changes our answer before Chromium gets it (a wrong a=fingerprint, to capture a failing call). */
  readonly mungeAnswer?: (sdp: string) => string;
  /** The call is meant to fail: wait until Chromium or our peer says failed (or the wait ends), then stop without media. */
  readonly expectFailure?: boolean;
  /** More RTCConfiguration for Chromium's peer connection (iceServers, iceTransportPolicy). */
  readonly rtcConfiguration?: { readonly [key: string]: JsonValue };
  /** UDP ports captured beside ours (a TURN server's). */
  readonly captureAlsoPorts?: readonly number[];
  /**
   * Data channels both ways: Chromium opens "from-chromium" (protocol "chat") and sends 3 messages; we open
   * "from-rtclab" and send 3, and send 2 on Chromium's; Chromium answers 2 on ours.
   */
  readonly dataChannels?: boolean;
  /** We offer and Chromium answers (ICE controlling, a=setup:actpass so Chromium chooses its DTLS role); default: Chromium offers. */
  readonly weOffer?: boolean;
  /** Our DTLS versions and DTLS 1.3 groups (default: DTLS 1.2 only, which Chromium falls back to). */
  readonly dtls13?: import('../sim/peer/webrtc-peer.ts').WebRtcPeerOptions['dtls13'];
  /**
   * Our answer's a=setup (RFC 8842 §5.3 lets the answerer to an actpass offer take either): `active` (default, as
   * browsers answer) makes us the DTLS client; `passive` makes Chromium the client and us the DTLS server.
   */
  readonly ourSetup?: 'active' | 'passive';
  /** Our peer's UDP address (default 127.0.0.1): another one when a TURN server in another namespace must reach it. */
  readonly bindAddress?: string;
  /**
   * When Chromium offers: how long it may gather (default 3000 ms), and a regex source that ends the wait once its
   * local SDP matches it (a relayed candidate, say, while an unanswered TURN server keeps gathering going).
   */
  readonly gather?: { readonly ms?: number; readonly until?: string };
  /** Chromium command-line switches beside CHROMIUM_ARGS. */
  readonly extraArgs?: readonly string[];
}

/** What the page saw of a data channel. */
export interface PageChannel {
  readonly label: string;
  readonly id: number | null;
  readonly ordered: boolean;
  readonly maxRetransmits: number | null;
  readonly protocol: string;
  readonly received: readonly string[];
  readonly opened: boolean;
}

export interface ChromiumCallResult {
  readonly browserVersion: string;
  readonly offer: string;
  readonly answer: string;
  readonly ourAddress: { ip: string; port: number };
  readonly pageState: { connection: string; ice: string; dtls: string | null };
  /** getStats() after the media time, before close. */
  readonly stats: Record<string, Record<string, JsonValue>>;
  readonly summary: ReturnType<WebRtcPeer['summary']>;
  readonly notes: readonly BridgeNote[];
  /** NSS key-log lines (CLIENT_RANDOM …) our DTLS endpoint emitted. */
  readonly keyLog: string;
  readonly pageErrors: readonly string[];
  readonly agentRole: string;
  /** The SSRCs our peer sent (a=ssrc in our answer). */
  readonly ourStreams: WebRtcPeer['localStreams'];
  /** With `dataChannels`: the page's channels, and ours (label → messages received). */
  readonly pageChannels: readonly PageChannel[];
  readonly ourChannels: readonly { readonly label: string; readonly streamId: number; readonly state: string; readonly received: readonly string[] }[];
}

/** Runs one call; everything it starts (Chromium, the http server, sockets, timers, tshark) is stopped before it returns or throws. */
export async function chromiumCall(o: ChromiumCallOptions): Promise<ChromiumCallResult> {
  const waitMs = o.waitMs ?? 15_000;
  const rng = Rng.fromSeed(o.seed ?? 7);
  const schedule: DataChannelAction[] = [
    { at: 0, do: 'open', label: 'from-rtclab', protocol: 'json' },
    { at: 0, do: 'send', label: 'from-rtclab', text: 'rtclab says {n} on from-rtclab', count: 3, every: 20 * MS },
    { at: 0, do: 'send', label: 'from-chromium', text: 'rtclab says {n} on from-chromium', count: 2, every: 20 * MS },
  ];
  const peer = new WebRtcPeer({
    name: 'rtclab', rng: rng.fork('peer'), identity: generateDtlsIdentity(rng.fork('identity'), 'rtclab'), offerer: o.weOffer ?? false, trickle: false, media: { audio: true, video: true },
    // the bridge's clock starts at 0 when it binds: a schedule at 0 runs as soon as SCTP is up
    ...(o.dataChannels ? { dataChannels: { schedule } } : {}),
    ...(o.dtls13 ? { dtls13: o.dtls13 } : {}),
  });
  const notes: BridgeNote[] = [];
  const keyLog: string[] = [];
  const signals: JsepMessage[] = [];
  const bridge = new UdpBridge(peer, {
    onNote: (n) => notes.push(n), onSecret: (kind, text) => kind === 'nss-keylog' && keyLog.push(text),
    // the page's side of signaling is page.evaluate: our JSEP messages are collected here and handed to it
    onSignal: (_to, m) => m.protocol === 'jsep' && signals.push(m.body),
  });
  let server: Server | undefined;
  let context: BrowserContext | undefined;
  let tshark: ChildProcess | undefined;
  const profile = mkdtempSync(join(tmpdir(), 'rtclab-chromium-call-'));
  const pageErrors: string[] = [];
  try {
    const ours = await bridge.bind(o.bindAddress ?? '127.0.0.1', 0);
    peer.addLocalAddress(ours);
    if (o.captureFile) tshark = await startLiveCapture(o.captureFile, [ours.port, ...(o.captureAlsoPorts ?? [])].map((p) => `udp port ${p}`).join(' or '), waitMs);
    server = createServer((_q, r) => {
      r.writeHead(200, { 'content-type': 'text/html' });
      r.end(PAGE);
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const addr = server.address();
    if (!addr || typeof addr === 'string') throw new Error('the page server has no port');
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, ...(o.extraArgs ?? [])], timeout: waitMs });
    const page: Page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
    await page.goto(`http://127.0.0.1:${addr.port}/`, { timeout: waitMs });
    // the configuration crosses into the page as JSON text (playwright's argument types recurse too deep on JsonValue)
    const config = JSON.stringify(o.rtcConfiguration ?? {});
    let offer: string;
    let answer: string;
    if (o.weOffer) {
      // our offer first (trickle off: it leaves once our gathering is complete), Chromium's answer back
      peer.handleTimeout(bridge.now());
      bridge.pump();
      await bridge.until(() => signals.some((s) => s.type === 'offer'), waitMs, 'our offer');
      offer = (signals.find((s) => s.type === 'offer') as { sdp: string }).sdp;
      answer = await within(page.evaluate(([c, sdp]: [string, string]) => (window as unknown as { call: { answerOffer(c: unknown, sdp: string): Promise<string> } }).call.answerOffer(JSON.parse(c), sdp), [config, offer] as [string, string]), waitMs, 'Chromium\'s answer');
      peer.handleSignal(bridge.now(), 'chromium', jsep({ type: 'answer', sdp: answer }));
      bridge.pump();
    } else {
      const gather = JSON.stringify(o.gather ?? {});
      offer = await within(page.evaluate(([c, dc, g]: [string, boolean, string]) => (window as unknown as { call: { offer(c: unknown, dc: boolean, g: unknown): Promise<string> } }).call.offer(JSON.parse(c), dc, JSON.parse(g)), [config, o.dataChannels ?? false, gather] as [string, boolean, string]), waitMs, 'Chromium\'s offer');
      if (o.ourSetup === 'passive') peer.localSetup = 'passive'; // kept by the answer (sim/peer/jsep-negotiation.ts applyRemote)
      peer.handleSignal(bridge.now(), 'chromium', jsep({ type: 'offer', sdp: offer }));
      bridge.pump();
      await bridge.until(() => signals.some((s) => s.type === 'answer'), waitMs, 'our answer');
      const ourAnswer = (signals.find((s) => s.type === 'answer') as { sdp: string }).sdp;
      answer = o.mungeAnswer ? o.mungeAnswer(ourAnswer) : ourAnswer;
      await within(page.evaluate((sdp) => (window as unknown as { call: { answer(s: string): Promise<void> } }).call.answer(sdp), answer), waitMs, 'Chromium to take our answer');
    }
    type PageState = ChromiumCallResult['pageState'];
    const pageState = () => within(page.evaluate(() => (window as unknown as { call: { state(): PageState } }).call.state()), waitMs, 'the page state');
    const end = performance.now() + waitMs;
    for (;;) {
      const s = await pageState();
      if (o.expectFailure && (s.connection === 'failed' || s.dtls === 'failed' || peer.state === 'failed')) break;
      if (o.expectFailure && performance.now() > end) break;
      if (!o.expectFailure && peer.state === 'connected' && s.connection === 'connected') break;
      if (bridge.errors.length > 0) throw bridge.errors[0]!;
      if (s.connection === 'failed' || peer.state === 'failed' || performance.now() > end) {
        throw new Error(`not connected: Chromium ${JSON.stringify(s)}, ours ${peer.state}\n${notes.map((n) => n.text).join('\n')}`);
      }
      await sleep(50);
    }
    await sleep(o.expectFailure ? 1000 : o.mediaMs); // a failing call: let the alerts and retransmissions land
    type Stats = ChromiumCallResult['stats'];
    const readStats = (): Promise<Stats> => within(page.evaluate(() => (window as unknown as { call: { stats(): Promise<Stats> } }).call.stats()), waitMs, 'getStats()');
    if (!o.expectFailure) {
      // the media time is a minimum: on a busy machine Chromium's encoders start late, so the call goes on (up to
      // waitMs more) until media has flowed both ways as far as the tests read it (mediaShortfall), before getStats
      const waitUntil = performance.now() + waitMs;
      while (mediaShortfall(peer, await readStats()).length > 0 && performance.now() < waitUntil) await sleep(200);
    }
    if (o.dataChannels && !o.expectFailure) {
      // on a busy machine a channel may open late in the media time: wait (up to waitMs more) for the 5 messages
      // each side sends (3 + 2) to have arrived, so a slow page is not read as lost messages
      const waitUntil = performance.now() + waitMs;
      const count = async (): Promise<[number, number]> => {
        const ours = [...(peer.transport.dataChannels?.channels.values() ?? [])].reduce((n, c) => n + c.received.length, 0);
        const theirs = (await within(page.evaluate(() => (window as unknown as { call: { channels(): PageChannel[] } }).call.channels()), waitMs, 'the page channels')).reduce((n, c) => n + c.received.length, 0);
        return [ours, theirs];
      };
      for (let [a, b] = await count(); (a < 5 || b < 5) && performance.now() < waitUntil; [a, b] = await count()) await sleep(100);
    }
    const pageChannels = o.dataChannels ? await within(page.evaluate(() => (window as unknown as { call: { channels(): PageChannel[] } }).call.channels()), waitMs, 'the page channels') : [];
    const ourChannels = [...(peer.transport.dataChannels?.channels.values() ?? [])].map((c) => ({ label: c.label, streamId: c.streamId, state: c.state, received: [...c.received] }));
    const stats = await readStats();
    const finalState = await pageState();
    const summary = peer.summary();
    await within(page.evaluate(() => (window as unknown as { call: { close(): void } }).call.close()), waitMs, 'the page to close its connection');
    await sleep(300); // RTCP BYE and close_notify reach us (and the capture, which waits for our last datagrams)
    return {
      browserVersion: context.browser()?.version() ?? spawnSync(CHROMIUM, ['--version']).stdout.toString().trim(),
      offer, answer, ourAddress: ours, pageState: finalState, stats, summary, notes, keyLog: keyLog.map((l) => `${l}\n`).join(''), pageErrors,
      agentRole: peer.agent.controlling ? 'controlling' : 'controlled', ourStreams: peer.localStreams, pageChannels, ourChannels,
    };
  } finally {
    bridge.close();
    await within(context?.close() ?? Promise.resolve(), 10_000, 'Chromium to close').catch(() => context?.browser()?.close().catch(() => undefined));
    server?.close();
    if (tshark) {
      // every datagram we sent or received is in the file before the capture stops (test/support/live-capture.ts)
      const last = [bridge.last.in, bridge.last.out].filter((b): b is Uint8Array => b !== undefined);
      if (o.captureFile) await untilCaptured(o.captureFile, last, waitMs).catch(() => false);
      await stopLiveCapture(tshark);
    }
    rmSync(profile, { recursive: true, force: true });
  }
}

/**
 * What is still missing for "media has flowed both ways" (empty once it has): more than 50 RTP packets and some
 * RTCP received by us and some RTCP sent; each of our streams in Chromium's getStats with packets received; each of
 * Chromium's outbound streams received by us. The Chromium tests assert these; none depends on how fast they came.
 */
export function mediaShortfall(peer: WebRtcPeer, stats: ChromiumCallResult['stats']): string[] {
  const srtp = peer.summary().srtp;
  const missing: string[] = [];
  if (Number(srtp.rtpReceived) <= 50) missing.push(`we received ${String(srtp.rtpReceived)} RTP packets`);
  if (Number(srtp.rtcpReceived) === 0) missing.push('we received no RTCP');
  if (Number(srtp.rtcpSent) === 0) missing.push('we sent no RTCP');
  const all = Object.values(stats);
  for (const s of peer.localStreams) {
    if (!all.some((x) => x.type === 'inbound-rtp' && x.ssrc === s.ssrc && Number(x.packetsReceived) > 0)) missing.push(`Chromium received nothing of our ${s.kind} ${s.ssrc}`);
  }
  const received = new Map(peer.summary().media.flatMap((m) => (m && typeof m === 'object' && !Array.isArray(m) && m.direction === 'receive' ? [[m.ssrc as number, m.packets as number] as const] : [])));
  for (const x of all) if (x.type === 'outbound-rtp' && !((received.get(x.ssrc as number) ?? 0) > 0)) missing.push(`we received nothing of Chromium's ${String(x.kind)} ${String(x.ssrc)}`);
  return missing;
}
