// Node only: a room of OUR mediasoup-style server (bridge/mediasoup-live.ts) joined by two headless Chromium pages
// running the real mediasoup-client (bridge/mediasoup-page.ts): alice joins and produces audio, video and a
// DataProducer, then bob does; once every transport is connected and every DataConsumer open, each sends text, an
// empty string and binary messages on its DataProducer; the run collects what each page received, its getStats, the
// server's notes and key log, and a tshark capture of every transport port. Used by bridge/chromium-mediasoup.test.ts.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { JsonValue } from '../sim/core/trace.ts';
import { startLiveCapture, stopLiveCapture, untilCaptured } from '../test/support/live-capture.ts';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium-call.ts';
import { startLiveMediasoup, type LiveMediasoup } from './mediasoup-live.ts';
import type { BridgeNote } from './udp-bridge.ts';
import { sleep, within } from './wait.ts';

export type Stat = Record<string, JsonValue>;
export interface DataRec { readonly label: string; readonly streamId: number; readonly ordered: boolean; readonly open: boolean; readonly maxRetransmits?: number | null }
export interface RoomState {
  readonly send: string | null;
  readonly recv: string | null;
  readonly errors: readonly string[];
  readonly consumers: readonly { readonly kind: string; readonly producerId: string; readonly ssrc: number; readonly mid: string }[];
  readonly dataProducers: readonly DataRec[];
  readonly dataConsumers: readonly (DataRec & { readonly received: readonly string[]; readonly peerId: string; readonly protocol: string })[];
  readonly notifications: readonly string[];
}
export interface Produced { readonly kind: string; readonly ssrc: number; readonly mid: string; readonly pt: number }
type Room = {
  join(url: string, name: string): Promise<{ handler: string; peers: string[] }>;
  produce(media: boolean, data: unknown[]): Promise<Produced[]>;
  sendOn(label: string, texts: string[], sizes: number[]): void;
  state(): RoomState;
  stats(): Promise<Record<string, Stat>>;
  close(): void;
};
declare const window: { room: Room };

export interface PeerResult {
  readonly join: { readonly handler: string; readonly peers: readonly string[] };
  readonly produced: readonly Produced[];
  readonly state: RoomState;
  /** getStats of both transports, keys prefixed "send:" and "recv:". */
  readonly stats: Record<string, Stat>;
}

export interface MediasoupRoomResult {
  readonly browserVersion: string;
  readonly mediasoupClientVersion: string;
  readonly alice: PeerResult;
  readonly bob: PeerResult;
  readonly notes: readonly BridgeNote[];
  readonly keyLog: string;
  readonly pageErrors: readonly string[];
  readonly live: Pick<LiveMediasoup, 'server' | 'ports'>;
  /** The capture (pcapng), in `dir`; the caller removes `dir`. */
  readonly captureFile: string;
  readonly dir: string;
}

/** The messages each page sends on its DataProducer: 5 strings and an empty one, then binary ones of these sizes. */
export const TEXTS = (who: string): string[] => [...Array.from({ length: 5 }, (_, i) => `${who} says ${i + 1}`), ''];
export const SIZES = [1000, 20_000];

/**
 * How many messages the chat path (alice's unordered channel with maxRetransmits 1, and the SFU's consumer of it with
 * the same reliability) may have abandoned: one per distinct FORWARD-TSN the SFU received (from alice: bob's channel
 * is reliable) or sent (to bob), RFC 3758 §3.5. Partial reliability lets a sender give a message up when a busy machine
 * delays the acknowledgements past its one retransmission; each give-up is seen here, never assumed.
 */
export function chatAbandoned(notes: readonly { readonly kind: string; readonly data?: unknown }[]): number {
  const seen = new Set<string>();
  for (const n of notes) {
    if (n.kind !== 'sctp.forward-tsn') continue;
    const d = n.data as { direction?: string; newCumulativeTsn?: number } | undefined;
    seen.add(`${d?.direction} ${d?.newCumulativeTsn}`);
  }
  return seen.size;
}

