// Interop: the real janus.plugin.sip (Debian janus 1.1.2, its Sofia-SIP stack) against our SIP registrar and phone
// on loopback, driven by our Firefox page over the Janus HTTP API: register → registering, registered; call →
// calling, ringing, accepted with the JSEP answer; hangup → hangup. The sequence of Janus events and the fields of
// each are compared with what our simulated gateway (sim/janus/sip-plugin.ts) gives for the same flow
// (the janus-sip-call preset).
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../sim/core/rng.ts';
import { MS, SECOND } from '../sim/core/time.ts';
import { generateDtlsIdentity } from '../sim/dtls/identity.ts';
import { HttpClientConnection } from '../sim/http/client.ts';
import { JanusClient, type JanusSeen } from '../sim/janus/client.ts';
import type { JsonObject } from '../sim/janus/plugin.ts';
import { WebRtcPeer } from '../sim/peer/webrtc-peer.ts';
import { parseScenario } from '../sim/scenario/parse.ts';
import { findPreset } from '../sim/scenario/presets/index.ts';
import { buildScenario } from '../sim/scenario/build.ts';
import { SipPhone } from '../sim/sip/phone.ts';
import { SipRegistrar } from '../sim/sip/registrar.ts';
import { decodeSipMessage, sipHeader } from '../sim/wire/sip/message.ts';
import { hasJanus, iceInterface, startJanus, type RealJanus } from './janus-real.ts';
import { NodeSocketStream } from './node-stream.ts';
import { freeUdpPort, runOnSockets, type OnSockets } from './sip-real.ts';
import { UdpBridge } from './udp-bridge.ts';

// CI installs janus (.ci/run), so there it must run
const ice = iceInterface();
const skip = (!process.env['CI'] && !hasJanus) || ice === undefined;
const DOMAIN = 'rtclab.test';
const USERS = { '1001': 's3cret', '1002': 'hunter2' };

/** A plugin event's result and its keys, or the Janus message kind for the others. */
const events = (seen: readonly JanusSeen[]): string[] =>
  seen.filter((s) => s.via === 'event' && s.message.janus === 'event').map((s) => {
    const data = (s.message.plugindata as JsonObject | undefined)?.data as JsonObject | undefined;
    const result = data?.result as JsonObject | undefined;
    return String(result?.event ?? (data?.error !== undefined ? 'error' : '?'));
  });

/** The keys of each SIP plugin event: data's, result's, and whether it carries JSEP (and of which type). */
function fields(seen: readonly JanusSeen[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of seen) {
    if (s.via !== 'event' || s.message.janus !== 'event') continue;
    const data = (s.message.plugindata as JsonObject).data as JsonObject;
    const result = (data.result ?? {}) as JsonObject;
    const key = String(result.event ?? 'error');
    out[key] ??= [
      ...Object.keys(data).sort().map((k) => `data.${k}`),
      ...Object.keys(result).sort().map((k) => `result.${k}`),
      ...(s.message.jsep ? [`jsep.${String((s.message.jsep as JsonObject).type)}`] : []),
    ];
  }
  return out;
}

/**
 * Events real Janus pushes from its request thread once it has handed the request to Sofia's thread (janus_sip.c:
 * "registering" after nua_register(), "calling" after nua_invite(), "hangingup" after nua_bye()), each with the
 * events Sofia's thread pushes on the answers to that request. On loopback an answer can come back before the request
 * thread pushes its event: so "hangup" (the BYE's 200) came before "hangingup" in CI, and then without a call_id (Sofia
 * forgot the call first); "ringing" on our 180 can beat "calling" the same way, and "registered" "registering".
 */
const RACES: readonly (readonly [string, readonly string[]])[] = [
  ['registering', ['registered', 'registration_failed']],
  ['calling', ['ringing', 'proceeding', 'progress', 'accepted']],
  ['hangingup', ['hangup']],
];

/**
 * Puts a raced run back in the order our gateway gives (where every answer takes a round trip): each request's event
 * moved before the first answer that beat it, "hangingup" given the call_id "hangup" had. The comparisons below pin
 * everything else either way; with no race it returns the run as it was.
 */
function unrace(seen: readonly JanusSeen[]): JanusSeen[] {
  let out = [...seen];
  const data = (s: JanusSeen): JsonObject => (s.message.plugindata as JsonObject).data as JsonObject;
  for (const [request, answers] of RACES) {
    const at = (names: readonly string[]): number => out.findIndex((s) => s.via === 'event' && s.message.janus === 'event' && names.includes(events([s])[0]!));
    const mine = at([request]);
    const first = at(answers);
    if (mine < 0 || first < 0 || mine < first) continue;
    const late = out[mine]!;
    const callId = data(out[first]!).call_id;
    const moved: JanusSeen = request !== 'hangingup' || data(late).call_id !== undefined || callId === undefined ? late : {
      ...late, message: { ...late.message, plugindata: { ...(late.message.plugindata as JsonObject), data: { ...data(late), call_id: callId } } },
    };
    const rest = out.filter((_, i) => i !== mine);
    out = [...rest.slice(0, first), moved, ...rest.slice(first)];
  }
  return out;
}

