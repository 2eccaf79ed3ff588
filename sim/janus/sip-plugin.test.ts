// janus.plugin.sip driven through the plugin interface, its SIP side against our registrar and phone (sans-IO,
// datagrams handed across at once): register → registering, registered (or registration_failed after 401 twice);
// call with the seed's Firefox offer → INVITE with a plain RTP/AVP SDP, calling, ringing, accepted with a JSEP
// answer; RTP relayed both ways; hangup → BYE, 200, the hangup event.
import { describe, expect, it } from 'vitest';
import type { Endpoint, EndpointOutput, TransportAddress } from '../core/endpoint.ts';
import { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { SECOND } from '../core/time.ts';
import { generateDtlsIdentity } from '../dtls/identity.ts';
import { SipPhone } from '../sip/phone.ts';
import { SipRegistrar } from '../sip/registrar.ts';
import { decodeSdp } from '../wire/sdp/sdp.ts';
import { decodeSipMessage, describeSip, sipHeader, type SipMessage } from '../wire/sip/message.ts';
import { parseDigestCredentials } from '../wire/sip/digest.ts';
import { encodeRtp } from '../wire/rtp/rtp.ts';
import type { JanusHandleContext, JanusPlugin, Jsep, JsonObject } from './plugin.ts';
import { anonymize } from './sdp.ts';
import { sipPlugin } from './sip-plugin.ts';

// the seed's Firefox 71 offer (seeds/003-janus-flow-sip-sdp.md), as the browser sent it
const FIREFOX_OFFER = [
  'v=0',
  'o=mozilla...THIS_IS_SDPARTA-71.0 193135304282057553 0 IN IP4 0.0.0.0',
  's=-',
  't=0 0',
  'a=fingerprint:sha-256 7A:59:CD:7A:79:8A:3C:E4:A0:2D:D7:59:63:3D:17:FD:85:F1:5D:8D:94:3C:60:C3:82:52:63:B2:96:BC:91:FB',
  'a=group:BUNDLE 0',
  'a=ice-options:trickle',
  'a=msid-semantic:WMS *',
  'm=audio 9 UDP/TLS/RTP/SAVPF 109 9 0 8 101',
  'c=IN IP4 0.0.0.0',
  'a=sendrecv',
  'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  'a=extmap:2/recvonly urn:ietf:params:rtp-hdrext:csrc-audio-level',
  'a=extmap:3 urn:ietf:params:rtp-hdrext:sdes:mid',
  'a=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=1',
  'a=fmtp:101 0-15',
  'a=ice-pwd:printf`1',
  'a=ice-ufrag:huanglin',
  'a=mid:0',
  'a=msid:{96e3a11e-ecda-499a-ad79-fc9216d99d2b} {16c327d4-157a-4d08-8e63-e05a89031dc2}',
  'a=rtpmap:109 opus/48000/2',
  'a=rtpmap:9 G722/8000/1',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000/1',
  'a=setup:actpass',
  'a=ssrc:743106987 cname:{2ccb8d2c-e04b-4fb0-a27b-42084a25bc58}',
  '',
].join('\r\n');

const GW = '198.51.100.40';
const PBX: TransportAddress = { ip: '198.51.100.5', port: 5060 };
const PHONE: TransportAddress = { ip: '192.0.2.30', port: 5060 };

interface Event {
  t: Micros;
  transaction: string | undefined;
  data: JsonObject;
  jsep?: Jsep;
}

/** The plugin, a registrar and a phone, datagrams delivered at once, timers run in order. */
function world(o: { authenticateInvites?: boolean } = {}) {
  const events: Event[] = [];
  const relayed: Uint8Array[] = [];
  const sip: string[] = [];
  const messages: { from: string; msg: SipMessage }[] = [];
  const plugin: JanusPlugin = sipPlugin.create({ ip: GW, bind: (port) => ({ ip: GW, port }), rng: Rng.fromSeed(1).fork('janus.plugin.sip'), identity: generateDtlsIdentity(Rng.fromSeed(2)) }, {});
  const ctx: JanusHandleContext = {
    sessionId: 1, handleId: 7, opaqueId: undefined,
    pushEvent: (t, transaction, data, jsep) => (events.push({ t, transaction, data, ...(jsep ? { jsep } : {}) }), true),
    relayRtp: (_t, p) => void relayed.push(p.bytes),
    relayRtcp: () => {}, sendPli: () => {}, sendRemb: () => {}, closePc: () => {}, endSession: () => {}, note: () => {},
  };
  const registrar = new SipRegistrar({ name: 'pbx', rng: Rng.fromSeed(3), local: PBX, realm: 'rtclab.test', users: { '1001': 's3cret', '1002': 'hunter2' }, algorithm: 'MD5', badCredentials: 'challenge', defaultExpires: 3600, maxExpires: 3600, server: 'rtclab-registrar', ...(o.authenticateInvites ? { authenticateInvites: true } : {}) });
  const phone = new SipPhone({ name: 'mobile', rng: Rng.fromSeed(4), local: PHONE, rtpPort: 4002, user: '1002', domain: 'rtclab.test', password: 'hunter2', registrar: PBX, registerAt: 0, expires: 3600, ringFor: SECOND, codecs: [0, 8], echo: true, userAgent: 'rtclab-phone' });
  const nodes: { ip: string; e: Endpoint }[] = [{ ip: GW, e: plugin as Endpoint }, { ip: PBX.ip, e: registrar }, { ip: PHONE.ip, e: phone }];
  let now: Micros = 0;
  const deliver = (o: Extract<EndpointOutput, { type: 'transmit' }>): void => {
    const d = decodeSipMessage(o.bytes).value;
    const who = o.from.ip === GW ? 'janus' : o.from.ip === PBX.ip ? 'pbx' : 'phone';
    if (d) sip.push(`${who} ${describeSip(d)}${o.to.ip === GW && o.from.ip === PBX.ip ? ' to janus' : ''}`);
    if (d) messages.push({ from: who, msg: d });
    nodes.find((n) => n.ip === o.to.ip)?.e.handleDatagram(now, o.from, o.to, o.bytes);
  };
  const settle = (): Micros | undefined => {
    let next: Micros | undefined;
    for (let busy = true; busy; ) {
      busy = false;
      for (const n of nodes) {
        for (;;) {
          const o = n.e.poll(now);
          if (o.type === 'transmit') {
            busy = true;
            deliver(o);
          } else {
            if (o.type === 'timeout' && (next === undefined || o.at < next)) next = o.at;
            if (o.type !== 'note') break;
          }
        }
      }
    }
    return next;
  };
  const runUntil = (until: Micros): void => {
    for (;;) {
      const next = settle();
      if (next === undefined || Math.max(next, now) > until) break;
      now = Math.max(next, now);
      for (const n of nodes) n.e.handleTimeout(now);
    }
    now = until;
  };
  plugin.createSession(0, ctx);
  return { plugin, events, relayed, sip, messages, phone, runUntil, at: () => now };
}

const results = (events: Event[]) => events.map((e) => (e.data.result as JsonObject | undefined)?.event ?? `error ${String(e.data.error_code)}`);

describe('janus.plugin.sip', () => {
  it('registers with digest, calls the phone with the Firefox offer made plain, relays media, hangs up', () => {
    const w = world();
    w.runUntil(100_000);
    expect(w.plugin.handleMessage(w.at(), 7, 'reg1', { request: 'register', username: 'sip:1001@rtclab.test', secret: 's3cret', proxy: 'sip:198.51.100.5:5060', outbound_proxy: 'sip:198.51.100.5:5060', display_name: 'Web' }, undefined)).toEqual({ type: 'okWait' });
    w.runUntil(500_000);
    expect(results(w.events)).toEqual(['registering', 'registered']);
    expect(w.events[1]!.data.result).toMatchObject({ event: 'registered', username: '1001' });

    const offer = anonymize(FIREFOX_OFFER);
    expect(w.plugin.handleMessage(w.at(), 7, 'call1', { request: 'call', uri: 'sip:1002@rtclab.test' }, { type: 'offer', sdp: offer })).toEqual({ type: 'okWait' });
    w.runUntil(3 * SECOND);
    expect(results(w.events)).toEqual(['registering', 'registered', 'calling', 'ringing', 'proceeding', 'accepted']);
    expect(w.events[2]!.transaction).toBe('call1');
    // the INVITE the phone took carried a plain RTP/AVP offer: the browser's codecs, the gateway's address and port
    expect(w.sip).toContain('janus INVITE sip:1002@rtclab.test');
    expect(w.sip).toContain('pbx 302 Moved Temporarily (INVITE) to janus');
    // RFC 3261 §8.1.3.4: the INVITE after the 302 has the Contact's URI as its Request-URI; To keeps the address of record
    expect(w.sip).toContain('janus INVITE sip:1002@192.0.2.30:5060');
    const retried = w.messages.filter((m) => m.from === 'janus' && describeSip(m.msg) === 'INVITE sip:1002@192.0.2.30:5060')[0]!.msg;
    expect(sipHeader(retried, 'To')).toBe('<sip:1002@rtclab.test>');
    expect(w.sip.filter((s) => s.startsWith('phone'))).toEqual(expect.arrayContaining(['phone 100 Trying (INVITE)', 'phone 180 Ringing (INVITE)', 'phone 200 OK (INVITE)']));
    const accepted = w.events[5]!;
    expect(accepted.jsep?.type).toBe('answer');
    const answer = decodeSdp(accepted.jsep!.sdp).value;
    const m = answer.media[0]!;
    expect(m.proto).toBe('UDP/TLS/RTP/SAVPF');
    expect(m.mid).toBe('0');
    expect(m.formats).toEqual(['0', '101']);
    expect(m.rtpmaps.map((r) => `${r.payloadType} ${r.encodingName}`)).toEqual(['0 PCMU', '101 telephone-event']);
    expect(m.direction).toBe('sendrecv');
    // extmap 2 is recvonly (csrc-audio-level) and not Janus's: left out
    expect(m.extmaps.map((e) => e.id)).toEqual([1, 3]);

    // media: the phone sends its tone to the gateway's RTP port, relayed to the browser; the browser's RTP to the phone
    w.plugin.setupMedia(w.at(), 7);
    w.runUntil(3.5 * SECOND);
    expect(w.relayed.length).toBeGreaterThan(10);
    const browserRtp = encodeRtp({ payloadType: 0, sequenceNumber: 1, timestamp: 160, ssrc: 743106987, payload: new Uint8Array(160).fill(0xff) });
    const before = w.phone.rtpReceived;
    w.plugin.incomingRtp(w.at(), 7, { video: false, mindex: 0, bytes: browserRtp });
    w.runUntil(3.6 * SECOND);
    expect(w.phone.rtpReceived).toBe(before + 1);

    expect(w.plugin.handleMessage(w.at(), 7, 'bye1', { request: 'hangup' }, undefined)).toEqual({ type: 'okWait' });
    w.runUntil(5 * SECOND);
    expect(results(w.events).slice(6)).toEqual(['hangingup', 'hangup']);
    expect(w.sip.slice(-2)).toEqual(['janus BYE sip:1002@192.0.2.30:5060', 'phone 200 OK (BYE)']);
    expect(w.plugin.querySession!(7)).toMatchObject({ registration_status: 'registered', call_status: 'ended' });
  });

  it('sends the INVITE where the real plugin does: outbound_proxy if given, else the Request-URI\'s host; a host name without DNS is 503 "DNS Error"', () => {
    // registered with `proxy` only: a URI naming a host has nowhere to go (Sofia-SIP's own event, as real Janus 1.1.2 gave it)
    const w = world();
    w.plugin.handleMessage(0, 7, 'reg1', { request: 'register', username: 'sip:1001@rtclab.test', secret: 's3cret', proxy: 'sip:198.51.100.5:5060' }, undefined);
    w.runUntil(500_000);
    w.plugin.handleMessage(w.at(), 7, 'call1', { request: 'call', uri: 'sip:1002@rtclab.test' }, { type: 'offer', sdp: anonymize(FIREFOX_OFFER) });
    w.runUntil(2 * SECOND);
    expect(results(w.events)).toEqual(['registering', 'registered', 'calling', 'hangup']);
    expect(w.events[3]!.data.result).toEqual({ event: 'hangup', code: 503, reason: 'DNS Error' });
    expect(w.sip.filter((x) => x.includes('INVITE'))).toEqual([]);
    // a URI with the phone's address: straight to it, the registrar never sees the INVITE
    w.plugin.handleMessage(w.at(), 7, 'call2', { request: 'call', uri: 'sip:1002@192.0.2.30:5060' }, { type: 'offer', sdp: anonymize(FIREFOX_OFFER) });
    w.runUntil(4 * SECOND);
    expect(results(w.events).slice(4)).toEqual(['calling', 'ringing', 'proceeding', 'accepted']);
    expect(w.sip.filter((x) => x.startsWith('janus INVITE'))).toEqual(['janus INVITE sip:1002@192.0.2.30:5060']);
    w.plugin.handleMessage(w.at(), 7, 'bad', { request: 'register', username: 'sip:1001@rtclab.test', proxy: 'sip:198.51.100.5:5060', outbound_proxy: 'sip:pbx.example' }, undefined);
    expect(w.events.at(-1)!.data).toMatchObject({ error_code: 446, error: 'Invalid outbound_proxy address (sip:pbx.example)' });
  });

  it('answers a 407 on its INVITE with the registered secret (Proxy-Authorization), then follows the 302', () => {
    const w = world({ authenticateInvites: true });
    w.plugin.handleMessage(0, 7, 'reg1', { request: 'register', username: 'sip:1001@rtclab.test', secret: 's3cret', proxy: 'sip:198.51.100.5:5060', outbound_proxy: 'sip:198.51.100.5:5060' }, undefined);
    w.runUntil(500_000);
    w.plugin.handleMessage(w.at(), 7, 'call1', { request: 'call', uri: 'sip:1002@rtclab.test' }, { type: 'offer', sdp: anonymize(FIREFOX_OFFER) });
    w.runUntil(3 * SECOND);
    const invites = w.sip.filter((s) => s.startsWith('janus INVITE') || s.startsWith('janus ACK') || / \(INVITE\) to janus$/.test(s));
    expect(invites).toEqual([
      'janus INVITE sip:1002@rtclab.test',
      'pbx 100 Trying (INVITE) to janus',
      'pbx 407 Proxy Authentication Required (INVITE) to janus',
      'janus ACK sip:1002@rtclab.test',
      'janus INVITE sip:1002@rtclab.test',
      'pbx 100 Trying (INVITE) to janus',
      'pbx 302 Moved Temporarily (INVITE) to janus',
      'janus ACK sip:1002@rtclab.test',
      'janus INVITE sip:1002@192.0.2.30:5060',
      'janus ACK sip:1002@192.0.2.30:5060',
    ]);
    const sent = w.messages.filter((m) => m.from === 'janus' && m.msg.start.kind === 'request' && m.msg.start.method === 'INVITE').map((m) => m.msg);
    expect(sipHeader(sent[0]!, 'Proxy-Authorization')).toBeUndefined();
    const cred = parseDigestCredentials(sipHeader(sent[1]!, 'Proxy-Authorization') ?? '');
    expect(cred).toMatchObject({ username: '1001', realm: 'rtclab.test', uri: 'sip:1002@rtclab.test', qop: 'auth', nc: '00000001' });
    // the phone is not the proxy that challenged: no credentials go to it
    expect(sipHeader(sent[2]!, 'Proxy-Authorization')).toBeUndefined();
    expect(results(w.events)).toEqual(['registering', 'registered', 'calling', 'ringing', 'proceeding', 'accepted']);
  });

  it('a wrong password: 401, credentials, 401 again: registration_failed', () => {
    const w = world();
    w.plugin.handleMessage(0, 7, 'reg1', { request: 'register', username: 'sip:1001@rtclab.test', secret: 'wrong', proxy: 'sip:198.51.100.5' }, undefined);
    w.runUntil(SECOND);
    expect(w.sip.filter((s) => s.endsWith(' to janus'))).toEqual(['pbx 401 Unauthorized (REGISTER) to janus', 'pbx 401 Unauthorized (REGISTER) to janus']);
    expect(results(w.events)).toEqual(['registering', 'registration_failed']);
    expect(w.events[1]!.data.result).toMatchObject({ event: 'registration_failed', code: 401 });
  });

  // the page's answer to the gateway's offer, as a WebRTC peer writes it (the gateway anonymizes it for the plugin)
  const PAGE_ANSWER = ['v=0', 'o=- 42 1 IN IP4 0.0.0.0', 's=-', 't=0 0', 'm=audio 9 UDP/TLS/RTP/SAVPF 0 101', 'c=IN IP4 0.0.0.0', 'a=sendrecv', 'a=mid:0', 'a=rtcp-mux', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15', ''].join('\r\n');
  const JANUS_SIP: TransportAddress = { ip: GW, port: 5070 };

  it('an incoming call: 100, 180, incomingcall with an offer from the caller\'s SDP; accept sends 200 OK from the answer; the caller\'s BYE is hangup', () => {
    const w = world();
    w.plugin.handleMessage(0, 7, 'reg1', { request: 'register', username: 'sip:1001@rtclab.test', secret: 's3cret', proxy: 'sip:198.51.100.5:5060', outbound_proxy: 'sip:198.51.100.5:5060' }, undefined);
    w.runUntil(SECOND);
    w.phone.dial(w.at(), 'sip:1001@198.51.100.40:5070', 2 * SECOND, JANUS_SIP);
    w.runUntil(1.5 * SECOND);
    expect(results(w.events)).toEqual(['registering', 'registered', 'incomingcall']);
    const inc = w.events[2]!;
    expect(inc.data.result).toEqual({ event: 'incomingcall', username: 'sip:1002@rtclab.test', callee: 'sip:1001@198.51.100.40:5070' });
    expect(inc.jsep?.type).toBe('offer');
    const offer = decodeSdp(inc.jsep!.sdp).value.media[0]!;
    expect([offer.proto, offer.formats.join(' '), offer.mid, offer.direction]).toEqual(['UDP/TLS/RTP/SAVPF', '0 8 101', '0', 'sendrecv']);
    expect(w.sip.filter((x) => x.startsWith('janus'))).toEqual(['janus REGISTER sip:rtclab.test', 'janus REGISTER sip:rtclab.test', 'janus 100 Trying (INVITE)', 'janus 180 Ringing (INVITE)']);
    // a second accept target: not invited any more after this one
    expect(w.plugin.handleMessage(w.at(), 7, 'acc1', { request: 'accept' }, { type: 'answer', sdp: anonymize(PAGE_ANSWER) })).toEqual({ type: 'okWait' });
    w.runUntil(2 * SECOND);
    expect(results(w.events).slice(3)).toEqual(['accepted']);
    expect(w.events[3]!.transaction).toBe('acc1');
    const ok = w.messages.find((m) => m.from === 'janus' && describeSip(m.msg) === '200 OK (INVITE)')!.msg;
    const okSdp = decodeSdp(ok.body).value;
    expect([okSdp.media[0]!.proto, okSdp.media[0]!.port, okSdp.media[0]!.formats.join(' '), okSdp.connection?.address]).toEqual(['RTP/AVP', 30000, '0 101', GW]);
    expect(w.sip).toContain('phone ACK sip:1001@198.51.100.40:5070');
    w.plugin.setupMedia(w.at(), 7);
    w.runUntil(3 * SECOND);
    expect(w.relayed.length).toBeGreaterThan(40);
    w.runUntil(5 * SECOND);
    expect(w.sip.slice(-2)).toEqual(['phone BYE sip:1001@198.51.100.40:5070', 'janus 200 OK (BYE)']);
    expect(results(w.events).at(-1)).toBe('hangup');
    expect(w.plugin.handleMessage(w.at(), 7, 'acc2', { request: 'accept' }, { type: 'answer', sdp: PAGE_ANSWER })).toEqual({ type: 'okWait' });
    expect(w.events.at(-1)!.data).toMatchObject({ error_code: 447 });
  });

  it('decline answers the INVITE with 486 (or the code asked), then hangup; a call while one is up gets 486 and missed_call', () => {
    const w = world();
    w.phone.dial(0, 'sip:1001@198.51.100.40:5070', SECOND, JANUS_SIP);
    w.runUntil(200_000);
    expect(results(w.events)).toEqual(['incomingcall']);
    // busy: a second caller while the first rings
    w.phone.dial(w.at(), 'sip:1001@198.51.100.40:5070', SECOND, JANUS_SIP);
    w.runUntil(400_000);
    expect(w.sip.filter((x) => x.startsWith('janus'))).toEqual(['janus 100 Trying (INVITE)', 'janus 180 Ringing (INVITE)', 'janus 486 Busy Here (INVITE)']);
    expect(w.events[1]!.data.result).toMatchObject({ event: 'missed_call', caller: 'sip:1002@rtclab.test', callee: 'sip:1001@198.51.100.40:5070' });
    w.plugin.handleMessage(w.at(), 7, 'dec1', { request: 'decline', code: 603 }, undefined);
    w.runUntil(SECOND);
    expect(results(w.events).slice(2)).toEqual(['declining', 'hangup']);
    expect(w.events[2]!.data.result).toEqual({ event: 'declining', code: 603 });
    expect(w.events[3]!.data.result).toMatchObject({ code: 603 });
    expect(w.sip.filter((x) => x.startsWith('janus')).at(-1)).toBe('janus 603 Decline (INVITE)');
    expect(w.sip.at(-1)).toBe('phone ACK sip:1001@198.51.100.40:5070');
  });

  it('the caller gives up while it rings: CANCEL, 200, 487, and the hangup event', () => {
    const w = world();
    const call = w.phone.dial(0, 'sip:1001@198.51.100.40:5070', SECOND, JANUS_SIP)!;
    w.runUntil(300_000);
    call.cancel(w.at());
    w.runUntil(SECOND);
    expect(w.sip.filter((x) => x.startsWith('janus'))).toEqual(['janus 100 Trying (INVITE)', 'janus 180 Ringing (INVITE)', 'janus 200 OK (CANCEL)', 'janus 487 Request Terminated (INVITE)']);
    expect(results(w.events)).toEqual(['incomingcall', 'hangup']);
    expect(w.events[1]!.data.result).toMatchObject({ event: 'hangup', code: 487 });
  });

  it('hold: a re-INVITE with a=sendonly, the phone answers recvonly and stops; unhold: sendrecv again; no call: ignored', () => {
    const w = world();
    w.plugin.handleMessage(0, 7, 'h0', { request: 'hold' }, undefined);
    expect(w.events).toEqual([]);
    w.plugin.handleMessage(0, 7, 'reg1', { request: 'register', username: 'sip:1001@rtclab.test', secret: 's3cret', proxy: 'sip:198.51.100.5:5060', outbound_proxy: 'sip:198.51.100.5:5060' }, undefined);
    w.runUntil(500_000);
    w.plugin.handleMessage(w.at(), 7, 'call1', { request: 'call', uri: 'sip:1002@rtclab.test' }, { type: 'offer', sdp: anonymize(FIREFOX_OFFER) });
    w.runUntil(3 * SECOND);
    w.plugin.setupMedia(w.at(), 7);
    expect(w.plugin.handleMessage(w.at(), 7, 'h1', { request: 'hold', direction: 'upside-down' }, undefined)).toEqual({ type: 'okWait' });
    expect(w.events.at(-1)!.data).toMatchObject({ error_code: 444 });
    w.plugin.handleMessage(w.at(), 7, 'h2', { request: 'hold', direction: 'inactive' }, undefined);
    w.runUntil(3.5 * SECOND);
    const before = w.relayed.length;
    w.runUntil(4.5 * SECOND);
    expect(w.relayed.length).toBe(before);
    w.plugin.handleMessage(w.at(), 7, 'u1', { request: 'unhold' }, undefined);
    w.runUntil(5.5 * SECOND);
    expect(w.relayed.length).toBeGreaterThan(before + 30);
    expect(results(w.events).filter((e) => e === 'holding' || e === 'resuming')).toEqual(['holding', 'resuming']);
    const reinvites = w.messages.filter((m) => m.from === 'janus' && m.msg.start.kind === 'request' && m.msg.start.method === 'INVITE').slice(2);
    expect(reinvites.map((m) => [sipHeader(m.msg, 'CSeq'), /a=(sendrecv|sendonly|recvonly|inactive)/.exec(new TextDecoder().decode(m.msg.body))?.[1]])).toEqual([['3 INVITE', 'inactive'], ['4 INVITE', 'sendrecv']]);
    const answers = w.messages.filter((m) => m.from === 'phone' && describeSip(m.msg) === '200 OK (INVITE)').slice(1);
    expect(answers.map((m) => /a=(sendrecv|sendonly|recvonly|inactive)/.exec(new TextDecoder().decode(m.msg.body))?.[1])).toEqual(['inactive', 'sendrecv']);
  });

  it('answers bad requests with the SIP plugin\'s error codes', () => {
    const w = world();
    w.plugin.handleMessage(0, 7, 't1', { request: 'call', uri: 'sip:1002@rtclab.test' }, undefined);
    w.plugin.handleMessage(0, 7, 't2', { request: 'register' }, undefined);
    w.plugin.handleMessage(0, 7, 't3', { request: 'dance' }, undefined);
    w.plugin.handleMessage(0, 7, 't4', { request: 'hangup' }, undefined);
    expect(w.events.map((e) => e.data.error_code)).toEqual([448, 443, 442, 447]);
  });
});