/** What each consumer must have had, at least, when the stats are read: packets received (per kind) and video frames decoded. */
export const MEDIA_ENOUGH = { audioPackets: 50, videoPackets: 20, videoFrames: 5 } as const;

/** Whether every consumer's inbound-rtp in `stats` (keys "recv:…") is past MEDIA_ENOUGH. */
export function mediaEnough(consumers: RoomState['consumers'], stats: Record<string, Stat>): boolean {
  const inbound = Object.entries(stats).filter(([k, v]) => k.startsWith('recv:') && v.type === 'inbound-rtp').map(([, v]) => v);
  return consumers.every((c) => {
    const s = inbound.find((x) => x.ssrc === c.ssrc);
    if (c.kind !== 'video') return Number(s?.packetsReceived ?? 0) > MEDIA_ENOUGH.audioPackets;
    return Number(s?.packetsReceived ?? 0) > MEDIA_ENOUGH.videoPackets && Number(s?.framesDecoded ?? 0) > MEDIA_ENOUGH.videoFrames;
  });
}

/** Polls `check` until it holds; after `ms`, fails naming `what` with `log()` (the pages' state and the server's notes). */
async function until(what: string, ms: number, check: () => Promise<boolean>, log: () => Promise<string>): Promise<void> {
  const end = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}\n${await log()}`);
    await sleep(100);
  }
}

/** Runs the room; everything it starts (Chromium, servers, sockets, tshark) is stopped before it returns or throws. */
export async function mediasoupRoom(o: { readonly waitMs: number; readonly mediaMs: number }): Promise<MediasoupRoomResult> {
  const WAIT = o.waitMs;
  const dir = mkdtempSync(join(tmpdir(), 'rtclab-mediasoup-live-'));
  const profile = mkdtempSync(join(tmpdir(), 'rtclab-chromium-ms-'));
  let live: LiveMediasoup | undefined;
  let context: BrowserContext | undefined;
  let tshark: ChildProcess | undefined;
  const pageErrors: string[] = [];
  try {
    live = await startLiveMediasoup({ seed: 13, transports: 4 });
    const L = live;
    const file = join(dir, 'room.pcapng');
    tshark = await startLiveCapture(file, `udp portrange ${L.ports.min}-${L.ports.max}`, WAIT);
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: WAIT });
    const open = async (name: string): Promise<Page> => {
      const page = context!.pages().find((p) => p.url() === 'about:blank') ?? (await context!.newPage());
      page.on('pageerror', (e) => pageErrors.push(`${name}: ${e.message}`));
      page.on('console', (m) => m.type() === 'error' && pageErrors.push(`${name}: ${m.text()}`));
      await page.goto(L.pageUrl, { timeout: WAIT });
      return page;
    };
    const log = (): string => L.notes.filter((n) => !/mediasoup.path|rtp|rtcp/.test(n.kind)).slice(-60).map((n) => `${n.t} ${n.kind} ${n.text}`).join('\n');
    const alice = await open('alice');
    const bob = await open('bob');
    const join_ = (p: Page, name: string) => within(p.evaluate(([u, n]) => window.room.join(u, n), [`${L.protooUrl}/?roomId=live&peerId=${name}`, name] as [string, string]), WAIT, `${name} to join`);
    const a = await join_(alice, 'alice');
    // alice: the demo's chat channel (unordered, maxRetransmits 1); bob: a reliable ordered one
    const aProduced = await within(alice.evaluate((d) => window.room.produce(true, d), [{ label: 'chat', protocol: 'text', ordered: false, maxRetransmits: 1 }]), WAIT, 'alice to produce');
    const b = await join_(bob, 'bob');
    const bProduced = await within(bob.evaluate((d) => window.room.produce(true, d), [{ label: 'bot', protocol: 'json', ordered: true }]), WAIT, 'bob to produce');
    const state = (p: Page) => within(p.evaluate(() => window.room.state()), WAIT, 'the page state');
    const show = async (): Promise<string> => `alice ${JSON.stringify(await state(alice))}\nbob ${JSON.stringify(await state(bob))}\n${log()}`;
    // ready: both pages' transports connected, each with its DataProducer and a DataConsumer open and both consumers,
    // and every SCTP association of the server up (it forwards nothing before: mediasoup does not queue)
    await until('both peers ready', WAIT, async () => {
      const [sa, sb] = [await state(alice), await state(bob)];
      const up = L.server.transports.every((t) => t.st.sctp?.association.state === 'established');
      return up && [sa, sb].every((s) => s.send === 'connected' && s.recv === 'connected' && s.dataConsumers.length === 1 && s.dataConsumers[0]!.open && s.dataProducers.every((d) => d.open) && s.consumers.length === 2);
    }, show);
    await alice.evaluate(([t, s]) => window.room.sendOn('chat', t, s), [TEXTS('alice'), SIZES] as [string[], number[]]);
    await bob.evaluate(([t, s]) => window.room.sendOn('bot', t, s), [TEXTS('bob'), SIZES] as [string[], number[]]);
    const count = TEXTS('x').length + SIZES.length;
    await until('the messages both ways', WAIT, async () => {
      const [sa, sb] = [await state(alice), await state(bob)];
      // bob's channel is reliable: alice gets every message; alice's is not: bob may miss one she or the SFU gave up
      return sa.dataConsumers[0]!.received.length >= count && sb.dataConsumers[0]!.received.length >= count - chatAbandoned(L.notes);
    }, show);
    await sleep(o.mediaMs); // media keeps flowing: the consumers decode frames
    const stats = (p: Page) => within(p.evaluate(() => window.room.stats()), WAIT, 'getStats()');
    // the media time is a minimum: on a busy machine Chromium encodes and decodes late, so the room goes on (up to
    // WAIT more) until every consumer has received and decoded MEDIA_ENOUGH, before the stats are read
    const mediaEnd = performance.now() + WAIT;
    const enough = async (p: Page): Promise<boolean> => mediaEnough((await state(p)).consumers, await stats(p));
    while (!((await enough(alice)) && (await enough(bob))) && performance.now() < mediaEnd) await sleep(200);
    const result = (j: PeerResult['join'], produced: readonly Produced[], st: RoomState, stt: Record<string, Stat>): PeerResult => ({ join: j, produced, state: st, stats: stt });
    const aliceR = result(a, aProduced, await state(alice), await stats(alice));
    const bobR = result(b, bProduced, await state(bob), await stats(bob));
    await within(alice.evaluate(() => window.room.close()), WAIT, 'alice to close');
    await within(bob.evaluate(() => window.room.close()), WAIT, 'bob to close');
    await sleep(500); // close_notify and the last packets reach the server
    // and every datagram the server sent or received is in the file before the capture stops (live-capture.ts)
    await untilCaptured(file, [L.bridge.last.in, L.bridge.last.out].filter((b): b is Uint8Array => b !== undefined), WAIT);
    await stopLiveCapture(tshark);
    tshark = undefined;
    return {
      browserVersion: context.browser()?.version() ?? 'unknown', mediasoupClientVersion: L.mediasoupClientVersion, alice: aliceR, bob: bobR,
      notes: L.notes, keyLog: L.keyLog.map((l) => `${l}\n`).join(''), pageErrors, live: { server: L.server, ports: L.ports }, captureFile: file, dir,
    };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    // a page's stack names the page's URL, which vitest would read as a source map: the message alone goes on
    throw new Error(`${(e as Error).message}\npage errors: ${pageErrors.join('\n')}`);
  } finally {
    if (tshark) await stopLiveCapture(tshark);
    await within(context?.close() ?? Promise.resolve(), 10_000, 'Chromium to close').catch(() => context?.browser()?.close().catch(() => undefined));
    await live?.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