describe('a run of real Janus where an answer beat the request\'s own event', () => {
  const ev = (result: JsonObject, callId?: string): JanusSeen => ({
    at: 0, via: 'event', message: { janus: 'event', plugindata: { plugin: 'janus.plugin.sip', data: { sip: 'event', result, ...(callId ? { call_id: callId } : {}) } } },
  });
  const raced = [ev({ event: 'accepted' }, 'c1'), ev({ event: 'hangup', code: 200, reason: 'to BYE' }, 'c1'), ev({ event: 'hangingup' })];

  it('the BYE\'s 200 first: put back in the usual order, "hangingup" with the call\'s id, and a run in order is left as it was', () => {
    const fixed = unrace(raced);
    expect(events(fixed)).toEqual(['accepted', 'hangingup', 'hangup']);
    expect(fields(fixed)['hangingup']).toEqual(['data.call_id', 'data.result', 'data.sip', 'result.event']);
    expect(unrace(fixed)).toEqual(fixed);
    expect(events(unrace(raced.slice(0, 2)))).toEqual(['accepted', 'hangup']);
  });

  it('our 180 first: "calling" goes back before "ringing", its fields as Janus gave them; the other events stay where they were', () => {
    const run = [ev({ event: 'registering' }), ev({ event: 'registered', username: '1001', register_sent: true }), ev({ event: 'ringing' }, 'c1'), ev({ event: 'proceeding', code: 100 }, 'c1'), ev({ event: 'calling', call_id: 'c1' }, 'c1'), ev({ event: 'accepted' }, 'c1')];
    const fixed = unrace(run);
    expect(events(fixed)).toEqual(['registering', 'registered', 'calling', 'ringing', 'proceeding', 'accepted']);
    expect(fixed[2]).toBe(run[4]);
    expect(unrace(fixed)).toEqual(fixed);
    // a request's event is never moved after its answers, nor one with no answer before it
    expect(events(unrace([run[1]!, run[0]!]))).toEqual(['registering', 'registered']);
  });
});

