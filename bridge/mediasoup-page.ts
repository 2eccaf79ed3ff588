// Node only: the page a headless Chromium loads to join a room of our mediasoup-style server with the real
// mediasoup-client (npm "mediasoup-client", bundled for the page by esbuild from node_modules), as mediasoup-demo's
// RoomClient does: protoo over a WebSocket (a small protoo client of our own: JSON requests, responses and
// notifications, subprotocol "protoo"), getRouterRtpCapabilities → Device.load, a send and a receive
// WebRtcTransport, join, then produce / produceData, and newConsumer / newDataConsumer answered with consume /
// consumeData. Driven from Node by page.evaluate on `window.room`.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** mediasoup-client as one script for the page (an IIFE setting `window.mediasoupClient`). */
export async function bundleMediasoupClient(): Promise<{ code: string; version: string }> {
  const r = await build({
    stdin: { contents: "export * from 'mediasoup-client';", resolveDir: ROOT, loader: 'js', sourcefile: 'mediasoup-client-entry.js' },
    bundle: true, format: 'iife', globalName: 'mediasoupClient', platform: 'browser', write: false, logLevel: 'silent', target: 'es2022',
  });
  const code = r.outputFiles[0]?.text ?? '';
  const m = /version\s*=\s*['"](\d+\.\d+\.\d+)['"]/.exec(code);
  return { code, version: m?.[1] ?? 'unknown' };
}

/** The page: mediasoup-client from /mediasoup-client.js and `window.room`. */
export const MEDIASOUP_PAGE = `<!doctype html><meta charset="utf-8"><title>rtclab mediasoup room</title>
<script src="/mediasoup-client.js"></script><script>
class Protoo {
  constructor(url) {
    this.pending = new Map(); this.nextId = Math.floor(Math.random() * 1e7); this.onRequest = () => {}; this.notifications = [];
    this.ws = new WebSocket(url, 'protoo');
    this.opened = new Promise((resolve, reject) => { this.ws.onopen = resolve; this.ws.onerror = () => reject(new Error('WebSocket error')); });
    this.ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.response) {
        const p = this.pending.get(m.id); if (!p) return; this.pending.delete(m.id);
        m.ok ? p.resolve(m.data || {}) : p.reject(new Error(m.method + ' ' + m.errorCode + ' ' + m.errorReason));
      } else if (m.request) {
        const reply = (r) => this.ws.send(JSON.stringify({ response: true, id: m.id, ...r }));
        Promise.resolve().then(() => this.onRequest(m)).then((data) => reply({ ok: true, data: data || {} }), (err) => reply({ ok: false, errorCode: 500, errorReason: String(err && err.message || err) }));
      } else if (m.notification) this.notifications.push(m.method);
    };
  }
  request(method, data) {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ request: true, id, method, data: data || {} }));
    return new Promise((resolve, reject) => this.pending.set(id, { resolve: resolve, reject: (e) => { e.message = method + ': ' + e.message; reject(e); } }));
  }
}
// what mediasoup-client's device.sctpCapabilities was until 3.24 removed it (the stream counts are negotiated in the
// SCTP handshake, mediasoup-client PR #376); our server follows the older demo, which sent it to enable SCTP
const SCTP_CAPABILITIES = { numStreams: { OS: 1024, MIS: 1024 } };
const view = (m) => typeof m === 'string' ? m : '<' + (m.byteLength ?? m.size) + ' bytes>';
window.room = {
  errors: [], consumers: [], dataConsumers: [], dataProducers: [], producers: [],
  async join(url, name) {
    const r = window.room;
    const protoo = r.protoo = new Protoo(url);
    await protoo.opened;
    const device = r.device = await mediasoupClient.Device.factory();
    await device.load({ routerRtpCapabilities: await protoo.request('getRouterRtpCapabilities') });
    const make = async (producing) => {
      const info = await protoo.request('createWebRtcTransport', { forceTcp: false, producing, consuming: !producing, sctpCapabilities: SCTP_CAPABILITIES });
      const t = producing ? device.createSendTransport({ ...info, iceServers: [] }) : device.createRecvTransport({ ...info, iceServers: [] });
      t.on('connect', ({ dtlsParameters }, ok, fail) => protoo.request('connectWebRtcTransport', { transportId: t.id, dtlsParameters }).then(() => ok(), fail));
      t.on('produce', ({ kind, rtpParameters, appData }, ok, fail) => protoo.request('produce', { transportId: t.id, kind, rtpParameters, appData }).then(({ id }) => ok({ id }), fail));
      t.on('producedata', ({ sctpStreamParameters, label, protocol, appData }, ok, fail) => protoo.request('produceData', { transportId: t.id, sctpStreamParameters, label, protocol, appData }).then(({ id }) => ok({ id }), fail));
      return t;
    };
    r.send = await make(true);
    r.recv = await make(false);
    protoo.onRequest = async (m) => {
      const d = m.data;
      if (m.method === 'newConsumer') {
        const c = await r.recv.consume({ id: d.id, producerId: d.producerId, kind: d.kind, rtpParameters: d.rtpParameters, appData: { peerId: d.peerId } });
        r.consumers.push(c);
        // accepted; then resumed (the server keeps a new consumer paused until the client is ready, as mediasoup advises)
        setTimeout(() => protoo.request('resumeConsumer', { consumerId: c.id }).catch((e) => r.errors.push(String(e))), 0);
        return {};
      }
      if (m.method === 'newDataConsumer') {
        const dc = await r.recv.consumeData({ id: d.id, dataProducerId: d.dataProducerId, sctpStreamParameters: d.sctpStreamParameters, label: d.label, protocol: d.protocol, appData: { peerId: d.peerId } });
        dc.binaryType = 'arraybuffer';
        const rec = { id: d.id, peerId: d.peerId, label: dc.label, protocol: dc.protocol, streamId: dc.sctpStreamParameters.streamId, ordered: dc.sctpStreamParameters.ordered, open: dc.readyState === 'open', received: [] };
        dc.on('open', () => { rec.open = true; });
        dc.on('message', (msg) => rec.received.push(view(msg)));
        r.dataConsumers.push({ dc, rec });
        return {};
      }
      throw new Error('unexpected request ' + m.method);
    };
    const answer = await protoo.request('join', { displayName: name, device: { flag: 'chromium', name: 'Chromium', version: navigator.userAgent }, rtpCapabilities: device.rtpCapabilities, sctpCapabilities: SCTP_CAPABILITIES });
    return { handler: device.handlerName, peers: answer.peers.map((p) => p.id) };
  },
  async produce(media, data) {
    const r = window.room;
    if (media) {
      const s = r.stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 240, frameRate: 15 } });
      for (const track of s.getTracks()) r.producers.push(await r.send.produce({ track, ...(track.kind === 'video' ? { encodings: [{ maxBitrate: 200000 }] } : {}) }));
    }
    for (const o of data) {
      const dp = await r.send.produceData(o);
      const rec = { label: dp.label, streamId: dp.sctpStreamParameters.streamId, ordered: dp.sctpStreamParameters.ordered, maxRetransmits: dp.sctpStreamParameters.maxRetransmits ?? null, open: dp.readyState === 'open' };
      dp.on('open', () => { rec.open = true; });
      r.dataProducers.push({ dp, rec });
    }
    return r.producers.map((p) => ({ kind: p.kind, ssrc: p.rtpParameters.encodings[0].ssrc, mid: p.rtpParameters.mid, pt: p.rtpParameters.codecs[0].payloadType }));
  },
  /** Sends on the producer with this label: texts, then binary messages of these sizes. */
  sendOn(label, texts, sizes) {
    const dp = window.room.dataProducers.find((x) => x.dp.label === label).dp;
    for (const t of texts) dp.send(t);
    for (const n of sizes) { const b = new Uint8Array(n); for (let i = 0; i < n; i++) b[i] = i & 255; dp.send(b.buffer); }
  },
  state() {
    const r = window.room;
    return {
      send: r.send?.connectionState ?? null, recv: r.recv?.connectionState ?? null, errors: r.errors,
      consumers: r.consumers.map((c) => ({ kind: c.kind, producerId: c.producerId, ssrc: c.rtpParameters.encodings[0].ssrc, mid: c.rtpParameters.mid })),
      dataProducers: r.dataProducers.map((x) => ({ ...x.rec })),
      dataConsumers: r.dataConsumers.map((x) => ({ ...x.rec, received: [...x.rec.received] })),
      notifications: [...(r.protoo?.notifications ?? [])],
    };
  },
  async stats() {
    const o = {};
    for (const [name, t] of [['send', window.room.send], ['recv', window.room.recv]]) (await t.getStats()).forEach((v) => { o[name + ':' + v.id] = v; });
    return o;
  },
  close() { const r = window.room; r.stream?.getTracks().forEach((t) => t.stop()); r.send?.close(); r.recv?.close(); r.protoo?.ws.close(); },
};
</script>`;
