// Interop: werift (an independent TypeScript WebRTC stack: its own ICE, DTLS 1.2, SCTP and DCEP) offers a data
// channel call to our sim WebRtcPeer over real UDP on 127.0.0.1. werift judges our ICE checks, our DTLS 1.2 client,
// our SCTP association and DCEP: a channel opened each way (werift, the DTLS server, on an odd stream; we on an
// even one, RFC 8832 §6), messages both ways in order, a 20 kB message fragmented and reassembled. werift has no
// DTLS 1.3, so we offer it 1.3 and 1.2 and must fall back to 1.2.
import { describe, expect, it } from 'vitest';
import { RTCPeerConnection, type RTCDataChannel } from 'werift';
import { MS } from '../sim/core/time.ts';
import { Rng } from '../sim/core/rng.ts';
import { generateDtlsIdentity } from '../sim/dtls/identity.ts';
import { WebRtcPeer } from '../sim/peer/webrtc-peer.ts';
import type { DataChannelAction } from '../sim/sctp/datachannels.ts';
import type { JsepMessage } from '../sim/signaling/jsep.ts';
import { jsep } from '../sim/signaling/message.ts';
import { UdpBridge, type BridgeNote } from './udp-bridge.ts';
import { sleep } from './wait.ts';

describe('werift and our peer open data channels both ways over real UDP', () => {
  it('werift accepts our ICE, DTLS (1.2, after our 1.3 offer) and SCTP; DCEP and messages both ways, a 20 kB message reassembled', { timeout: 120_000 }, async () => {
    const schedule: DataChannelAction[] = [
      { at: 0, do: 'open', label: 'from-rtclab', protocol: 'json' },
      { at: 0, do: 'send', label: 'from-rtclab', text: 'rtclab says {n}', count: 3, every: 20 * MS },
      { at: 0, do: 'send', label: 'from-werift', text: 'rtclab answers {n}', count: 2, every: 20 * MS },
      { at: 100 * MS, do: 'send', label: 'from-werift', bytes: 20_000, count: 1 },
    ];
    const rng = Rng.fromSeed(11);
    const peer = new WebRtcPeer({
      name: 'rtclab', rng: rng.fork('peer'), identity: generateDtlsIdentity(rng.fork('identity'), 'rtclab'), offerer: false, trickle: false,
      media: { audio: false, video: false }, dataChannels: { schedule }, dtls13: { versions: ['1.3', '1.2'] },
    });
    const notes: BridgeNote[] = [];
    const signals: JsepMessage[] = [];
    const bridge = new UdpBridge(peer, { onNote: (n) => notes.push(n), onSignal: (_to, m) => m.protocol === 'jsep' && signals.push(m.body) });
    const pc = new RTCPeerConnection({ iceAdditionalHostAddresses: ['127.0.0.1'], iceUseIpv6: false });
    const got = new Map<string, string[]>();
    const watch = (ch: RTCDataChannel): void => {
      got.set(ch.label, []);
      ch.onMessage.subscribe((m) => got.get(ch.label)!.push(typeof m === 'string' ? m : `<${m.length} bytes>`));
    };
    try {
      const ours = await bridge.bind('127.0.0.1', 0);
      peer.addLocalAddress(ours);
      const dc = pc.createDataChannel('from-werift', { protocol: 'chat' });
      watch(dc);
      let weriftOpened: RTCDataChannel | undefined;
      pc.onDataChannel.subscribe((ch) => {
        weriftOpened = ch;
        watch(ch);
        ch.stateChanged.subscribe((s) => s === 'open' && [1, 2].forEach((i) => ch.send(`werift answers ${i}`)));
        if (ch.readyState === 'open') [1, 2].forEach((i) => ch.send(`werift answers ${i}`));
      });
      dc.stateChanged.subscribe((s) => s === 'open' && [1, 2, 3].forEach((i) => dc.send(`werift says ${i}`)));
      await pc.setLocalDescription(await pc.createOffer());
      for (let i = 0; i < 600 && pc.iceGatheringState !== 'complete'; i++) await sleep(50); // a bound (30 s) for a busy machine
      const offer = pc.localDescription!.sdp;
      expect(offer).toMatch(/m=application \d+ UDP\/DTLS\/SCTP webrtc-datachannel/);
      peer.handleSignal(bridge.now(), 'werift', jsep({ type: 'offer', sdp: offer }));
      bridge.pump();
      await bridge.until(() => signals.some((s) => s.type === 'answer'), 30_000, 'our answer');
      const answer = (signals.find((s) => s.type === 'answer') as { sdp: string }).sdp;
      await pc.setRemoteDescription({ type: 'answer', sdp: answer });
      const log = () => notes.filter((n) => /dtls|sctp|datachannel|ice.state|peer.state/.test(n.kind)).map((n) => `${n.t} ${n.text}`).join('\n');
      await bridge.until(() => (got.get('from-werift')?.length ?? 0) >= 3 && (got.get('from-rtclab')?.length ?? 0) >= 3 && (peer.transport.dataChannels?.channels.size ?? 0) >= 2 && [...peer.transport.dataChannels!.channels.values()].every((c) => c.received.length >= 2), 60_000, 'messages both ways').catch((e: Error) => {
        throw new Error(`${e.message}\nwerift got ${JSON.stringify([...got])}\n${log()}`);
      });
      // DTLS: werift has 1.2 only; we offered 1.3 and fell back, as its client, and checked its certificate
      expect(peer.summary().dtls, log()).toMatchObject({ role: 'client', state: 'connected', version: 'DTLS 1.2', fingerprintVerified: true });
      expect(notes.filter((n) => n.kind === 'dtls.version').map((n) => n.text).join('\n')).toMatch(/DTLS 1.2 HelloVerifyRequest: going on as a DTLS 1.2 client/);
      // stream ids by DTLS role (RFC 8832 §6): werift, the server, odd; we, the client, even
      const chans = new Map([...peer.transport.dataChannels!.channels.values()].map((c) => [c.label, c]));
      expect(chans.get('from-werift')).toMatchObject({ streamId: 1, protocol: 'chat', by: 'remote', state: 'open' });
      expect(chans.get('from-rtclab')).toMatchObject({ streamId: 0, protocol: 'json', by: 'local', state: 'open' });
      expect(weriftOpened?.id).toBe(0);
      expect(weriftOpened?.protocol).toBe('json');
      expect(dc.id).toBe(1);
      // messages both ways, in order
      expect(chans.get('from-werift')!.received).toEqual(['werift says 1', 'werift says 2', 'werift says 3']);
      expect(chans.get('from-rtclab')!.received).toEqual(['werift answers 1', 'werift answers 2']);
      expect(got.get('from-rtclab')).toEqual(['rtclab says 1', 'rtclab says 2', 'rtclab says 3']);
      await bridge.until(() => (got.get('from-werift')?.length ?? 0) >= 3, 30_000, 'the 20 kB message');
      // (the schedule's times count from the bridge's start, long past when SCTP is up: the 20 kB message goes between
      // or after the two answers, and werift delivers them in the order we sent them)
      const sent = peer.transport.dataChannels!.channels.get(1)!.stats;
      expect(sent).toMatchObject({ messagesSent: 3, bytesSent: 20_000 + 'rtclab answers 1'.length * 2 });
      expect(got.get('from-werift')!.filter((m) => m.startsWith('rtclab'))).toEqual(['rtclab answers 1', 'rtclab answers 2']);
      expect(got.get('from-werift')).toContain('<20000 bytes>');
      expect(peer.transport.dataChannels!.summary()).toMatchObject({ state: 'established', dataChannelsOpened: 2, malformed: 0 });
    } finally {
      await pc.close().catch(() => undefined);
      bridge.close();
    }
  });
});