describe.skipIf(skip)('the real janus.plugin.sip against our registrar and phone, and our simulated gateway against it', () => {
  let janus: RealJanus | undefined;
  let bridge: UdpBridge | undefined;
  const runs: OnSockets<SipPhone | SipRegistrar>[] = [];
  afterAll(() => {
    bridge?.close();
    for (const r of runs) r.bridge.close();
    janus?.stop();
  });

  let result: Promise<{ client: JanusClient; phone: OnSockets<SipPhone>; registrar: OnSockets<SipRegistrar> }> | undefined;
  const call = (): typeof result & object => (result ??= start());
  const start = async (): Promise<{ client: JanusClient; phone: OnSockets<SipPhone>; registrar: OnSockets<SipRegistrar> }> => {
    janus = await startJanus({ sessionTimeout: 60, ms: 60_000, iceInterface: ice!.name, sip: { localIp: '127.0.0.1' } });
    const registrar = await runOnSockets([await freeUdpPort()], ([local]) => new SipRegistrar({
      name: 'pbx', rng: Rng.fromSeed(3).fork('registrar'), local: local!, realm: DOMAIN, users: USERS, algorithm: 'MD5', badCredentials: 'challenge', defaultExpires: 3600, maxExpires: 3600, server: 'rtclab-registrar',
    }));
    runs.push(registrar);
    const phone = await runOnSockets([await freeUdpPort(), await freeUdpPort()], ([sip, rtp]) => new SipPhone({
      name: 'mobile', rng: Rng.fromSeed(1002).fork('phone'), local: sip!, rtpPort: rtp!.port, user: '1002', domain: DOMAIN, password: USERS['1002'],
      registrar: registrar.endpoint.stack.local, registerAt: 0, expires: 600, ringFor: 500 * MS, codecs: [0, 8], echo: false, userAgent: 'rtclab-phone',
    }));
    runs.push(phone);
    await phone.bridge.until(() => phone.endpoint.registration?.state === 'registered', 60_000, 'the phone registered');
    const rng = Rng.fromSeed(7);
    const peer = new WebRtcPeer({
      name: 'browser', rng: rng.fork('peer'), identity: generateDtlsIdentity(rng.fork('identity'), 'browser'), offerer: true, autoStart: false,
      signalingPeer: 'janus', trickle: true, media: { audio: true }, browser: 'firefox',
    });
    const port = janus.port;
    const stream = (): HttpClientConnection => new HttpClientConnection(new NodeSocketStream('127.0.0.1', port, () => bridge!.now(), () => bridge!.pump()), { host: `127.0.0.1:${port}` });
    const proxy = registrar.endpoint.stack.local;
    const client = new JanusClient(peer, {
      name: 'browser', basePath: '/janus', plugin: 'janus.plugin.sip', maxev: 10, keepaliveInterval: 25 * SECOND, startAt: 0,
      prelude: { body: { request: 'register', username: `sip:1001@${DOMAIN}`, secret: USERS['1001'], display_name: 'Web', proxy: `sip:${proxy.ip}:${proxy.port}` }, until: 'registered' },
      // no outbound_proxy: the INVITE goes where the Request-URI says, the phone's address (janus_sip.c NUTAG_PROXY)
      body: { request: 'call', uri: `sip:1002@${phone.endpoint.stack.local.ip}:${phone.endpoint.stack.local.port}` },
      hangupAt: 6 * SECOND,
    }, rng.fork('transactions'), { post: stream(), poll: stream() });
    bridge = new UdpBridge(client);
    client.wake = () => bridge!.pump();
    peer.addLocalAddress(await bridge.bind(ice!.ip));
    bridge.pump();
    try {
      // both "hangingup" (the answer to our request) and "hangup" (the BYE's 200), which real Janus may give in either order
      const ended = (): boolean => ['hangup', 'hangingup'].every((e) => events(client.seen).includes(e));
      await bridge.until(() => ended() || events(client.seen).includes('registration_failed') || events(client.seen).includes('error'), 120_000, 'the call through janus.plugin.sip to end');
    } catch (e) {
      throw new Error(`${(e as Error).message}\nseen: ${client.sequence().join(', ')}\nevents: ${events(client.seen).join(', ')}\nerrors: ${client.errors.join('; ')}\njanus log:\n${janus.log().slice(-4000)}`);
    }
    return { client, phone: phone as OnSockets<SipPhone>, registrar: registrar as OnSockets<SipRegistrar> };
  };

  it('register, call, hangup: the events real Janus gives, and ours give the same ones with the same fields', { timeout: 300_000 }, async () => {
    const { client, phone, registrar } = await call();
    const sip = (r: OnSockets<SipPhone | SipRegistrar>): string[] => r.datagrams.flatMap((d) => {
      const m = decodeSipMessage(d.bytes).value;
      return m ? [`${d.dir} ${m.start.kind === 'request' ? m.start.method : `${m.start.status} ${sipHeader(m, 'CSeq')?.split(' ')[1]}`}`] : [];
    });
    const seen = unrace(client.seen);
    const real = events(seen);
    // the same flow in the simulated world: janus-sip-call with the page calling the phone's address, no outbound proxy
    const json = findPreset('janus-sip-call')!.build() as { apps: { kind: string; prelude?: { body: JsonObject }; body?: JsonObject }[] };
    const page = json.apps.find((a) => a.kind === 'janus-client')!;
    delete page.prelude!.body.outbound_proxy;
    page.body = { request: 'call', uri: 'sip:1002@192.0.2.30:5060' };
    const s = parseScenario(json);
    const built = buildScenario(s, s.seed);
    built.net.run(s.duration, 50_000_000);
    const simulated = (built.apps.find((a) => a.spec.kind === 'janus-client')!.endpoint as JanusClient).seen;
    const detail = `\nreal: ${real.join(', ')} (as given: ${events(client.seen).join(', ')})\nours: ${events(simulated).join(', ')}\nregistrar: ${sip(registrar).join(', ')}\nphone: ${sip(phone).join(', ')}\nreal fields: ${JSON.stringify(fields(client.seen))}\nour fields: ${JSON.stringify(fields(simulated))}\nreal events: ${JSON.stringify(client.seen.filter((x) => x.message.janus === 'event').map((x) => x.message.plugindata))}`;
    expect(real, detail).toEqual(events(simulated));
    expect(fields(seen), detail).toEqual(fields(simulated));
    // and the same values, but for what names this run (Call-IDs, handle ids, the callee's address)
    const values = (seen: readonly JanusSeen[]): JsonObject[] => seen.filter((x) => x.via === 'event' && x.message.janus === 'event').map((x) => {
      const { call_id: _c, master_id: _m, ...rest } = ((x.message.plugindata as JsonObject).data as JsonObject).result as JsonObject;
      return rest.event === 'accepted' ? { ...rest, username: String(rest.username).replace(/@.*/, '') } : rest;
    });
    expect(values(seen), detail).toEqual(values(simulated));
    expect(values(seen)).toContainEqual({ event: 'registered', username: '1001', register_sent: true });
    expect(values(seen)).toContainEqual({ event: 'hangup', code: 200, reason: 'to BYE' });
    expect(phone.endpoint.calls.map((c) => c.state)).toEqual(['ended']);
  });
});
